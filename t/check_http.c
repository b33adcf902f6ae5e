/*
 * Whole-program tests of the http and unshorten enrichers against the
 * project's test server on 127.0.0.1.
 */

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "run.h"

static char		spec[1024];

/* An http spec against the test server: "http:url=http://127.0.0.1:P" ... */
static const char *
hspec(const char *fmt, ...)
{
	va_list	ap;
	int	n;

	n = snprintf(spec, sizeof spec, "http:url=http://127.0.0.1:%d",
	    server_port);
	va_start(ap, fmt);
	vsnprintf(spec + n, sizeof spec - n, fmt, ap);
	va_end(ap);
	return (spec);
}

static json_t *
enr(json_t *line, const char *name)
{
	return (json_object_get(json_object_get(line, "enrichments"), name));
}

/* Run one tweet through one http spec; return the parsed output line. */
static json_t *
one(const char *tweet, const char *s, const char *extra)
{
	struct proc	 p;
	json_t		*j;
	char		 in[4096];

	snprintf(in, sizeof in, "%s\n", tweet);
	if (extra != NULL)
		te_run(&p, in, "-e", s, "--retries", "1", "--max-retry-wait",
		    "100", extra, NULL);
	else
		te_run(&p, in, "-e", s, "--retries", "1", "--max-retry-wait",
		    "100", NULL);
	ck_assert_msg(p.status == 0, "status %d: %s", p.status, p.ebuf);
	ck_assert_uint_eq(count_lines(p.obuf, p.olen), 1);
	j = line_of(&p, 0);
	proc_free(&p);
	return (j);
}

START_TEST(test_json_select_text)
{
	json_t	*j;

	j = one("{\"id\":1}", hspec("/json?a=1"), NULL);
	ck_assert_str_eq(json_string_value(json_object_get(enr(j, "http"),
	    "uri")), "/json?a=1");
	json_decref(j);

	j = one("{\"id\":1}", hspec("/json,select=/nested/list/2/deep"), NULL);
	ck_assert_str_eq(json_string_value(enr(j, "http")), "yes");
	json_decref(j);

	j = one("{\"id\":1}", hspec("/json,select=/nope"), NULL);
	ck_assert(json_is_null(enr(j, "http")));
	ck_assert_str_eq(err(j, "http"), "no /nope in the response");
	json_decref(j);

	j = one("{\"id\":1}", hspec("/text"), NULL);
	ck_assert_str_eq(json_string_value(enr(j, "http")), "hello, world");
	json_decref(j);

	j = one("{\"id\":1}", hspec("/badjson"), NULL);
	ck_assert_str_eq(json_string_value(enr(j, "http")), "{not json");
	json_decref(j);
}
END_TEST

/*
 * A response already written as the writer writes it is spliced in as its
 * text, anything else parsed and written again: either way the output is
 * what jansson writes for what the body reads as (or for the body as a
 * string when it is not JSON), byte for byte, in a fresh tweet and in one
 * whose enrichments are merged.
 */
