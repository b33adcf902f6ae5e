/*
 * twtext.c against twitter-text's own conformance suite: every section of
 * conformance/extract.yml (mentions and lists, replies, URLs with and
 * without indices, directional markers and t.co parameters, hashtags,
 * cashtags) and the v3 weighted-length sections of conformance/validate.yml,
 * as twitter-text's JavaScript 3.1.0 passes them.
 *
 * The cases are twitter-text's (https://github.com/twitter/twitter-text,
 * Copyright Twitter, Inc., Apache License 2.0), kept verbatim in
 * t/data/twtext-upstream/ and converted without edits to
 * t/data/twtext-conformance.json by tools/conformance-json.py (which names
 * the upstream commit). A case we disagree with is never changed: it is
 * listed in known[] with the reason, still run, and counted as a failure.
 * Each section prints its pass count.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "lib/lib.h"
#include "tweet/tweet.h"
#include "run.h"

#ifndef nitems
#define nitems(a) (sizeof (a) / sizeof (a)[0])
#endif

#define ONE(k) (TWTEXT_ONE_KIND | (k))

static json_t	*conf;

/*
 * Where we knowingly differ from the suite, by section and description.
 * These cases still run and still fail the suite.
 */
static const struct {
	const char	*section;
	const char	*description;
	const char	*reason;
} known[] = {
	{ NULL, NULL, NULL }
};

/* How each extract.yml section is run: the extractor, the item key. */
static const struct {
	const char	*name;
	int		 what;
	const char	*key;	/* NULL: a list of strings */
	int		 slug;	/* items have a list_slug */
} sections[] = {
	{ "mentions", ONE(TWTEXT_MENTION), NULL, 0 },
	{ "mentions_with_indices", ONE(TWTEXT_MENTION), "screen_name", 0 },
	{ "mentions_or_lists_with_indices", TWTEXT_MENTION, "screen_name", 1 },
	{ "replies", TWTEXT_MENTION, NULL, 0 },
	{ "urls", ONE(TWTEXT_URL), NULL, 0 },
	{ "urls_with_indices", ONE(TWTEXT_URL), "url", 0 },
	{ "urls_with_directional_markers", ONE(TWTEXT_URL), "url", 0 },
	{ "tco_urls_with_params", ONE(TWTEXT_URL), NULL, 0 },
	{ "hashtags", ONE(TWTEXT_HASHTAG), NULL, 0 },
	{ "hashtags_from_astral", ONE(TWTEXT_HASHTAG), NULL, 0 },
	{ "hashtags_with_indices", ONE(TWTEXT_HASHTAG), "hashtag", 0 },
	{ "cashtags", ONE(TWTEXT_CASHTAG), NULL, 0 },
	{ "cashtags_with_indices", ONE(TWTEXT_CASHTAG), "cashtag", 0 },
};

/* Load the suite once. */
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

/* One section of a part ("extract" or "validate") of the suite. */
static json_t *
conf_section(const char *part, const char *name)
{
	json_t	*cases;

	conf_load();
	cases = json_object_get(json_object_get(conf, part), name);
	ck_assert_msg(json_is_array(cases) && json_array_size(cases) > 0,
	    "no section %s/%s", part, name);
	return (cases);
}

/*
 * Report one case: a failure, or a known difference (which counts as a
 * failure whether or not it still differs). Returns 1 if it counts.
 */
static int
verdict(const char *section, json_t *c, int ok, json_t *got)
{
	const char	*description, *text;
	char		*s;
	size_t		 i;

	description = json_string_value(json_object_get(c, "description"));
	text = json_string_value(json_object_get(c, "text"));
	for (i = 0; known[i].section != NULL; i++) {
		if (strcmp(known[i].section, section) == 0 &&
		    strcmp(known[i].description, description) == 0)
			break;
	}
	if (ok && known[i].section == NULL)
		return (0);
	s = json_dumps(got, JSON_COMPACT|JSON_ENCODE_ANY);
	if (known[i].section != NULL)
		printf("KNOWN DIFFERENCE %s: %s (%s)%s\n", section, description,
		    known[i].reason, ok ? "; it passes now" : "");
	else
		printf("FAIL %s: %s\n", section, description);
	printf("  text: %.200s\n  got: %.400s\n  want: ", text, s);
	free(s);
	s = json_dumps(json_object_get(c, "expected"),
	    JSON_COMPACT|JSON_ENCODE_ANY);
	printf("%.400s\n", s);
	free(s);
	return (1);
}

