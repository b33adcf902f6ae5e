/*
 * Unit tests for scan.c: values found in raw JSON text must be the ones the
 * parsing path (tweet_parse, jansson, then pointer_get) finds in the tree,
 * on hand-written cases and on generated documents.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "json/json.h"
#include "run.h"

/* Does scanning text for pointer p agree with the tree? Returns found. */
static int
agree(const char *text, size_t len, const char *p)
{
	struct scan_value	 root, v;
	json_t			*tree, *tv, *sv;
	char			*a, *b;
	int			 found;

	tree = json_loadb(text, len, JSON_ALLOW_NUL, NULL);
	ck_assert_msg(tree != NULL, "not JSON: %.*s", (int)len, text);
	ck_assert_int_eq(scan_root(text, len, &root), 0);
	tv = pointer_get(tree, p);
	found = scan_pointer(&root, p, &v) == 0;
	ck_assert_msg(found == (tv != NULL), "%s: scan %s, tree %s in %.*s",
	    p, found ? "finds" : "misses", tv != NULL ? "finds" : "misses",
	    (int)len, text);
	if (found) {
		sv = scan_json(&v);
		ck_assert_msg(sv != NULL, "%s: no value from %.*s", p,
		    (int)v.len, v.text);
		a = json_dumps(sv, JSON_COMPACT|JSON_ENCODE_ANY);
		b = json_dumps(tv, JSON_COMPACT|JSON_ENCODE_ANY);
		ck_assert_msg(json_equal(sv, tv) && strcmp(a, b) == 0,
		    "%s: scan %s, tree %s", p, a, b);
		ck_assert_int_eq(json_typeof(sv), json_typeof(tv));
		if (json_is_string(tv))
			ck_assert_uint_eq(json_string_length(sv),
			    json_string_length(tv));
		free(a);
		free(b);
		json_decref(sv);
	}
	/* A response's select= finds the same, checking the text first. */
	ck_assert_int_eq(validate_select(text, len, p, &sv), found);
	if (found) {
		ck_assert(json_equal(sv, tv));
		json_decref(sv);
	}
	json_decref(tree);
	return (found);
}

/*
 * validate_select on a response: -1 exactly when jansson refuses the text
 * (as the http enricher reads it), else what pointer_get finds in the
 * tree, dumped the same.
 */
static void
select_agrees(const char *text, size_t len, const char *p)
{
	json_t	*tree, *tv, *sv;
	char	*a, *b;
	int	 r;

	tree = json_loadb(text, len, JSON_DECODE_ANY|JSON_ALLOW_NUL, NULL);
	r = validate_select(text, len, p, &sv);
	if (tree == NULL) {
		ck_assert_msg(r == -1, "jansson refuses, select %d: %.*s", r,
		    (int)len, text);
		ck_assert_ptr_null(sv);
		return;
	}
	tv = pointer_get(tree, p);
	ck_assert_msg(r == (tv != NULL), "%s: select %d in %.*s", p, r,
	    (int)len, text);
	if (tv != NULL) {
		a = json_dumps(sv, JSON_COMPACT|JSON_ENCODE_ANY);
		b = json_dumps(tv, JSON_COMPACT|JSON_ENCODE_ANY);
		ck_assert_msg(strcmp(a, b) == 0, "%s: select %s, tree %s", p,
		    a, b);
		free(a);
		free(b);
		json_decref(sv);
	}
	json_decref(tree);
}

