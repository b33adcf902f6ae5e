/*
 * Whole-program tests of what a tweet or a server cannot make the fetch
 * layer do: reach inside addresses (the destination policy), carry headers
 * or credentials across a redirect, hang the run (long URLs, slow hosts,
 * --tweet-timeout), overflow on Retry-After, or slip a Location past its
 * bounds. Against the test server on 127.0.0.1 and its second port.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "run.h"

#define REFUSED "destination not allowed"

static json_t *
enr(json_t *line, const char *name)
{
	return (json_object_get(json_object_get(line, "enrichments"), name));
}

static long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000L + ts.tv_nsec / 1000000);
}

/* A tweet whose entities list the given links (NULL-terminated). */
static char *
tweet_links(const char *first, ...)
{
	va_list		 ap;
	const char	*l;
	json_t		*urls = json_array(), *t;
	char		*s, *line;

	va_start(ap, first);
	for (l = first; l != NULL; l = va_arg(ap, const char *))
		json_array_append_new(urls, json_pack("{s:s}", "url", l));
	va_end(ap);
	t = json_pack("{s:i,s:{s:o}}", "id", 0, "entities", "urls", urls);
	s = json_dumps(t, JSON_COMPACT);
	json_decref(t);
	ck_assert(asprintf(&line, "%s\n", s) != -1);
	free(s);
	return (line);
}

/* The i-th link of the unshorten value of an output line. */
static json_t *
link_of(json_t *line, u_int i)
{
	json_t	*o = json_array_get(enr(line, "unshorten"), i);

	ck_assert_ptr_nonnull(o);
	return (o);
}

static const char *
link_str(json_t *line, u_int i, const char *key)
{
	return (json_string_value(json_object_get(link_of(line, i), key)));
}

/* Every spelling of a loopback or inside address is refused, before any
 * connection, with one text whether the port is open or closed. */
START_TEST(test_policy_forms)
{
	static const char *const forms[] = {
		"127.0.0.1", "2130706433", "0x7f.1", "017700000001", "127.1",
		"0", "[::1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]",
		"localhost", "[0:0:0:0:0:0:0:1]", "0x7f000001", "127.0.0.1.nip.io.invalid"
	};
	struct proc	 p;
	json_t		*j, *urls, *t;
	char		*in, *s, u[256];
	size_t		 i, n = sizeof forms / sizeof forms[0];

	urls = json_array();
	for (i = 0; i < n; i++) {
		snprintf(u, sizeof u, "http://%s:%d/json?%zu", forms[i],
		    server_port, i);
		json_array_append_new(urls, json_pack("{s:s}", "url", u));
	}
	/* Link-local metadata, a closed port, port 80, HEAD refused. */
	json_array_append_new(urls, json_pack("{s:s}", "url",
	    "http://169.254.169.254/latest/meta-data/"));
	snprintf(u, sizeof u, "http://127.0.0.1:%d/json", free_port());
	json_array_append_new(urls, json_pack("{s:s}", "url", u));
	json_array_append_new(urls, json_pack("{s:s}", "url",
	    "http://127.0.0.1/"));
	snprintf(u, sizeof u, "http://127.0.0.1:%d/headrefused", server_port);
	json_array_append_new(urls, json_pack("{s:s}", "url", u));
	snprintf(u, sizeof u, "https://127.0.0.1:%d/json", server_port);
	json_array_append_new(urls, json_pack("{s:s}", "url", u));
	t = json_pack("{s:i,s:{s:o}}", "id", 0, "entities", "urls", urls);
	s = json_dumps(t, JSON_COMPACT);
	json_decref(t);
	ck_assert(asprintf(&in, "%s\n", s) != -1);
	free(s);

	te_run(&p, in, "-e", "unshorten", "--retries", "0", NULL);
	ck_assert_msg(p.status == 0, "%d: %s", p.status, p.ebuf);
	j = line_of(&p, 0);
	ck_assert_uint_eq(json_array_size(enr(j, "unshorten")), n + 5);
	for (i = 0; i < n + 5; i++) {
		/* The .invalid name does not resolve: not our concern. */
		if (strstr(link_str(j, i, "url"), ".invalid") != NULL)
			continue;
		ck_assert_msg(link_str(j, i, "error") != NULL &&
		    strcmp(link_str(j, i, "error"), REFUSED) == 0,
		    "%s: %s", link_str(j, i, "url"), link_str(j, i, "error"));
		ck_assert(json_is_null(json_object_get(link_of(j, i),
		    "status")));
	}
	json_decref(j);
	proc_free(&p);
	/* The server saw nothing at all. */
	ck_assert_int_eq(server_count(server_port, "requests"), 0);

	/* --allow-net admits them, on any port (a long timeout: valgrind). */
	te_run(&p, in, "-e", "unshorten", "--retries", "1", "--allow-net",
	    "127.0.0.0/8", "--timeout", "60000", NULL);
	ck_assert_int_eq(p.status, 0);
	j = line_of(&p, 0);
	for (i = 0; i < 5; i++)
		ck_assert_msg(json_integer_value(json_object_get(link_of(j, i),
		    "status")) == 200, "%s: %s", link_str(j, i, "url"),
		    link_str(j, i, "error"));
	/* The HEAD refused with 405 is asked again with GET, allowed now. */
	ck_assert_int_eq(json_integer_value(json_object_get(link_of(j, n + 3),
	    "status")), 200);
	json_decref(j);
	proc_free(&p);
	ck_assert_int_ge(server_count(server_port, "requests"), 5);
	free(in);
}
END_TEST

