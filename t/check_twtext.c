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

#include "tweet-enricher.h"
#include "run.h"

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
	rc = run_suite(s);
	json_decref(conf);
	twtext_cleanup();
	return (rc);
}
