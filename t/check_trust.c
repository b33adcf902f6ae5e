/*
 * Whole-program tests of issue 11, lookups users can trust: where headers
 * go (asserted on what the test server received; secrets are in
 * check_secret), proxies,
 * per-host pacing and quota windows, the cache file, --errors, --resume,
 * --max-error-rate and ok=/status= on http.
 */

#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "run.h"

/* How many logged requests have a URI that starts with prefix. */
static u_int
log_count(json_t *log, const char *prefix)
{
	json_t	*r;
	size_t	 i;
	u_int	 n = 0;

	json_array_foreach(log, i, r) {
		if (strncmp(json_string_value(json_object_get(r, "uri")),
		    prefix, strlen(prefix)) == 0)
			n++;
	}
	return (n);
}

static json_t *
enr(json_t *line, const char *name)
{
	return (json_object_get(json_object_get(line, "enrichments"), name));
}

START_TEST(test_header_scoping)
{
	struct proc	 p;
	json_t		*log, *r;
	char		*in, *a, *b;
	size_t		 i;

	/* --header goes to http only; header= to its own enrichment only. */
	in = fmt("{\"id\":1,\"body\":\"see %s\"}\n", srv("/redirect/1"));
	a = fmt("http:url=%s,as=a,header=X-Test: mine", srv("/json/a"));
	b = fmt("http:url=%s,as=b", srv("/json/b"));
	te_run(&p, in, "-e", a, "-e", b, "-e", "unshorten", "--allow-net",
	    "127.0.0.0/8",
	    "--header", "Authorization: Bearer g10bal", "--header",
	    "Cookie: c=1", "--allow-net", "127.0.0.0/8", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	log = server_log(server_port);
	ck_assert_uint_eq(json_array_size(log), 4);
	json_array_foreach(log, i, r) {
		const char *uri = json_string_value(json_object_get(r, "uri"));
		const char *auth = json_string_value(json_object_get(r,
		    "authorization"));
		const char *xt = json_string_value(json_object_get(r,
		    "x_test"));

		if (strncmp(uri, "/json/", 6) == 0) {
			ck_assert_str_eq(auth, "Bearer g10bal");
			ck_assert_str_eq(json_string_value(json_object_get(r,
			    "cookie")), "c=1");
			if (uri[6] == 'a')
				ck_assert_str_eq(xt, "mine");
			else
				ck_assert_ptr_null(xt);
		} else {
			/* unshorten: both hops, no credentials at all */
			ck_assert(strncmp(uri, "/redirect/", 10) == 0);
			ck_assert_ptr_null(auth);
			ck_assert(json_is_null(json_object_get(r, "cookie")));
			ck_assert_ptr_null(xt);
		}
	}
	json_decref(log);
	proc_free(&p);
	free(a);
	free(b);
	free(in);

	/* unshorten refuses a credential header outright. */
	te_run(&p, "{}\n", "-e", "unshorten:header=authorization: x", NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "sends no credentials"));
	proc_free(&p);
	setenv("TE_T_TOKEN", "tok", 1);
	te_run(&p, "{}\n", "-e", "unshorten:header=X-Key: ${TE_T_TOKEN}",
	    NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_null(strstr(p.ebuf, "tok"));
	proc_free(&p);
}
END_TEST

START_TEST(test_errors_file_and_rate)
{
	struct proc	 p;
	char		*in, *spec, *path, *got;
	FILE		*f;
	json_t		*j;
	size_t		 n;

	/* Tweets 0-3: tweet 1 and 3 fail. */
	in = strdup("{\"id\":0,\"s\":200}\n{\"id\":1,\"s\":500}\n"
	    "{\"id\":2,\"s\":204}\n{\"id\":3,\"s\":404}\n");
	spec = fmt("http:url=%s", srv("/status/{/s}"));
	path = tmpfile_with("", 0);
	te_run(&p, in, "-e", spec, "-e", "test", "--retries", "0", "--errors",
	    path, "--stats", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	exactly_once(&p, 4);
	proc_free(&p);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	got = calloc(1, 4096);
	n = fread(got, 1, 4095, f);
	fclose(f);
	ck_assert_uint_eq(count_lines(got, n), 2);
	ck_assert_ptr_nonnull(strstr(got, "\"id\":1,"));
	ck_assert_ptr_nonnull(strstr(got, "\"id\":3,"));
	j = json_loadb(got, strchr(got, '\n') - got, 0, NULL);
	ck_assert_ptr_nonnull(err(j, "http"));
	json_decref(j);
	free(got);

	/* 2 of 8 enrichments failed: 0.25 is within 0.25, not within 0.2. */
	te_run(&p, in, "-e", spec, "-e", "test", "--retries", "0",
	    "--max-error-rate", "0.25", NULL);
	ck_assert_int_eq(p.status, 0);
	proc_free(&p);
	te_run(&p, in, "-e", spec, "-e", "test", "--retries", "0",
	    "--max-error-rate", "0.2", "--stats", NULL);
	ck_assert_int_eq(p.status, 1);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "2 of 8 enrichments failed"));
	exactly_once(&p, 4);
	proc_free(&p);
	te_run(&p, in, "-e", "test", "--max-error-rate", "1.5", NULL);
	ck_assert_int_eq(p.status, 2);
	proc_free(&p);
	unlink(path);
	free(path);
	free(spec);
	free(in);
}
END_TEST