/* Ports: 80 and 443 only for global addresses, unless --allow-port. */
START_TEST(test_policy_options)
{
	struct proc	 p;
	char		*in, u[128];

	te_run(&p, "{}\n", "-e", "unshorten", "--allow-net", "10.0.0.0/33",
	    NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "--allow-net"));
	proc_free(&p);
	te_run(&p, "{}\n", "-e", "unshorten", "--allow-port", "http", NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "--allow-port"));
	proc_free(&p);
	/* --allow-port does not open inside addresses. */
	in = tweet_links("http://127.0.0.1:1/", NULL);
	te_run(&p, in, "-e", "unshorten", "--allow-port", "1", NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_ptr_nonnull(strstr(p.obuf, REFUSED));
	proc_free(&p);
	free(in);

	/* Where localhost is ::1 (refused) and 127.0.0.1 (admitted), the
	 * answer of the admitted one stands, a 503 included (on a machine
	 * whose localhost is 127.0.0.1 alone this only checks the answer). */
	snprintf(u, sizeof u, "http://localhost:%d/status/503", server_port);
	in = tweet_links(u, NULL);
	te_run(&p, in, "-e", "unshorten", "--allow-net", "127.0.0.1/32",
	    "--retries", "0", NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_ptr_null(strstr(p.obuf, REFUSED));
	ck_assert_ptr_nonnull(strstr(p.obuf, "\"status\":503"));
	proc_free(&p);
	free(in);
}
END_TEST

/* http: the template's host is the user's choice; a redirect off it meets
 * the policy, and the refused target receives nothing. */
START_TEST(test_policy_redirect)
{
	struct proc	 p;
	json_t		*j;
	char		 spec[512], *in;

	snprintf(spec, sizeof spec, "http:url=http://127.0.0.1:%d/to?"
	    "http://127.0.0.1:%d/headers", server_port, server_port2);
	te_run(&p, "{\"id\":0}\n", "-e", spec, "--retries", "0", NULL);
	ck_assert_int_eq(p.status, 0);
	j = line_of(&p, 0);
	ck_assert_str_eq(err(j, "http"), REFUSED);
	json_decref(j);
	proc_free(&p);
	ck_assert_int_eq(server_count(server_port, "requests"), 1);
	ck_assert_int_eq(server_count(server_port2, "requests"), 0);

	/* unshorten: allowed first hop, refused second. */
	snprintf(spec, sizeof spec, "http://127.0.0.1:%d/to?http://127.0.0.2:"
	    "%d/json", server_port, server_port);
	in = tweet_links(spec, NULL);
	te_run(&p, in, "-e", "unshorten", "--retries", "0", "--allow-net",
	    "127.0.0.1/32", NULL);
	ck_assert_int_eq(p.status, 0);
	j = line_of(&p, 0);
	ck_assert_str_eq(link_str(j, 0, "error"), REFUSED);
	ck_assert_int_eq(json_integer_value(json_object_get(link_of(j, 0),
	    "hops")), 1);
	json_decref(j);
	proc_free(&p);
	free(in);
	ck_assert_int_eq(server_count(server_port, "requests"), 2);
}
END_TEST

/* A redirect to another origin carries no custom header, Authorization,
 * Cookie or Proxy-Authorization; one to the same origin keeps them. */
START_TEST(test_redirect_drops_headers)
{
	struct proc	 p;
	json_t		*j, *h;
	char		 s1[512], s2[512];

	snprintf(s1, sizeof s1, "http:url=http://127.0.0.1:%d/to?"
	    "http://127.0.0.1:%d/headers,header=X-Test: key,header="
	    "Authorization: Bearer tok,header=Cookie: c=1,header="
	    "Proxy-Authorization: Basic eA==,as=cross", server_port,
	    server_port2);
	snprintf(s2, sizeof s2, "http:url=http://127.0.0.1:%d/to?/headers,"
	    "header=X-Test: key,header=Authorization: Bearer tok,as=same",
	    server_port);
	te_run(&p, "{\"id\":0}\n", "-e", s1, "-e", s2, "--allow-net",
	    "127.0.0.0/8", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	j = line_of(&p, 0);
	h = enr(j, "cross");
	ck_assert_msg(json_is_object(h), "%s", p.obuf);
	ck_assert_ptr_null(json_object_get(h, "X-Test"));
	ck_assert_ptr_null(json_object_get(h, "Authorization"));
	ck_assert_ptr_null(json_object_get(h, "Cookie"));
	ck_assert_ptr_null(json_object_get(h, "Proxy-Authorization"));
	h = enr(j, "same");
	ck_assert_str_eq(json_string_value(json_object_get(h, "X-Test")),
	    "key");
	ck_assert_str_eq(json_string_value(json_object_get(h,
	    "Authorization")), "Bearer tok");
	json_decref(j);
	proc_free(&p);
	/* As the server counted: the first port got them, the second not. */
	ck_assert_int_eq(server_count(server_port2, "requests"), 1);
	ck_assert_int_eq(server_count(server_port2, "credentials"), 0);
	ck_assert_int_eq(server_count(server_port, "credentials"), 3);
}
END_TEST

/* A POST redirected by a 302 becomes a GET without its body, as curl and
 * browsers do; the redirect is followed by fetch.c, not curl. */
START_TEST(test_redirect_method)
{
	struct proc	 p;
	json_t		*j, *v;
	char		 spec[256];

	snprintf(spec, sizeof spec, "http:url=http://127.0.0.1:%d/to?/echo,"
	    "body={\"a\":1}", server_port);
	te_run(&p, "{\"id\":0}\n", "-e", spec, NULL);
	ck_assert_int_eq(p.status, 0);
	j = line_of(&p, 0);
	v = enr(j, "http");
	ck_assert_msg(json_is_object(v), "%s", p.obuf);
	ck_assert_str_eq(json_string_value(json_object_get(v, "method")),
	    "GET");
	ck_assert_str_eq(json_string_value(json_object_get(v, "body")), "");
	json_decref(j);
	proc_free(&p);
}
END_TEST

/* user:password in a Location (or a link) is neither sent nor shown. */
START_TEST(test_redirect_userinfo)
{
	struct proc	 p;
	json_t		*j, *h;
	char		 spec[512], l1[256], l2[256], want[256], *in;

	snprintf(spec, sizeof spec, "http:url=http://127.0.0.1:%d/to?"
	    "http://user:secret@127.0.0.1:%d/headers", server_port,
	    server_port);
	te_run(&p, "{\"id\":0}\n", "-e", spec, NULL);
	ck_assert_int_eq(p.status, 0);
	j = line_of(&p, 0);
	h = enr(j, "http");
	ck_assert(json_is_object(h));
	ck_assert_ptr_null(json_object_get(h, "Authorization"));
	json_decref(j);
	proc_free(&p);

	snprintf(l1, sizeof l1, "http://127.0.0.1:%d/to?http://user:secret@"
	    "127.0.0.1:%d/headers", server_port, server_port);
	snprintf(l2, sizeof l2, "http://me:pw@127.0.0.1:%d/headers",
	    server_port);
	in = tweet_links(l1, l2, NULL);
	te_run(&p, in, "-e", "unshorten", "--allow-net", "127.0.0.0/8", NULL);
	ck_assert_int_eq(p.status, 0);
	j = line_of(&p, 0);
	snprintf(want, sizeof want, "http://127.0.0.1:%d/headers",
	    server_port);
	ck_assert_str_eq(link_str(j, 0, "expanded"), want);
	ck_assert_str_eq(link_str(j, 1, "expanded"), want);
	json_decref(j);
	proc_free(&p);
	free(in);
	ck_assert_int_eq(server_count(server_port, "credentials"), 0);
}
END_TEST

/* Locations: encoded as curl would, 8 KB at most, and one is required. */
START_TEST(test_location_handling)
{
	struct proc	 p;
	json_t		*j;
	char		 l[4][256], want[256], *in, spec[256];

	snprintf(l[0], sizeof l[0], "http://127.0.0.1:%d/to?/json/%%FF%%FE%%20"
	    "%%C3%%A9", server_port);
	snprintf(l[1], sizeof l[1], "http://127.0.0.1:%d/noloc", server_port);
	snprintf(l[2], sizeof l[2], "http://127.0.0.1:%d/bigloc/9000",
	    server_port);
	snprintf(l[3], sizeof l[3], "http://127.0.0.1:%d/bigloc/8000",
	    server_port);
	in = tweet_links(l[0], l[1], l[2], l[3], NULL);
	te_run(&p, in, "-e", "unshorten", "--allow-net", "127.0.0.0/8",
	    "--retries", "0", NULL);
	ck_assert_int_eq(p.status, 0);
	j = line_of(&p, 0);
	snprintf(want, sizeof want, "http://127.0.0.1:%d/json/%%ff%%fe%%20"
	    "%%c3%%a9", server_port);
	ck_assert_str_eq(link_str(j, 0, "expanded"), want);
	ck_assert_int_eq(json_integer_value(json_object_get(link_of(j, 0),
	    "status")), 200);
	ck_assert_str_eq(link_str(j, 1, "error"),
	    "redirect without a Location");
	ck_assert_ptr_nonnull(strstr(link_str(j, 2, "error"),
	    "longer than 8192"));
	ck_assert_ptr_null(link_str(j, 3, "error"));
	ck_assert_uint_eq(strlen(link_str(j, 3, "expanded")), 8000 +
	    strlen(want) - strlen("/json/%ff%fe%20%c3%a9"));
	json_decref(j);
	proc_free(&p);
	free(in);

	/* http: a 3xx without Location is an error, not a value. */
	snprintf(spec, sizeof spec, "http:url=http://127.0.0.1:%d/noloc",
	    server_port);
	te_run(&p, "{\"id\":0}\n", "-e", spec, NULL);
	j = line_of(&p, 0);
	ck_assert_str_eq(err(j, "http"), "redirect without a Location");
	json_decref(j);
	proc_free(&p);
}
END_TEST

/* A URL over 64 KiB is that tweet's error; the others are not held. */
START_TEST(test_long_url)
{
	struct proc	 p;
	json_t		*j;
	char		*in, spec[256];
	size_t		 n = 1049000;

	in = malloc(n + 64);
	memcpy(in, "{\"id\":0,\"x\":\"", 13);
	memset(in + 13, 'a', n);
	strcpy(in + 13 + n, "\"}\n{\"id\":1,\"x\":\"b\"}\n");
	snprintf(spec, sizeof spec, "http:url=http://127.0.0.1:%d/json/{/x}",
	    server_port);
	te_run(&p, in, "-e", spec, "-k", "--timeout", "5000", NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_uint_eq(count_lines(p.obuf, p.olen), 2);
	j = line_of(&p, 0);
	ck_assert_ptr_nonnull(strstr(err(j, "http"), "longer than 65536"));
	json_decref(j);
	j = line_of(&p, 1);
	ck_assert(json_is_object(enr(j, "http")));
	json_decref(j);
	proc_free(&p);
	free(in);
}
END_TEST

/* One slow response does not fail the other requests to its host. */
START_TEST(test_slow_host_waiters)
{
	struct proc	 p;
	json_t		*j;
	char		*in, *tweets, spec[256];
	u_int		 i;

	/* The slow one first, so the fast ones queue behind it. */
	tweets = make_tweets(30, "\"p\":\"json\",\"ms\":0");
	ck_assert(asprintf(&in, "{\"id\":30,\"p\":\"latency\",\"ms\":"
	    "50000}\n%s", tweets) != -1);
	free(tweets);
	snprintf(spec, sizeof spec, "http:url=http://127.0.0.1:%d/{/p}/{/ms}?{/id}",
	    server_port);
	te_run(&p, in, "-e", spec, "--timeout", "1500", "--retries", "0",
	    "--stats", NULL);
	ck_assert_int_eq(p.status, 0);
	exactly_once(&p, 31);
	for (i = 0; i < 31; i++) {
		j = line_of(&p, i);
		if (json_integer_value(json_object_get(j, "id")) == 30)
			ck_assert_msg(strstr(err(j, "http"), "timeout") !=
			    NULL, "%s", err(j, "http"));
		else
			ck_assert_msg(err(j, "http") == NULL, "%s",
			    err(j, "http"));
		json_decref(j);
	}
	proc_free(&p);
	free(in);
}
END_TEST

/* Retry-After: 9223372036854775807 is capped, not overflowed. */
START_TEST(test_retry_after_overflow)
{
	struct proc	 p;
	json_t		*j;
	char		 spec[256];
	long		 t0 = now_ms();

	snprintf(spec, sizeof spec, "http:url=http://127.0.0.1:%d/ratelimit/"
	    "huge/1/9223372036854775807", server_port);
	te_run(&p, "{\"id\":0}\n", "-e", spec, "--retries", "1",
	    "--max-retry-wait", "200", NULL);
	ck_assert_msg(p.status == 0, "%d: %s", p.status, p.ebuf);
	j = line_of(&p, 0);
	/* On a 429 it is a quota window (issue 11), too long to wait. */
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(
	    json_object_get(j, "enrichment_errors"), "http")),
	    "--max-quota-wait"));
	json_decref(j);
	proc_free(&p);
	if (getenv("TE_VALGRIND") == NULL)
		ck_assert_int_lt(now_ms() - t0, 10000);
}
END_TEST