START_TEST(test_select)
{
	static const char	*texts[] = { "{\"ok\":true}", "[1,2,{\"a\":\"b\"}]",
	    "\"str\"", "42", " true ", "null", "{\"a\":1,\"a\":2}",
	    "{\"a\":{\"b\":[0,1.5,-0,\"\\u0000x\",1e5]}}", "1e400",
	    "12345678901234567890", "-9223372036854775808", "{\"a\":1} x",
	    "{\"a\":1", "\"\"", "", " ", "\xef\xbb\xbf{}", "\"\xff\"",
	    "{\"\\u0000\":1}", "[]", "{}", " \n{\"a\" : [ 1 , 2 ] }\r\n",
	    "-", "01", "1.", "{\"a\":tru}", "[1,]", "{\"a\":1,}", "\"a\tb\"",
	    "\"\\ud800\"", "\"\\ud83d\\ude00\"", "{\"~/\":{\"x\":[true]}}" };
	static const char	*ptrs[] = { "", "/a", "/a/b/1", "/a/b/3", "/ok",
	    "/0", "/2/a", "/x", "/a/0", "/~0~1", "/~0~1/x/0" };
	char			*deep;
	u_int			 i, k, d;

	for (i = 0; i < sizeof texts / sizeof texts[0]; i++)
		for (k = 0; k < sizeof ptrs / sizeof ptrs[0]; k++)
			select_agrees(texts[i], strlen(texts[i]), ptrs[k]);
	/* A raw NUL byte: refused by both. */
	select_agrees("{\"a\":\"x\0y\"}", 11, "/a");
	select_agrees("[1]\0", 4, "/0");
	/* Nesting at jansson's limit and past it. */
	for (d = 2046; d <= 2050; d++) {
		deep = xmalloc(2 * d + 2);
		memset(deep, '[', d);
		deep[d] = '1';
		memset(deep + d + 1, ']', d);
		select_agrees(deep, 2 * d + 1, "/0");
		free(deep);
	}
}
END_TEST

static int
agree_s(const char *text, const char *p)
{
	return (agree(text, strlen(text), p));
}

/* The string a pointer names, decoded. */
static char *
str_at(const char *text, const char *p, size_t *len)
{
	struct scan_value	root, v;

	ck_assert_int_eq(scan_root(text, strlen(text), &root), 0);
	if (scan_pointer(&root, p, &v) != 0)
		return (NULL);
	return (scan_string(&v, len));
}

START_TEST(test_basics)
{
	const char	*doc = "{\"id\":12, \"seq\" : 7 ,\"body\":\"hi\","
			    "\"user\":{\"name\":\"ann\",\"n\":[1,2,{\"x\":true}]},"
			    "\"f\":-1.5e3,\"z\":null,\"b\":false,\"e\":{},\"a\":[]}";
	struct scan_value	 root, v;
	long long		 ll;
	double			 d;
	char			*s;
	size_t			 n;

	ck_assert(agree_s(doc, "/id"));
	ck_assert(agree_s(doc, "/seq"));
	ck_assert(agree_s(doc, "/body"));
	ck_assert(agree_s(doc, "/user"));
	ck_assert(agree_s(doc, "/user/name"));
	ck_assert(agree_s(doc, "/user/n/0"));
	ck_assert(agree_s(doc, "/user/n/2/x"));
	ck_assert(agree_s(doc, "/f"));
	ck_assert(agree_s(doc, "/z"));
	ck_assert(agree_s(doc, "/b"));
	ck_assert(agree_s(doc, "/e"));
	ck_assert(agree_s(doc, "/a"));
	ck_assert(agree_s(doc, ""));
	ck_assert(!agree_s(doc, "/user/n/3"));
	ck_assert(!agree_s(doc, "/user/n/01"));
	ck_assert(!agree_s(doc, "/user/n/-"));
	ck_assert(!agree_s(doc, "/user/n/1x"));
	ck_assert(!agree_s(doc, "/user/n/"));
	ck_assert(!agree_s(doc, "/user/n/+1"));
	ck_assert(!agree_s(doc, "/user/n/99999999999999999999999"));
	ck_assert(!agree_s(doc, "/id/x"));
	ck_assert(!agree_s(doc, "/missing"));
	ck_assert(!agree_s(doc, "/e/x"));
	ck_assert(!agree_s(doc, "/a/0"));
	ck_assert(!agree_s(doc, "id"));
	ck_assert(!agree_s(doc, "/"));

	ck_assert_int_eq(scan_root(doc, strlen(doc), &root), 0);
	ck_assert_int_eq(root.type, SCAN_OBJECT);
	ck_assert_int_eq(scan_pointer(&root, "/seq", &v), 0);
	ck_assert_int_eq(v.type, SCAN_NUMBER);
	ck_assert_uint_eq(v.len, 1);
	ck_assert_int_eq(scan_integer(&v, &ll), 0);
	ck_assert_int_eq(ll, 7);
	ck_assert_int_eq(scan_pointer(&root, "/f", &v), 0);
	ck_assert_int_eq(scan_integer(&v, &ll), -1);
	ck_assert_int_eq(scan_real(&v, &d), 0);
	ck_assert(d == -1500.0);
	ck_assert_int_eq(scan_pointer(&root, "/user/n", &v), 0);
	ck_assert_int_eq(v.type, SCAN_ARRAY);
	ck_assert_uint_eq(v.len, strlen("[1,2,{\"x\":true}]"));
	ck_assert_int_eq(scan_pointer(&root, "/body", &v), 0);
	ck_assert_int_eq(v.type, SCAN_STRING);
	ck_assert_int_eq(scan_integer(&v, &ll), -1);
	s = scan_string(&v, &n);
	ck_assert_str_eq(s, "hi");
	ck_assert_uint_eq(n, 2);
	free(s);
	ck_assert(scan_string(&root, &n) == NULL);
}
END_TEST