START_TEST(test_body_as_written)
{
	static const char *const body[] = {
		"{\"status\":200}", "{\"a\":[1,-2,{\"b\":\"c\\n\"}],"
		"\"e\":\"caf\xc3\xa9\",\"t\":true,\"n\":null}", "\"str\"", "42",
		"[]", "{}", "\"\\u001F\\t\"", "{\"a\": 1}", "{\"a\":1.5}",
		"{\"a\":1,\"a\":2}", "\"\\u00e9\"", "1e2", "-0", "\"\\/\"",
		"not json", "", " {} ", "12345678901234567890",
		"{\"k\":\"\\ud83d\\ude00\"}",
	};
	const u_int	 n = sizeof body / sizeof body[0];
	struct proc	 p;
	json_t		*b, *v, *j;
	char		*in = NULL, *t, *dump, *want, *line, *nl;
	size_t		 len = 0;
	u_int		 i, pass;

	for (pass = 0; pass < 2; pass++) {
		free(in);
		in = NULL;
		len = 0;
		for (i = 0; i < n; i++) {
			b = json_string(body[i]);
			dump = json_dumps(b, JSON_ENCODE_ANY);
			t = fmt("{\"i\":%u,\"b\":%s%s}\n", i, dump, pass ?
			    ",\"enrichments\":{\"x\":1}" : "");
			in = realloc(in, len + strlen(t) + 1);
			memcpy(in + len, t, strlen(t) + 1);
			len += strlen(t);
			free(t);
			free(dump);
			json_decref(b);
		}
		te_run(&p, in, "-k", "-e", hspec("/body?{/b}"), NULL);
		ck_assert_msg(p.status == 0, "status %d: %s", p.status, p.ebuf);
		ck_assert_uint_eq(count_lines(p.obuf, p.olen), n);
		line = p.obuf;
		for (i = 0; i < n; i++) {
			nl = strchr(line, '\n');
			*nl = '\0';
			v = json_loadb(body[i], strlen(body[i]),
			    JSON_DECODE_ANY|JSON_ALLOW_NUL, NULL);
			if (v == NULL)
				v = json_string(body[i]);
			dump = json_dumps(v, JSON_COMPACT|JSON_ENCODE_ANY);
			b = json_string(body[i]);
			t = json_dumps(b, JSON_ENCODE_ANY);
			if (pass == 0)
				want = fmt("{\"i\":%u,\"b\":%s,\"enrichments\":"
				    "{\"http\":%s}}", i, t, dump);
			else
				want = fmt("{\"i\":%u,\"b\":%s,\"enrichments\":"
				    "{\"x\":1,\"http\":%s}}", i, t, dump);
			if (pass == 0)
				ck_assert_str_eq(line, want);
			else {
				/* Merged: the same value, however spaced. */
				j = json_loads(line, 0, NULL);
				ck_assert_ptr_nonnull(j);
				ck_assert_msg(json_equal(json_object_get(
				    json_object_get(j, "enrichments"), "http"),
				    v), "%u: %s", i, line);
				json_decref(j);
			}
			free(want);
			free(t);
			free(dump);
			json_decref(b);
			json_decref(v);
			line = nl + 1;
		}
		proc_free(&p);
	}
	free(in);
}
END_TEST

START_TEST(test_status_error_with_excerpt)
{
	json_t	*j;

	j = one("{\"id\":1}", hspec("/status/404"), NULL);
	ck_assert(json_is_null(enr(j, "http")));
	ck_assert_str_eq(err(j, "http"), "HTTP 404: failure body 404 second "
	    "line");
	json_decref(j);
}
END_TEST

START_TEST(test_post_body_headers)
{
	json_t	*j, *e;

	j = one("{\"t\":\"say \\\"hi\\\"\\n\",\"n\":3}", hspec("/echo,body="
	    "{\"text\":\"{/t}\"\\,\"n\":{/n}},header=X-Test: one"),
	    "--user-agent=probe/1");
	e = enr(j, "http");
	ck_assert_str_eq(json_string_value(json_object_get(e, "method")),
	    "POST");
	ck_assert_str_eq(json_string_value(json_object_get(e, "body")),
	    "{\"text\":\"say \\\"hi\\\"\\u000a\",\"n\":3}");
	ck_assert_str_eq(json_string_value(json_object_get(e, "x_test")),
	    "one");
	ck_assert_str_eq(json_string_value(json_object_get(e, "user_agent")),
	    "probe/1");
	json_decref(j);

	j = one("{}", hspec("/echo,method=put"), "--header=X-Test: global");
	e = enr(j, "http");
	ck_assert_str_eq(json_string_value(json_object_get(e, "method")),
	    "PUT");
	ck_assert_str_eq(json_string_value(json_object_get(e, "x_test")),
	    "global");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(e,
	    "user_agent")), "tweet-enricher/"));
	json_decref(j);
}
END_TEST

