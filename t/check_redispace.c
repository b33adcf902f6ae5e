/*
 * Shared pacing through Redis (redis-pace.c, pace-shared.c): several
 * instances of tweet-enricher against one test server and one
 * redis-server, each started by the test. A --host-rate is the total of
 * all of them; a quota window one meets pauses the others; Redis stopped
 * mid-run leaves each pacing locally at its share, and the run finishes.
 * (bench/bench-sharedpace.py runs the 30 s version of the first.)
 */

#include <sys/time.h>

#include <check.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "run.h"

#define MAXREQ 1000

static struct proc	 rds;		/* the redis-server */
static int		 rds_port;
static char		 rds_url[64];

/* Start redis-server on rds_port and wait until it answers PING. */
static void
rds_start(void)
{
	char		 port[16];
	const char	*argv[] = { "redis-server", "--port", port, "--bind",
	    "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel",
	    "warning", NULL };
	struct timespec	 ts = { 0, 10 * 1000 * 1000 };
	redisContext	*c;
	redisReply	*r;
	int		 i;

	snprintf(port, sizeof port, "%d", rds_port);
	proc_start(&rds, argv, -1);
	for (i = 0; i < 1000; i++) {
		c = redisConnect("127.0.0.1", rds_port);
		r = c != NULL && c->err == 0 ? redisCommand(c, "PING") : NULL;
		if (c != NULL)
			redisFree(c);
		if (r != NULL) {
			freeReplyObject(r);
			return;
		}
		nanosleep(&ts, NULL);
	}
	ck_abort_msg("redis-server on port %d does not answer", rds_port);
}

static void
rds_stop(void)
{
	proc_signal(&rds, SIGTERM);
	proc_finish(&rds);
	proc_free(&rds);
}

static void
rds_setup(void)
{
	rds_port = free_port();
	snprintf(rds_url, sizeof rds_url, "redis://127.0.0.1:%d", rds_port);
	rds_start();
}

static void
rds_teardown(void)
{
	if (rds.pid != 0)
		rds_stop();
}

/* The most requests (times sorted, ms) in any window of 1000 ms. */
static u_int
max_per_second(const long long *t, u_int n)
{
	u_int	i, j = 0, most = 0;

	for (i = 0; i < n; i++) {
		while (j < n && t[j] < t[i] + 1000)
			j++;
		if (j - i > most)
			most = j - i;
	}
	return (most);
}

/* Start one instance on n tweets of its own (tag i in its URLs). */
static char *
start_one(struct proc *p, u_int n, const char *path, const char *tag,
    const char *rate, const char *pace)
{
	char	*in, *file, *e;

	in = make_tweets(n, NULL);
	file = tmpfile_with(in, strlen(in));
	free(in);
	e = fmt("http:url=http://127.0.0.1:%d%s?i=%s&{/id}", server_port,
	    path, tag);
	te_start(p, "-e", e, "--allow-net", "127.0.0.0/8", "--host-rate",
	    rate, "--pace-url", pace, "--stats", file, NULL);
	proc_close_in(p);
	free(e);
	return (file);
}

/* Wait for an instance; every one of its n tweets enriched, no error. */
static json_t *
finish_one(struct proc *p, char *file, u_int n)
{
	json_t	*j;
	u_int	 i;

	proc_finish(p);
	unlink(file);
	free(file);
	ck_assert_msg(p->status == 0, "exit %d: %s", p->status, p->ebuf);
	ck_assert_uint_eq(count_lines(p->obuf, p->olen), n);
	ck_assert_msg(strstr(p->obuf, "enrichment_errors") == NULL, "%s",
	    p->obuf);
	for (i = 0; i < n; i++) {
		j = line_of(p, i);
		ck_assert(json_is_true(json_object_get(json_object_get(
		    json_object_get(j, "enrichments"), "http"), "ok")));
		json_decref(j);
	}
	return (stats_of(p));
}