START_TEST(test_strings)
{
	const char	*doc = "{\"a\":\"caf\\u00e9 \\u6771\\u4eac\","
			    "\"b\":\"\\ud83d\\ude00!\",\"c\":\"q\\\"\\\\\\/\\b\\f\\n\\r\\t\","
			    "\"d\":\"nul\\u0000byte\",\"e\":\"\\\\\",\"f\":\"\","
			    "\"g\":\"raw caf\xc3\xa9 \xf0\x9f\x98\x80\",\"h\":\"\\\\\\\"\"}";
	char		*s;
	size_t		 n;

	ck_assert(agree_s(doc, "/a"));
	ck_assert(agree_s(doc, "/b"));
	ck_assert(agree_s(doc, "/c"));
	ck_assert(agree_s(doc, "/d"));
	ck_assert(agree_s(doc, "/e"));
	ck_assert(agree_s(doc, "/f"));
	ck_assert(agree_s(doc, "/g"));
	ck_assert(agree_s(doc, "/h"));
	s = str_at(doc, "/b", &n);
	ck_assert_uint_eq(n, 5);
	ck_assert(memcmp(s, "\xf0\x9f\x98\x80!", 5) == 0);
	free(s);
	s = str_at(doc, "/d", &n);
	ck_assert_uint_eq(n, 8);
	ck_assert(memcmp(s, "nul\0byte", 8) == 0);
	free(s);
	s = str_at(doc, "/h", &n);
	ck_assert_str_eq(s, "\\\"");
	free(s);
}
END_TEST

START_TEST(test_keys)
{
	const char	*doc = "{\"a/b\":1,\"m~n\":2,\"caf\\u00e9\":3,"
			    "\"\\ud83d\\ude00\":4,\"\":5,\"q\\\"k\":6,\"x\\/y\":7,"
			    "\"~1\":8,\"sp ace\":9}";
	ck_assert(agree_s(doc, "/a~1b"));
	ck_assert(agree_s(doc, "/m~0n"));
	ck_assert(agree_s(doc, "/caf\xc3\xa9"));
	ck_assert(agree_s(doc, "/\xf0\x9f\x98\x80"));
	ck_assert(agree_s(doc, "/"));
	ck_assert(agree_s(doc, "/q\"k"));
	ck_assert(agree_s(doc, "/x~1y"));
	ck_assert(agree_s(doc, "/~01"));
	ck_assert(agree_s(doc, "/sp ace"));
	ck_assert(!agree_s(doc, "/a/b"));
	ck_assert(!agree_s(doc, "/m~n"));
	ck_assert(!agree_s(doc, "/caf"));
	ck_assert(!agree_s(doc, "/~2"));
}
END_TEST

/*
 * One reader of \u for the checker and the scanner: what the checker
 * refuses, a key never equals (--split reads keys of unchecked text), and
 * the checker says where the fault is.
 */