START_TEST(test_tweet_cannot_steer_url)
{
	json_t	*j;

	/* Every reserved character of a field is encoded: same path. */
	j = one("{\"q\":\"/../admin?x=1#frag@evil.example:80/ \\u00e9\"}",
	    hspec("/json?q={/q}"), NULL);
	ck_assert_str_eq(json_string_value(json_object_get(enr(j, "http"),
	    "uri")), "/json?q=%2F..%2Fadmin%3Fx%3D1%23frag%40evil.example%3A80"
	    "%2F%20%C3%A9");
	json_decref(j);

	j = one("{}", hspec("/json?q={/missing}"), NULL);
	ck_assert_str_eq(err(j, "http"), "no field /missing");
	json_decref(j);
}
END_TEST

START_TEST(test_only_http)
{
	struct proc	 p;
	json_t		*j;

	te_run(&p, "", "-e", "http:url=file:///etc/passwd", NULL);
	ck_assert_int_eq(p.status, 2);
	proc_free(&p);
	te_run(&p, "", "-e", "http:url={/u}", NULL);
	ck_assert_int_eq(p.status, 2);
	proc_free(&p);

	/* A redirect may not leave http and https either. */
	j = one("{}", hspec("/toftp"), NULL);
	ck_assert(json_is_null(enr(j, "http")));
	ck_assert_ptr_nonnull(err(j, "http"));
	json_decref(j);
}
END_TEST

START_TEST(test_retries)
{
	struct proc	 p;
	json_t		*j, *st;
	char		 in[64];

	snprintf(in, sizeof in, "{\"id\":1}\n");
	/* Two 503s, then 200: succeeds on the third try. */
	te_run(&p, in, "--stats", "--retries", "2", "-e",
	    hspec("/flaky/k1/2"), NULL);
	ck_assert_int_eq(p.status, 0);
	j = line_of(&p, 0);
	ck_assert_int_eq(json_integer_value(json_object_get(enr(j, "http"),
	    "tries")), 3);
	json_decref(j);
	st = stats_of(&p);
	ck_assert_int_eq(stat_int(json_object_get(st, "http"), "retries"), 2);
	ck_assert_int_eq(stat_int(json_object_get(st, "http"), "requests"), 3);
	json_decref(st);
	proc_free(&p);

	/* Five 503s: gives up after 1 + 2 tries, keeping status and body. */
	te_run(&p, in, "--retries", "2", "-e", hspec("/flaky/k2/5"), NULL);
	j = line_of(&p, 0);
	ck_assert_str_eq(err(j, "http"), "HTTP 503: unavailable");
	json_decref(j);
	proc_free(&p);
	ck_assert_int_eq(server_count(server_port, "requests"), 6);

	/* A 4xx is not retried. */
	te_run(&p, in, "--retries", "5", "-e", hspec("/status/403"), NULL);
	proc_free(&p);
	ck_assert_int_eq(server_count(server_port, "requests"), 7);
}
END_TEST

START_TEST(test_retry_after)
{
	struct proc	 p;
	json_t		*j, *st;

	/* 429 with Retry-After: 1 is waited out, even with a short backoff. */
	te_run(&p, "{}\n", "--stats", "-e", hspec("/ratelimit/r1/1/1"), NULL);
	ck_assert_int_eq(p.status, 0);
	j = line_of(&p, 0);
	ck_assert_int_eq(json_integer_value(json_object_get(enr(j, "http"),
	    "tries")), 2);
	json_decref(j);
	st = stats_of(&p);
	ck_assert(json_real_value(json_object_get(st, "elapsed_s")) >= 0.99);
	json_decref(st);
	proc_free(&p);

	/* A 429 Retry-After is a quota window (issue 11): one beyond
	 * --max-quota-wait fails at once, saying so. */
	te_run(&p, "{}\n", "--stats", "--max-retry-wait", "200", "-e",
	    hspec("/ratelimit/r2/1/3600"), NULL);
	j = line_of(&p, 0);
	ck_assert_ptr_nonnull(strstr(err(j, "http"), "--max-quota-wait"));
	json_decref(j);
	proc_free(&p);
}
END_TEST

