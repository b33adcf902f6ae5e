/*
 * Whole-program tests of pacing and quotas (pace.c and the quota policy in
 * fetch.c): one pacer per host however a URL spells it; a link's host
 * cannot stall the run with a long quota window; a stop signal fails what
 * is held instead of waiting for it.
 */

#include <sys/time.h>

#include <check.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "run.h"

/*
 * --host-rate a.example=10 paces http://a.example/ and
 * http://a.example:80/ as one host (through the test server as a proxy):
 * twelve requests take at least a second, not half of one on two pacers.
 */
START_TEST(test_one_host_two_spellings)
{
	struct proc	 p;
	json_t		*log, *j;
	long long	 t[32];
	char		*in, *a, *b, *proxy;
	u_int		 i, n;
	int		 vg = getenv("TE_VALGRIND") != NULL;

	in = make_tweets(6, NULL);
	proxy = fmt("http://127.0.0.1:%d", server_port);
	a = fmt("http:url=http://a.example/json/two?{/id},as=a");
	b = fmt("http:url=http://A.example:80/json/two?{/id},as=b");
	te_run(&p, in, "-e", a, "-e", b, "--proxy", proxy, "--host-rate",
	    "a.example=10", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	ck_assert_uint_eq(count_lines(p.obuf, p.olen), 6);
	for (i = 0; i < 6; i++) {
		j = line_of(&p, i);
		ck_assert_msg(err(j, "a") == NULL && err(j, "b") == NULL,
		    "errors: %s", p.obuf);
		json_decref(j);
	}
	proc_free(&p);
	log = server_log(server_port);
	n = log_times(log, "/json/two", t, 32);
	ck_assert_uint_eq(n, 12);
	/* 10 a second for both spellings together: 10 gaps of 100 ms from
	 * the second request on (roughly under valgrind). */
	ck_assert_msg(t[n - 1] - t[1] >= (vg ? 500 : 950),
	    "12 requests in %lld ms: two pacers", t[n - 1] - t[1]);
	json_decref(log);
	free(a);
	free(b);
	free(proxy);
	free(in);
}
END_TEST

/* Milliseconds on the monotonic clock. */
static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* A tweet whose one link is url. */
static char *
link_tweet(u_int id, const char *url)
{
	char	*s;

	s = fmt("{\"id\":%u,\"entities\":{\"urls\":[{\"url\":\"%s\"}]}}\n",
	    id, url);
	return (s);
}

/* The one link of an output line's unshorten value: key as a string. */
static const char *
link_str(json_t *line, const char *key)
{
	json_t	*o;

	o = json_array_get(json_object_get(json_object_get(line,
	    "enrichments"), "unshorten"), 0);
	ck_assert_ptr_nonnull(o);
	return (json_string_value(json_object_get(o, key)));
}

/*
 * Issue 18 item 12: 40 tweets for unshorten, every eighth linking to a
 * host that answers 429 with a window 899 s long. The window is not
 * waited for (it is beyond --max-retry-wait): those links fail at once,
 * saying so, the others are expanded, and -k output is not held up.
 * Before, the run took 899 s. A short window (1 s) on a link's host is
 * still waited for.
 */
START_TEST(test_link_quota_bounded)
{
	struct proc	 p;
	json_t		*j, *log;
	char		*in = NULL, *line, *u, *all;
	long long	 t0, t[8];
	u_int		 i, far = 0;

	all = strdup("");
	for (i = 0; i < 40; i++) {
		if (i % 8 == 3)
			u = fmt("http://127.0.0.1:%d/quota/far/1000/reset/899?%u",
			    server_port2, i);
		else
			u = fmt("http://127.0.0.1:%d/json/ok?%u", server_port,
			    i);
		line = link_tweet(i, u);
		in = fmt("%s%s", all, line);
		free(all);
		all = in;
		free(line);
		free(u);
	}
	t0 = now_ms();
	te_run(&p, in, "-k", "-e", "unshorten", "--allow-net", "127.0.0.0/8",
	    "--stats", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	exactly_once(&p, 40);
	for (i = 0; i < 40; i++) {
		j = line_of(&p, i);
		if (i % 8 == 3) {
			far++;
			ck_assert_msg(link_str(j, "error") != NULL &&
			    strstr(link_str(j, "error"), "exhausted until") !=
			    NULL && strstr(link_str(j, "error"),
			    "beyond --max-retry-wait (30000 ms)") != NULL,
			    "link %u: %s", i, link_str(j, "error"));
		} else
			ck_assert_msg(link_str(j, "error") == NULL,
			    "link %u: %s", i, link_str(j, "error"));
		json_decref(j);
	}
	ck_assert_uint_eq(far, 5);
	if (getenv("TE_VALGRIND") == NULL)
		ck_assert_msg(now_ms() - t0 < 20000, "%lld ms", now_ms() - t0);
	proc_free(&p);
	/* No link of that host was asked twice (none is retried). */
	log = server_log(server_port2);
	ck_assert_uint_le(log_times(log, "/quota/far/", t, 8), 5);
	json_decref(log);
	free(in);

	/* A window within --max-retry-wait is waited for, then expanded. */
	u = fmt("http://127.0.0.1:%d/quota/near/1/ietf/1", server_port2);
	in = link_tweet(0, u);
	te_run(&p, in, "-e", "unshorten", "--allow-net", "127.0.0.0/8", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	j = line_of(&p, 0);
	ck_assert_msg(link_str(j, "error") == NULL, "%s", link_str(j,
	    "error"));
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(
	    json_object_get(json_object_get(j, "enrichments"), "unshorten"),
	    0), "status")), 200);
	json_decref(j);
	proc_free(&p);
	free(in);
	free(u);
}
END_TEST

