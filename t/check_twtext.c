/*
 * twtext.c against twitter-text's own conformance suite: the extraction
 * sections of conformance/extract.yml (hashtags, mentions and lists,
 * cashtags, URLs, with and without indices) and the v3 weighted-length
 * sections of conformance/validate.yml.
 *
 * The cases are twitter-text's (https://github.com/twitter/twitter-text,
 * Copyright Twitter, Inc., Apache License 2.0), converted to
 * t/data/twtext-conformance.json by tools/conformance-json.py; only the
 * sections used here are kept. Each section prints its pass count.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "tweet/tweet.h"
#include "run.h"

#ifndef nitems
#define nitems(a) (sizeof (a) / sizeof (a)[0])
#endif

static json_t	*conf;

static void
conf_load(void)
{
	json_error_t	 error;
	char		*path;

	if (conf != NULL)
		return;
	if (asprintf(&path, "%s/t/data/twtext-conformance.json",
	    run_srcdir()) == -1)
		abort();
	conf = json_load_file(path, 0, &error);
	ck_assert_msg(conf != NULL, "%s: %s", path, error.text);
	free(path);
}

/* An entity's value as a string (both pieces). */
static char *
value_of(const struct twtext_entity *e)
{
	char	*s;

	if (asprintf(&s, "%.*s%.*s", (int)e->value_len, e->value,
	    e->type == TWTEXT_URL ? (int)e->rest_len : 0,
	    e->type == TWTEXT_URL && e->rest != NULL ? e->rest : "") == -1)
		abort();
	return (s);
}

/*
 * Run one extraction section: what says which extractor, indices whether
 * the expected items are [value, (slug,) start, end] arrays. Returns the
 * number of failures, printing each.
 */
static int
run_section(const char *name, int what, int indices, int slug)
{
	struct twtext			*t = twtext_new();
	const struct twtext_entity	*e;
	json_t				*cases, *c, *exp, *item;
	const char			*text;
	char				*got, *slugs;
	size_t				 i, k, n;
	int				 fail, failures = 0;

	conf_load();
	cases = json_object_get(conf, name);
	ck_assert_msg(json_is_array(cases) && json_array_size(cases) > 0,
	    "no section %s", name);
	json_array_foreach(cases, i, c) {
		text = json_string_value(json_array_get(c, 0));
		exp = json_array_get(c, 1);
		n = twtext_extract(t, text, json_string_length(json_array_get(c,
		    0)), what);
		fail = (n != json_array_size(exp));
		for (k = 0; !fail && k < n; k++) {
			e = twtext_entity(t, k);
			item = json_array_get(exp, k);
			got = value_of(e);
			if (!indices)
				fail = strcmp(got, json_string_value(item)) != 0;
			else {
				fail = strcmp(got, json_string_value(
				    json_array_get(item, 0))) != 0;
				if (slug) {
					if (asprintf(&slugs, "%.*s",
					    (int)e->rest_len, e->rest != NULL ?
					    e->rest : "") == -1)
						abort();
					fail |= strcmp(slugs, json_string_value(
					    json_array_get(item, 1))) != 0;
					free(slugs);
				}
				fail |= json_integer_value(json_array_get(item,
				    1 + slug)) != (json_int_t)e->start;
				fail |= json_integer_value(json_array_get(item,
				    2 + slug)) != (json_int_t)e->end;
			}
			free(got);
		}
		if (fail) {
			failures++;
			printf("FAIL %s #%zu: %s\n  got:", name, i, text);
			for (k = 0; k < n; k++) {
				got = value_of(twtext_entity(t, k));
				printf(" [%s %zu-%zu]", got,
				    twtext_entity(t, k)->start,
				    twtext_entity(t, k)->end);
				free(got);
			}
			printf("\n");
		}
	}
	printf("twtext conformance: %s %zu/%zu\n", name,
	    json_array_size(cases) - failures, json_array_size(cases));
	fflush(stdout);
	twtext_free(t);
	return (failures);
}

