/*
 * Whole-program tests of the native HTTP/2 client's connections against
 * t/h2server at several SETTINGS_MAX_CONCURRENT_STREAMS (-m): the pool
 * follows the server's number (enough connections for -j streams, never
 * past ceil(-j / its number) + 2 with libcurl's first), no stream is
 * opened past the server's limit (its over_max), a low limit costs no
 * lookup its --timeout, and --stats' max_sockets counts the native
 * client's sockets with libcurl's. The CA and the server's certificate
 * are made with openssl for the suite (as check_h2.c).
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

static char	 dir[] = "/tmp/te-h2pool.XXXXXX";
static char	 cacert[128];
static char	 allow[] = "127.0.0.0/8";

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

/* Start the HTTP/2 server with -m max (and an option o, NULL: none). */
static void
h2_start(const char *max, const char *o, const char *v)
{
	const char	*opts[] = { "-m", max, o, v, NULL };

	h2_port = h2run_start(&h2, dir, opts);
}

/* Stop the server (its stdin closed) and read what it saw. */
static void
h2_stop(struct h2log *l)
{
	h2run_stop(&h2, l);
}

/* --stats "http" member's integer. */
static long long
pool_stat(json_t *st, const char *key)
{
	return (stat_int(json_object_get(st, "http"), key));
}

/* Add a shortfall to a message. */
static void
problem(char *why, size_t size, const char *f, ...)
    __attribute__((__format__(__printf__, 3, 4)));
static void
problem(char *why, size_t size, const char *f, ...)
{
	va_list	ap;
	size_t	n = strlen(why);

	if (n + 2 >= size)
		return;
	why[n++] = ' ';
	why[n] = '\0';
	va_start(ap, f);
	vsnprintf(why + n, size - n, f, ap);
	va_end(ap);
}

#define ok(p) ck_assert_msg((p).status == 0, "status %d: %.*s",	\
	(p).status, (int)(p).elen, (p).ebuf)

/*
 * -j lookups each answered in ms milliseconds from a server allowing max
 * streams a connection: every one answered in time, over the connections
 * -j needs at the server's number (all in flight at once) and no more than
 * ceil(-j / max) + 2, no stream past the limit, and max_sockets at least
 * the connections open at once.
 */
static void
pool_run(u_int max, u_int j, u_int ms, const char *timeout)
{
	struct proc	 p;
	struct h2log	 l;
	json_t		*st;
	char		*in = make_tweets(j, NULL), *a, m[16], jj[16];
	u_int		 need = (j + max - 1) / max;
	char		 why[512];

	snprintf(m, sizeof m, "%u", max);
	snprintf(jj, sizeof jj, "%u", j);
	/* Under valgrind every handshake is slower: a timeout is no sign. */
	if (getenv("TE_VALGRIND") != NULL)
		timeout = "20000";
	h2_start(m, NULL, NULL);
	a = fmt("http:url=https://127.0.0.1:%d/delay/%u?{/id}", h2_port, ms);
	te_run(&p, in, "-e", a, "-j", jj, "--retries", "0", "--timeout",
	    timeout, "--cacert", cacert, "--allow-net", allow, "--stats",
	    NULL);
	ok(p);
	exactly_once(&p, j);
	st = stats_of(&p);
	h2_stop(&l);
	ck_assert_int_eq(l.requests, j);
	ck_assert_int_eq(pool_stat(st, "connections"), l.conns);
	ck_assert_uint_le(l.max_peak, max);
	/* Every shortfall at once, so that each fix shows. */
	why[0] = '\0';
	if (pool_stat(st, "failures") != 0)
		problem(why, sizeof why, "%lld failures (%lld timeouts)",
		    pool_stat(st, "failures"), pool_stat(st, "fail_timeout"));
	if (l.over_max != 0)
		problem(why, sizeof why, "over_max %ld", l.over_max);
	/* Enough for -j at the server's number, besides libcurl's first. */
	if (l.conns < need + 1 || l.conns > need + 2)
		problem(why, sizeof why, "%u connections, not %u to %u",
		    l.conns, need + 1, need + 2);
	if (pool_stat(st, "max_sockets") < need + 1)
		problem(why, sizeof why, "max_sockets %lld",
		    pool_stat(st, "max_sockets"));
	ck_assert_msg(why[0] == '\0', "-m %u -j %u:%s", max, j, why);
	json_decref(st);
	proc_free(&p);
	free(a);
	free(in);
}