START_TEST(test_unicode_escapes)
{
	static const struct {
		const char	*key;		/* a key's JSON text */
		const char	*bytes;		/* what it must not equal */
		const char	*why;		/* the checker's reason */
	} bad[] = {
		{ "\"\\uZZZZ\"", "ZZZZ", "bad \\u escape (column 6)" },
		{ "\"\\u12\"", "12\"", "bad \\u escape (column 8)" },
		{ "\"\\udc00\"", "\xed\xb0\x80",
		    "invalid Unicode escape (column 9)" },
		{ "\"\\ud800\"", "\xed\xa0\x80",
		    "invalid Unicode escape (column 9)" },
		{ "\"\\ud800\\u0041\"", "\xed\xa0\x80" "A",
		    "invalid Unicode escape (column 15)" },
		{ "\"\\ud800\\uZ041\"", "\xed\xa0\x80" "Z041",
		    "bad \\u escape (column 12)" },
	};
	struct scan_value	 k;
	char			 line[64], why[256], want[128];
	size_t			 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		k.type = SCAN_STRING;
		k.text = bad[i].key;
		k.len = strlen(bad[i].key);
		ck_assert_msg(!scan_string_eq(&k, bad[i].bytes,
		    strlen(bad[i].bytes)), "%s", bad[i].key);
		snprintf(line, sizeof line, "{%s:1}", bad[i].key);
		ck_assert_int_eq(validate_tweet(line, strlen(line), NULL, why,
		    sizeof why), -1);
		snprintf(want, sizeof want, "invalid JSON: %s", bad[i].why);
		ck_assert_str_eq(why, want);
	}
	k.text = "\"\\ud83d\\ude00\\u00e9\"";
	k.len = strlen(k.text);
	ck_assert(scan_string_eq(&k, "\xf0\x9f\x98\x80\xc3\xa9", 6));
}
END_TEST

START_TEST(test_duplicates)
{
	/* jansson keeps the last of duplicate keys; so must the scan. */
	const char	*doc = "{\"a\":1,\"b\":{\"c\":1},\"a\":2,\"b\":{\"d\":2},"
			    "\"\\u0061\":3,\"n\":[{\"k\":1,\"k\":\"x\"}]}";
	json_t		*tree = json_loads(doc, 0, NULL);

	ck_assert_int_eq(json_integer_value(json_object_get(tree, "a")), 3);
	json_decref(tree);
	ck_assert(agree_s(doc, "/a"));
	ck_assert(agree_s(doc, "/b"));
	ck_assert(!agree_s(doc, "/b/c"));
	ck_assert(agree_s(doc, "/b/d"));
	ck_assert(agree_s(doc, "/n/0/k"));
	ck_assert(agree_s(doc, "/n/0"));
}
END_TEST

START_TEST(test_numbers)
{
	const char	*doc = "{\"a\":-0,\"b\":-0.0,\"c\":1e2,\"d\":0.1,"
			    "\"e\":9223372036854775807,\"f\":-9223372036854775808,"
			    "\"g\":1E-400,\"h\":123456789012345678901234567890.5,"
			    "\"i\":2.5e+10,\"j\":1.7976931348623157e308,\"k\":0}";
	const char	*p[] = { "/a", "/b", "/c", "/d", "/e", "/f", "/g", "/h",
			    "/i", "/j", "/k" };
	u_int		 i;

	for (i = 0; i < sizeof p / sizeof p[0]; i++)
		ck_assert(agree_s(doc, p[i]));
}
END_TEST