START_TEST(test_ok_and_status)
{
	struct proc	 p;
	char		*a, *b, *c;
	json_t		*j, *v;

	a = fmt("http:url=%s,ok=404\\,410,as=a", srv("/status/{/s}"));
	b = fmt("http:url=%s,ok=410,status=yes,as=b", srv("/status/{/s}"));
	c = fmt("http:url=%s,status=yes,select=/nested/list/2,as=c",
	    srv("/json"));
	te_run(&p, "{\"id\":0,\"s\":404}\n{\"id\":1,\"s\":410}\n", "-e", a,
	    "-e", b, "-e", c, "-k", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	j = line_of(&p, 0);
	ck_assert_str_eq(json_string_value(enr(j, "a")),
	    "failure body 404\nsecond line");
	ck_assert(json_is_null(enr(j, "b")));
	ck_assert_str_eq(err(j, "b"), "HTTP 404: failure body 404 second line");
	v = enr(j, "c");
	ck_assert_int_eq(json_integer_value(json_object_get(v, "status")), 200);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(v,
	    "body"), "deep")), "yes");
	json_decref(j);
	j = line_of(&p, 1);
	ck_assert_ptr_nonnull(enr(j, "a"));
	ck_assert_ptr_null(err(j, "a"));
	v = enr(j, "b");
	ck_assert_int_eq(json_integer_value(json_object_get(v, "status")), 410);
	ck_assert_str_eq(json_string_value(json_object_get(v, "body")),
	    "failure body 410\nsecond line");
	json_decref(j);
	proc_free(&p);
	free(a);
	free(b);

	te_run(&p, "{}\n", "-e", "http:url=http://x/,ok=2000", NULL);
	ck_assert_int_eq(p.status, 2);
	proc_free(&p);
	te_run(&p, "{}\n", "-e", "http:url=http://x/,status=maybe", NULL);
	ck_assert_int_eq(p.status, 2);
	proc_free(&p);
	free(c);
}
END_TEST

