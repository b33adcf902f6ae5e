/*
 * Unit tests of the tweet model (src/model.c) and its text fallback (on
 * src/twtext.c): the format, the text and the link list of real-shaped
 * tweets of every format (t/data: excerpts of public samples, see
 * t/data/README), and the text cases twitter-text settles.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "lib/lib.h"
#include "tweet/tweet.h"
#include "run.h"

/* Line i (from 0) of a fixture in t/data, checked (free it). */
static char *
fixture_line(const char *name, u_int i)
{
	static struct validate_members	 top;
	char		 path[4096], *line = NULL, why[256];
	size_t		 size = 0;
	ssize_t		 n;
	FILE		*f;

	snprintf(path, sizeof path, "%s/t/data/%s", run_srcdir(), name);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s", path);
	do {
		n = getline(&line, &size, f);
		ck_assert_msg(n > 0, "%s has no line %u", name, i);
	} while (i-- > 0);
	fclose(f);
	if (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	ck_assert_msg(validate_tweet(line, n, &top, why, sizeof why) != -1,
	    "%s: bad line: %s", name, why);
	return (line);
}

/*
 * The model of a fixture line just read (and checked), from the members
 * the validator found, as a tweet's model is made.
 */
static struct model *
model_checked(const char *line)
{
	static struct validate_members	 top;
	char				 why[256];

	ck_assert_msg(validate_tweet(line, strlen(line), &top, why,
	    sizeof why) != -1, "bad line: %s", why);
	ck_assert_uint_le(top.n, VALIDATE_MAX_MEMBERS);
	return (model_new(line, strlen(line), top.m, top.n));
}

/* The model of a text (kept until the next call, or NULL: free it). */
static struct model *
model_of(const char *text)
{
	static struct validate_members	 top;
	static struct model		*m;
	static char			*copy;
	char				 why[256];

	model_free(m);
	free(copy);
	m = NULL;
	copy = NULL;
	if (text == NULL)
		return (NULL);
	copy = xstrdup(text);
	ck_assert_msg(validate_tweet(copy, strlen(copy), &top, why,
	    sizeof why) != -1, "bad line: %s", why);
	m = model_new(copy, strlen(copy), NULL, -1);
	return (m);
}

/*
 * The model's links are exactly the NULL-terminated list of URLs; each
 * may be followed by "=EXPANDED" and "~UNWOUND" checks ("=" or "~" alone:
 * none).
 */
static void
links_are(struct model *m, ...)
{
	const struct model_link	*l;
	const char		*s, *want;
	va_list			 ap;
	u_int			 i = 0;

	va_start(ap, m);
	while ((s = va_arg(ap, const char *)) != NULL) {
		if (*s == '=' || *s == '~') {
			ck_assert(i > 0);
			l = model_link(m, i - 1);
			want = *s == '=' ? l->expanded : l->unwound;
			if (s[1] == '\0')
				ck_assert_ptr_null(want);
			else {
				ck_assert_ptr_nonnull(want);
				ck_assert_str_eq(want, s + 1);
			}
			continue;
		}
		l = model_link(m, i);
		ck_assert_msg(l != NULL, "link %u (%s) missing", i, s);
		ck_assert_int_eq(l->len, strlen(s));
		ck_assert_msg(memcmp(l->url, s, l->len) == 0, "link %u: %.*s, "
		    "not %s", i, (int)l->len, l->url, s);
		i++;
	}
	va_end(ap);
	ck_assert_msg(model_nlinks(m) == i, "%u links, not %u",
	    model_nlinks(m), i);
}

/* The model's text starts with prefix and is len code points long. */
static void
text_is(struct model *m, const char *prefix, size_t points)
{
	const char	*text;
	size_t		 len, i, n = 0;

	text = model_text(m, &len);
	ck_assert_ptr_nonnull(text);
	ck_assert_msg(strncmp(text, prefix, strlen(prefix)) == 0, "text %s",
	    text);
	for (i = 0; i < len; i++) {
		if (((u_char)text[i] & 0xc0) != 0x80)
			n++;
	}
	ck_assert_uint_eq(n, points);
}

#define TCO "https://t.co/"
#define PRINCESS "https://twitter.com/RobotPrincessFi/status/"

/* The same eight tweets, in v1.1 and in Gnip activity streams. */
static void
check_eight(const char *file, int format)
{
	struct model	*m;
	char		*j;
	int		 gnip = format == MODEL_GNIP;

	/* A quote tweet: its link to the quoted tweet. */
	j = fixture_line(file, 0);
	m = model_checked(j);
	ck_assert_int_eq(model_format(m), format);
	text_is(m, "M) This is a #QuoteTweet with #hashtags! " TCO, 64);
	links_are(m, TCO "rw4TMg9O5k", "=" PRINCESS "872836379595620353",
	    NULL);
	model_free(m);
	free(j);

	/* A quote of a truncated tweet: the quoted tweet's extended link,
	 * not its i/web/status self-link. */
	j = fixture_line(file, 1);
	m = model_checked(j);
	links_are(m, TCO "J0kZNknRxg", TCO "5PU0FLFRYz",
	    "=https://twitter.com/notFromShrek/status/861652051016663040",
	    NULL);
	model_free(m);
	free(j);

	/* A truncated tweet: the extended (long_object) text and link. */
	j = fixture_line(file, 2);
	m = model_checked(j);
	text_is(m, "Try using \"xxd\" on this \xf0\x9f\x99\x83:", 164);
	links_are(m, TCO "5PU0FLFRYz", NULL);
	model_free(m);
	free(j);

	/* A retweet (a share): the retweeted tweet's link. */
	j = fixture_line(file, 3);
	m = model_checked(j);
	links_are(m, TCO "bN4xcn4l2n", "=https://github.com/fionapigott/"
	    "character-encoding/blob/master/character_encoding.pdf", NULL);
	model_free(m);
	free(j);

	/* A retweet of a truncated tweet: no link but its self-link. */
	j = fixture_line(file, 4);
	m = model_checked(j);
	links_are(m, NULL);
	model_free(m);
	free(j);

	/* Truncated, quoting a truncated tweet. */
	j = fixture_line(file, 5);
	m = model_checked(j);
	links_are(m, TCO "aYEbU5CVCD", NULL);
	model_free(m);
	free(j);

	/* A link the data has unwound (v1.1 unwound, Gnip gnip.urls). */
	j = fixture_line(file, 6);
	m = model_checked(j);
	links_are(m, TCO "ZWLglcp74z", gnip ? "=https://smittenkitchen.com/"
	    "2009/12/ridiculously-easy-butterscotch-sauce/" :
	    "=https://smittenkitchen.com/2009/12/ridiculously-easy-"
	    "butterscotch-sauce/", "~http://smittenkitchen.com/2009/12/"
	    "ridiculously-easy-butterscotch-sauce/", NULL);
	model_free(m);
	free(j);

	/* No link; an emoji is one code point. */
	j = fixture_line(file, 7);
	m = model_checked(j);
	text_is(m, "A) This is a regular old Tweet. ", 33);
	links_are(m, NULL);
	model_free(m);
	free(j);
}

START_TEST(test_v11)
{
	check_eight("v11.jsonl", MODEL_V11);
}
END_TEST

START_TEST(test_gnip)
{
	check_eight("gnip.jsonl", MODEL_GNIP);
}
END_TEST

START_TEST(test_twarc2)
{
	struct model	*m;
	char		*j;

	/* A quote: its own links, then the quoted tweet's (includes). */
	j = fixture_line("twarc2.jsonl", 0);
	m = model_checked(j);
	ck_assert_int_eq(model_format(m), MODEL_TWARC2);
	text_is(m, "Fury " TCO "YbMgHU5xRX", 52);
	links_are(m, TCO "YbMgHU5xRX", TCO "tXgDG9jrKX",
	    "=https://twitter.com/Manie_DS/status/1377640162566496258", "~",
	    TCO "VRkJDcPO9U", NULL);
	model_free(m);
	free(j);

	/* A reply: the replied-to tweet's links are not its links. */
	j = fixture_line("twarc2.jsonl", 1);
	m = model_checked(j);
	links_are(m, NULL);
	model_free(m);
	free(j);

	/* unwound_url. */
	j = fixture_line("twarc2.jsonl", 2);
	m = model_checked(j);
	links_are(m, TCO "QHp3Dk7OeK", "~https://www.instagram.com/p/"
	    "CNIQbqSrZRL/?igshid=je3jmv61ndpu", NULL);
	model_free(m);
	free(j);
}
END_TEST

/* twarc2 flatten: the author and the tweets referred to inline (issue 18,
 * 1); a page element made a twarc2 line keeps what it refers to. */
START_TEST(test_twarc2_flat_and_page)
{
	struct model	*m;
	char		*j, *page, *line;
	const char	*inc, *end, *elem;
	size_t		 len;

	j = fixture_line("twarc2-flat.jsonl", 0);
	m = model_checked(j);
	ck_assert_int_eq(model_format(m), MODEL_FLAT);
	ck_assert_str_eq(model_type(m), "quote");
	links_are(m, TCO "YbMgHU5xRX", TCO "tXgDG9jrKX",
	    "=https://twitter.com/Manie_DS/status/1377640162566496258", "~",
	    TCO "VRkJDcPO9U", NULL);
	model_free(m);
	free(j);

	/* A retweet, flattened: its text from the tweet inline. */
	m = model_of("{\"id\":\"2\",\"author_id\":\"5\",\"author\":{\"id\":"
	    "\"5\"},\"text\":\"RT @x: a b\\u2026\",\"referenced_tweets\":[{"
	    "\"type\":\"retweeted\",\"id\":\"1\",\"text\":\"a b c\",\"entities\":"
	    "{\"urls\":[{\"url\":\"https://t.co/r\"}]}}]}");
	ck_assert_int_eq(model_format(m), MODEL_FLAT);
	ck_assert_str_eq(model_text(m, &len), "RT @x: a b c");
	links_are(m, TCO "r", NULL);

	/* The page's first element with its quoted tweet, author, media. */
	page = fixture_line("twarc2-page.jsonl", 0);
	inc = strstr(page, "\"includes\": ") + 12;
	end = strstr(inc, ", \"meta\"");
	ck_assert_ptr_nonnull(end);
	elem = "{\"id\":\"1377650090978992134\",\"author_id\":\"4602771083\","
	    "\"text\":\"x\",\"attachments\":{\"media_keys\":["
	    "\"3_1377650087799754753\"]},\"referenced_tweets\":[{\"type\":"
	    "\"quoted\",\"id\":\"1377640162566496258\"}]}";
	line = model_page_element(elem, strlen(elem), inc, end - inc, &len);
	ck_assert_ptr_nonnull(line);
	ck_assert_ptr_nonnull(strstr(line, "{\"data\":{\"id\":\"1377650090978992134\""));
	ck_assert_ptr_nonnull(strstr(line, "\"media_key\": \"3_1377650087799754753\""));
	ck_assert_ptr_nonnull(strstr(line, "\"id\": \"1377640162566496258\""));
	ck_assert_ptr_nonnull(strstr(line, "\"id\": \"4602771083\""));
	m = model_of(line);
	ck_assert_int_eq(model_format(m), MODEL_TWARC2);
	links_are(m, TCO "VRkJDcPO9U", NULL);
	free(line);
	free(page);
	model_of(NULL);
}
END_TEST

START_TEST(test_v2_bare)
{
	struct model	*m;

	/* A long v2 tweet: note_tweet's text and entities. */
	m = model_of("{\"id\":\"1600000000000000001\",\"text\":\"short "
	    "https://t.co/a\\u2026\",\"edit_history_tweet_ids\":[\"1\"],"
	    "\"entities\":{\"urls\":[{\"url\":\"https://t.co/a\",\"expanded_url"
	    "\":\"https://twitter.com/i/web/status/1600000000000000001\"}]},"
	    "\"note_tweet\":{\"text\":\"a long text https://t.co/b\","
	    "\"entities\":{\"urls\":[{\"start\":12,\"end\":26,\"url\":"
	    "\"https://t.co/b\",\"expanded_url\":\"https://example.org/b\"}]}}"
	    "}");
	ck_assert_int_eq(model_format(m), MODEL_V2);
	text_is(m, "a long text", 26);
	links_are(m, "https://t.co/b", "=https://example.org/b", NULL);
	model_of(NULL);
}
END_TEST

/* The model of a tweet without entities with this text (NULL: free the
 * last one's JSON). */
static struct model *
fallback(const char *text)
{
	struct model	*m;
	json_t		*j;
	char		*s;

	if (text == NULL)
		return (model_of(NULL));
	j = json_pack("{ssss}", "id_str", "1", "text", text);
	ck_assert_ptr_nonnull(j);
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	m = model_of(s);
	free(s);
	return (m);
}

START_TEST(test_text_fallback)
{
	struct model	*m;

	/* Cut by truncation: left out. */
	m = fallback("RT @x: a link https://t.co/b8kO\xe2\x80\xa6");
	links_are(m, NULL);
	m = fallback("RT @x: https://example.com/long/pa.\xe2\x80\xa6 and "
	    "https://t.co/ok");
	links_are(m, "https://t.co/ok", NULL);

	/* CJK punctuation and full-width brackets end a link. */
	m = fallback("https://t.co/abc\xe3\x80\x81\xe3\x81\xbe\xe3\x81\x9f"
	    "\xef\xbc\x88https://t.co/def\xef\xbc\x89");
	links_are(m, "https://t.co/abc", "https://t.co/def", NULL);
	m = fallback("\xef\xbc\x88https://example.com/x\xef\xbc\x89\xe3\x80"
	    "\x82");
	links_are(m, "https://example.com/x", NULL);

	/* Balanced parentheses kept, an unbalanced one left out. */
	m = fallback("see https://en.wikipedia.org/wiki/Primer_(film) and "
	    "(https://en.wikipedia.org/wiki/Cat)");
	links_are(m, "https://en.wikipedia.org/wiki/Primer_(film)",
	    "https://en.wikipedia.org/wiki/Cat", NULL);

	/* Trailing punctuation and 's excluded. */
	m = fallback("https://t.co/abc's page, https://example.com/a/b. "
	    "Then https://example.com/c?q=1&r=2! \"https://example.com/d\"");
	links_are(m, "https://t.co/abc", "https://example.com/a/b",
	    "https://example.com/c?q=1&r=2", "https://example.com/d", NULL);

	/* Scheme and host without case: one link. */
	m = fallback("HTTPS://T.CO/X and https://t.co/X, http://t.co/X");
	links_are(m, "HTTPS://T.CO/X", "http://t.co/X", NULL);

	/* Glued to a word, or no host: no link. */
	m = fallback("xhttps://t.co/a #https://t.co/b https://nohost/ "
	    "www.example.com/no-scheme");
	links_are(m, NULL);

	/* A port, a query, accents in the path. */
	m = fallback("http://example.com:8080/caf\xc3\xa9?x=(1) end");
	links_are(m, "http://example.com:8080/caf\xc3\xa9?x=(1", NULL);

	/* Beyond twitter-text: an IPv4 host or localhost (test servers),
	 * ended as twitter-text ends paths, in text order. */
	m = fallback("see http://127.0.0.1:8080/a/b, https://t.co/x and "
	    "(http://localhost/w_(x)). http://1.2.3/ http://127.0.0.1.5/");
	links_are(m, "http://127.0.0.1:8080/a/b", "https://t.co/x",
	    "http://localhost/w_(x)", NULL);

	/* Entities without urls: the text is not looked at. */
	m = model_of("{\"text\":\"RT @a: https://t.co/b8kO\","
	    "\"entities\":{\"hashtags\":[]}}");
	links_are(m, NULL);
	fallback(NULL);
}
END_TEST

/*
 * A retweet's text is cut; when the data has the original, the text is
 * "RT @name: " and the original's full text; an entity the cut text ends
 * with is not one of its entities (issue 18, 5).
 */
START_TEST(test_retweet_text)
{
	struct model	*m;
	json_t		*e;
	const char	*text;
	size_t		 len;
	char		*s;

	/* v1.1: retweeted_status, its extended full text. */
	m = model_of("{\"id_str\":\"2\",\"text\":\"RT @ab_1: long text wi\\u2026\","
	    "\"retweeted_status\":{\"id_str\":\"1\",\"text\":\"long text wi"
	    "\\u2026\",\"extended_tweet\":{\"full_text\":\"long text with "
	    "#Brexit &amp; more\"}}}");
	ck_assert_str_eq(model_text(m, &len), "RT @ab_1: long text with "
	    "#Brexit & more");

	/* Gnip: the shared activity's body. */
	m = model_of("{\"verb\":\"share\",\"body\":\"RT @x: a b\\u2026\","
	    "\"object\":{\"verb\":\"post\",\"body\":\"a b c d\"}}");
	ck_assert_str_eq(model_text(m, &len), "RT @x: a b c d");

	/* twarc2: the retweeted tweet in includes.tweets. */
	m = model_of("{\"data\":{\"id\":\"2\",\"author_id\":\"5\",\"text\":"
	    "\"RT @x: one tw\\u2026\",\"referenced_tweets\":[{\"type\":"
	    "\"retweeted\",\"id\":\"1\"}]},\"includes\":{\"tweets\":[{"
	    "\"id\":\"1\",\"text\":\"one two\"}]}}");
	ck_assert_str_eq(model_text(m, &len), "RT @x: one two");

	/* Not in the data: the text as it is; its cut hashtag left out. */
	m = model_of("{\"id\":\"2\",\"author_id\":\"5\",\"text\":\"RT @x: "
	    "#Go now #Bre\\u2026 \",\"entities\":{\"hashtags\":[{\"tag\":\"Go\"},"
	    "{\"tag\":\"Bre\"}],\"mentions\":[{\"username\":\"x\"}]},"
	    "\"referenced_tweets\":[{\"type\":\"retweeted\",\"id\":\"1\"}]}");
	text = model_text(m, &len);
	ck_assert_str_eq(text, "RT @x: #Go now #Bre\xe2\x80\xa6 ");
	e = model_entity_lists(m);
	s = json_dumps(e, JSON_COMPACT);
	ck_assert_str_eq(s, "{\"hashtags\":[\"Go\"],\"mentions\":[\"x\"],"
	    "\"urls\":[],\"cashtags\":[]}");
	free(s);
	json_decref(e);

	/* A mention cut short, in v1.1. */
	m = model_of("{\"id_str\":\"2\",\"text\":\"RT @x: hi @IanCoo\\u2026\","
	    "\"entities\":{\"user_mentions\":[{\"screen_name\":\"x\"},{"
	    "\"screen_name\":\"IanCoo\"}]}}");
	e = model_entity_lists(m);
	ck_assert_uint_eq(json_array_size(json_object_get(e, "mentions")), 1);
	json_decref(e);
	model_of(NULL);
}
END_TEST

/* The text as written: &amp; &lt; &gt; decoded, only those (issue 18, 6). */
START_TEST(test_html_entities)
{
	struct model	*m;
	const char	*text;
	size_t		 len;

	m = model_of("{\"id_str\":\"1\",\"text\":\"a &amp; b &lt;c&gt; "
	    "&quot;x&quot; &amp;amp; &#38; &am\"}");
	text = model_text(m, &len);
	ck_assert_str_eq(text, "a & b <c> &quot;x&quot; &amp; &#38; &am");
	ck_assert_uint_eq(len, strlen(text));
	m = model_of("{\"id\":\"1\",\"author_id\":\"2\",\"text\":\"x &gt; y\","
	    "\"note_tweet\":{\"text\":\"x &gt; y &lt;3\"}}");
	ck_assert_str_eq(model_text(m, &len), "x > y <3");
	m = model_of("{\"verb\":\"post\",\"body\":\"&lt;3 &amp;\"}");
	ck_assert_str_eq(model_text(m, &len), "<3 &");
	m = model_of("{\"id_str\":\"1\",\"text\":\"no entity &\"}");
	ck_assert_str_eq(model_text(m, &len), "no entity &");
	model_of(NULL);
}
END_TEST

START_TEST(test_same_url)
{
	ck_assert(model_same_url("HTTPS://T.CO/X", 14, "https://t.co/X", 14));
	ck_assert(!model_same_url("https://t.co/x", 14, "https://t.co/X", 14));
	ck_assert(!model_same_url("https://t.co/X", 14, "https://t.co/XY",
	    15));
	ck_assert(model_same_url("http://Ex.COM:80?a", 18, "http://ex.com:80?a",
	    18));
}
END_TEST

static Suite *
model_suite(void)
{
	Suite	*s = suite_create("model");
	TCase	*tc = tcase_create("model");

	tcase_add_test(tc, test_v11);
	tcase_add_test(tc, test_gnip);
	tcase_add_test(tc, test_twarc2);
	tcase_add_test(tc, test_twarc2_flat_and_page);
	tcase_add_test(tc, test_v2_bare);
	tcase_add_test(tc, test_text_fallback);
	tcase_add_test(tc, test_retweet_text);
	tcase_add_test(tc, test_html_entities);
	tcase_add_test(tc, test_same_url);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (run_suite(model_suite()));
}
