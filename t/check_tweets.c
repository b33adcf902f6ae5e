/*
 * Real tweets through the whole program: merging into an earlier run's
 * enrichments byte for byte, stream notices, the tweet model's text and
 * links per format, and the input shapes (BOM, gzip, --split; the hints
 * when none is a tweet are in check_hint).
 * Fixtures in t/data/ are small, real-shaped excerpts of the public
 * samples (tweet_parser, twarc-csv) with their structure kept.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>
#include <zlib.h>

#include "run.h"

/* The test binaries are built as the program is: sanitizers or not. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

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

/*
 * A name of any length is found where it stands (keys were compared up to
 * 256 decoded bytes once: a longer as= name was added a second time).
 */
START_TEST(test_merge_long_name)
{
	struct proc	 p;
	char		 name[301], as[310], in[700], out[700];

	memset(name, 'n', 300);
	name[300] = '\0';
	snprintf(as, sizeof as, "test:as=%s", name);
	snprintf(in, sizeof in, "{\"id\":1,\"enrichments\":{\"%s\":1,"
	    "\"b\":2}}\n", name);
	snprintf(out, sizeof out, "{\"id\":1,\"enrichments\":{\"%s\":42,"
	    "\"b\":2}}\n", name);
	te_run(&p, in, "-e", as, NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_str_eq(p.obuf, out);
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

/* Run one tweet (a format with %1$d for the server's port) through an
 * unshorten spec; the value, and how many requests the server saw. */
static json_t *
unshorten(const char *tweet, const char *spec, long *requests)
{
	struct proc	 p;
	json_t		*j, *v;
	char		*in = fmt(tweet, server_port);
	long		 before = server_count(server_port, "requests");

	te_run(&p, in, "-e", spec, "--allow-net", "127.0.0.0/8", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	j = line_of(&p, 0);
	v = json_incref(json_object_get(json_object_get(j, "enrichments"),
	    "unshorten"));
	ck_assert_msg(json_is_array(v), "%s", p.obuf);
	json_decref(j);
	proc_free(&p);
	free(in);
	if (requests != NULL)
		*requests = server_count(server_port, "requests") - before;
	return (v);
}

/* Result i: url and expanded end with these paths; status and hops. */
static void
result_is(json_t *v, u_int i, const char *url, const char *expanded,
    long status, long hops)
{
	json_t		*o = json_array_get(v, i);
	const char	*u, *e;

	ck_assert_msg(o != NULL, "no result %u", i);
	u = json_string_value(json_object_get(o, "url"));
	e = json_string_value(json_object_get(o, "expanded"));
	ck_assert_msg(u != NULL && strlen(u) >= strlen(url) &&
	    strcmp(u + strlen(u) - strlen(url), url) == 0, "url %s, not %s",
	    u, url);
	ck_assert_msg(e != NULL && strlen(e) >= strlen(expanded) &&
	    strcmp(e + strlen(e) - strlen(expanded), expanded) == 0,
	    "expanded %s, not %s", e, expanded);
	if (status == 0)
		ck_assert(json_is_null(json_object_get(o, "status")));
	else
		ck_assert_int_eq(json_integer_value(json_object_get(o,
		    "status")), status);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "hops")), hops);
	ck_assert_ptr_null(json_object_get(o, "error"));
}

/* A v1.1 tweet whose link the data has expanded and unwound. */
#define V11_UNWOUND "{\"id_str\":\"1\",\"text\":\"x\",\"entities\":{" \
	"\"urls\":[{\"url\":\"http://127.0.0.1:%1$d/redirect/3\"," \
	"\"expanded_url\":\"http://127.0.0.1:%1$d/redirect/1\",\"unwound\":" \
	"{\"url\":\"http://127.0.0.1:%1$d/text\",\"status\":200}}]}}"