static int
run_weighted(const char *name)
{
	struct twtext	*t = twtext_new();
	json_t		*cases, *c;
	const char	*text;
	size_t		 i;
	long		 w;
	int		 valid, failures = 0;

	conf_load();
	cases = json_object_get(conf, name);
	ck_assert_msg(json_is_array(cases) && json_array_size(cases) > 0,
	    "no section %s", name);
	json_array_foreach(cases, i, c) {
		text = json_string_value(json_array_get(c, 0));
		w = twtext_weighted_length(t, text, json_string_length(
		    json_array_get(c, 0)), &valid);
		if (w != json_integer_value(json_array_get(c, 1)) ||
		    valid != json_is_true(json_array_get(c, 2))) {
			failures++;
			printf("FAIL %s #%zu: got %ld %s, want %lld %s: %.80s\n",
			    name, i, w, valid ? "valid" : "invalid",
			    (long long)json_integer_value(json_array_get(c, 1)),
			    json_is_true(json_array_get(c, 2)) ? "valid" :
			    "invalid", text);
		}
	}
	printf("twtext conformance: %s %zu/%zu\n", name,
	    json_array_size(cases) - failures, json_array_size(cases));
	fflush(stdout);
	twtext_free(t);
	return (failures);
}

#define ONE(k) (TWTEXT_ONE_KIND | (k))

START_TEST(test_mentions)
{
	int	f = 0;

	f += run_section("mentions", ONE(TWTEXT_MENTION), 0, 0);
	f += run_section("mentions_with_indices", ONE(TWTEXT_MENTION), 1, 0);
	f += run_section("mentions_or_lists_with_indices", TWTEXT_MENTION, 1,
	    1);
	ck_assert_int_eq(f, 0);
}
END_TEST

START_TEST(test_urls)
{
	int	f = 0;

	f += run_section("urls", ONE(TWTEXT_URL), 0, 0);
	f += run_section("urls_with_indices", ONE(TWTEXT_URL), 1, 0);
	f += run_section("urls_with_directional_markers", ONE(TWTEXT_URL), 1,
	    0);
	f += run_section("tco_urls_with_params", ONE(TWTEXT_URL), 0, 0);
	ck_assert_int_eq(f, 0);
}
END_TEST

START_TEST(test_hashtags)
{
	int	f = 0;

	f += run_section("hashtags", ONE(TWTEXT_HASHTAG), 0, 0);
	f += run_section("hashtags_from_astral", ONE(TWTEXT_HASHTAG), 0, 0);
	f += run_section("hashtags_with_indices", ONE(TWTEXT_HASHTAG), 1, 0);
	ck_assert_int_eq(f, 0);
}
END_TEST

START_TEST(test_cashtags)
{
	int	f = 0;

	f += run_section("cashtags", ONE(TWTEXT_CASHTAG), 0, 0);
	f += run_section("cashtags_with_indices", ONE(TWTEXT_CASHTAG), 1, 0);
	ck_assert_int_eq(f, 0);
}
END_TEST

START_TEST(test_weighted)
{
	int	f = 0;

	f += run_weighted("WeightedTweetsWithDiscountedEmojiCounterTest");
	f += run_weighted("UnicodeDirectionalMarkerCounterTest");
	ck_assert_int_eq(f, 0);
}
END_TEST

/* Cases of our own: all kinds at once, overlaps, odd input. */
START_TEST(test_entities)
{
	struct twtext			*t = twtext_new();
	const struct twtext_entity	*e;
	const char			*s;
	int				 valid;

	/* A hashtag inside a URL is not one; the URL comes first. */
	s = "see http://x.com/#tag and #real @who $AB";
	ck_assert_uint_eq(twtext_extract(t, s, strlen(s), TWTEXT_ALL), 4);
	ck_assert_int_eq(twtext_entity(t, 0)->type, TWTEXT_URL);
	e = twtext_entity(t, 1);
	ck_assert_int_eq(e->type, TWTEXT_HASHTAG);
	ck_assert_int_eq(e->value_len, 4);
	ck_assert(memcmp(e->value, "real", 4) == 0);
	ck_assert_int_eq(twtext_entity(t, 2)->type, TWTEXT_MENTION);
	ck_assert_int_eq(twtext_entity(t, 3)->type, TWTEXT_CASHTAG);
	ck_assert_ptr_null(twtext_entity(t, 4));

	/* Full-width at sign; a list keeps its slug apart. */
	s = "\xef\xbc\xa0user hi @a/b";
	ck_assert_uint_eq(twtext_extract(t, s, strlen(s), TWTEXT_MENTION), 2);
	e = twtext_entity(t, 1);
	ck_assert(e->rest_len == 2 && memcmp(e->rest, "/b", 2) == 0);

	/* Bad UTF-8 does not stop extraction. */
	s = "\xff #tag \xc3";
	ck_assert_uint_eq(twtext_extract(t, s, strlen(s), TWTEXT_ALL), 1);

	/* Empty text: length 0, not valid. */
	ck_assert_int_eq(twtext_weighted_length(t, "", 0, &valid), 0);
	ck_assert_int_eq(valid, 0);
	/* NFC first: e + combining acute counts one. */
	ck_assert_int_eq(twtext_weighted_length(t, "e\xcc\x81", 3, &valid), 1);
	ck_assert_int_eq(valid, 1);
	/* A keycap is one emoji; a lone (c) sign is Latin-1. */
	ck_assert_int_eq(twtext_weighted_length(t, "1\xef\xb8\x8f\xe2\x83\xa3",
	    7, NULL), 2);
	ck_assert_int_eq(twtext_weighted_length(t, "\xc2\xa9", 2, NULL), 1);
	twtext_free(t);
}
END_TEST