/* An entity's value as twitter-text reports it (a URL whole, a tag bare). */
static json_t *
value_of(const struct twtext_entity *e)
{
	char	*s;
	json_t	*v;

	if (asprintf(&s, "%.*s%.*s", (int)e->value_len, e->value,
	    e->type == TWTEXT_URL ? (int)e->rest_len : 0,
	    e->type == TWTEXT_URL && e->rest != NULL ? e->rest : "") == -1)
		abort();
	v = json_string(s);
	free(s);
	return (v);
}

/* The entities of the last extraction, shaped as the suite writes them. */
static json_t *
entities_of(struct twtext *t, u_int n, const char *key, int slug)
{
	const struct twtext_entity	*e;
	json_t				*a = json_array(), *o;
	u_int				 k;

	for (k = 0; k < n; k++) {
		e = twtext_entity(t, k);
		if (key == NULL) {
			json_array_append_new(a, value_of(e));
			continue;
		}
		o = json_object();
		json_object_set_new(o, key, value_of(e));
		if (slug) {
			json_object_set_new(o, "list_slug", json_stringn(
			    e->rest != NULL ? e->rest : "", e->rest_len));
		}
		json_object_set_new(o, "indices", json_pack("[II]",
		    (json_int_t)e->start, (json_int_t)e->end));
		json_array_append_new(a, o);
	}
	return (a);
}

