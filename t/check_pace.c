/*
 * Whole-program tests of pacing and quotas (pace.c and the quota policy in
 * fetch.c): one pacer per host however a URL spells it.
 */

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "run.h"

/* A formatted string that lives until free(). */
static char *
fmt(const char *f, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, f);
	ck_assert(vasprintf(&s, f, ap) != -1);
	va_end(ap);
	return (s);
}

/* The enrichment errors of a line (NULL if none). */
static const char *
err(json_t *line, const char *name)
{
	return (json_string_value(json_object_get(json_object_get(line,
	    "enrichment_errors"), name)));
}

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

static Suite *
pace_suite(void)
{
	Suite	*s = suite_create("pace");
	TCase	*tc = tcase_create("pace");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, server_setup, server_teardown);
	tcase_add_test(tc, test_one_host_two_spellings);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (run_suite(pace_suite()));
}