/* Three instances with --host-rate 127.0.0.1=rate; the 1 s maximum. */
static u_int
three(const char *pace, u_int each, u_int *n, long long *span)
{
	struct proc	 p[3];
	char		*files[3], tag[8];
	json_t		*log, *st;
	long long	 t[MAXREQ];
	u_int		 i;

	for (i = 0; i < 3; i++) {
		snprintf(tag, sizeof tag, "%c", 'a' + i);
		files[i] = start_one(&p[i], each, "/window/r/100000/1000", tag,
		    "127.0.0.1=20", pace);
	}
	for (i = 0; i < 3; i++) {
		st = finish_one(&p[i], files[i], each);
		json_decref(st);
		proc_free(&p[i]);
	}
	log = server_log(server_port);
	*n = log_times(log, "/window/r/", t, MAXREQ);
	json_decref(log);
	*span = *n > 0 ? t[*n - 1] - t[0] : 0;
	return (max_per_second(t, *n));
}

/*
 * Shared rate: three instances with --host-rate 127.0.0.1=20 for about 5 s
 * send at most 20 requests in any second (+1 at a window's edge) and about
 * 20 a second on average, as one instance alone would.
 */
START_TEST(test_shared_rate)
{
	u_int		 n, most;
	long long	 span;

	most = three(rds_url, 34, &n, &span);
	ck_assert_uint_eq(n, 102);
	ck_assert_msg(most <= 21, "%u requests in one second", most);
	/* 102 requests, 20 a second: 101 gaps of 50 ms at least. */
	ck_assert_msg(span >= 4900 && span <= 7000, "102 requests in %lld ms",
	    span);
}
END_TEST

/* The control: with --pace-url none each instance paces alone, and the
 * server sees three times the rate (so the test above can fail). */
START_TEST(test_not_shared)
{
	u_int		 n, most;
	long long	 span;

	most = three("none", 20, &n, &span);
	ck_assert_uint_eq(n, 60);
	/* 60 a second; under valgrind the instances start slowly. */
	ck_assert_msg(most >= (getenv("TE_VALGRIND") != NULL ? 25 : 40),
	    "%u requests in one second", most);
}
END_TEST

/*
 * Shared quota window: 20 requests in each 2 s window, counted over three
 * instances (429 with x-rate-limit-reset beyond): every tweet enriched, no
 * error, at most one 429 per instance per window, and instances learn of
 * a window from the server (told on its channel, or answered to an ask)
 * instead of their own 429.
 */
START_TEST(test_shared_quota)
{
	struct proc	 p[3];
	char		*files[3], tag[8];
	json_t		*c, *st, *v, *sp;
	const char	*k;
	long long	 learned = 0, told = 0;
	u_int		 i, n429 = 0;

	for (i = 0; i < 3; i++) {
		snprintf(tag, sizeof tag, "%c", 'a' + i);
		files[i] = start_one(&p[i], 25, "/window/q/20/2", tag,
		    "127.0.0.1=100", rds_url);
	}
	for (i = 0; i < 3; i++) {
		st = finish_one(&p[i], files[i], 25);
		sp = json_object_get(st, "shared_pacing");
		ck_assert_ptr_nonnull(sp);
		learned += stat_int(sp, "quota_waits") +
		    stat_int(sp, "quotas_heard");
		told += stat_int(sp, "quotas_told");
		json_decref(st);
		proc_free(&p[i]);
	}
	c = server_counters(server_port);
	json_object_foreach(c, k, v) {
		if (strncmp(k, "429 ", 4) != 0)
			continue;
		ck_assert_msg(json_integer_value(v) <= 1,
		    "%lld 429s for \"%s\"", json_integer_value(v), k);
		n429++;
	}
	json_decref(c);
	/* 75 requests, 20 a window: four windows at least, of which the
	 * first and the last may not fill; two closed at least. */
	ck_assert_msg(n429 >= 2 && told >= 2, "%u 429s, %lld told", n429,
	    told);
	ck_assert_msg(learned > 0, "no instance learned a window from Redis");
}
END_TEST

/*
 * Shared quota window of a host with no --host-rate: 15 requests in each
 * 2 s window, counted over three instances whose enrichment has rate=40
 * (a shared rate, so that the instances take turns; the host has none).
 * Every tweet enriched, no error, at most one 429 per instance per window,
 * and the window one instance meets pauses the others before their next
 * request: fewer than two 429s a window, where each meeting its own would
 * make three. One request in flight an instance (-j 1): two an instance
 * sent before the first 429 came back would both meet it (seen under
 * AddressSanitizer, where answers come back later), which no sharing can
 * prevent.
 */