/* Is c white space as twitter-text's spaces class has it? */
static int
is_space(utf8proc_int32_t c)
{
	return ((c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 ||
	    c == 0xa0 || c == 0x1680 || c == 0x180e ||
	    (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
	    c == 0x202f || c == 0x205f || c == 0x3000);
}

/*
 * The screen name a text replies to, as extractReplies finds it: the
 * first mention (or list) when only white space comes before it; null if
 * there is none.
 */
static json_t *
reply_of(struct twtext *t, const char *s, size_t len, u_int n)
{
	const struct twtext_entity	*e = twtext_entity(t, 0);
	utf8proc_int32_t		 c;
	utf8proc_ssize_t		 k;
	size_t				 i, cp;

	if (n == 0)
		return (json_null());
	for (i = cp = 0; cp < e->start; i += k, cp++) {
		k = utf8proc_iterate((const utf8proc_uint8_t *)s + i, len - i,
		    &c);
		if (k < 1 || !is_space(c))
			return (json_null());
	}
	return (json_stringn(e->value, e->value_len));
}

/* Run one extract.yml section; returns its failures. */
static int
run_extract(size_t si)
{
	struct twtext	*t = twtext_new();
	json_t		*cases, *c, *text, *exp, *got;
	const char	*name = sections[si].name;
	size_t		 i;
	u_int		 n;
	int		 failures = 0;

	cases = conf_section("extract", name);
	json_array_foreach(cases, i, c) {
		text = json_object_get(c, "text");
		exp = json_object_get(c, "expected");
		n = twtext_extract(t, json_string_value(text),
		    json_string_length(text), sections[si].what);
		if (strcmp(name, "replies") == 0)
			got = reply_of(t, json_string_value(text),
			    json_string_length(text), n);
		else {
			got = entities_of(t, n, sections[si].key,
			    sections[si].slug);
			/* An empty expectation is written as nothing. */
			if (json_is_null(exp))
				exp = json_array_size(got) == 0 ? got : exp;
		}
		failures += verdict(name, c, json_equal(got, exp), got);
		json_decref(got);
	}
	printf("twtext conformance: %s %zu/%zu\n", name,
	    json_array_size(cases) - failures, json_array_size(cases));
	fflush(stdout);
	twtext_free(t);
	return (failures);
}

/*
 * Run one v3 weighted-length section of validate.yml: all that
 * twitter-text's parseTweet returns. Returns its failures.
 */
static int
run_weighted(const char *name)
{
	struct twtext		*t = twtext_new();
	struct twtext_parsed	 p;
	json_t			*cases, *c, *text, *got;
	size_t			 i;
	int			 failures = 0;

	cases = conf_section("validate", name);
	json_array_foreach(cases, i, c) {
		text = json_object_get(c, "text");
		ck_assert_int_eq(twtext_parse(t, json_string_value(text),
		    json_string_length(text), &p), 0);
		got = json_pack("{sIsbsIsIsIsIsI}",
		    "weightedLength", (json_int_t)p.weighted,
		    "valid", p.valid,
		    "permillage", (json_int_t)p.permillage,
		    "displayRangeStart", (json_int_t)0,
		    "displayRangeEnd", (json_int_t)p.display_end,
		    "validRangeStart", (json_int_t)0,
		    "validRangeEnd", (json_int_t)p.valid_end);
		failures += verdict(name, c, json_equal(got,
		    json_object_get(c, "expected")), got);
		json_decref(got);
	}
	printf("twtext conformance: %s %zu/%zu\n", name,
	    json_array_size(cases) - failures, json_array_size(cases));
	fflush(stdout);
	twtext_free(t);
	return (failures);
}

/* Every section of extract.yml, and no section left unrun. */
START_TEST(test_extract)
{
	const char	*name;
	json_t		*v;
	size_t		 i;
	int		 f = 0;

	for (i = 0; i < nitems(sections); i++)
		f += run_extract(i);
	json_object_foreach(json_object_get(conf, "extract"), name, v) {
		for (i = 0; i < nitems(sections); i++) {
			if (strcmp(sections[i].name, name) == 0)
				break;
		}
		ck_assert_msg(i < nitems(sections), "section %s not run", name);
	}
	ck_assert_int_eq(f, 0);
}
END_TEST

/* The v3 weighted-length sections of validate.yml. */
START_TEST(test_weighted)
{
	int	f = 0;

	f += run_weighted("WeightedTweetsWithDiscountedEmojiCounterTest");
	f += run_weighted("UnicodeDirectionalMarkerCounterTest");
	ck_assert_int_eq(f, 0);
}
END_TEST

/*
 * Weighted lengths the suite has no case for, as twitter-text's JavaScript
 * 3.1.0 (npm twitter-text, parseTweet) counts them: a text presentation
 * selector (U+FE0E), or a selector after a skin tone, is no part of the
 * emoji before it and counts 2 on its own; permillage is computed in
 * doubles.
 */
START_TEST(test_weighted_js)
{
	static const struct {
		const char	*text;
		long		 weighted;
	} cases[] = {
		/* U+270C U+FE0E */
		{ "a \xe2\x9c\x8c\xef\xb8\x8e#hashtag here", 19 },
		/* U+270C U+1F3FF U+FE0F */
		{ "a \xe2\x9c\x8c\xf0\x9f\x8f\xbf\xef\xb8\x8f"
		  "#hashtag here", 19 },
		/* U+270C U+1F3FF U+FE0E */
		{ "a \xe2\x9c\x8c\xf0\x9f\x8f\xbf\xef\xb8\x8e"
		  "#hashtag here", 19 },
		/* U+270C U+FE0F: one emoji */
		{ "a \xe2\x9c\x8c\xef\xb8\x8f#hashtag here", 17 },
		/* U+2764 U+FE0E */
		{ "\xe2\x9d\xa4\xef\xb8\x8e", 4 },
		/* A tag sequence (Scotland's flag) is one emoji. */
		{ "\xf0\x9f\x8f\xb4\xf3\xa0\x81\xa7\xf3\xa0\x81\xa2"
		  "\xf3\xa0\x81\xb3\xf3\xa0\x81\xa3\xf3\xa0\x81\xb4"
		  "\xf3\xa0\x81\xbf", 2 },
		/* A flag, then a lone regional indicator. */
		{ "\xf0\x9f\x87\xba\xf0\x9f\x87\xb8\xf0\x9f\x87\xab", 4 },
	};
	struct twtext		*t = twtext_new();
	struct twtext_parsed	 p;
	char			*x;
	size_t			 i;

	for (i = 0; i < nitems(cases); i++) {
		ck_assert_msg(twtext_weighted_length(t, cases[i].text,
		    strlen(cases[i].text), NULL) == cases[i].weighted,
		    "case %zu: %ld, want %ld", i, twtext_weighted_length(t,
		    cases[i].text, strlen(cases[i].text), NULL),
		    cases[i].weighted);
	}
	/* Permillage as JavaScript's doubles give it: 8074, not 8075. */
	x = xmalloc(2261);
	memset(x, 'x', 2261);
	ck_assert_int_eq(twtext_parse(t, x, 2261, &p), 0);
	ck_assert_int_eq(p.permillage, 8074);
	ck_assert_uint_eq(p.valid_end, 279);
	ck_assert_uint_eq(p.display_end, 2260);
	free(x);
	twtext_free(t);
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

	tcase_add_test(tc, test_extract);
	tcase_add_test(tc, test_weighted);
	tcase_add_test(tc, test_weighted_js);
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