/* Through a proxy, the destination is resolved and judged by us; the
 * proxy itself (the user's choice) may be anywhere. */
START_TEST(test_policy_proxy)
{
	struct proc	 p;
	json_t		*j;
	char		 proxy[64], l[4][128], *in;

	snprintf(proxy, sizeof proxy, "http://127.0.0.1:%d", server_port);
	setenv("http_proxy", proxy, 1);
	snprintf(l[0], sizeof l[0], "http://127.0.0.1:%d/json", server_port2);
	snprintf(l[1], sizeof l[1], "http://localhost/json");
	snprintf(l[2], sizeof l[2], "http://0x7f.1/json");
	snprintf(l[3], sizeof l[3], "http://[::ffff:10.1.2.3]/json");
	in = tweet_links(l[0], l[1], l[2], l[3], NULL);
	te_run(&p, in, "-e", "unshorten", "--retries", "0", NULL);
	ck_assert_int_eq(p.status, 0);
	j = line_of(&p, 0);
	ck_assert_str_eq(link_str(j, 0, "error"), REFUSED);
	ck_assert_str_eq(link_str(j, 1, "error"), REFUSED);
	ck_assert_str_eq(link_str(j, 2, "error"), REFUSED);
	ck_assert_str_eq(link_str(j, 3, "error"), REFUSED);
	json_decref(j);
	proc_free(&p);
	free(in);
	/* Neither the proxy nor the destination heard of them. */
	ck_assert_int_eq(server_count(server_port, "requests"), 0);
	ck_assert_int_eq(server_count(server_port2, "requests"), 0);

	/* A global destination goes through the proxy (which answers for
	 * it: nothing leaves this machine). */
	in = tweet_links("http://93.184.216.34/json", NULL);
	te_run(&p, in, "-e", "unshorten", "--retries", "0", NULL);
	ck_assert_int_eq(p.status, 0);
	j = line_of(&p, 0);
	ck_assert_msg(json_integer_value(json_object_get(link_of(j, 0),
	    "status")) == 200, "%s", p.obuf);
	json_decref(j);
	proc_free(&p);
	free(in);
	ck_assert_int_eq(server_count(server_port, "requests"), 1);

	/* no_proxy: connected directly, so judged on the connection. */
	setenv("no_proxy", "127.0.0.0/8", 1);
	in = tweet_links(l[0], NULL);
	te_run(&p, in, "-e", "unshorten", "--retries", "0", NULL);
	ck_assert_ptr_nonnull(strstr(p.obuf, REFUSED));
	proc_free(&p);
	te_run(&p, in, "-e", "unshorten", "--retries", "0", "--allow-net",
	    "127.0.0.1", NULL);
	j = line_of(&p, 0);
	ck_assert_int_eq(json_integer_value(json_object_get(link_of(j, 0),
	    "status")), 200);
	json_decref(j);
	proc_free(&p);
	free(in);
	unsetenv("no_proxy");
	unsetenv("http_proxy");
	ck_assert_int_eq(server_count(server_port, "requests"), 1);
	ck_assert_int_eq(server_count(server_port2, "requests"), 1);
}
END_TEST