START_TEST(test_unshorten_start)
{
	json_t	*v;
	long	 n;

	/* By default from the deepest expansion the data has: unwound. */
	v = unshorten(V11_UNWOUND, "unshorten", &n);
	ck_assert_uint_eq(json_array_size(v), 1);
	result_is(v, 0, "/redirect/3", "/text", 200, 0);
	ck_assert_int_eq(n, 1);
	json_decref(v);

	/* start=short: from the link itself. */
	v = unshorten(V11_UNWOUND, "unshorten:start=short", &n);
	result_is(v, 0, "/redirect/3", "/redirect/0", 200, 3);
	ck_assert_int_eq(n, 4);
	json_decref(v);

	/* expanded_url when nothing is unwound (v2 and Gnip too). */
	v = unshorten("{\"data\":{\"id\":\"2\",\"text\":\"x\",\"entities\":"
	    "{\"urls\":[{\"url\":\"http://127.0.0.1:%1$d/redirect/4\","
	    "\"expanded_url\":\"http://127.0.0.1:%1$d/redirect/2\"},{\"url\":"
	    "\"http://127.0.0.1:%1$d/redirect/5\",\"expanded_url\":\"http://"
	    "127.0.0.1:%1$d/redirect/9\",\"unwound_url\":\"http://127.0.0.1:"
	    "%1$d/redirect/1\"}]}}}", "unshorten", NULL);
	ck_assert_uint_eq(json_array_size(v), 2);
	result_is(v, 0, "/redirect/4", "/redirect/0", 200, 2);
	result_is(v, 1, "/redirect/5", "/redirect/0", 200, 1);
	json_decref(v);
	v = unshorten("{\"body\":\"x\",\"twitter_entities\":{\"urls\":[{"
	    "\"url\":\"http://127.0.0.1:%1$d/redirect/3\",\"expanded_url\":"
	    "\"http://127.0.0.1:%1$d/redirect/2\"}]},\"gnip\":{\"urls\":[{"
	    "\"url\":\"http://127.0.0.1:%1$d/redirect/3\",\"expanded_url\":"
	    "\"http://127.0.0.1:%1$d/redirect/0\"}]}}", "unshorten", &n);
	result_is(v, 0, "/redirect/3", "/redirect/0", 200, 0);
	ck_assert_int_eq(n, 1);
	json_decref(v);

	/* A start that is not http is not used. */
	v = unshorten("{\"text\":\"x\",\"entities\":{\"urls\":[{\"url\":"
	    "\"http://127.0.0.1:%1$d/redirect/1\",\"expanded_url\":"
	    "\"ftp://example.com/\"}]}}", "unshorten", NULL);
	result_is(v, 0, "/redirect/1", "/redirect/0", 200, 1);
	json_decref(v);
}
END_TEST

START_TEST(test_unshorten_hosts)
{
	json_t	*v;
	long	 n;

	/* Another host: reported as the data has it, no request. */
	v = unshorten(V11_UNWOUND, "unshorten:hosts=bit.ly", &n);
	result_is(v, 0, "/redirect/3", "/text", 0, 0);
	ck_assert_int_eq(n, 0);
	json_decref(v);
	v = unshorten(V11_UNWOUND, "unshorten:start=short,hosts=t.co", &n);
	result_is(v, 0, "/redirect/3", "/redirect/3", 0, 0);
	ck_assert_int_eq(n, 0);
	json_decref(v);

	/* \,-separated, repeatable, without case. */
	v = unshorten(V11_UNWOUND, "unshorten:start=short,hosts=bit.ly\\,"
	    "127.0.0.1", &n);
	result_is(v, 0, "/redirect/3", "/redirect/0", 200, 3);
	ck_assert_int_eq(n, 4);
	json_decref(v);
	v = unshorten(V11_UNWOUND, "unshorten:hosts=T.CO,hosts=127.0.0.1", &n);
	result_is(v, 0, "/redirect/3", "/text", 200, 0);
	ck_assert_int_eq(n, 1);
	json_decref(v);
}
END_TEST

START_TEST(test_unshorten_links_key)
{
	json_t	*v;

	/* links= instead of the tweet's own: entities, strings, a string. */
	v = unshorten("{\"text\":\"http://127.0.0.1:%1$d/text\",\"mine\":"
	    "[\"http://127.0.0.1:%1$d/redirect/1\",{\"url\":\"http://"
	    "127.0.0.1:%1$d/redirect/2\",\"expanded_url\":\"http://127.0.0.1:"
	    "%1$d/redirect/1\"}],\"one\":\"HTTP://127.0.0.1:%1$d/redirect/1\"}",
	    "unshorten:links=/mine,links=/one,links=/absent", NULL);
	ck_assert_uint_eq(json_array_size(v), 2);
	result_is(v, 0, "/redirect/1", "/redirect/0", 200, 1);
	result_is(v, 1, "/redirect/2", "/redirect/0", 200, 1);
	json_decref(v);
}
END_TEST