START_TEST(test_shared_quota_any_host)
{
	struct proc	 p[3];
	char		*in, *files[3], *e;
	json_t		*c, *st, *v, *sp, *wins;
	const char	*k, *sp1;
	long long	 heard = 0, told = 0;
	u_int		 i, n429 = 0;

	wins = json_object();
	for (i = 0; i < 3; i++) {
		in = make_tweets(20, NULL);
		files[i] = tmpfile_with(in, strlen(in));
		free(in);
		e = fmt("http:url=http://127.0.0.1:%d/window/u/15/2?i=%c&{/id},"
		    "rate=40", server_port, 'a' + i);
		te_start(&p[i], "-e", e, "-j", "1", "--allow-net",
		    "127.0.0.0/8", "--pace-url", rds_url, "--stats", files[i],
		    NULL);
		proc_close_in(&p[i]);
		free(e);
	}
	for (i = 0; i < 3; i++) {
		st = finish_one(&p[i], files[i], 20);
		sp = json_object_get(st, "shared_pacing");
		ck_assert_ptr_nonnull(sp);
		/* Asserted last: the 429s say first what went wrong. */
		heard += json_integer_value(json_object_get(sp,
		    "quotas_heard"));
		told += stat_int(sp, "quotas_told");
		json_decref(st);
		proc_free(&p[i]);
	}
	c = server_counters(server_port);
	json_object_foreach(c, k, v) {
		if (strncmp(k, "429 u ", 6) != 0)
			continue;
		ck_assert_msg(json_integer_value(v) <= 1,
		    "%lld 429s for \"%s\"", json_integer_value(v), k);
		/* "429 u W I": the windows that closed. */
		sp1 = strchr(k + 6, ' ');
		ck_assert_ptr_nonnull(sp1);
		e = fmt("%.*s", (int)(sp1 - (k + 6)), k + 6);
		json_object_set_new(wins, e, json_true());
		free(e);
		n429++;
	}
	json_decref(c);
	/* 60 requests, 15 a window: three closed at least. */
	ck_assert_msg(json_object_size(wins) >= 3, "%zu windows closed",
	    json_object_size(wins));
	ck_assert_msg(n429 < 2 * json_object_size(wins), "%u 429s in %zu "
	    "windows: the others did not pause", n429,
	    json_object_size(wins));
	ck_assert_msg(heard > 0 && told > 0, "%lld heard, %lld told", heard,
	    told);
	json_decref(wins);
}
END_TEST

/* Wait until the server has seen n requests to prefix. */
static void
wait_requests(const char *prefix, u_int n)
{
	struct timespec	 ts = { 0, 20 * 1000 * 1000 };
	long long	 t[MAXREQ];
	json_t		*log;
	u_int		 got;
	int		 i;

	for (i = 0; i < 1500; i++) {
		log = server_log(server_port);
		got = log_times(log, prefix, t, MAXREQ);
		json_decref(log);
		if (got >= n)
			return;
		nanosleep(&ts, NULL);
	}
	ck_abort_msg("%u requests to %s never came", n, prefix);
}

/* Wait until the sorted set under key (the prefix's) holds n. */
static void
wait_zcard(const char *key, long long n)
{
	struct timespec	 ts = { 0, 20 * 1000 * 1000 };
	redisContext	*c;
	redisReply	*r;
	long long	 got = 0;
	int		 i;

	c = redisConnect("127.0.0.1", rds_port);
	ck_assert(c != NULL && c->err == 0);
	for (i = 0; i < 1500 && got < n; i++) {
		r = redisCommand(c, "ZCARD tweet-enricher:pace:%s", key);
		ck_assert(r != NULL && r->type == REDIS_REPLY_INTEGER);
		got = r->integer;
		freeReplyObject(r);
		if (got < n)
			nanosleep(&ts, NULL);
	}
	redisFree(c);
	ck_assert_msg(got >= n, "%lld %s, not %lld", got, key, n);
}

/*
 * An instance that starts during a window another met (told before it
 * listened) reads the open windows from the server: it pauses at once and
 * meets no 429 of its own in that window. 3 requests a 4 s window; the
 * first instance sends 4 as the window opens, the second 1 once Redis
 * keeps the window.
 */