/* At the default 100 of h2server: 1000 lookups on 10 + libcurl's. */
START_TEST(test_pool_100)
{
	pool_run(100, 1000, 1000, "10000");
}
END_TEST

/* More than the 128 once guessed: fewer connections (ceil + 2 = 6). */
START_TEST(test_pool_250)
{
	pool_run(250, 1000, 1000, "10000");
}
END_TEST

/*
 * At 10 a connection, 200 answered in 500 ms within --timeout 2000: none
 * times out (streams opened before the server said 10 waited for it).
 */
START_TEST(test_pool_10)
{
	pool_run(10, 200, 500, "2000");
}
END_TEST

/*
 * Every connection after libcurl's first closed once its handshake is
 * done, before the server's SETTINGS: the native client's requests, which
 * wait for those on a host's first connection, go back to libcurl (its
 * connection still serves) rather than open connection after connection
 * until their --timeout.
 */
START_TEST(test_closed_before_settings)
{
	struct proc	 p;
	struct h2log	 l;
	json_t		*st;
	char		*in = make_tweets(50, NULL), *a;

	h2_start("100", "-k", "1");
	a = fmt("http:url=https://127.0.0.1:%d/delay/50?{/id}", h2_port);
	te_run(&p, in, "-e", a, "-j", "50", "--retries", "0", "--timeout",
	    "3000", "--cacert", cacert, "--allow-net", allow, "--stats",
	    NULL);
	ok(p);
	exactly_once(&p, 50);
	st = stats_of(&p);
	h2_stop(&l);
	ck_assert_msg(pool_stat(st, "failures") == 0, "%lld failures, %u "
	    "connections", pool_stat(st, "failures"), l.conns);
	ck_assert_int_eq(l.requests, 50);
	ck_assert_msg(l.conns <= 3, "%u connections", l.conns);
	json_decref(st);
	proc_free(&p);
	free(a);
	free(in);
}
END_TEST

static long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/*
 * Connections after the host's first native one never finish their
 * handshake: the requests placed on them fail after --connect-timeout
 * and are retried (by libcurl, the host back to it) well before their
 * --timeout, rather than wait it out on a connection that never opens.
 */
START_TEST(test_connect_timeout)
{
	struct proc	 p;
	struct h2log	 l;
	json_t		*st;
	char		*in = make_tweets(30, NULL), *a;
	long		 t0;

	h2_start("10", "-s", "2");
	a = fmt("http:url=https://127.0.0.1:%d/delay/200?{/id}", h2_port);
	t0 = now_ms();
	te_run(&p, in, "-e", a, "-j", "30", "--retries", "2",
	    "--connect-timeout", "500", "--timeout", "8000", "--cacert",
	    cacert, "--allow-net", allow, "--stats", NULL);
	ok(p);
	exactly_once(&p, 30);
	st = stats_of(&p);
	h2_stop(&l);
	ck_assert_msg(pool_stat(st, "failures") == 0, "%lld failures",
	    pool_stat(st, "failures"));
	/* Not 8 s: a connect timeout, then a retry (valgrind: slower). */
	ck_assert_msg(now_ms() - t0 < (getenv("TE_VALGRIND") != NULL ?
	    30000 : 6000), "%ld ms", now_ms() - t0);
	json_decref(st);
	proc_free(&p);
	free(a);
	free(in);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("h2pool");
	TCase	*tc = tcase_create("h2pool");

	tcase_add_unchecked_fixture(tc, ca_setup, ca_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_pool_100);
	tcase_add_test(tc, test_pool_250);
	tcase_add_test(tc, test_pool_10);
	tcase_add_test(tc, test_closed_before_settings);
	tcase_add_test(tc, test_connect_timeout);
	suite_add_tcase(s, tc);
	return (run_suite(s));
}