/* The value of enrichment name on output line i. */
static json_t *
value_at(struct proc *p, u_int i, const char *name)
{
	json_t	*j = line_of(p, i), *v;

	v = json_object_get(json_object_get(j, "enrichments"), name);
	ck_assert_msg(v != NULL, "line %u has no %s", i, name);
	json_incref(v);
	json_decref(j);
	return (v);
}

/* Fixtures in each format, shaped as the real samples are. */
static const char tweets[] =
    /* 0: v1.1 extended: the full text, not the truncated one */
    "{\"id_str\":\"1\",\"text\":\"short #no\",\"truncated\":true,"
    "\"in_reply_to_status_id_str\":null,\"user\":{\"text\":\"#user\"},"
    "\"extended_tweet\":{\"full_text\":\"long #yes @bob http://x.com/a"
    " $AB \\ud83d\\ude00\",\"entities\":{\"hashtags\":[{\"text\":\"yes\"}],"
    "\"user_mentions\":[{\"screen_name\":\"bob\"}],\"urls\":[{\"url\":"
    "\"http://x.com/a\"}],\"symbols\":[{\"text\":\"AB\"}]}}}\n"
    /* 1: v1.1 retweet of a quote: a retweet */
    "{\"id_str\":\"2\",\"text\":\"RT @a: hi\",\"retweeted_status\":{\"id_str\":"
    "\"3\"},\"quoted_status\":{\"id_str\":\"4\"},\"is_quote_status\":true}\n"
    /* 2: v1.1 reply that quotes: a quote */
    "{\"id_str\":\"5\",\"text\":\"@a yes\",\"in_reply_to_status_id_str\":\"9\","
    "\"is_quote_status\":true}\n"
    /* 3: v1.1 reply, full_text, key written with an escape */
    "{\"id_str\":\"6\",\"full_\\u0074ext\":\"@a #x\",\"in_reply_to_status_id\":"
    "9}\n"
    /* 4: Gnip share */
    "{\"verb\":\"share\",\"body\":\"RT @a: #b\",\"object\":{\"body\":\"#b\"}}\n"
    /* 5: Gnip post with long_object, replying */
    "{\"verb\":\"post\",\"body\":\"short\",\"inReplyTo\":{\"link\":\"x\"},"
    "\"long_object\":{\"body\":\"long #tag\",\"twitter_entities\":{"
    "\"hashtags\":[{\"text\":\"tag\"}]}}}\n"
    /* 6: twarc2 line: a reply that quotes */
    "{\"data\":{\"id\":\"7\",\"text\":\"t #v2 @c\",\"referenced_tweets\":["
    "{\"type\":\"replied_to\",\"id\":\"1\"},{\"type\":\"quoted\",\"id\":\"2\"}],"
    "\"entities\":{\"hashtags\":[{\"tag\":\"v2\"}],\"mentions\":[{"
    "\"username\":\"c\"}]}},\"includes\":{}}\n"
    /* 7: v2 bare, note_tweet */
    "{\"id\":\"8\",\"text\":\"x\",\"author_id\":\"1\",\"note_tweet\":{\"text\":"
    "\"note $XY\"}}\n"
    /* 8: not a tweet */
    "{\"foo\":1}\n";

