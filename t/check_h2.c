/*
 * Whole-program tests of the http enricher over HTTP/2 against a server
 * that misbehaves on demand (t/h2server: TLS with ALPN h2, libnghttp2):
 * results and errors as on HTTP/1 (statuses, a redirect, quota headers, a
 * big body and --max-response, --timeout), a refused stream, a stream
 * reset with INTERNAL_ERROR, a graceful GOAWAY, a connection closed in the
 * middle of a response, and how many connections carry -j lookups under
 * the server's SETTINGS_MAX_CONCURRENT_STREAMS. They pin what the program
 * does today, so that any HTTP/2 client it uses is held to the same. The
 * CA and the server's certificate are made with openssl for the suite.
 */

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "h2run.h"

static char	 dir[] = "/tmp/te-h2.XXXXXX";	/* CA, certificate */
static char	 cacert[128];
static char	 allow[] = "127.0.0.0/8";

/* The server of a test. */
static struct proc	 h2;
static int		 h2_port;

static void
ca_setup(void)
{
	h2run_ca_setup(dir, cacert, sizeof cacert);
}

static void
ca_teardown(void)
{
	h2run_ca_teardown(dir);
}

/* Start the HTTP/2 server with options (-g N, -m N: NULL for none). */
static void
h2_start(const char *o1, const char *v1, const char *o2, const char *v2)
{
	const char	*opts[] = { o1, v1, o2, v2, NULL };	/* o1 first */

	h2_port = h2run_start(&h2, dir, opts);
}

/* Stop the server (its stdin closed) and read what it saw. */
static void
h2_stop(struct h2log *l)
{
	h2run_stop(&h2, l);
}

/* "http:url=https://127.0.0.1:PORT" then a formatted rest, until free(). */
static char *
spec(const char *f, ...)
    __attribute__((__format__(__printf__, 1, 2)));
static char *
spec(const char *f, ...)
{
	va_list	 ap;
	char	*rest, *s;

	va_start(ap, f);
	ck_assert(vasprintf(&rest, f, ap) != -1);
	va_end(ap);
	s = fmt("http:url=https://127.0.0.1:%d%s", h2_port, rest);
	free(rest);
	return (s);
}

static json_t *
enr(json_t *line, const char *name)
{
	return (json_object_get(json_object_get(line, "enrichments"), name));
}

/* --stats' top-level integer. */
static long long
top_stat(struct proc *p, const char *key)
{
	json_t		*st = stats_of(p);
	long long	 v;

	v = stat_int(st, key);
	json_decref(st);
	return (v);
}

/* The uri member of enrichment name's result in a line is as formatted. */
static void
uri_is(json_t *line, const char *name, const char *f, ...)
    __attribute__((__format__(__printf__, 3, 4)));
static void
uri_is(json_t *line, const char *name, const char *f, ...)
{
	va_list		 ap;
	char		 want[256];
	const char	*uri;

	va_start(ap, f);
	vsnprintf(want, sizeof want, f, ap);
	va_end(ap);
	uri = json_string_value(json_object_get(enr(line, name), "uri"));
	ck_assert_msg(uri != NULL && strcmp(uri, want) == 0, "%s: %s, not %s",
	    name, uri, want);
}

static long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

#define ok(p) ck_assert_msg((p).status == 0, "status %d: %.*s",	\
	(p).status, (int)(p).elen, (p).ebuf)

/* The output line of the tweet whose id is id (output may be reordered). */
static json_t *
tweet(struct proc *p, long long id)
{
	u_int	 i, n = count_lines(p->obuf, p->olen);
	json_t	*j;

	for (i = 0; i < n; i++) {
		j = line_of(p, i);
		if (json_integer_value(json_object_get(j, "id")) == id)
			return (j);
		json_decref(j);
	}
	ck_abort_msg("no tweet %lld", id);
	return (NULL);
}

/*
 * Each of n tweets written once, its "http" result the echo of the path
 * (a format of the tweet's index), with no error.
 */
static void
all_answered(struct proc *p, u_int n, const char *path)
{
	json_t	*j;
	u_int	 i;

	exactly_once(p, n);
	for (i = 0; i < n; i++) {
		j = tweet(p, i);
		uri_is(j, "http", path, i);
		ck_assert_ptr_null(err(j, "http"));
		json_decref(j);
	}
}

