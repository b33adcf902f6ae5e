/*
 * Whole-program tests of the latency figures in --stats (tweet-latency.c
 * per enrichment, hostlat.c per host) against the project's test server,
 * whose /latency/N endpoint answers after N milliseconds.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "run.h"

static char	spec[1024];
static char	host[64];

/* An http spec against the test server, its path from fmt. */
static const char *
hspec(const char *path)
{
	snprintf(spec, sizeof spec, "http:url=http://127.0.0.1:%d%s",
	    server_port, path);
	snprintf(host, sizeof host, "127.0.0.1:%d", server_port);
	return (spec);
}

/* A monotonic clock in milliseconds. */
static double
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6);
}

/* The latency record of --stats under "latency", kind, name. */
static json_t *
lat(json_t *st, const char *kind, const char *name)
{
	json_t	*l;

	l = json_object_get(json_object_get(json_object_get(st, "latency"),
	    kind), name);
	ck_assert_msg(l != NULL, "no latency.%s.%s in %s", kind, name,
	    json_dumps(st, JSON_COMPACT));
	return (l);
}

/* A millisecond figure of a latency record. */
static double
ms(json_t *l, const char *key)
{
	json_t	*v = json_object_get(l, key);

	ck_assert_msg(json_is_number(v), "no %s", key);
	return (json_number_value(v));
}

START_TEST(test_known_delays)
{
	struct proc	 p;
	json_t		*st, *l;
	char		*in, slow[1024];
	double		 wall, top;

	in = make_tweets(20, NULL);
	snprintf(slow, sizeof slow, "%s", hspec("/latency/100?n={/id}"));
	te_start(&p, "--stats", "-j", "40", "-e", slow, "-e",
	    hspec("/latency/10?n={/id},as=fast"), "-e", "sleep:ms=30", NULL);
	wall = now_ms();
	proc_write(&p, in, strlen(in));
	proc_finish(&p);
	wall = now_ms() - wall;
	ck_assert_msg(p.status == 0, "status %d: %s", p.status, p.ebuf);
	ck_assert_uint_eq(count_lines(p.obuf, p.olen), 20);
	st = stats_of(&p);

	/*
	 * Each enrichment by its name: 100 ms, 10 ms and a timer. The
	 * server held each request its time, so that is a floor. None can
	 * have lasted longer than the run as this test saw it, from its
	 * input to its exit: that is the ceiling (with the histogram's
	 * 1/64). On a quiet machine the run is little more than the
	 * 100 ms endpoint, so this is the issue's [100, 150); a loaded
	 * machine or valgrind stretches the run and the ceiling with it,
	 * where a fixed 150 failed ("http p50 153.6", "p50 of 197 ms").
	 */
	top = wall * 65 / 64 + 1;
	fprintf(stderr, "latency: run %.0f ms, http p50 %.1f, fast p50 %.1f\n",
	    wall, ms(lat(st, "enrichments", "http"), "p50_ms"),
	    ms(lat(st, "enrichments", "fast"), "p50_ms"));
	l = lat(st, "enrichments", "http");
	ck_assert_int_eq(stat_int(l, "count"), 20);
	ck_assert_msg(ms(l, "p50_ms") >= 100 && ms(l, "p50_ms") < top,
	    "http p50 %f, run %f ms", ms(l, "p50_ms"), wall);
	ck_assert(ms(l, "p90_ms") >= ms(l, "p50_ms"));
	ck_assert(ms(l, "p99_ms") >= ms(l, "p90_ms"));
	ck_assert(ms(l, "max_ms") >= ms(l, "p99_ms"));
	ck_assert_msg(ms(l, "max_ms") < top, "http max %f, run %f ms",
	    ms(l, "max_ms"), wall);
	l = lat(st, "enrichments", "fast");
	ck_assert_int_eq(stat_int(l, "count"), 20);
	ck_assert_msg(ms(l, "p50_ms") >= 10 && ms(l, "p50_ms") < top,
	    "fast p50 %f, run %f ms", ms(l, "p50_ms"), wall);
	/* A timer's: never early (the loop's timers count from the clock). */
	l = lat(st, "enrichments", "sleep");
	ck_assert_int_eq(stat_int(l, "count"), 20);
	ck_assert_msg(ms(l, "p50_ms") >= 30 && ms(l, "p50_ms") <= ms(l,
	    "max_ms"), "sleep p50 %f", ms(l, "p50_ms"));
	ck_assert(ms(l, "max_ms") < top);

	/*
	 * The host saw 40 lookups: 20 of 10 ms, 20 of 100 ms. Its median
	 * is the 20th: one of the 10 ms ones on a quiet machine, but a busy
	 * one or valgrind makes the two kinds overlap (a 10 ms lookup took
	 * 152 ms, the host's median was 162 ms), so only the run bounds it.
	 * Its p90 is one of the 100 ms ones whatever the load.
	 */
	l = lat(st, "hosts", host);
	ck_assert_int_eq(stat_int(l, "count"), 40);
	ck_assert_msg(ms(l, "p50_ms") >= 10 && ms(l, "p50_ms") < top,
	    "host p50 %f, run %f ms", ms(l, "p50_ms"), wall);
	ck_assert_msg(ms(l, "p90_ms") >= 100 && ms(l, "p90_ms") < top,
	    "host p90 %f, run %f ms", ms(l, "p90_ms"), wall);
	ck_assert(ms(l, "max_ms") >= 100 && ms(l, "max_ms") < top);
	json_decref(st);
	proc_free(&p);
	free(in);
}
END_TEST

