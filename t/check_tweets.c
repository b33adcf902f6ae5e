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

/* The whole text of a file. */
static char *
slurp(const char *path, size_t *len)
{
	FILE	*f = fopen(path, "rb");
	char	*buf;
	long	 n;

	ck_assert_msg(f != NULL, "%s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	ck_assert(buf != NULL && fread(buf, 1, n, f) == (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len != NULL)
		*len = n;
	return (buf);
}

/* The input with "enrichments":{"test":42} added to the lines that are
 * not notices (those that start with {"created_at" or {"id"). */
static char *
with_test(const char *s)
{
	char		*out = calloc(2, strlen(s) + 1024), *o = out;
	const char	*nl;

	ck_assert(out != NULL);
	for (; *s != '\0'; s = nl + 1) {
		nl = strchr(s, '\n');
		ck_assert(nl != NULL);
		if (strncmp(s, "{\"created_at\"", 13) == 0 ||
		    strncmp(s, "{\"id\"", 5) == 0) {
			memcpy(o, s, nl - s - 1);
			o += nl - s - 1;
			o += sprintf(o, ",\"enrichments\":{\"test\":42}}\n");
		} else {
			memcpy(o, s, nl - s + 1);
			o += nl - s + 1;
		}
	}
	return (out);
}

START_TEST(test_notices)
{
	struct proc	 p;
	json_t		*st;
	char		*in, *want;

	/* Written through unchanged, in order, never enriched; counted. */
	in = slurp(fixture("notices.jsonl"), NULL);
	te_run(&p, in, "-k", "--stats", "-e", "test", NULL);
	ck_assert_int_eq(p.status, 0);
	want = with_test(in);
	ck_assert_str_eq(p.obuf, want);
	free(want);
	st = stats_of(&p);
	ck_assert_int_eq(stat_int(st, "notices"), 9);
	ck_assert_int_eq(stat_int(st, "tweets"), 2);
	ck_assert_int_eq(stat_int(st, "written"), 11);
	json_decref(st);
	proc_free(&p);

	/* --drop-notices: only the two tweets are written. */
	te_run(&p, in, "-k", "--stats", "--drop-notices", "-e", "length", NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_uint_eq(count_lines(p.obuf, p.olen), 2);
	ck_assert_ptr_nonnull(strstr(p.obuf, "\"length\":33}}\n"));
	st = stats_of(&p);
	ck_assert_int_eq(stat_int(st, "notices"), 9);
	ck_assert_int_eq(stat_int(st, "written"), 2);
	json_decref(st);
	proc_free(&p);
	free(in);
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

	tc = tcase_create("notices");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_notices);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (run_suite(tweets_suite()));
}