/*
 * Answers as on HTTP/1: a result under enrichments, a status error under
 * enrichment_errors ("HTTP N: " and the body), a redirect followed, a body
 * of 50,000 bytes, all over HTTP/2 (--stats' versions).
 */
START_TEST(test_answers)
{
	struct proc	 p;
	struct h2log	 l;
	char		*in = make_tweets(10, NULL), *a, *b, *c, *d;
	json_t		*j;
	u_int		 i;

	h2_start(NULL, NULL, NULL, NULL);
	a = spec("/json/{/id},as=ok");
	b = spec("/status/404?{/id},as=notfound");
	c = spec("/to/json/r{/id},as=redir");
	d = spec("/big/50000?{/id},as=big");
	te_run(&p, in, "-e", a, "-e", b, "-e", c, "-e", d, "-j", "10",
	    "--retries", "1", "--max-retry-wait", "10", "--cacert", cacert,
	    "--allow-net", allow, "--stats", NULL);
	ok(p);
	exactly_once(&p, 10);
	for (i = 0; i < 10; i++) {
		j = tweet(&p, i);
		uri_is(j, "ok", "/json/%u", i);
		ck_assert(json_is_null(enr(j, "notfound")));
		ck_assert_str_eq(err(j, "notfound"),
		    "HTTP 404: {\"status\":404}");
		uri_is(j, "redir", "/json/r%u", i);
		ck_assert_uint_eq(json_string_length(json_object_get(enr(j,
		    "big"), "x")), 50000 - 8);
		ck_assert_ptr_null(err(j, "ok"));
		ck_assert_ptr_null(err(j, "redir"));
		ck_assert_ptr_null(err(j, "big"));
		json_decref(j);
	}
	/* A 404 is the tweet's error, not a failed transfer (as on
	 * HTTP/1). */
	ck_assert_int_eq(http_stat(&p, "failures"), 0);
	ck_assert_int_eq(top_stat(&p, "enrichment_errors"), 10);
	ck_assert_int_eq(version_stat(&p, "1.1"), 0);
	ck_assert_int_ge(version_stat(&p, "2"), 40);
	h2_stop(&l);
	/* The 404 is not worth a retry; the redirect is two requests. */
	ck_assert_int_eq(l.requests, 50);
	ck_assert_int_eq(http_stat(&p, "connections"), l.conns);
	ck_assert_uint_le(l.conns, 3);
	proc_free(&p);
	free(a);
	free(b);
	free(c);
	free(d);
	free(in);
}
END_TEST

/*
 * Quota headers on HTTP/2: a 429 with retry-after and x-rate-limit-reset a
 * second away is waited out and asked again (a result, no error); one whose
 * window ends past --max-quota-wait is an error saying so; a 503 with
 * retry-after is retried, then its error.
 */
START_TEST(test_quota_headers)
{
	struct proc	 p;
	struct h2log	 l;
	char		*in = make_tweets(3, NULL), *a;
	json_t		*j;
	u_int		 i;

	h2_start(NULL, NULL, NULL, NULL);
	a = spec("/quota/q{/id}/1/1");
	te_run(&p, in, "-e", a, "--cacert", cacert, "--allow-net", allow,
	    "--stats", NULL);
	ok(p);
	all_answered(&p, 3, "/quota/q%u/1/1");
	ck_assert_int_eq(http_stat(&p, "failures"), 0);
	proc_free(&p);
	free(a);

	a = spec("/reset/429/100000?{/id}");
	te_run(&p, in, "-e", a, "--cacert", cacert, "--allow-net", allow,
	    "--max-quota-wait", "60", "--stats", NULL);
	ok(p);
	exactly_once(&p, 3);
	for (i = 0; i < 3; i++) {
		j = tweet(&p, i);
		ck_assert(json_is_null(enr(j, "http")));
		ck_assert_msg(strstr(err(j, "http"), "beyond --max-quota-wait")
		    != NULL, "%s", err(j, "http"));
		json_decref(j);
	}
	ck_assert_int_eq(http_stat(&p, "failures"), 3);
	proc_free(&p);
	free(a);

	a = spec("/retry/503/1?{/id}");
	te_run(&p, "{\"id\":0}\n", "-e", a, "--cacert", cacert, "--allow-net",
	    allow, "--retries", "2", "--max-retry-wait", "50", "--stats",
	    NULL);
	ok(p);
	j = line_of(&p, 0);
	ck_assert_str_eq(err(j, "http"), "HTTP 503: {\"status\":503}");
	json_decref(j);
	ck_assert_int_eq(http_stat(&p, "retries"), 2);
	ck_assert_int_eq(http_stat(&p, "fail_status"), 1);
	proc_free(&p);
	free(a);
	h2_stop(&l);
	/* 3 429s and 3 answers; 3 429s (all in flight at once); 3 tries of
	 * the 503. */
	ck_assert_int_eq(l.requests, 6 + 3 + 3);
	free(in);
}
END_TEST