START_TEST(test_hits_retries_quota)
{
	struct proc	 p;
	json_t		*st, *l;
	char		 flaky[1024];
	const char	*in = "{\"id\":1}\n{\"id\":1}\n{\"id\":2}\n";

	/* The first tweet asks (two 503s, then 200: two retries), the
	 * second is a cache hit (one at a time), the third another URL. */
	snprintf(flaky, sizeof flaky, "%s",
	    hspec("/flaky/lat1/2?n={/id},as=flaky"));
	te_run(&p, in, "--stats", "-j", "1", "-p", "1", "--retries", "2",
	    "-e", flaky, "-e", "length", NULL);
	ck_assert_msg(p.status == 0, "status %d: %s", p.status, p.ebuf);
	st = stats_of(&p);
	l = lat(st, "enrichments", "flaky");
	ck_assert_int_eq(stat_int(l, "count"), 3);
	ck_assert_int_eq(stat_int(l, "cache_hits"), 1);
	ck_assert_int_eq(stat_int(l, "retries"), 2);
	ck_assert_int_eq(stat_int(l, "quota_waits"), 0);
	l = lat(st, "enrichments", "length");
	ck_assert_int_eq(stat_int(l, "cache_hits"), 0);
	ck_assert_int_eq(stat_int(l, "retries"), 0);
	l = lat(st, "hosts", host);
	ck_assert_int_eq(stat_int(l, "count"), 2);
	ck_assert_int_eq(stat_int(l, "cache_hits"), 1);
	ck_assert_int_eq(stat_int(l, "retries"), 2);
	ck_assert_int_eq(stat_int(l, "quota_waits"), 0);
	json_decref(st);
	proc_free(&p);

	/* A 429 with Retry-After: 1 is a quota wait of a second or more. */
	te_run(&p, "{\"id\":1}\n", "--stats", "-e",
	    hspec("/ratelimit/lat2/1/1?n={/id},as=quota"), NULL);
	ck_assert_msg(p.status == 0, "status %d: %s", p.status, p.ebuf);
	st = stats_of(&p);
	l = lat(st, "enrichments", "quota");
	ck_assert_int_eq(stat_int(l, "quota_waits"), 1);
	ck_assert(ms(l, "max_ms") >= 990);
	l = lat(st, "hosts", host);
	ck_assert_int_eq(stat_int(l, "quota_waits"), 1);
	ck_assert_int_eq(stat_int(l, "count"), 1);
	json_decref(st);
	proc_free(&p);
}
END_TEST

START_TEST(test_no_credentials_in_host)
{
	struct proc	 p;
	json_t		*st, *hosts;
	char		 s[1024];

	snprintf(s, sizeof s, "http:url=http://user:pw@127.0.0.1:%d/json",
	    server_port);
	hspec("");
	te_run(&p, "{}\n", "--stats", "-e", s, NULL);
	st = stats_of(&p);
	hosts = json_object_get(json_object_get(st, "latency"), "hosts");
	ck_assert_ptr_nonnull(json_object_get(hosts, host));
	ck_assert_ptr_null(strstr(p.ebuf, "pw@"));
	json_decref(st);
	proc_free(&p);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("latency");
	TCase	*tc = tcase_create("latency");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, server_setup, server_teardown);
	tcase_add_test(tc, test_known_delays);
	tcase_add_test(tc, test_hits_retries_quota);
	tcase_add_test(tc, test_no_credentials_in_host);
	suite_add_tcase(s, tc);
	return (run_suite(s));
}