START_TEST(test_quota_joined)
{
	struct timespec	 ts = { 0, 20 * 1000 * 1000 };
	struct proc	 p[2];
	char		*in, *files[2], *e, *k;
	json_t		*c, *st;
	long long	 w, heard;
	u_int		 i;

	while (time(NULL) % 4 != 0)	/* a window just opened */
		nanosleep(&ts, NULL);
	w = (long long)time(NULL) / 4;
	for (i = 0; i < 2; i++) {
		in = make_tweets(i == 0 ? 4 : 1, NULL);
		files[i] = tmpfile_with(in, strlen(in));
		free(in);
		e = fmt("http:url=http://127.0.0.1:%d/window/j/3/4?i=%c&{/id}",
		    server_port, 'a' + i);
		te_start(&p[i], "-e", e, "--allow-net", "127.0.0.0/8",
		    "--pace-url", rds_url, "--stats", files[i], NULL);
		proc_close_in(&p[i]);
		free(e);
		if (i == 0)
			wait_zcard("windows", 1);
	}
	for (i = 0; i < 2; i++) {
		st = finish_one(&p[i], files[i], i == 0 ? 4 : 1);
		heard = json_integer_value(json_object_get(json_object_get(st,
		    "shared_pacing"), "quotas_heard"));
		json_decref(st);
		proc_free(&p[i]);
	}
	c = server_counters(server_port);
	k = fmt("429 j %lld a", w);
	ck_assert_msg(json_object_get(c, k) != NULL, "the first instance "
	    "met no window: %s", k);
	free(k);
	k = fmt("429 j %lld b", w);
	ck_assert_msg(json_object_get(c, k) == NULL, "the second instance "
	    "met the window: %s", k);
	free(k);
	json_decref(c);
	ck_assert_msg(heard == 1, "the second heard %lld windows", heard);
}
END_TEST

/*
 * Redis stopped mid-run, then back: two instances sharing 20 a second go
 * on at 10 a second each (the rate over the instances last seen), say so
 * once, share again when it is back, and finish with every tweet.
 */
START_TEST(test_redis_stopped)
{
	struct proc	 p[2];
	char		*files[2], tag[8];
	json_t		*st, *sp, *log;
	long long	 t[MAXREQ];
	u_int		 i, n, most;

	for (i = 0; i < 2; i++) {
		snprintf(tag, sizeof tag, "%c", 'a' + i);
		files[i] = start_one(&p[i], 50, "/window/s/100000/1000", tag,
		    "127.0.0.1=20", rds_url);
	}
	/* Both counted by the server, and told so by their heartbeats. */
	wait_zcard("instances", 2);
	wait_requests("/window/s/", 20);
	rds_stop();
	wait_requests("/window/s/", 40);
	rds_start();
	for (i = 0; i < 2; i++) {
		st = finish_one(&p[i], files[i], 50);
		sp = json_object_get(st, "shared_pacing");
		ck_assert_ptr_nonnull(sp);
		ck_assert_int_eq(stat_int(sp, "outages"), 1);
		ck_assert_msg(strstr(p[i].ebuf, "away; pacing locally at 1/2")
		    != NULL, "%s", p[i].ebuf);
		ck_assert_msg(strstr(strstr(p[i].ebuf, "away;") + 1, "away;")
		    == NULL, "said twice: %s", p[i].ebuf);
		json_decref(st);
		proc_free(&p[i]);
	}
	log = server_log(server_port);
	n = log_times(log, "/window/s/", t, MAXREQ);
	json_decref(log);
	ck_assert_uint_eq(n, 100);
	most = max_per_second(t, n);
	ck_assert_msg(most <= 22, "%u requests in one second", most);
}
END_TEST

/*
 * Without --pace-url, two instances reading one --from stream share the
 * rate through the stream's server: at most 21 requests in any second.
 */