/*
 * A stream refused (RST_STREAM REFUSED_STREAM: the server did not process
 * it) is sent again and answered: no error, and the retry is libcurl's own,
 * not one of --retries (which is 0 here).
 */
START_TEST(test_refused_stream)
{
	struct proc	 p;
	struct h2log	 l;
	char		*in = make_tweets(20, NULL), *a;

	h2_start(NULL, NULL, NULL, NULL);
	a = spec("/refuse/r{/id}/1");
	te_run(&p, in, "-e", a, "-j", "20", "--retries", "0", "--cacert",
	    cacert, "--allow-net", allow, "--stats", NULL);
	ok(p);
	all_answered(&p, 20, "/refuse/r%u/1");
	ck_assert_int_eq(http_stat(&p, "failures"), 0);
	h2_stop(&l);
	ck_assert_int_eq(l.refused, 20);
	ck_assert_int_eq(l.requests, 40);
	proc_free(&p);
	free(a);
	free(in);
}
END_TEST

/*
 * A stream reset with INTERNAL_ERROR is a failure worth a retry
 * (fetch-policy.c): retried once, answered; one reset every time is an
 * error of kind other once --retries are spent.
 */
START_TEST(test_internal_error)
{
	struct proc	 p;
	struct h2log	 l;
	char		*in = make_tweets(10, NULL), *a;
	json_t		*j;

	h2_start(NULL, NULL, NULL, NULL);
	a = spec("/internal/i{/id}/1");
	te_run(&p, in, "-e", a, "-j", "10", "--max-retry-wait", "10",
	    "--cacert", cacert, "--allow-net", allow, "--stats", NULL);
	ok(p);
	all_answered(&p, 10, "/internal/i%u/1");
	ck_assert_int_eq(http_stat(&p, "failures"), 0);
	ck_assert_int_eq(http_stat(&p, "retries"), 10);
	proc_free(&p);
	free(a);

	a = spec("/internal/always/1000000");
	te_run(&p, "{\"id\":0}\n", "-e", a, "--retries", "1",
	    "--max-retry-wait", "10", "--cacert", cacert, "--allow-net", allow,
	    "--stats", NULL);
	ok(p);
	j = line_of(&p, 0);
	ck_assert(json_is_null(enr(j, "http")));
	ck_assert_msg(strstr(err(j, "http"), "INTERNAL_ERROR") != NULL ||
	    strstr(err(j, "http"), "HTTP/2") != NULL, "%s", err(j, "http"));
	json_decref(j);
	ck_assert_int_eq(http_stat(&p, "retries"), 1);
	ck_assert_int_eq(http_stat(&p, "fail_other"), 1);
	proc_free(&p);
	free(a);
	h2_stop(&l);
	ck_assert_int_eq(l.internal, 10 + 2);
	ck_assert_int_eq(l.requests, 20 + 2);
	free(in);
}
END_TEST

/*
 * A graceful GOAWAY after 5 streams on each connection: the streams it
 * names processed are answered on it, later ones go on a new connection;
 * every tweet has its result, no error, and no request is processed twice.
 * libcurl sends a stream past the GOAWAY again by itself, but gives up
 * after 5 ("Connection died, tried 5 times"), which then costs one of
 * --retries: so the default --retries here, not 0.
 */