START_TEST(test_transport_failures)
{
	char	 url[128];
	json_t	*j;

	snprintf(url, sizeof url, "http:url=http://127.0.0.1:%d/",
	    free_port());
	j = one("{}", url, NULL);
	ck_assert(json_is_null(enr(j, "http")));
	ck_assert_ptr_nonnull(strstr(err(j, "http"), "onnect"));
	json_decref(j);

	j = one("{}", hspec("/reset"), NULL);
	ck_assert_ptr_nonnull(err(j, "http"));
	json_decref(j);

	j = one("{}", hspec("/hang"), "--timeout=300");
	ck_assert_ptr_nonnull(strstr(err(j, "http"), "timeout"));
	json_decref(j);

	j = one("{}", hspec("/big/2000"), "--max-response=1000");
	ck_assert_str_eq(err(j, "http"), "response larger than 1000 bytes");
	json_decref(j);
	j = one("{}", hspec("/bigchunked/300000"), "--max-response=100000");
	ck_assert_str_eq(err(j, "http"), "response larger than 100000 bytes");
	json_decref(j);
	j = one("{}", hspec("/big/1000"), "--max-response=1000");
	ck_assert_uint_eq(json_string_length(enr(j, "http")), 1000);
	json_decref(j);
}
END_TEST

START_TEST(test_nothing_lost_when_all_fail)
{
	struct proc	 p;
	char		*in = make_tweets(500, NULL);
	json_t		*j, *st;
	u_int		 i;

	te_run(&p, in, "-k", "--stats", "--retries", "1", "--max-retry-wait",
	    "10", "-e", hspec("/status/500?{/id}"), NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_uint_eq(count_lines(p.obuf, p.olen), 500);
	for (i = 0; i < 500; i += 99) {
		j = line_of(&p, i);
		ck_assert_int_eq(json_integer_value(json_object_get(j, "id")),
		    i);
		ck_assert_str_eq(err(j, "http"), "HTTP 500: failure body 500 "
		    "second line");
		json_decref(j);
	}
	st = stats_of(&p);
	ck_assert_int_eq(stat_int(st, "written"), 500);
	ck_assert_int_eq(stat_int(json_object_get(st, "http"), "failures"),
	    500);
	json_decref(st);
	proc_free(&p);
	free(in);
}
END_TEST

START_TEST(test_coalescing_and_cache)
{
	struct proc	 p;
	char		*in = malloc(1000 * 64), *s = in;
	json_t		*st;
	u_int		 i;

	/* 1,000 tweets sharing 10 slow URLs: 10 requests in all. */
	for (i = 0; i < 1000; i++)
		s += sprintf(s, "{\"id\":%u,\"k\":%u}\n", i, i % 10);
	te_run(&p, in, "--stats", "-e", hspec("/latency/50?k={/k}"), NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_uint_eq(count_lines(p.obuf, p.olen), 1000);
	ck_assert_int_eq(server_count(server_port, "requests"), 10);
	st = stats_of(&p);
	ck_assert_int_eq(stat_int(json_object_get(st, "http"), "requests"), 10);
	ck_assert_int_eq(stat_int(json_object_get(st, "http"), "coalesced") +
	    stat_int(json_object_get(st, "http"), "cache_hits"), 990);
	json_decref(st);
	proc_free(&p);

	/* Without a cache, one tweet at a time: every tweet asks again. */
	te_run(&p, in, "-p", "1", "--cache-size", "0", "-e",
	    hspec("/json?k={/k}"), NULL);
	ck_assert_uint_eq(count_lines(p.obuf, p.olen), 1000);
	proc_free(&p);
	ck_assert_int_eq(server_count(server_port, "requests"), 1010);
	free(in);
}
END_TEST

/*
 * The request key keeps its fields apart: a POST whose body reads like a
 * header is not the POST that sends that header, neither in flight
 * (coalescing) nor in a cache file read by a later run.
 */
START_TEST(test_key_fields_apart)
{
	struct proc	 p;
	char		 a[1024], b[1024], dir[64], cf[128], cmd[128];
	json_t		*j, *st;

	snprintf(a, sizeof a, "%s", hspec("/echo,method=POST,body=X-Test: 1,"
	    "as=a"));
	snprintf(b, sizeof b, "%s", hspec("/echo,method=POST,header=X-Test: 1,"
	    "as=b"));
	te_run(&p, "{\"id\":1}\n", "--stats", "-e", a, "-e", b, NULL);
	ck_assert_msg(p.status == 0, "%d: %s", p.status, p.ebuf);
	j = line_of(&p, 0);
	ck_assert_str_eq(json_string_value(json_object_get(enr(j, "a"),
	    "body")), "X-Test: 1");
	ck_assert_str_eq(json_string_value(json_object_get(enr(j, "a"),
	    "x_test")), "");
	ck_assert_str_eq(json_string_value(json_object_get(enr(j, "b"),
	    "body")), "");
	ck_assert_str_eq(json_string_value(json_object_get(enr(j, "b"),
	    "x_test")), "1");
	json_decref(j);
	st = stats_of(&p);
	ck_assert_int_eq(stat_int(json_object_get(st, "http"), "coalesced"),
	    0);
	json_decref(st);
	ck_assert_int_eq(server_count(server_port, "requests"), 2);
	proc_free(&p);

	/* Across runs sharing a cache file: the second asks the server. */
	strcpy(dir, "/tmp/te-key.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cf, sizeof cf, "%s/cache", dir);
	te_run(&p, "{\"id\":1}\n", "--cache-file", cf, "-e", a, NULL);
	ck_assert_msg(p.status == 0, "%d: %s", p.status, p.ebuf);
	proc_free(&p);
	te_run(&p, "{\"id\":1}\n", "--cache-file", cf, "-e", b, NULL);
	ck_assert_msg(p.status == 0, "%d: %s", p.status, p.ebuf);
	j = line_of(&p, 0);
	ck_assert_str_eq(json_string_value(json_object_get(enr(j, "b"),
	    "x_test")), "1");
	json_decref(j);
	proc_free(&p);
	ck_assert_int_eq(server_count(server_port, "requests"), 4);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(test_in_flight_cap)
{
	struct proc	 p;
	char		*in = make_tweets(300, NULL);
	json_t		*st;

	te_run(&p, in, "--stats", "-j", "20", "-e",
	    hspec("/latency/30?{/id}"), NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_uint_eq(count_lines(p.obuf, p.olen), 300);
	ck_assert_int_le(server_count(server_port, "max_concurrent"), 20);
	ck_assert_int_ge(server_count(server_port, "max_concurrent"), 2);
	st = stats_of(&p);
	ck_assert_int_le(stat_int(json_object_get(st, "http"),
	    "max_in_flight"), 20);
	json_decref(st);
	proc_free(&p);
	free(in);
}
END_TEST

/*
 * A server that answers at once keeps the loop busy with socket events on
 * every turn. Socket records must still be recycled then, not pile up until
 * the loop idles (issue 8: a starved deferred free grew RSS without bound).
 * The bound does not depend on timing: there are never more records than
 * descriptor numbers in use, about one per connection.
 */
START_TEST(test_sockets_bounded_when_busy)
{
	struct proc	 p;
	u_int		 n = getenv("TE_VALGRIND") != NULL ? 2000 : 20000;
	char		*in = make_tweets(n, NULL);
	json_t		*st;
	long long	 socks;

	te_run(&p, in, "--stats", "-q", "-j", "200", "--cache-size", "0",
	    "-e", hspec("/json?{/id}"), NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_uint_eq(count_lines(p.obuf, p.olen), n);
	st = stats_of(&p);
	ck_assert_int_eq(stat_int(json_object_get(st, "http"), "requests"), n);
	socks = stat_int(json_object_get(st, "http"), "max_sockets");
	ck_assert_msg(socks <= 2 * 200 + 64, "%lld socket records for "
	    "200 connections", socks);
	json_decref(st);
	proc_free(&p);
	free(in);
}
END_TEST

START_TEST(test_rate)
{
	struct proc	 p;
	char		*in = make_tweets(11, NULL);
	json_t		*st;

	/* 11 requests at 20 a second cannot take less than half a second. */
	te_run(&p, in, "--stats", "--rate", "20", "-e",
	    hspec("/json?{/id}"), NULL);
	ck_assert_uint_eq(count_lines(p.obuf, p.olen), 11);
	st = stats_of(&p);
	ck_assert(json_real_value(json_object_get(st, "elapsed_s")) >= 0.49);
	json_decref(st);
	proc_free(&p);
	free(in);
}
END_TEST

/* The unshorten value of a tweet whose body holds the given paths. */
static json_t *
unshorten(const char *fmt, ...)
{
	struct proc	 p;
	char		 in[2048], path[1024];
	va_list		 ap;
	json_t		*j, *v;

	va_start(ap, fmt);
	vsnprintf(path, sizeof path, fmt, ap);
	va_end(ap);
	snprintf(in, sizeof in, "%s\n", path);
	te_run(&p, in, "-e", "unshorten", "--retries", "0", "--allow-net",
	    "127.0.0.0/8", NULL);
	ck_assert_int_eq(p.status, 0);
	j = line_of(&p, 0);
	v = json_incref(enr(j, "unshorten"));
	ck_assert(json_is_array(v));
	json_decref(j);
	proc_free(&p);
	return (v);
}

static void
check_link(json_t *v, u_int i, const char *url_path, const char *exp_path,
    long status, long hops, const char *error)
{
	json_t	*o = json_array_get(v, i);
	char	 url[256];

	ck_assert_ptr_nonnull(o);
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", server_port,
	    url_path);
	ck_assert_str_eq(json_string_value(json_object_get(o, "url")), url);
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", server_port,
	    exp_path);
	ck_assert_str_eq(json_string_value(json_object_get(o, "expanded")),
	    url);
	if (status == 0)
		ck_assert(json_is_null(json_object_get(o, "status")));
	else
		ck_assert_int_eq(json_integer_value(json_object_get(o,
		    "status")), status);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "hops")), hops);
	if (error == NULL)
		ck_assert_ptr_null(json_object_get(o, "error"));
	else
		ck_assert_ptr_nonnull(strstr(json_string_value(
		    json_object_get(o, "error")), error));
}

START_TEST(test_unshorten_sources)
{
	json_t	*v;

	/* Gnip entities. */
	v = unshorten("{\"twitter_entities\":{\"urls\":[{\"url\":"
	    "\"http://127.0.0.1:%d/redirect/3\"},{\"url\":"
	    "\"http://127.0.0.1:%d/text\"}]},\"body\":\"http://x.invalid/\"}",
	    server_port, server_port);
	ck_assert_uint_eq(json_array_size(v), 2);
	check_link(v, 0, "/redirect/3", "/redirect/0", 200, 3, NULL);
	check_link(v, 1, "/text", "/text", 200, 0, NULL);
	json_decref(v);

	/* v1.1/v2 entities. */
	v = unshorten("{\"entities\":{\"urls\":[{\"url\":"
	    "\"http://127.0.0.1:%d/redirect/1\"}]}}", server_port);
	ck_assert_uint_eq(json_array_size(v), 1);
	check_link(v, 0, "/redirect/1", "/redirect/0", 200, 1, NULL);
	json_decref(v);

	/* No entities: the links in the text, trailing punctuation dropped. */
	v = unshorten("{\"text\":\"see http://127.0.0.1:%d/redirect/2, and "
	    "(http://127.0.0.1:%d/text).\"}", server_port, server_port);
	ck_assert_uint_eq(json_array_size(v), 2);
	check_link(v, 0, "/redirect/2", "/redirect/0", 200, 2, NULL);
	check_link(v, 1, "/text", "/text", 200, 0, NULL);
	json_decref(v);

	/* Entities present but empty: no links. */
	v = unshorten("{\"entities\":{\"urls\":[]},\"text\":\"http://127.0.0.1:"
	    "%d/text\"}", server_port);
	ck_assert_uint_eq(json_array_size(v), 0);
	json_decref(v);
}
END_TEST

START_TEST(test_unshorten_chains)
{
	json_t	*v;

	v = unshorten("{\"text\":\"http://127.0.0.1:%d/loop/a "
	    "http://127.0.0.1:%d/redirect/12 http://127.0.0.1:%d/headrefused "
	    "http://127.0.0.1:%d/toftp http://127.0.0.1:%d/status/404 "
	    "http://127.0.0.1:%d/reset\"}", server_port, server_port,
	    server_port, server_port, server_port, server_port);
	ck_assert_uint_eq(json_array_size(v), 6);
	check_link(v, 0, "/loop/a", "/loop/b", 301, 1, "redirect loop");
	check_link(v, 1, "/redirect/12", "/redirect/2", 302, 10,
	    "more than 10 redirects");
	check_link(v, 2, "/headrefused", "/text", 200, 1, NULL);
	check_link(v, 3, "/toftp", "/toftp", 302, 0, "not http or https");
	check_link(v, 4, "/status/404", "/status/404", 404, 0, NULL);
	check_link(v, 5, "/reset", "/reset", 0, 0, "");
	json_decref(v);
}
END_TEST

START_TEST(test_unshorten_shared_links)
{
	struct proc	 p;
	char		*in = malloc(1000 * 200), *s = in;
	u_int		 i;

	/* 1,000 tweets over 10 two-hop links: 30 requests, HEAD each hop. */
	for (i = 0; i < 1000; i++)
		s += sprintf(s, "{\"id\":%u,\"entities\":{\"urls\":[{\"url\":"
		    "\"http://127.0.0.1:%d/redirect/2?%u\"}]}}\n", i,
		    server_port, i % 10);
	te_run(&p, in, "-e", "unshorten", "--allow-net", "127.0.0.0/8", NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_uint_eq(count_lines(p.obuf, p.olen), 1000);
	ck_assert_int_eq(server_count(server_port, "requests"), 10 + 2);
	proc_free(&p);
	free(in);
}
END_TEST

START_TEST(test_max_host_connections)
{
	struct proc	 p;
	char		*in = make_tweets(100, NULL);

	te_run(&p, in, "-j", "50", "--max-host-connections", "4", "-e",
	    hspec("/latency/20?{/id}"), NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_uint_eq(count_lines(p.obuf, p.olen), 100);
	ck_assert_int_le(server_count(server_port, "max_concurrent"), 4);
	proc_free(&p);
	free(in);
}
END_TEST

START_TEST(test_cache_ttl)
{
	struct proc	 p;
	char		*in = make_tweets(5, NULL);

	/* One tweet at a time, the same URL: a zero TTL asks every time. */
	te_run(&p, in, "-p", "1", "--cache-ttl", "0", "-e", hspec("/json"),
	    NULL);
	ck_assert_uint_eq(count_lines(p.obuf, p.olen), 5);
	proc_free(&p);
	ck_assert_int_eq(server_count(server_port, "requests"), 5);
	te_run(&p, in, "-p", "1", "-e", hspec("/json"), NULL);
	proc_free(&p);
	ck_assert_int_eq(server_count(server_port, "requests"), 6);
	free(in);
}
END_TEST

START_TEST(test_redirect_limit)
{
	json_t	*j;

	/* http follows at most 10 redirects. */
	j = one("{}", hspec("/redirect/10"), NULL);
	ck_assert_str_eq(json_string_value(enr(j, "http")), "done");
	json_decref(j);
	j = one("{}", hspec("/redirect/11"), NULL);
	ck_assert(json_is_null(enr(j, "http")));
	ck_assert_ptr_nonnull(strstr(err(j, "http"), "redirect"));
	json_decref(j);
}
END_TEST

START_TEST(test_tls_verified)
{
	struct proc	 tls, gen;
	char		 dir[] = "/tmp/te-tls.XXXXXX", key[64], crt[64];
	char		 accept[32], url[128];
	const char	*genv[] = { "openssl", "req", "-x509", "-newkey",
			    "rsa:2048", "-nodes", "-keyout", key, "-out", crt,
			    "-days", "1", "-subj", "/CN=127.0.0.1", NULL };
	const char	*srvv[] = { "openssl", "s_server", "-accept", accept,
			    "-cert", crt, "-key", key, "-www", NULL };
	json_t		*j;
	int		 tport;

	/* A self-signed certificate is refused. */
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(key, sizeof key, "%s/key.pem", dir);
	snprintf(crt, sizeof crt, "%s/crt.pem", dir);
	proc_start(&gen, genv, -1);
	proc_finish(&gen);
	ck_assert_int_eq(gen.status, 0);
	proc_free(&gen);
	tport = free_port();
	snprintf(accept, sizeof accept, "127.0.0.1:%d", tport);
	proc_start(&tls, srvv, -1);
	ck_assert(proc_wait_output(&tls, "ACCEPT", 0));

	snprintf(url, sizeof url, "http:url=https://127.0.0.1:%d/", tport);
	j = one("{}", url, NULL);
	ck_assert(json_is_null(enr(j, "http")));
	ck_assert_ptr_nonnull(strstr(err(j, "http"), "certificate"));
	json_decref(j);

	proc_signal(&tls, SIGTERM);
	proc_finish(&tls);
	proc_free(&tls);
	unlink(key);
	unlink(crt);
	rmdir(dir);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("http");
	TCase	*tc = tcase_create("http");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, server_setup, server_teardown);
	tcase_add_test(tc, test_json_select_text);
	tcase_add_test(tc, test_body_as_written);
	tcase_add_test(tc, test_status_error_with_excerpt);
	tcase_add_test(tc, test_post_body_headers);
	tcase_add_test(tc, test_tweet_cannot_steer_url);
	tcase_add_test(tc, test_only_http);
	tcase_add_test(tc, test_retries);
	tcase_add_test(tc, test_retry_after);
	tcase_add_test(tc, test_transport_failures);
	tcase_add_test(tc, test_nothing_lost_when_all_fail);
	tcase_add_test(tc, test_coalescing_and_cache);
	tcase_add_test(tc, test_key_fields_apart);
	tcase_add_test(tc, test_in_flight_cap);
	tcase_add_test(tc, test_rate);
	tcase_add_test(tc, test_sockets_bounded_when_busy);
	tcase_add_test(tc, test_unshorten_sources);
	tcase_add_test(tc, test_unshorten_chains);
	tcase_add_test(tc, test_unshorten_shared_links);
	tcase_add_test(tc, test_max_host_connections);
	tcase_add_test(tc, test_cache_ttl);
	tcase_add_test(tc, test_redirect_limit);
	tcase_add_test(tc, test_tls_verified);
	suite_add_tcase(s, tc);
	return (run_suite(s));
}