START_TEST(test_unshorten_config_errors)
{
	struct proc	p;

	te_run(&p, "", "-e", "unshorten:start=long", NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "start is deepest or short"));
	proc_free(&p);
	te_run(&p, "", "-e", "unshorten:links=nope", NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "bad JSON pointer"));
	proc_free(&p);
	te_run(&p, "", "-e", "unshorten:hosts=\\,", NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "names no host"));
	proc_free(&p);
}
END_TEST

/* Each output line as "LENGTH url url ...", joined by newlines. */
static char *
summary(struct proc *p)
{
	char	*out = calloc(1, p->olen + 1), *o = out;
	json_t	*j, *e, *l;
	size_t	 i, k, n = count_lines(p->obuf, p->olen);

	ck_assert(out != NULL);
	for (i = 0; i < n; i++) {
		j = line_of(p, i);
		e = json_object_get(j, "enrichments");
		o += sprintf(o, "%lld", (long long)json_integer_value(
		    json_object_get(e, "length")));
		json_array_foreach(json_object_get(e, "unshorten"), k, l)
			o += sprintf(o, " %s", json_string_value(
			    json_object_get(l, "url")));
		*o++ = '\n';
		json_decref(j);
	}
	return (out);
}

/* The text and the links of each format, through the whole program (hosts=
 * that matches nothing lists the links without a request). A retweet whose
 * original is in the data has "RT @name: " and its full text (issue 18,
 * 5): lines 4 and 5 of v11 and gnip. */
#define TWARC2_WANT "52 https://t.co/YbMgHU5xRX https://t.co/tXgDG9jrKX " \
	"https://t.co/VRkJDcPO9U\n140\n137 https://t.co/QHp3Dk7OeK\n"

START_TEST(test_formats_text_and_links)
{
	static const struct {
		const char	*file;
		const char	*want;
		const char	*split;
	} cases[] = {
		{ "v11.jsonl", "64 https://t.co/rw4TMg9O5k\n"
		    "80 https://t.co/J0kZNknRxg https://t.co/5PU0FLFRYz\n"
		    "164 https://t.co/5PU0FLFRYz\n"
		    "151 https://t.co/bN4xcn4l2n\n"
		    "185\n"
		    "164 https://t.co/aYEbU5CVCD\n"
		    "78 https://t.co/ZWLglcp74z\n"
		    "33\n", NULL },
		{ "gnip.jsonl", "64 https://t.co/rw4TMg9O5k\n"
		    "80 https://t.co/J0kZNknRxg https://t.co/5PU0FLFRYz\n"
		    "164 https://t.co/5PU0FLFRYz\n"
		    "151 https://t.co/bN4xcn4l2n\n"
		    "185\n"
		    "164 https://t.co/aYEbU5CVCD\n"
		    "78 https://t.co/ZWLglcp74z\n"
		    "33\n", NULL },
		{ "twarc2.jsonl", TWARC2_WANT, NULL },
		/* The same three tweets as a page, and flattened (issue 18,
		 * 1): every link of each and of the tweet it quotes, once. */
		{ "twarc2-page.jsonl", TWARC2_WANT, "/data" },
		{ "twarc2-flat.jsonl", TWARC2_WANT, NULL },
	};
	struct proc	 p;
	char		*in, *got;
	u_int		 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		in = slurp(fixture(cases[i].file), NULL);
		if (cases[i].split != NULL)
			te_run(&p, in, "-k", "--split", cases[i].split, "-e",
			    "length", "-e", "unshorten:hosts=none.invalid",
			    NULL);
		else
			te_run(&p, in, "-k", "-e", "length", "-e",
			    "unshorten:hosts=none.invalid", NULL);
		ck_assert_int_eq(p.status, 0);
		got = summary(&p);
		ck_assert_str_eq(got, cases[i].want);
		free(got);
		proc_free(&p);
		free(in);
	}
}
END_TEST