START_TEST(test_goaway)
{
	struct proc	 p;
	struct h2log	 l;
	char		*in = make_tweets(40, NULL), *a;
	json_t		*j;
	u_int		 i;

	h2_start("-g", "5", NULL, NULL);
	a = spec("/delay/20?{/id}");
	te_run(&p, in, "-e", a, "-j", "10", "--max-retry-wait", "10",
	    "--cacert", cacert, "--allow-net", allow, "--stats", NULL);
	ok(p);
	exactly_once(&p, 40);
	for (i = 0; i < 40; i++) {
		j = tweet(&p, i);
		uri_is(j, "http", "/delay/20?%u", i);
		json_decref(j);
	}
	ck_assert_int_eq(http_stat(&p, "failures"), 0);
	h2_stop(&l);
	ck_assert_int_eq(l.requests, 40);
	ck_assert_uint_eq(l.streams, 40);
	ck_assert_uint_le(l.max_streams, 5);
	ck_assert_uint_ge(l.conns, 8);
	/* Each connection but the last one or two (-j 10: two at most at
	 * once) had its 5 streams and a GOAWAY. */
	ck_assert_int_ge(l.goaways, 7);
	ck_assert_int_ge(l.goaways, l.conns - 2);
	ck_assert_int_eq(http_stat(&p, "connections"), l.conns);
	proc_free(&p);
	free(a);
	free(in);
}
END_TEST

/*
 * The connection closed in the middle of a response: as on HTTP/1 (a
 * receive error, fetch-policy.c), the lookup is retried and answered; cut
 * every time, an error of kind other once --retries are spent. One lookup
 * at a time, so that a cut ends no other lookup's stream.
 */
START_TEST(test_cut)
{
	struct proc	 p;
	struct h2log	 l;
	char		*in = make_tweets(5, NULL), *a;
	json_t		*j;

	h2_start(NULL, NULL, NULL, NULL);
	a = spec("/cut/c{/id}/1");
	te_run(&p, in, "-e", a, "-j", "1", "--max-retry-wait", "10",
	    "--cacert", cacert, "--allow-net", allow, "--stats", NULL);
	ok(p);
	all_answered(&p, 5, "/cut/c%u/1");
	ck_assert_int_eq(http_stat(&p, "failures"), 0);
	ck_assert_int_eq(http_stat(&p, "retries"), 5);
	ck_assert_int_eq(http_stat(&p, "connections"), 6);
	proc_free(&p);
	free(a);

	a = spec("/cut/always/1000000");
	te_run(&p, "{\"id\":0}\n", "-e", a, "--retries", "1",
	    "--max-retry-wait", "10", "--cacert", cacert, "--allow-net", allow,
	    "--stats", NULL);
	ok(p);
	j = line_of(&p, 0);
	ck_assert(json_is_null(enr(j, "http")));
	ck_assert_ptr_nonnull(err(j, "http"));
	json_decref(j);
	ck_assert_int_eq(http_stat(&p, "retries"), 1);
	ck_assert_int_eq(http_stat(&p, "fail_other"), 1);
	proc_free(&p);
	free(a);
	h2_stop(&l);
	ck_assert_int_eq(l.cut, 5 + 2);
	ck_assert_uint_eq(l.conns, 6 + 2);
	free(in);
}
END_TEST

/*
 * --timeout on a stream never answered: an error of kind timeout, the
 * other lookups on the same connection answered, and the run over in
 * about the timeout, not hung.
 */