START_TEST(test_enrich_type)
{
	struct proc	 p;
	const char	*want[] = { "original", "retweet", "quote", "reply",
	    "retweet", "reply", "quote", "original" };
	json_t		*v, *j;
	u_int		 i;

	te_run(&p, tweets, "-k", "-e", "type", NULL);
	ck_assert_int_eq(p.status, 0);
	for (i = 0; i < nitems(want); i++) {
		v = value_at(&p, i, "type");
		ck_assert_str_eq(json_string_value(v), want[i]);
		json_decref(v);
	}
	j = line_of(&p, 8);
	ck_assert(json_is_string(json_object_get(json_object_get(j,
	    "enrichment_errors"), "type")));
	json_decref(j);
	proc_free(&p);
}
END_TEST

START_TEST(test_enrich_entities)
{
	struct proc	 p;
	json_t		*v;
	char		*s;

	te_run(&p, tweets, "-k", "-e", "entities", "-e",
	    "entities:source=data,as=data", NULL);
	ck_assert_int_eq(p.status, 0);
	v = value_at(&p, 0, "entities");
	s = json_dumps(v, JSON_COMPACT);
	ck_assert_str_eq(s, "{\"hashtags\":[\"yes\"],\"mentions\":[\"bob\"],"
	    "\"urls\":[\"http://x.com/a\"],\"cashtags\":[\"AB\"]}");
	free(s);
	json_decref(v);
	/* The tweet's own lists, in the same shape. */
	v = value_at(&p, 0, "data");
	s = json_dumps(v, JSON_COMPACT);
	ck_assert_str_eq(s, "{\"hashtags\":[\"yes\"],\"mentions\":[\"bob\"],"
	    "\"urls\":[\"http://x.com/a\"],\"cashtags\":[\"AB\"]}");
	free(s);
	json_decref(v);
	v = value_at(&p, 3, "entities");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(v,
	    "hashtags"), 0)), "x");
	json_decref(v);
	v = value_at(&p, 5, "entities");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(v,
	    "hashtags"), 0)), "tag");
	json_decref(v);
	v = value_at(&p, 6, "data");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(v,
	    "mentions"), 0)), "c");
	json_decref(v);
	v = value_at(&p, 7, "entities");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(v,
	    "cashtags"), 0)), "XY");
	json_decref(v);
	proc_free(&p);

	te_run(&p, "{}\n", "-e", "entities:source=nope", NULL);
	ck_assert_int_eq(p.status, 2);
	proc_free(&p);
}
END_TEST

START_TEST(test_enrich_length)
{
	struct proc	 p;
	json_t		*v;

	te_run(&p, tweets, "-k", "-e", "length:count=twitter", "-e",
	    "length:count=twitter,valid=yes,as=v", "-e",
	    "length:count=twitter,field=/text,as=f", NULL);
	ck_assert_int_eq(p.status, 0);
	/* 20 characters, a URL (23) and an emoji (2), as twitter-text. */
	v = value_at(&p, 0, "length");
	ck_assert_int_eq(json_integer_value(v), 45);
	json_decref(v);
	v = value_at(&p, 0, "v");
	ck_assert_int_eq(json_integer_value(json_object_get(v, "weighted")),
	    45);
	ck_assert(json_is_true(json_object_get(v, "valid")));
	json_decref(v);
	v = value_at(&p, 0, "f");
	ck_assert_int_eq(json_integer_value(v), 9);
	json_decref(v);
	proc_free(&p);

	te_run(&p, "{}\n", "-e", "length:valid=yes", NULL);
	ck_assert_int_eq(p.status, 2);
	proc_free(&p);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("twtext");
	TCase	*tc = tcase_create("conformance");
	int	 rc;

	tcase_add_test(tc, test_mentions);
	tcase_add_test(tc, test_urls);
	tcase_add_test(tc, test_hashtags);
	tcase_add_test(tc, test_cashtags);
	tcase_add_test(tc, test_weighted);
	tcase_add_test(tc, test_entities);
	suite_add_tcase(s, tc);
	tc = tcase_create("enrichers");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_enrich_type);
	tcase_add_test(tc, test_enrich_entities);
	tcase_add_test(tc, test_enrich_length);
	suite_add_tcase(s, tc);
	rc = run_suite(s);
	json_decref(conf);
	twtext_cleanup();
	return (rc);
}