/*
 * Redirects the http enricher follows (on the same request, hop by hop)
 * meet their host's gates as first requests do: 4 tweets, each 3
 * redirects to the end on one host with --host-rate 10, are 16 requests
 * 100 ms apart. Before, only the first request of each was paced, the
 * hops went at once: all 16 within some 400 ms. (unshorten asks each hop
 * as a request of its own, paced already.)
 */
START_TEST(test_redirect_hops_paced)
{
	struct proc	 p;
	json_t		*log;
	long long	 t[32];
	char		*in, *spec, *rate;
	u_int		 n;
	int		 vg = getenv("TE_VALGRIND") != NULL;

	in = make_tweets(4, NULL);
	spec = fmt("http:url=http://127.0.0.1:%d/redirect/3?{/id}",
	    server_port2);
	rate = fmt("127.0.0.1:%d=10", server_port2);
	te_run(&p, in, "-e", spec, "--allow-net", "127.0.0.0/8",
	    "--host-rate", rate, "--stats", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	exactly_once(&p, 4);
	proc_free(&p);
	log = server_log(server_port2);
	n = log_times(log, "/redirect/", t, 32);
	ck_assert_uint_eq(n, 16);
	ck_assert_msg(t[n - 1] - t[1] >= (vg ? 700 : 1300),
	    "16 requests in %lld ms: hops not paced", t[n - 1] - t[1]);
	json_decref(log);
	free(rate);
	free(spec);
	free(in);
}
END_TEST

/*
 * A stop signal while requests are held (a configured API's 899 s quota
 * window, then a --host-rate of one request in 100 s): they fail
 * "cancelled at exit" within seconds and every tweet is written. Before,
 * the run waited out the window.
 */
START_TEST(test_stop_fails_held)
{
	struct proc	 p;
	json_t		*j;
	char		*in, *spec, *hr;
	long long	 t0;
	u_int		 i, k;

	in = make_tweets(3, NULL);
	for (k = 0; k < 2; k++) {
		if (k == 0) {
			spec = fmt("http:url=http://127.0.0.1:%d/quota/held/"
			    "1000/reset/899?{/id}", server_port);
			hr = NULL;
		} else {
			spec = fmt("http:url=http://127.0.0.1:%d/json/rate?"
			    "{/id}", server_port);
			hr = fmt("127.0.0.1=0.01");
		}
		te_start(&p, "-k", "-j", "1", "-e", spec, hr != NULL ?
		    "--host-rate" : NULL, hr, NULL);
		proc_write(&p, in, strlen(in));
		/* Held: the quota pause, or the first answer (so the rest
		 * wait their turn). */
		ck_assert(proc_wait_output(&p, k == 0 ? "pausing for" :
		    "\n", k == 0));
		t0 = now_ms();
		proc_signal(&p, SIGTERM);
		proc_finish(&p);
		if (getenv("TE_VALGRIND") == NULL)
			ck_assert_msg(now_ms() - t0 < 10000, "%lld ms",
			    now_ms() - t0);
		ck_assert_int_eq(p.status, 143);
		ck_assert_uint_eq(count_lines(p.obuf, p.olen), 3);
		for (i = k; i < 3; i++) {
			j = line_of(&p, i);
			ck_assert_msg(err(j, "http") != NULL &&
			    strcmp(err(j, "http"), "cancelled at exit") == 0,
			    "tweet %u: %s", i, p.obuf);
			json_decref(j);
		}
		proc_free(&p);
		free(spec);
		free(hr);
	}
	free(in);
}
END_TEST

/*
 * A stop signal while a request waits to retry (a 503, then backoffs
 * growing to --max-retry-wait): it fails "cancelled at exit" at once, and
 * what runs after the signal is not retried. Before, the backoffs ran on
 * (20 retries).
 */
START_TEST(test_stop_fails_backoff)
{
	struct proc	 p;
	json_t		*j;
	char		*in, *spec;
	long long	 t0;
	u_int		 i;

	in = make_tweets(3, NULL);
	spec = fmt("http:url=http://127.0.0.1:%d/flaky/bk/1000?{/id}",
	    server_port);
	te_start(&p, "-k", "-j", "1", "--retries", "20", "--max-retry-wait",
	    "60000", "-e", spec, NULL);
	proc_write(&p, in, strlen(in));
	/* The first 503 is in: the request now waits to retry. */
	while (server_count(server_port, "requests") < 1)
		proc_pump(&p, 20);
	t0 = now_ms();
	proc_signal(&p, SIGTERM);
	proc_finish(&p);
	if (getenv("TE_VALGRIND") == NULL)
		ck_assert_msg(now_ms() - t0 < 10000, "%lld ms", now_ms() - t0);
	ck_assert_int_eq(p.status, 143);
	ck_assert_uint_eq(count_lines(p.obuf, p.olen), 3);
	j = line_of(&p, 0);
	ck_assert_msg(err(j, "http") != NULL && strcmp(err(j, "http"),
	    "cancelled at exit") == 0, "%s", p.obuf);
	json_decref(j);
	/* The others were waiting to retry too, or asked after the signal
	 * and not retried. */
	for (i = 1; i < 3; i++) {
		j = line_of(&p, i);
		ck_assert_msg(err(j, "http") != NULL && (strcmp(err(j, "http"),
		    "cancelled at exit") == 0 || strstr(err(j, "http"),
		    "503") != NULL), "tweet %u: %s", i, p.obuf);
		json_decref(j);
	}
	ck_assert_int_le(server_count(server_port, "requests"), 6);
	proc_free(&p);
	free(spec);
	free(in);
}
END_TEST

/*
 * Issue 18 item 13: a quota belongs to a host and the credentials sent.
 * One tweet's link to the API host is answered 429 with a 1 h window: the
 * twenty requests that carry an Authorization header to that host go on
 * (before, all of them failed with the host paused). And the other way: a
 * 429 to the credentialed requests does not stop the anonymous links.
 */
START_TEST(test_quota_per_credentials)
{
	struct proc	 p;
	json_t		*j, *st, *hosts;
	char		*in = NULL, *all, *line, *u, *api, *host, *cred;
	u_int		 i, k;

	host = fmt("127.0.0.1:%d", server_port);
	cred = fmt("%s (credentials 1)", host);
	for (k = 0; k < 2; k++) {
		all = strdup("");
		for (i = 0; i < 20; i++) {
			if (k == 0 && i > 0)
				line = fmt("{\"id\":%u}\n", i);
			else {
				u = k == 0 ? fmt("http://%s/quota/anon/100/"
				    "reset/3600", host) :
				    fmt("http://%s/json/anon?%u", host, i);
				line = link_tweet(i, u);
				free(u);
			}
			in = fmt("%s%s", all, line);
			free(all);
			all = in;
			free(line);
		}
		api = fmt("http:url=http://%s/%s?{/id},header=Authorization: "
		    "Bearer t", host, k == 0 ? "json/api" :
		    "quota/key/100/reset/3600");
		te_run(&p, in, "-k", "-j", "1", "-e", "unshorten", "-e", api,
		    "--allow-net", "127.0.0.0/8", "--stats", NULL);
		ck_assert_msg(p.status == 0, "%s", p.ebuf);
		exactly_once(&p, 20);
		for (i = 0; i < 20; i++) {
			j = line_of(&p, i);
			if (k == 0) {
				ck_assert_msg(err(j, "http") == NULL,
				    "tweet %u: %s", i, err(j, "http"));
				if (i == 0)
					ck_assert_ptr_nonnull(link_str(j,
					    "error"));
			} else {
				ck_assert_ptr_nonnull(err(j, "http"));
				ck_assert_msg(link_str(j, "error") == NULL,
				    "link %u: %s", i, link_str(j, "error"));
			}
			json_decref(j);
		}
		/* The pause is shown for the quota that was refused. */
		st = stats_of(&p);
		hosts = json_object_get(st, "hosts");
		ck_assert_msg(json_object_get(hosts, k == 0 ? host : cred) !=
		    NULL, "hosts: %s", p.ebuf);
		ck_assert_ptr_null(json_object_get(hosts, k == 0 ? cred :
		    host));
		json_decref(st);
		proc_free(&p);
		free(api);
		free(in);
	}
	free(host);
	free(cred);
}
END_TEST

/*
 * Issue 18 item 14: pacers are found by hash and a quota's pacer goes when
 * its window is over. Twenty hosts (127.0.1.N through the test server as
 * a proxy) each answer one 429 with a 1 s window; with -p 4 at most a few
 * windows are open at once, and --stats shows that no more pacers were
 * alive than that (before, every pacer stayed for the whole run).
 */
START_TEST(test_pacers_expire)
{
	struct proc	 p;
	json_t		*st, *pc, *hosts;
	char		*in = NULL, *all, *line, *u, *proxy;
	u_int		 i;

	all = strdup("");
	for (i = 0; i < 20; i++) {
		u = fmt("http://127.0.1.%u/quota/p%u/1/ietf/1", i + 1, i);
		line = link_tweet(i, u);
		in = fmt("%s%s", all, line);
		free(all);
		all = in;
		free(line);
		free(u);
	}
	proxy = fmt("http://127.0.0.1:%d", server_port);
	te_run(&p, in, "-p", "4", "-e", "unshorten", "--proxy", proxy,
	    "--allow-net", "127.0.0.0/8", "--stats", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	exactly_once(&p, 20);
	ck_assert_ptr_null(strstr(p.obuf, "enrichment_errors"));
	ck_assert_ptr_null(strstr(p.obuf, "\"error\""));
	st = stats_of(&p);
	pc = json_object_get(st, "pacers");
	ck_assert_msg(pc != NULL, "no pacers in --stats: %s", p.ebuf);
	ck_assert_int_eq(stat_int(pc, "made"), 20);
	ck_assert_int_eq(stat_int(pc, "expired") + stat_int(pc, "alive"), 20);
	ck_assert_msg(stat_int(pc, "max_alive") <= 10, "%lld alive at once",
	    stat_int(pc, "max_alive"));
	/* The stats of every host outlive its pacer. */
	hosts = json_object_get(st, "hosts");
	ck_assert_uint_eq(json_object_size(hosts), 20);
	ck_assert_int_eq(stat_int(json_object_get(hosts, "127.0.1.7:80"),
	    "quota_pauses"), 1);
	json_decref(st);
	proc_free(&p);
	free(proxy);
	free(in);
}
END_TEST

static Suite *
pace_suite(void)
{
	Suite	*s = suite_create("pace");
	TCase	*tc = tcase_create("pace");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, server_setup, server_teardown);
	tcase_add_test(tc, test_one_host_two_spellings);
	tcase_add_test(tc, test_link_quota_bounded);
	tcase_add_test(tc, test_redirect_hops_paced);
	tcase_add_test(tc, test_stop_fails_held);
	tcase_add_test(tc, test_stop_fails_backoff);
	tcase_add_test(tc, test_quota_per_credentials);
	tcase_add_test(tc, test_pacers_expire);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (run_suite(pace_suite()));
}