START_TEST(test_whitespace_and_iteration)
{
	const char		*doc = " \t{ \"a\" :\n[ 1 , \"two\" , { } , [ ] ] ,"
				    "\r\n\"b\" : { \"c\" : \"}\" } } \n";
	struct scan_value	 root, k, v, arr;
	struct scan_iter	 it;
	u_int			 n = 0;

	ck_assert(agree_s(doc, "/a/0"));
	ck_assert(agree_s(doc, "/a/1"));
	ck_assert(agree_s(doc, "/a/2"));
	ck_assert(agree_s(doc, "/a/3"));
	ck_assert(!agree_s(doc, "/a/4"));
	ck_assert(agree_s(doc, "/b/c"));
	ck_assert_int_eq(scan_root(doc, strlen(doc), &root), 0);
	scan_iter_init(&it, &root);
	while (scan_next(&it, &k, &v)) {
		ck_assert_int_eq(k.type, SCAN_STRING);
		ck_assert(scan_string_eq(&k, n == 0 ? "a" : "b", 1));
		n++;
	}
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(scan_member(&root, "a", 1, &arr), 0);
	scan_iter_init(&it, &arr);
	for (n = 0; scan_next(&it, NULL, &v); n++)
		;
	ck_assert_uint_eq(n, 4);
	/* A scalar has nothing in it. */
	ck_assert_int_eq(scan_index(&arr, 0, &v), 0);
	scan_iter_init(&it, &v);
	ck_assert(!scan_next(&it, NULL, &v));
	ck_assert_int_eq(scan_root("  ", 2, &v), -1);
}
END_TEST

START_TEST(test_long_token)
{
	char	*doc, *p;
	size_t	 n;

	/* A token of POINTER_TOKEN_MAX bytes or more names nothing. */
	for (n = POINTER_TOKEN_MAX - 2; n <= POINTER_TOKEN_MAX + 1; n++) {
		doc = malloc(n + 16);
		p = malloc(n + 2);
		ck_assert(doc != NULL && p != NULL);
		doc[0] = '{';
		doc[1] = '"';
		memset(doc + 2, 'k', n);
		memcpy(doc + 2 + n, "\":1}", 5);
		p[0] = '/';
		memset(p + 1, 'k', n);
		p[n + 1] = '\0';
		agree_s(doc, p);
		free(doc);
		free(p);
	}
}
END_TEST

/* Generated documents: a small random JSON writer with a fixed seed. */
static u_int	 rnd_state;

static u_int
rnd(u_int n)
{
	rnd_state = rnd_state * 1103515245 + 12345;
	return ((rnd_state >> 8) % n);
}

static void
gen_add(char **buf, size_t *len, size_t *size, const char *s)
{
	size_t	n = strlen(s);

	if (*len + n + 1 > *size) {
		*size = (*len + n + 1) * 2;
		*buf = realloc(*buf, *size);
		ck_assert(*buf != NULL);
	}
	memcpy(*buf + *len, s, n + 1);
	*len += n;
}

static const char *gen_keys[] = {
	"a", "b", "id", "seq", "caf\\u00e9", "caf\xc3\xa9", "\\u0061", "a/b",
	"m~n", "", "\\ud83d\\ude00", "\xf0\x9f\x98\x80", "q\\\"", "x\\/y", "0",
	"1", "sp ace"
};
static const char *gen_strings[] = {
	"\"\"", "\"x\"", "\"caf\\u00e9\"", "\"\\ud83d\\ude00\"", "\"\\u0000\"",
	"\"a\\\\\"", "\"\\\"}]\"", "\"\xe6\x9d\xb1\"", "\"\\n\\t\\/\""
};
static const char *gen_scalars[] = {
	"0", "-0", "12", "-7", "1.5", "-0.0", "1e3", "2E-2", "0.1", "true",
	"false", "null", "9223372036854775807", "123456789.123456789"
};