/*
 * The text as written and the data's URLs as given (issue 18, 6 and 7):
 * &amp; &lt; &gt; decoded (only those) for length and sha256; an
 * expanded URL no request touched is reported byte for byte.
 */
START_TEST(test_text_as_written)
{
	struct proc	 p;
	json_t		*j, *e, *u;

	te_run(&p, "{\"id_str\":\"1\",\"text\":\"a &amp; b &lt;c&gt; &quot;\","
	    "\"entities\":{\"urls\":[{\"url\":\"https://t.co/x\","
	    "\"expanded_url\":\"http://osf.io\"},{\"url\":\"https://t.co/y\","
	    "\"expanded_url\":\"HTTP://user:pw@Example.COM\"}]}}\n", "-e", "length",
	    "-e", "sha256", "-e", "unshorten:hosts=none.invalid", NULL);
	ck_assert_int_eq(p.status, 0);
	j = json_loads(p.obuf, 0, NULL);
	ck_assert_ptr_nonnull(j);
	e = json_object_get(j, "enrichments");
	/* "a & b <c> &quot;": 16 code points. */
	ck_assert_int_eq(json_integer_value(json_object_get(e, "length")), 16);
	ck_assert_str_eq(json_string_value(json_object_get(e, "sha256")),
	    "07336476c0e888f7b0eeb9e86b083d1ad4b1ba559f191a6da77f11435709a06d");
	u = json_object_get(e, "unshorten");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(u,
	    0), "expanded")), "http://osf.io");
	/* Credentials are never shown: that one is rewritten without. */
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(u,
	    1), "expanded")), "http://Example.COM/");
	json_decref(j);
	proc_free(&p);
}
END_TEST

/*
 * A retweet cut short with no original in the data: what the "…" cuts
 * (a hashtag, a name, a cashtag, a link) is no entity of the text; the
 * same sign before a "…" inside the text still is.
 */
START_TEST(test_cut_entities_from_text)
{
	struct proc	 p;
	json_t		*j;
	char		*s;

	te_run(&p, "{\"id_str\":\"1\",\"text\":\"RT @x: #Go #tag\\u2026 "
	    "@IanCoo\\u2026 \"}\n"
	    "{\"id_str\":\"2\",\"text\":\"RT @x: $TS https://t.co/ab\\u2026\"}\n"
	    "{\"id_str\":\"3\",\"text\":\"RT @x: #a\\u2026 b $TSL\\u2026\"}\n",
	    "-k", "-e", "entities", NULL);
	ck_assert_int_eq(p.status, 0);
	j = line_of(&p, 0);
	s = json_dumps(json_object_get(json_object_get(j, "enrichments"),
	    "entities"), JSON_COMPACT);
	ck_assert_str_eq(s, "{\"hashtags\":[\"Go\",\"tag\"],\"mentions\":"
	    "[\"x\"],\"urls\":[],\"cashtags\":[]}");
	free(s);
	json_decref(j);
	j = line_of(&p, 1);
	s = json_dumps(json_object_get(json_object_get(j, "enrichments"),
	    "entities"), JSON_COMPACT);
	ck_assert_str_eq(s, "{\"hashtags\":[],\"mentions\":[\"x\"],"
	    "\"urls\":[],\"cashtags\":[\"TS\"]}");
	free(s);
	json_decref(j);
	j = line_of(&p, 2);
	s = json_dumps(json_object_get(json_object_get(j, "enrichments"),
	    "entities"), JSON_COMPACT);
	ck_assert_str_eq(s, "{\"hashtags\":[\"a\"],\"mentions\":[\"x\"],"
	    "\"urls\":[],\"cashtags\":[]}");
	free(s);
	json_decref(j);
	proc_free(&p);
}
END_TEST

/* data gzip-compressed (a fresh buffer, its length in *out). */
static char *
gz(const char *data, size_t len, size_t *out)
{
	z_stream	 z;
	char		*buf;
	size_t		 size = len + len / 100 + 1024;

	memset(&z, 0, sizeof z);
	ck_assert(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8,
	    Z_DEFAULT_STRATEGY) == Z_OK);
	buf = malloc(size);
	ck_assert(buf != NULL);
	z.next_in = (u_char *)data;
	z.avail_in = len;
	z.next_out = (u_char *)buf;
	z.avail_out = size;
	ck_assert(deflate(&z, Z_FINISH) == Z_STREAM_END);
	*out = size - z.avail_out;
	deflateEnd(&z);
	return (buf);
}