START_TEST(test_timeout)
{
	struct proc	 p;
	struct h2log	 l;
	char		*in = make_tweets(6, NULL), *a, *b;
	json_t		*j;
	long		 t0;
	u_int		 i;

	h2_start(NULL, NULL, NULL, NULL);
	a = spec("/hang?{/id},as=hang");
	b = spec("/json/{/id},as=ok");
	t0 = now_ms();
	te_run(&p, in, "-e", a, "-e", b, "-j", "12", "--timeout", "1500",
	    "--retries", "0", "--cacert", cacert, "--allow-net", allow,
	    "--stats", NULL);
	ok(p);
	/* 1.5 s and the start: far less than a hang (under valgrind too). */
	ck_assert_int_lt(now_ms() - t0, 60000);
	exactly_once(&p, 6);
	for (i = 0; i < 6; i++) {
		j = tweet(&p, i);
		ck_assert(json_is_null(enr(j, "hang")));
		ck_assert_msg(strncmp(err(j, "hang"), "timeout: ", 9) == 0,
		    "%s", err(j, "hang"));
		uri_is(j, "ok", "/json/%u", i);
		json_decref(j);
	}
	ck_assert_int_eq(http_stat(&p, "fail_timeout"), 6);
	ck_assert_int_eq(http_stat(&p, "failures"), 6);
	h2_stop(&l);
	ck_assert_int_eq(l.requests, 12);
	ck_assert_uint_le(l.conns, 2);
	proc_free(&p);
	free(a);
	free(b);
	free(in);
}
END_TEST

/* --max-response over HTTP/2: a body past it is an error of kind size; one
 * within it a result. */
START_TEST(test_max_response)
{
	struct proc	 p;
	struct h2log	 l;
	char		*in = make_tweets(4, NULL), *a, *b;
	json_t		*j;
	u_int		 i;

	h2_start(NULL, NULL, NULL, NULL);
	a = spec("/big/200000?{/id},as=big");
	b = spec("/big/90000?{/id},as=fits");
	te_run(&p, in, "-e", a, "-e", b, "--max-response", "100000",
	    "--cacert", cacert, "--allow-net", allow, "--stats", NULL);
	ok(p);
	exactly_once(&p, 4);
	for (i = 0; i < 4; i++) {
		j = tweet(&p, i);
		ck_assert(json_is_null(enr(j, "big")));
		ck_assert_str_eq(err(j, "big"),
		    "response larger than 100000 bytes");
		ck_assert_uint_eq(json_string_length(json_object_get(enr(j,
		    "fits"), "x")), 90000 - 8);
		json_decref(j);
	}
	ck_assert_int_eq(http_stat(&p, "fail_size"), 4);
	ck_assert_int_eq(http_stat(&p, "failures"), 4);
	h2_stop(&l);
	ck_assert_int_eq(l.requests, 8);
	proc_free(&p);
	free(a);
	free(b);
	free(in);
}
END_TEST

/*
 * Multiplexing under the server's SETTINGS_MAX_CONCURRENT_STREAMS (10):
 * -j 60 lookups of 300 ms over at most ceil(60 / 10) + 2 connections,
 * several streams at once on a connection, none refused, all HTTP/2.
 * The bound is a ceiling: libcurl 7.88 opens fewer (2 or 3 here, 2 at
 * once), and streams past 10 a connection wait for a free one instead.
 */
START_TEST(test_multiplexed)
{
	struct proc	 p;
	struct h2log	 l;
	char		*in = make_tweets(60, NULL), *a;

	h2_start("-m", "10", NULL, NULL);
	a = spec("/delay/300?{/id}");
	te_run(&p, in, "-e", a, "-j", "60", "--retries", "0", "--cacert",
	    cacert, "--allow-net", allow, "--stats", NULL);
	ok(p);
	exactly_once(&p, 60);
	ck_assert_int_eq(http_stat(&p, "failures"), 0);
	ck_assert_int_eq(version_stat(&p, "2"), 60);
	ck_assert_int_eq(version_stat(&p, "1.1"), 0);
	h2_stop(&l);
	ck_assert_int_eq(l.requests, 60);
	ck_assert_uint_le(l.max_peak, 10);
	ck_assert_msg(l.max_peak >= 2, "peak %u", l.max_peak);
	ck_assert_msg(l.conns <= 6 + 2, "%u connections", l.conns);
	ck_assert_int_eq(http_stat(&p, "connections"), l.conns);
	proc_free(&p);
	free(a);
	free(in);
}
END_TEST

/*
 * One failing lookup, as the only tweet (to a host not yet known: libcurl's
 * first connection), or after one that found the host speaking h2 (-j 1:
 * the native client's, since it exists): its error text with each number
 * read as N, and the failure kind its --stats counts.
 */