/* --tweet-timeout fails whatever of a tweet is still pending. */
START_TEST(test_tweet_timeout)
{
	struct proc	 p;
	json_t		*j;
	char		 spec[256], l[256], *in;
	long		 t0;

	snprintf(spec, sizeof spec, "http:url=http://127.0.0.1:%d/latency/"
	    "20000?{/id}", server_port);
	snprintf(l, sizeof l, "http://127.0.0.1:%d/hang", server_port);
	in = tweet_links(l, NULL);
	t0 = now_ms();
	te_run(&p, in, "-e", spec, "-e", "unshorten", "-e", "test",
	    "--tweet-timeout", "300", "--allow-net", "127.0.0.0/8", "-k",
	    "--stats", NULL);
	ck_assert_int_eq(p.status, 0);
	if (getenv("TE_VALGRIND") == NULL)
		ck_assert_int_lt(now_ms() - t0, 5000);
	exactly_once(&p, 1);
	j = line_of(&p, 0);
	ck_assert_str_eq(err(j, "http"), "tweet timeout: not done within "
	    "300 ms");
	ck_assert_ptr_nonnull(strstr(err(j, "unshorten"), "tweet timeout"));
	ck_assert_int_eq(json_integer_value(enr(j, "test")), 42);
	json_decref(j);
	proc_free(&p);
	free(in);

	te_run(&p, "{}\n", "-e", "test", "--tweet-timeout", "x", NULL);
	ck_assert_int_eq(p.status, 2);
	proc_free(&p);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("fetchsec");
	TCase	*tc = tcase_create("fetchsec");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, server_setup, server_teardown);
	tcase_add_test(tc, test_policy_forms);
	tcase_add_test(tc, test_policy_options);
	tcase_add_test(tc, test_policy_redirect);
	tcase_add_test(tc, test_redirect_drops_headers);
	tcase_add_test(tc, test_redirect_method);
	tcase_add_test(tc, test_redirect_userinfo);
	tcase_add_test(tc, test_location_handling);
	tcase_add_test(tc, test_policy_proxy);
	tcase_add_test(tc, test_long_url);
	tcase_add_test(tc, test_slow_host_waiters);
	tcase_add_test(tc, test_retry_after_overflow);
	tcase_add_test(tc, test_tweet_timeout);
	suite_add_tcase(s, tc);
	return (run_suite(s));
}