/* Run with stdin from a file of these bytes (a regular file, not a pipe). */
static void
te_run_file(struct proc *p, const char *data, size_t len, ...)
{
	const char	*argv[64];
	const char	*a;
	char		*path = tmpfile_with(data, len);
	va_list		 ap;
	int		 n = 0;

	argv[n++] = run_bin();
	va_start(ap, len);
	while ((a = va_arg(ap, const char *)) != NULL)
		argv[n++] = a;
	va_end(ap);
	argv[n++] = path;
	argv[n] = NULL;
	run_input(p, "", 0, argv);
	unlink(path);
	free(path);
}

START_TEST(test_bom)
{
	struct proc	 p;
	json_t		*st;
	char		*a, *b;

	te_run(&p, "\xef\xbb\xbf{\"id\":1}\n{\"id\":2}\n", "-k", "-e", "test",
	    NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_str_eq(p.obuf, "{\"id\":1,\"enrichments\":{\"test\":42}}\n"
	    "{\"id\":2,\"enrichments\":{\"test\":42}}\n");
	ck_assert_str_eq(p.ebuf, "");
	proc_free(&p);

	/* Per file; only at the start of one. */
	a = tmpfile_with("\xef\xbb\xbf{\"id\":1}\n", 12);
	b = tmpfile_with("\xef\xbb\xbf{\"id\":2}\n\xef\xbb\xbf{\"id\":3}\n", 24);
	te_run(&p, "", "-k", "-q", "--stats", "-e", "test", a, b, NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_str_eq(p.obuf, "{\"id\":1,\"enrichments\":{\"test\":42}}\n"
	    "{\"id\":2,\"enrichments\":{\"test\":42}}\n");
	st = stats_of(&p);
	ck_assert_int_eq(stat_int(st, "bad"), 1);
	json_decref(st);
	proc_free(&p);
	unlink(a);
	unlink(b);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_gzip)
{
	struct proc	 p;
	const char	*plain = "{\"id\":1,\"text\":\"abc\"}\n{\"id\":2}\n";
	char		*z1, *z2, *both, *a, *b;
	size_t		 n1, n2;

	/* On stdin (a pipe) and as a file, told by its magic bytes. */
	z1 = gz(plain, strlen(plain), &n1);
	run_input(&p, z1, n1, (const char *[]){ run_bin(), "-k", "-e",
	    "length", NULL });
	ck_assert_int_eq(p.status, 0);
	ck_assert_str_eq(p.obuf, "{\"id\":1,\"text\":\"abc\",\"enrichments\":"
	    "{\"length\":3}}\n{\"id\":2,\"enrichments\":{\"length\":null},"
	    "\"enrichment_errors\":{\"length\":\"no tweet text (give "
	    "field=)\"}}\n");
	proc_free(&p);

	/* Two members are one stream; a plain file after a gzip one. */
	z2 = gz("{\"id\":3}\n", 9, &n2);
	both = malloc(n1 + n2);
	memcpy(both, z1, n1);
	memcpy(both + n1, z2, n2);
	a = tmpfile_with(both, n1 + n2);
	b = tmpfile_with("{\"id\":4}\n", 9);
	te_run(&p, "", "-k", "-e", "test", a, b, NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_uint_eq(count_lines(p.obuf, p.olen), 4);
	ck_assert_ptr_nonnull(strstr(p.obuf, "{\"id\":3,\"enrichments\""));
	ck_assert_ptr_nonnull(strstr(p.obuf, "\n{\"id\":4,\"enrichments\""));
	proc_free(&p);
	unlink(a);
	free(a);

	/* Cut short: what came is written, the rest is an error (exit 1). */
	a = tmpfile_with(both, n1 + n2 - 6);
	te_run(&p, "", "-k", "-e", "test", a, b, NULL);
	ck_assert_int_eq(p.status, 1);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "truncated gzip stream"));
	ck_assert_ptr_nonnull(strstr(p.obuf, "{\"id\":4,"));
	proc_free(&p);
	unlink(a);
	unlink(b);
	free(a);
	free(b);
	free(z1);
	free(z2);
	free(both);
}
END_TEST

/* A gzip bomb is read a buffer at a time: memory stays small. */
START_TEST(test_gzip_bounded)
{
	struct proc	 p;
	size_t		 n = 64 * 1024 * 1024, zn;
	char		*big = malloc(n), *z;
	json_t		*st;

	memset(big, 'a', n);
	memcpy(big, "{\"id\":1}\n", 9);
	z = gz(big, n, &zn);
	free(big);
	te_run_file(&p, z, zn, "-q", "--stats", "--max-line", "1M", "-e", "test",
	    NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_uint_eq(count_lines(p.obuf, p.olen), 1);
	st = stats_of(&p);
	ck_assert_int_eq(stat_int(st, "bad"), 1);
	json_decref(st);
	/* 64M of text through 1M lines; valgrind and ASan add their own. */
	if (getenv("TE_VALGRIND") == NULL && !SANITIZED)
		ck_assert_msg(p.maxrss_kb < 40 * 1024, "peak RSS %ld KB",
		    p.maxrss_kb);
	proc_free(&p);
	free(z);
}
END_TEST

START_TEST(test_split)
{
	struct proc	 p;
	json_t		*st;
	const char	*in;
	char		 key[301], ptr[310], doc[700];

	/* A pretty-printed array: numbers and strings exactly as written
	 * (64-bit ids, 1.0e2, escapes), one line each. */
	in = "[\n  {\n    \"id\": 9223372036854775807,\n    \"id_str\": "
	    "\"9223372036854775807\",\n    \"text\": \"caf\\u00e9 \\/ x\",\n"
	    "    \"r\": [1.0e2, -0.55000000000000004, true, null]\n  },\n"
	    "  {\"id\": 1394735776701816833, \"text\": \"b\"}\n]\n";
	te_run(&p, in, "-k", "--split", "", "-e", "length", NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_str_eq(p.obuf, "{\"id\":9223372036854775807,\"id_str\":"
	    "\"9223372036854775807\",\"text\":\"caf\\u00e9 \\/ x\",\"r\":[1.0e2,"
	    "-0.55000000000000004,true,null],\"enrichments\":{\"length\":8}}\n"
	    "{\"id\":1394735776701816833,\"text\":\"b\",\"enrichments\":"
	    "{\"length\":1}}\n");
	proc_free(&p);

	/* v2 pages and twarc2 lines mixed, several documents on a line. */
	in = "{\"data\":[{\"id\":\"1\",\"text\":\"a\"},{\"id\":\"2\",\"text\":"
	    "\"bb\"}],\"includes\":{\"tweets\":[{\"id\":\"9\"}]},\"meta\":{}}\n"
	    "{\"data\":{\"id\":\"3\",\"text\":\"ccc\"},\"__twarc\":{}} "
	    "{\"data\":[]}{\"data\":[{\"id\":\"4\",\"text\":\"dddd\"}]}\n";
	te_run(&p, in, "-k", "--split", "/data", "-e", "length", "--stats",
	    NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_str_eq(p.obuf, "{\"id\":\"1\",\"text\":\"a\",\"enrichments\":"
	    "{\"length\":1}}\n{\"id\":\"2\",\"text\":\"bb\",\"enrichments\":"
	    "{\"length\":2}}\n{\"data\":{\"id\":\"3\",\"text\":\"ccc\"},"
	    "\"__twarc\":{},\"enrichments\":{\"length\":3}}\n{\"id\":\"4\","
	    "\"text\":\"dddd\",\"enrichments\":{\"length\":4}}\n");
	st = stats_of(&p);
	ck_assert_int_eq(stat_int(st, "tweets"), 4);
	json_decref(st);
	proc_free(&p);

	/* /statuses, a key with an escape, an index in the pointer. */
	te_run(&p, "{\"search_metadata\":{},\"st\\u0061tuses\":[{\"id\":1},"
	    "{\"id\":2}]}\n", "-k", "--split", "/statuses", "-e", "test",
	    NULL);
	ck_assert_uint_eq(count_lines(p.obuf, p.olen), 2);
	proc_free(&p);
	te_run(&p, "{\"a\":[[{\"id\":1}],[{\"id\":2},{\"id\":3}]]}\n", "-k",
	    "--split", "/a/1", "-e", "test", NULL);
	ck_assert_str_eq(p.obuf, "{\"id\":2,\"enrichments\":{\"test\":42}}\n"
	    "{\"id\":3,\"enrichments\":{\"test\":42}}\n");
	proc_free(&p);

	/* A key longer than 256 bytes, with an escape, is matched whole; a
	 * bad \\u escape matches nothing. */
	memset(key, 'k', 300);
	key[300] = '\0';
	snprintf(ptr, sizeof ptr, "/%sK", key);
	snprintf(doc, sizeof doc, "{\"%s\\u004b\":[{\"id\":1}],"
	    "\"\\uZZZZ\":[{\"id\":2}]}\n", key);
	te_run(&p, doc, "-k", "--split", ptr, "-e", "test", NULL);
	ck_assert_str_eq(p.obuf, "{\"id\":1,\"enrichments\":{\"test\":42}}\n");
	proc_free(&p);
	te_run(&p, doc, "-k", "--split", "/ZZZZ", "-e", "test", NULL);
	ck_assert_str_eq(p.obuf, "");
	proc_free(&p);
}
END_TEST

START_TEST(test_split_bad)
{
	struct proc	 p;
	json_t		*st;
	char		*path, buf[256];
	FILE		*f;
	size_t		 n;

	/* A document cut short (twarc's truncated line) is reported on its
	 * line; the next line is read; an element too long is a bad line,
	 * never held whole, copied to --bad-lines. */
	path = tmpfile_with("", 0);
	te_run(&p, "{\"data\":{\"id\":\"1\"}}\n{\"data\": {\"author_id\": "
	    "\"10211\"\n{\"data\":{\"id\":\"2\"}}\n[{\"id\":3},\n {\"long\": "
	    "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"},{\"id\":4}]"
	    "\n{\"x\":", "-k", "--split", "/data", "--max-line", "40",
	    "--bad-lines", path, "--stats", "-e", "test", NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_str_eq(p.obuf, "{\"data\":{\"id\":\"1\"},\"enrichments\":"
	    "{\"test\":42}}\n{\"data\":{\"id\":\"2\"},\"enrichments\":"
	    "{\"test\":42}}\n");
	ck_assert_ptr_nonnull(strstr(p.ebuf, "stdin:2: bad line: invalid JSON"));
	ck_assert_ptr_nonnull(strstr(p.ebuf, "stdin:4: bad line: longer than 40"));
	ck_assert_ptr_nonnull(strstr(p.ebuf, "stdin:6: bad line: invalid JSON: "
	    "the input ends inside a JSON document"));
	st = stats_of(&p);
	ck_assert_int_eq(stat_int(st, "tweets"), 2);
	ck_assert_int_eq(stat_int(st, "bad"), 3);
	json_decref(st);
	proc_free(&p);
	f = fopen(path, "r");
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "[{\"id\":3},{\"long\":\"xxxxxxxx"));
	unlink(path);
	free(path);

	/* Not a pointer; not for a stream. */
	te_run(&p, "", "--split", "data", "-e", "test", NULL);
	ck_assert_int_eq(p.status, 2);
	proc_free(&p);
	te_run(&p, "", "--split", "/data", "--from", "redis://127.0.0.1:1/s",
	    "-e", "test", NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "not --from"));
	proc_free(&p);
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

	tc = tcase_create("shapes");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_bom);
	tcase_add_test(tc, test_gzip);
	tcase_add_test(tc, test_gzip_bounded);
	tcase_add_test(tc, test_split);
	tcase_add_test(tc, test_merge_long_name);
	tcase_add_test(tc, test_split_bad);
	suite_add_tcase(s, tc);

	tc = tcase_create("formats");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_formats_text_and_links);
	tcase_add_test(tc, test_text_as_written);
	tcase_add_test(tc, test_cut_entities_from_text);
	suite_add_tcase(s, tc);

	tc = tcase_create("unshorten");
	tcase_add_checked_fixture(tc, server_setup, server_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_unshorten_start);
	tcase_add_test(tc, test_unshorten_hosts);
	tcase_add_test(tc, test_unshorten_links_key);
	tcase_add_test(tc, test_unshorten_config_errors);
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