static void
fail_once(const char *path, int warm, char *text, size_t len, char *kind,
    size_t klen)
{
	const char	*kinds[] = { "fail_timeout", "fail_connect",
			    "fail_status", "fail_size", "fail_other" };
	struct proc	 p;
	json_t		*j;
	char		*a, *in;
	const char	*e;
	size_t		 n = 0;
	u_int		 i;

	a = spec("/{/a}/{/b}/{/c}");
	in = fmt("%s{\"id\":1,\"a\":\"%.*s\",\"b\":\"%.*s\",\"c\":\"%s\"}\n",
	    warm ? "{\"id\":0,\"a\":\"json\",\"b\":\"w\",\"c\":\"w\"}\n" : "",
	    (int)strcspn(path, "/"), path,
	    (int)strcspn(strchr(path, '/') + 1, "/"), strchr(path, '/') + 1,
	    strrchr(path, '/') + 1);
	te_run(&p, in, "-e", a, "-j", "1", "--retries", "1",
	    "--max-retry-wait", "10", "--max-response", "100000", "--cacert",
	    cacert, "--allow-net", allow, "--stats", NULL);
	ok(p);
	ck_assert_uint_eq(count_lines(p.obuf, p.olen), warm ? 2 : 1);
	j = tweet(&p, 1);
	ck_assert(json_is_null(enr(j, "http")));
	ck_assert_ptr_nonnull(e = err(j, "http"));
	for (; *e != '\0' && n + 1 < len; e++) {
		if (*e >= '0' && *e <= '9') {
			if (n == 0 || text[n - 1] != 'N')
				text[n++] = 'N';
		} else
			text[n++] = *e;
	}
	text[n] = '\0';
	json_decref(j);
	*kind = '\0';
	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		if (http_stat(&p, kinds[i]) != 0)
			snprintf(kind, klen, "%s %lld", kinds[i],
			    http_stat(&p, kinds[i]));
	}
	proc_free(&p);
	free(a);
	free(in);
}

/*
 * A lookup to a host known to speak h2 fails as one to a host not yet
 * known does: the same error text (but its numbers) and the same kind,
 * for a stream always reset with INTERNAL_ERROR or always refused, a
 * connection always cut, a 503, a body past --max-response, a 404 and a
 * quota window past --max-quota-wait (no answer: test_timeout, where most
 * lookups find the host known).
 */
START_TEST(test_known_host_fails_alike)
{
	const char	*paths[] = { "internal/ia/1000000",
			    "refuse/ra/1000000", "cut/ca/1000000",
			    "retry/503/1", "big/200000/x",
			    "status/404/x", "reset/429/100000" };
	const char	*cold_paths[] = { "internal/ib/1000000",
			    "refuse/rb/1000000", "cut/cb/1000000" };
	struct h2log	 l;
	char		 t1[512], t2[512], k1[64], k2[64];
	const char	*cold;
	u_int		 i;

	h2_start(NULL, NULL, NULL, NULL);
	for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		/* A KEY of its own for each run, else the same path. */
		cold = i < 3 ? cold_paths[i] : paths[i];
		fail_once(cold, 0, t1, sizeof t1, k1, sizeof k1);
		fail_once(paths[i], 1, t2, sizeof t2, k2, sizeof k2);
		ck_assert_msg(strcmp(t1, t2) == 0, "%s: \"%s\", then \"%s\"",
		    paths[i], t1, t2);
		ck_assert_msg(strcmp(k1, k2) == 0, "%s: %s, then %s",
		    paths[i], k1, k2);
		/* A 404 is the tweet's error, no failed transfer. */
		ck_assert(strcmp(paths[i], "status/404/x") == 0 ||
		    *k1 != '\0');
	}
	h2_stop(&l);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("h2");
	TCase	*tc = tcase_create("h2");

	tcase_add_unchecked_fixture(tc, ca_setup, ca_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_answers);
	tcase_add_test(tc, test_quota_headers);
	tcase_add_test(tc, test_refused_stream);
	tcase_add_test(tc, test_internal_error);
	tcase_add_test(tc, test_goaway);
	tcase_add_test(tc, test_cut);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_max_response);
	tcase_add_test(tc, test_multiplexed);
	tcase_add_test(tc, test_known_host_fails_alike);
	suite_add_tcase(s, tc);
	return (run_suite(s));
}