static void
gen_value(char **buf, size_t *len, size_t *size, int depth)
{
	u_int	i, n, r = rnd(depth > 3 ? 2 : 4);
	const char *ws[] = { "", "", " ", "\n", " \t" };

	if (r == 0) {
		gen_add(buf, len, size, gen_scalars[rnd(sizeof gen_scalars /
		    sizeof gen_scalars[0])]);
	} else if (r == 1) {
		gen_add(buf, len, size, gen_strings[rnd(sizeof gen_strings /
		    sizeof gen_strings[0])]);
	} else if (r == 2) {
		gen_add(buf, len, size, "[");
		n = rnd(4);
		for (i = 0; i < n; i++) {
			if (i > 0)
				gen_add(buf, len, size, ",");
			gen_add(buf, len, size, ws[rnd(5)]);
			gen_value(buf, len, size, depth + 1);
		}
		gen_add(buf, len, size, "]");
	} else {
		gen_add(buf, len, size, "{");
		n = rnd(5);
		for (i = 0; i < n; i++) {
			if (i > 0)
				gen_add(buf, len, size, ",");
			gen_add(buf, len, size, "\"");
			gen_add(buf, len, size, gen_keys[rnd(sizeof gen_keys /
			    sizeof gen_keys[0])]);
			gen_add(buf, len, size, "\"");
			gen_add(buf, len, size, ws[rnd(5)]);
			gen_add(buf, len, size, ":");
			gen_value(buf, len, size, depth + 1);
			gen_add(buf, len, size, ws[rnd(5)]);
		}
		gen_add(buf, len, size, "}");
	}
}

/* Every pointer into a tree, and some near misses, checked against text. */
static void
gen_check(const char *text, size_t len, json_t *j, char *p, size_t plen,
    u_int *checked)
{
	const char	*k;
	json_t		*v;
	char		*q, *e;
	size_t		 i, n;

	agree(text, len, p);
	(*checked)++;
	if (plen > 900)
		return;
	q = malloc(plen + 3 * 512 + 16);
	ck_assert(q != NULL);
	if (json_is_object(j)) {
		json_object_foreach(j, k, v) {
			memcpy(q, p, plen);
			e = q + plen;
			*e++ = '/';
			for (i = 0; k[i] != '\0' && i < 512; i++) {
				if (k[i] == '~') {
					*e++ = '~';
					*e++ = '0';
				} else if (k[i] == '/') {
					*e++ = '~';
					*e++ = '1';
				} else
					*e++ = k[i];
			}
			*e = '\0';
			gen_check(text, len, v, q, e - q, checked);
			/* The same key without its last byte: a miss. */
			if (e > q + plen + 1) {
				e[-1] = '\0';
				if (e[-2] != '~')
					agree(text, len, q);
			}
		}
	} else if (json_is_array(j)) {
		n = json_array_size(j);
		for (i = 0; i <= n; i++) {
			snprintf(q, 32 + plen, "%s/%zu", p, i);
			if (i < n)
				gen_check(text, len, json_array_get(j, i), q,
				    strlen(q), checked);
			else
				agree(text, len, q);
			snprintf(q, 32 + plen, "%s/0%zu", p, i);
			agree(text, len, q);
		}
	}
	free(q);
}

/*
 * The checker's members of a line (kept where the caller says) are the
 * spans scan_next walks, and scan_line finds the object they are in.
 */
static void
members_agree(const char *text, size_t len)
{
	struct validate_members	*top;
	struct scan_value	 root, line, k, v;
	struct scan_iter	 it;
	char			 why[256];
	u_int			 i = 0;

	top = xmalloc(sizeof *top);
	ck_assert_int_ne(validate_tweet(text, len, top, why, sizeof why), -1);
	ck_assert_int_eq(scan_root(text, len, &root), 0);
	ck_assert_int_eq(scan_line(text, len, &line), 0);
	ck_assert(line.type == root.type && line.text == root.text &&
	    line.len == root.len);
	scan_iter_init(&it, &root);
	while (scan_next(&it, &k, &v)) {
		if (i < VALIDATE_MAX_MEMBERS) {
			ck_assert(top->m[i].key.type == k.type);
			ck_assert(top->m[i].key.text == k.text);
			ck_assert_uint_eq(top->m[i].key.len, k.len);
			ck_assert(top->m[i].value.type == v.type);
			ck_assert(top->m[i].value.text == v.text);
			ck_assert_uint_eq(top->m[i].value.len, v.len);
		}
		i++;
	}
	ck_assert_uint_eq(top->n, i > VALIDATE_MAX_MEMBERS ?
	    VALIDATE_MAX_MEMBERS + 1 : i);
	free(top);
}