START_TEST(test_resume)
{
	struct proc	 p;
	char		*a, *b, *out1, *out2;
	json_t		*log, *j;
	u_int		 before;

	/* Tweet 1's "a" fails once (503, no retries); everything else works. */
	a = fmt("http:url=%s,as=a", srv("/flaky/k{/id}/{/fails}"));
	b = fmt("http:url=%s,as=b", srv("/json?id={/id}"));
	te_run(&p, "{\"id\":0,\"fails\":0}\n{\"id\":1,\"fails\":1}\n"
	    "{\"id\":2,\"fails\":0,\"enrichments\":{\"old\":1}}\n", "-e", a,
	    "-e", b, "--retries", "0", "-k", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	j = line_of(&p, 1);
	ck_assert_ptr_nonnull(err(j, "a"));
	json_decref(j);
	out1 = strdup(p.obuf);
	proc_free(&p);
	log = server_log(server_port);
	before = json_array_size(log);
	ck_assert_uint_eq(before, 6);
	json_decref(log);

	/* --resume redoes exactly the failed enrichment. */
	te_run(&p, out1, "-e", a, "-e", b, "--retries", "0", "-k", "--resume",
	    "--stats", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	log = server_log(server_port);
	ck_assert_uint_eq(json_array_size(log), before + 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(log,
	    before), "uri")), "/flaky/k1/1");
	json_decref(log);
	j = line_of(&p, 1);
	ck_assert_int_eq(json_integer_value(json_object_get(enr(j, "a"),
	    "tries")), 2);
	ck_assert_ptr_null(json_object_get(j, "enrichment_errors"));
	json_decref(j);
	j = line_of(&p, 0);
	ck_assert_str_eq(json_string_value(json_object_get(enr(j, "b"),
	    "uri")), "/json?id=0");
	json_decref(j);
	j = line_of(&p, 2);
	ck_assert_int_eq(json_integer_value(enr(j, "old")), 1);
	json_decref(j);
	out2 = strdup(p.obuf);
	proc_free(&p);

	/* On a complete file: no request at all, the same output. */
	te_run(&p, out2, "-e", a, "-e", b, "-k", "--resume", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	log = server_log(server_port);
	ck_assert_uint_eq(json_array_size(log), before + 1);
	json_decref(log);
	ck_assert_str_eq(p.obuf, out2);
	proc_free(&p);
	free(out1);
	free(out2);
	free(a);
	free(b);
}
END_TEST

/* Only the proxy variables a test sets. */
static void
proxy_env_clear(void)
{
	static const char *const v[] = { "http_proxy", "https_proxy",
	    "all_proxy", "no_proxy", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY",
	    NULL };
	u_int	i;

	for (i = 0; v[i] != NULL; i++)
		unsetenv(v[i]);
}

START_TEST(test_proxy)
{
	struct proc	 p;
	json_t		*log, *r, *j;
	char		*proxy, *dead, *e;

	proxy_env_clear();
	proxy = fmt("http://127.0.0.1:%d", server_port);
	dead = fmt("http://127.0.0.1:%d", free_port());

	/* http_proxy: a host that does not exist is reached through it. */
	setenv("http_proxy", proxy, 1);
	te_run(&p, "{\"id\":1}\n", "-e", "http:url=http://api.invalid/json/p",
	    NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	j = line_of(&p, 0);
	ck_assert_str_eq(json_string_value(json_object_get(enr(j, "http"),
	    "uri")), "/json/p");
	json_decref(j);
	proc_free(&p);
	log = server_log(server_port);
	ck_assert_uint_eq(json_array_size(log), 1);
	r = json_array_get(log, 0);
	ck_assert(json_is_true(json_object_get(r, "proxied")));
	ck_assert_str_eq(json_string_value(json_object_get(r, "host")),
	    "api.invalid");
	json_decref(log);

	/* no_proxy: straight to the server, not through the proxy. */
	setenv("no_proxy", "127.0.0.1", 1);
	setenv("http_proxy", dead, 1);
	e = fmt("http:url=%s", srv("/json/direct"));
	te_run(&p, "{\"id\":1}\n", "-e", e, NULL);
	free(e);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	j = line_of(&p, 0);
	ck_assert_ptr_null(err(j, "http"));
	json_decref(j);
	proc_free(&p);
	log = server_log(server_port);
	r = json_array_get(log, json_array_size(log) - 1);
	ck_assert(json_is_false(json_object_get(r, "proxied")));
	ck_assert_str_eq(json_string_value(json_object_get(r, "uri")),
	    "/json/direct");
	json_decref(log);

	/* --proxy over a dead http_proxy (and over no_proxy). */
	setenv("http_proxy", dead, 1);
	setenv("no_proxy", "*", 1);
	te_run(&p, "{\"id\":1}\n", "-e", "http:url=http://other.invalid/"
	    "json/q", "--proxy", proxy, NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	j = line_of(&p, 0);
	ck_assert_ptr_null(err(j, "http"));
	json_decref(j);
	proc_free(&p);
	log = server_log(server_port);
	r = json_array_get(log, json_array_size(log) - 1);
	ck_assert(json_is_true(json_object_get(r, "proxied")));
	ck_assert_str_eq(json_string_value(json_object_get(r, "uri")),
	    "/json/q");
	json_decref(log);
	proxy_env_clear();
	free(proxy);
	free(dead);
}
END_TEST

/* Every tweet 0..n-1 has a value for name and no error at all. */
static void
all_enriched(struct proc *p, u_int n, const char *name)
{
	json_t	*j;
	u_int	 i;

	ck_assert_uint_eq(count_lines(p->obuf, p->olen), n);
	for (i = 0; i < n; i++) {
		j = line_of(p, i);
		ck_assert_msg(json_object_get(j, "enrichment_errors") == NULL,
		    "errors in %s", p->obuf);
		ck_assert_ptr_nonnull(enr(j, name));
		ck_assert(!json_is_null(enr(j, name)));
		json_decref(j);
	}
}

/* Give a started program its input and wait for it to end; returns the
 * wall clock (ms, as the test server's log has it) just before the first
 * byte went: no request of the run can start before it. */
static long long
feed(struct proc *p, const char *in)
{
	struct timeval	tv;

	gettimeofday(&tv, NULL);
	proc_write(p, in, strlen(in));
	proc_finish(p);
	return ((long long)tv.tv_sec * 1000 + tv.tv_usec / 1000);
}

/*
 * Requests started every ms milliseconds, the first no earlier than t0
 * (the input's arrival), as their arrival times show. An arrival is its
 * start plus a delay that a busy machine (or valgrind) makes anything from
 * 0 to hundreds of ms, so one gap between arrivals proves nothing (two
 * requests can arrive together after the earlier one was held up): the
 * n-th arrival can come no sooner than n - 1 gaps after t0, however
 * loaded the machine (1 ms for the clocks' rounding).
 */
static void
paced(long long t0, const long long *t, u_int n, long long ms)
{
	ck_assert_msg(t[n - 1] - t0 >= (long long)(n - 1) * ms - 1,
	    "%u requests in %lld ms of input", n, t[n - 1] - t0);
}

START_TEST(test_host_pacing)
{
	struct proc	 p, s2;
	json_t		*log1, *log2;
	long long	 t0, t1[16], t2[16];
	char		*in, *a, *b, *hr;
	int		 port2;
	u_int		 n1, n2;

	port2 = server_start(&s2);
	in = make_tweets(6, NULL);
	a = fmt("http:url=%s,as=a", srv("/json/a?{/id}"));
	b = fmt("http:url=http://127.0.0.1:%d/json/b?{/id},as=b", port2);
	hr = fmt("127.0.0.1:%d=5", server_port);
	te_start(&p, "-e", a, "-e", b, "--host-rate", hr, NULL);
	t0 = feed(&p, in);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	all_enriched(&p, 6, "a");
	proc_free(&p);
	log1 = server_log(server_port);
	log2 = server_log(port2);
	n1 = log_times(log1, "/json/a", t1, 16);
	n2 = log_times(log2, "/json/b", t2, 16);
	ck_assert_uint_eq(n1, 6);
	ck_assert_uint_eq(n2, 6);
	/* The paced host: 5 a second, as the server saw them. */
	paced(t0, t1, n1, 200);
	/* The other host was not slowed: all of its requests came before
	 * the paced host's second one. */
	ck_assert_msg(t2[n2 - 1] < t1[1], "other host waited: %lld >= %lld",
	    t2[n2 - 1], t1[1]);
	json_decref(log1);
	json_decref(log2);
	proc_finish(&s2);
	proc_free(&s2);
	free(a);
	free(b);
	free(hr);

	/* rate= on an enrichment; a bare host name matches any port. */
	a = fmt("http:url=%s,as=r,rate=20", srv("/json/r?{/id}"));
	te_start(&p, "-e", a, NULL);
	t0 = feed(&p, in);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	all_enriched(&p, 6, "r");
	proc_free(&p);
	log1 = server_log(server_port);
	n1 = log_times(log1, "/json/r", t1, 16);
	ck_assert_uint_eq(n1, 6);
	paced(t0, t1, n1, 50);
	json_decref(log1);
	free(a);
	a = fmt("http:url=%s,as=h", srv("/json/h?{/id}"));
	te_start(&p, "-e", a, "--host-rate", "127.0.0.1=20", NULL);
	t0 = feed(&p, in);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	proc_free(&p);
	log1 = server_log(server_port);
	n1 = log_times(log1, "/json/h", t1, 16);
	ck_assert_uint_eq(n1, 6);
	paced(t0, t1, n1, 50);
	json_decref(log1);
	free(a);
	free(in);

	te_run(&p, "{}\n", "-e", "test", "--host-rate", "x=0", NULL);
	ck_assert_int_eq(p.status, 2);
	proc_free(&p);
	te_run(&p, "{}\n", "-e", "http:url=http://x/,rate=fast", NULL);
	ck_assert_int_eq(p.status, 2);
	proc_free(&p);
}
END_TEST

/*
 * One quota window of each kind: with one request at a time, the first is
 * refused and pauses the host for about a second; every request after it
 * reaches the server only when the window is over, and every tweet is
 * enriched, with no error and no retry.
 */
START_TEST(test_quota_windows)
{
	static const char *const kinds[] = { "reset", "ietf", "retry",
	    "forbid", NULL };
	struct proc	 p;
	json_t		*log, *st, *h, *first;
	long long	 t[16], t0, reset;
	char		*in, *spec, *host, key[32];
	u_int		 k, i, n, before = 0;

	in = make_tweets(4, NULL);
	host = fmt("127.0.0.1:%d", server_port);
	for (k = 0; kinds[k] != NULL; k++) {
		spec = fmt("http:url=%s", srv("/quota/q%s/1/%s/1?{/id}",
		    kinds[k], kinds[k]));
		te_run(&p, in, "-e", spec, "-j", "1", "--stats", "--retries",
		    "0", k == 2 ? "--progress" : NULL, NULL);
		ck_assert_msg(p.status == 0, "%s", p.ebuf);
		all_enriched(&p, 4, "http");
		st = stats_of(&p);
		ck_assert_int_eq(stat_int(json_object_get(st, "http"),
		    "retries"), 0);
		h = json_object_get(json_object_get(st, "hosts"), host);
		ck_assert_msg(h != NULL, "no host stats: %s", p.ebuf);
		ck_assert_int_eq(stat_int(h, "quota_pauses"), 1);
		ck_assert(json_real_value(json_object_get(h,
		    "quota_wait_s")) > 0);
		json_decref(st);
		if (k == 2)
			ck_assert_msg(strstr(p.ebuf, " paused until ") != NULL,
			    "no paused host in --progress: %s", p.ebuf);
		proc_free(&p);

		log = server_log(server_port);
		snprintf(key, sizeof key, "/quota/q%s/", kinds[k]);
		n = log_times(log, key, t, 16);
		ck_assert_uint_eq(n, 5);	/* one refused, four served */
		first = json_array_get(log, before);
		t0 = json_integer_value(json_object_get(first, "ms"));
		ck_assert_int_eq(t0, t[0]);
		/* Epoch seconds (reset, forbid) or seconds from now. */
		if (k == 0 || k == 3)
			reset = (t0 / 1000 + 1) * 1000;
		else
			reset = t0 + 1000 - 5;
		for (i = 1; i < n; i++)
			ck_assert_msg(t[i] >= reset, "%s: request at %lld, "
			    "window ends %lld", kinds[k], t[i], reset);
		before = json_array_size(log);
		json_decref(log);
		free(spec);
	}
	free(host);
	free(in);
}
END_TEST

START_TEST(test_quota_drain_and_limit)
{
	struct proc	 p;
	json_t		*log, *j;
	long long	 t[16], reset;
	char		*in, *spec;
	u_int		 i, n;

	/* A success saying none remain: the host pauses before any 429. */
	in = make_tweets(4, NULL);
	spec = fmt("http:url=%s", srv("/drain/d/2/1?{/id}"));
	te_run(&p, in, "-e", spec, "-j", "1", "-k", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	all_enriched(&p, 4, "http");
	proc_free(&p);
	log = server_log(server_port);
	n = log_times(log, "/drain/", t, 16);
	ck_assert_uint_eq(n, 4);
	reset = (t[1] / 1000 + 1) * 1000;
	for (i = 2; i < n; i++)
		ck_assert_msg(t[i] >= reset, "request at %lld, window ends "
		    "%lld", t[i], reset);
	json_decref(log);
	free(spec);

	/* A window longer than --max-quota-wait: fail at once, clearly. */
	spec = fmt("http:url=%s", srv("/quota/qm/100/reset/600?{/id}"));
	te_run(&p, in, "-e", spec, "-j", "1", "--max-quota-wait", "2",
	    "--stats", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	exactly_once(&p, 4);
	for (i = 0; i < 4; i++) {
		j = line_of(&p, i);
		ck_assert_msg(err(j, "http") != NULL &&
		    strstr(err(j, "http"), "exhausted until") != NULL &&
		    strstr(err(j, "http"), "beyond --max-quota-wait (2 s)") !=
		    NULL, "error: %s", err(j, "http"));
		json_decref(j);
	}
	proc_free(&p);
	log = server_log(server_port);
	ck_assert_uint_eq(log_count(log, "/quota/qm/"), 1);
	json_decref(log);
	free(spec);
	free(in);
}
END_TEST

START_TEST(test_cache_file)
{
	struct proc	 p, q;
	json_t		*log, *st, *cf;
	char		*in, *in2, *a, *out1, path[64], lock[80];
	u_int		 n0, n1;
	int		 fd;

	strcpy(path, "/tmp/te-cf.XXXXXX");
	ck_assert((fd = mkstemp(path)) != -1);
	close(fd);
	unlink(path);
	snprintf(lock, sizeof lock, "%s-lock", path);
	in = fmt("{\"id\":0,\"body\":\"%s\"}\n{\"id\":1}\n{\"id\":2}\n",
	    srv("/redirect/2"));
	a = fmt("http:url=%s", srv("/json/c?{/id}"));

	/* Run 1 fills it: 3 lookups, 3 unshorten hops. */
	te_run(&p, in, "-e", a, "-e", "unshorten", "-k", "--allow-net",
	    "127.0.0.0/8", "--cache-file", path,
	    "--stats", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	st = stats_of(&p);
	cf = json_object_get(st, "cache_file");
	ck_assert_int_eq(stat_int(cf, "stored"), 6);
	ck_assert_int_eq(stat_int(cf, "entries"), 6);
	ck_assert(stat_int(cf, "bytes") > 0);
	json_decref(st);
	out1 = strdup(p.obuf);
	proc_free(&p);
	log = server_log(server_port);
	n0 = json_array_size(log);
	ck_assert_uint_eq(n0, 6);
	json_decref(log);

	/* Run 2: no request at all, the same output. */
	te_run(&p, in, "-e", a, "-e", "unshorten", "-k", "--allow-net",
	    "127.0.0.0/8", "--cache-file", path,
	    "--stats", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	ck_assert_str_eq(p.obuf, out1);
	st = stats_of(&p);
	cf = json_object_get(st, "cache_file");
	ck_assert_int_eq(stat_int(cf, "hits"), 6);
	ck_assert_int_eq(stat_int(cf, "misses"), 0);
	json_decref(st);
	proc_free(&p);
	log = server_log(server_port);
	ck_assert_uint_eq(json_array_size(log), n0);
	json_decref(log);

	/* Run 3 with a shorter TTL: all expired, asked again. */
	te_run(&p, in, "-e", a, "-e", "unshorten", "-k", "--allow-net",
	    "127.0.0.0/8", "--cache-file", path,
	    "--cache-ttl", "0", "--stats", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	st = stats_of(&p);
	ck_assert_int_eq(stat_int(json_object_get(st, "cache_file"),
	    "expired"), 6);
	json_decref(st);
	proc_free(&p);
	log = server_log(server_port);
	n1 = json_array_size(log);
	ck_assert_uint_eq(n1, n0 + 6);
	json_decref(log);

	/* Two processes at once on one file, then a third finds both. */
	in2 = make_tweets(200, NULL);
	free(a);
	a = fmt("http:url=%s", srv("/json/two?{/id}&p={/body}"));
	te_start(&p, "-e", a, "--cache-file", path, NULL);
	te_start(&q, "-e", a, "--cache-file", path, NULL);
	proc_write(&p, in2, strlen(in2));
	proc_write(&q, in2, strlen(in2));
	proc_finish(&p);
	proc_finish(&q);
	ck_assert_msg(p.status == 0 && q.status == 0, "%s %s", p.ebuf, q.ebuf);
	ck_assert_uint_eq(count_lines(p.obuf, p.olen), 200);
	ck_assert_uint_eq(count_lines(q.obuf, q.olen), 200);
	proc_free(&p);
	proc_free(&q);
	log = server_log(server_port);
	n0 = json_array_size(log);
	ck_assert(n0 >= n1 + 200 && n0 <= n1 + 400);
	json_decref(log);
	te_run(&p, in2, "-e", a, "--cache-file", path, "--stats", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	st = stats_of(&p);
	ck_assert_int_eq(stat_int(json_object_get(st, "cache_file"), "hits"),
	    200);
	json_decref(st);
	proc_free(&p);
	log = server_log(server_port);
	ck_assert_uint_eq(json_array_size(log), n0);
	json_decref(log);
	unlink(path);
	unlink(lock);

	/* A file that is not ours: exit 2 naming it, left as it was. */
	fd = open(path, O_WRONLY|O_CREAT|O_TRUNC, 0644);
	ck_assert(write(fd, in, strlen(in)) == (ssize_t)strlen(in));
	close(fd);
	te_run(&p, in, "-e", a, "--cache-file", path, NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, path));
	ck_assert_uint_eq(p.olen, 0);
	proc_free(&p);
	{
		char	 buf[4096];
		FILE	*f = fopen(path, "r");
		size_t	 got = fread(buf, 1, sizeof buf, f);

		fclose(f);
		ck_assert_uint_eq(got, strlen(in));
		ck_assert(memcmp(buf, in, got) == 0);
	}
	unlink(path);
	unlink(lock);
	free(in);
	free(in2);
	free(a);
	free(out1);
}
END_TEST

/* Issue 11's wording: a redirect to another port (another origin) does
 * not carry --header credentials on, as the second server saw it. */
START_TEST(test_redirect_credentials)
{
	struct proc	 p, s2;
	json_t		*log, *r;
	char		*spec, *hdr;
	int		 port2;

	port2 = server_start(&s2);
	setenv("TE_T_TOKEN2", "redirect-secret", 1);
	spec = fmt("http:url=%s", srv("/to?http://127.0.0.1:%d/json/there",
	    port2));
	hdr = strdup("Authorization: Bearer ${TE_T_TOKEN2}");
	te_run(&p, "{\"id\":0}\n", "-e", spec, "--header", hdr, "--header",
	    "Cookie: c=1", "--allow-net", "127.0.0.0/8", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	proc_free(&p);
	log = server_log(server_port);
	r = json_array_get(log, 0);
	ck_assert_str_eq(json_string_value(json_object_get(r,
	    "authorization")), "Bearer redirect-secret");
	json_decref(log);
	log = server_log(port2);
	ck_assert_uint_eq(json_array_size(log), 1);
	r = json_array_get(log, 0);
	ck_assert_str_eq(json_string_value(json_object_get(r, "uri")),
	    "/json/there");
	ck_assert(json_is_null(json_object_get(r, "authorization")));
	ck_assert(json_is_null(json_object_get(r, "cookie")));
	json_decref(log);
	proc_finish(&s2);
	proc_free(&s2);
	free(spec);
	free(hdr);
}
END_TEST

static Suite *
trust_suite(void)
{
	Suite	*s = suite_create("trust");
	TCase	*tc = tcase_create("trust");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, server_setup, server_teardown);
	tcase_add_test(tc, test_header_scoping);
	tcase_add_test(tc, test_errors_file_and_rate);
	tcase_add_test(tc, test_ok_and_status);
	tcase_add_test(tc, test_resume);
	tcase_add_test(tc, test_proxy);
	tcase_add_test(tc, test_host_pacing);
	tcase_add_test(tc, test_quota_windows);
	tcase_add_test(tc, test_quota_drain_and_limit);
	tcase_add_test(tc, test_cache_file);
	tcase_add_test(tc, test_redirect_credentials);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (run_suite(trust_suite()));
}