START_TEST(test_from_stream_default)
{
	struct proc	 p[2];
	json_t		*st, *sp, *log;
	long long	 t[MAXREQ];
	char		*in, *to, *from, *e;
	u_int		 i, n, most, got = 0;

	in = make_tweets(60, NULL);
	to = fmt("%s/in", rds_url);
	te_run(&p[0], in, "--to", to, NULL);
	ck_assert_msg(p[0].status == 0, "%s", p[0].ebuf);
	proc_free(&p[0]);
	from = fmt("%s/in?group=g&start=0&drain=yes&prefetch=10", rds_url);
	e = fmt("http:url=http://127.0.0.1:%d/window/d/100000/1000?{/id}",
	    server_port);
	for (i = 0; i < 2; i++) {
		te_start(&p[i], "-e", e, "--allow-net", "127.0.0.0/8",
		    "--host-rate", "127.0.0.1=20", "--from", from, "--stats",
		    NULL);
		proc_close_in(&p[i]);
	}
	for (i = 0; i < 2; i++) {
		proc_finish(&p[i]);
		ck_assert_msg(p[i].status == 0, "%s", p[i].ebuf);
		got += count_lines(p[i].obuf, p[i].olen);
		st = stats_of(&p[i]);
		sp = json_object_get(st, "shared_pacing");
		ck_assert_msg(sp != NULL, "no shared pacing: %s", p[i].ebuf);
		ck_assert_str_eq(json_string_value(json_object_get(sp,
		    "state")), "shared");
		json_decref(st);
		proc_free(&p[i]);
	}
	ck_assert_uint_eq(got, 60);
	log = server_log(server_port);
	n = log_times(log, "/window/d/", t, MAXREQ);
	json_decref(log);
	ck_assert_uint_eq(n, 60);
	most = max_per_second(t, n);
	ck_assert_msg(most <= 21, "%u requests in one second", most);
	free(in);
	free(to);
	free(from);
	free(e);
}
END_TEST

/*
 * No rate, and the pacing server away from the start: only quota windows
 * would be shared, so that is what is said, once; the first requests do
 * not wait for a server that refused, and every tweet is enriched.
 */
START_TEST(test_away_no_rate)
{
	struct proc	 p;
	json_t		*st;
	char		*in, *file, *e, *pace;
	const char	*said;

	in = make_tweets(20, NULL);
	file = tmpfile_with(in, strlen(in));
	free(in);
	e = fmt("http:url=http://127.0.0.1:%d/window/n/100000/1?{/id}",
	    server_port);
	pace = fmt("redis://127.0.0.1:%d", free_port());
	te_start(&p, "-e", e, "--allow-net", "127.0.0.0/8", "--pace-url",
	    pace, "--stats", file, NULL);
	proc_close_in(&p);
	st = finish_one(&p, file, 20);
	said = strstr(p.ebuf, "away; quota windows not shared");
	ck_assert_msg(said != NULL, "%s", p.ebuf);
	ck_assert_msg(strstr(said + 1, "away;") == NULL, "said twice: %s",
	    p.ebuf);
	ck_assert_msg(json_real_value(json_object_get(st, "elapsed_s")) <
	    (getenv("TE_VALGRIND") != NULL ? 10 : 0.5), "%s", p.ebuf);
	json_decref(st);
	proc_free(&p);
	free(e);
	free(pace);
}
END_TEST

/* --pace-url: none or a redis:// URL with prefix= alone. */
START_TEST(test_pace_url_checked)
{
	struct proc	 p;

	te_run(&p, "{\"id\":1}\n", "-e", "test", "--pace-url",
	    "redis://127.0.0.1:1/?bogus=1", NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_msg(strstr(p.ebuf, "--pace-url") != NULL, "%s", p.ebuf);
	proc_free(&p);
	te_run(&p, "{\"id\":1}\n", "-e", "test", "--pace-url", "none", NULL);
	ck_assert_int_eq(p.status, 0);
	proc_free(&p);
}
END_TEST

static Suite *
redispace_suite(void)
{
	Suite	*s = suite_create("redispace");
	TCase	*tc;

	tc = tcase_create("shared");
	tcase_add_checked_fixture(tc, server_setup, server_teardown);
	tcase_add_checked_fixture(tc, rds_setup, rds_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_shared_rate);
	tcase_add_test(tc, test_not_shared);
	tcase_add_test(tc, test_shared_quota);
	tcase_add_test(tc, test_shared_quota_any_host);
	tcase_add_test(tc, test_quota_joined);
	tcase_add_test(tc, test_redis_stopped);
	tcase_add_test(tc, test_from_stream_default);
	tcase_add_test(tc, test_away_no_rate);
	tcase_add_test(tc, test_pace_url_checked);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (run_suite(redispace_suite()));
}