/*
 * The checker's members belong to whoever asked: checking another line
 * leaves them as they were (they were a static that the next check
 * overwrote); past VALIDATE_MAX_MEMBERS the first are kept.
 */
START_TEST(test_members)
{
	struct validate_members	*a, *b;
	char			*big, why[256];
	const char		*one = " {\"id\" : 1 ,\"t\\u0065xt\":\"x}\", "
				    "\"e\":{\"a\":[1,\"]\"]}} \t";
	const char		*two = "{\"k\":null}";
	size_t			 len = 0;
	u_int			 i;

	a = xmalloc(sizeof *a);
	b = xmalloc(sizeof *b);
	ck_assert_int_eq(validate_tweet(one, strlen(one), a, why,
	    sizeof why), VALIDATE_RESERVED);	/* an escaped key */
	ck_assert_int_eq(validate_tweet(two, strlen(two), b, why,
	    sizeof why), 0);
	ck_assert_uint_eq(a->n, 3);
	ck_assert_uint_eq(b->n, 1);
	ck_assert(a->m[1].key.text == one + 12);
	ck_assert(scan_string_eq(&a->m[1].key, "text", 4));
	ck_assert_int_eq(a->m[1].value.type, SCAN_STRING);
	ck_assert_uint_eq(a->m[1].value.len, 4);
	ck_assert_int_eq(a->m[2].value.type, SCAN_OBJECT);
	ck_assert_uint_eq(a->m[2].value.len, 13);
	members_agree(one, strlen(one));
	members_agree("{}", 2);

	/* 300 members: 256 kept, and n says there were more. */
	big = xmalloc(300 * 16 + 2);
	big[len++] = '{';
	for (i = 0; i < 300; i++)
		len += sprintf(big + len, "%s\"m%u\":%u", i ? "," : "", i, i);
	big[len++] = '}';
	members_agree(big, len);
	ck_assert_int_eq(validate_tweet(big, len, a, why, sizeof why), 0);
	ck_assert_uint_eq(a->n, VALIDATE_MAX_MEMBERS + 1);
	ck_assert(scan_string_eq(&a->m[255].key, "m255", 4));

	/* Not a line the checker takes: nothing kept. */
	ck_assert_int_eq(validate_tweet("{\"a\":1,", 7, a, why, sizeof why),
	    -1);
	ck_assert_int_eq(validate_tweet("{\"a\\u0000\":1}", 13, b, why,
	    sizeof why), -1);
	ck_assert_uint_eq(b->n, 0);
	ck_assert_int_eq(scan_line(" [1] ", 5, &b->m[0].value), -1);
	free(big);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_generated)
{
	char	*buf = NULL, p[8] = "";
	size_t	 len, size = 0;
	json_t	*j;
	u_int	 i, checked = 0;

	rnd_state = 42;
	for (i = 0; i < 2000; i++) {
		len = 0;
		gen_add(&buf, &len, &size, "");
		/* An object at the top, as tweets are. */
		do {
			len = 0;
			buf[0] = '\0';
			gen_value(&buf, &len, &size, 0);
		} while (buf[0] != '{');
		j = json_loadb(buf, len, JSON_ALLOW_NUL, NULL);
		ck_assert_msg(j != NULL, "generated bad JSON: %s", buf);
		gen_check(buf, len, j, p, 0, &checked);
		members_agree(buf, len);
		json_decref(j);
	}
	free(buf);
	ck_assert_uint_gt(checked, 5000);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("scan");
	TCase	*tc = tcase_create("scan");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_basics);
	tcase_add_test(tc, test_strings);
	tcase_add_test(tc, test_keys);
	tcase_add_test(tc, test_unicode_escapes);
	tcase_add_test(tc, test_duplicates);
	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_whitespace_and_iteration);
	tcase_add_test(tc, test_long_token);
	tcase_add_test(tc, test_members);
	tcase_add_test(tc, test_generated);
	tcase_add_test(tc, test_select);
	suite_add_tcase(s, tc);
	return (run_suite(s));
}
