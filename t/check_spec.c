/*
 * Unit tests for enrichment specs, config files, JSON pointers and templates.
 */

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "lib/lib.h"
#include "core.h"
#include "json/json.h"
#include "enrich/enrich.h"
#include "run.h"

START_TEST(test_spec_plain)
{
	struct spec	*sp;
	char		*cause = NULL;

	sp = spec_parse("length", &cause);
	ck_assert_ptr_nonnull(sp);
	ck_assert_str_eq(spec_name(sp), "length");
	ck_assert_uint_eq(spec_count(sp), 0);
	spec_free(sp);
}
END_TEST

START_TEST(test_spec_keys)
{
	struct spec	*sp;
	char		*cause = NULL;

	sp = spec_parse("http:url=http://x/?a=1\\,2,as=geo,header=A: b\\\\c",
	    &cause);
	ck_assert_ptr_nonnull(sp);
	ck_assert_str_eq(spec_name(sp), "http");
	ck_assert_uint_eq(spec_count(sp), 3);
	ck_assert_str_eq(spec_get(sp, "url"), "http://x/?a=1,2");
	ck_assert_str_eq(spec_get(sp, "as"), "geo");
	ck_assert_str_eq(spec_get(sp, "header"), "A: b\\c");
	ck_assert_ptr_null(spec_get(sp, "nope"));
	spec_free(sp);
}
END_TEST

START_TEST(test_spec_bad)
{
	const char	*bad[] = { "", ":a=1", "x:", "x:a", "x:=1", "x y",
			    "x:a=1,", "x:a=1,b" };
	char		*cause;
	u_int		 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = NULL;
		ck_assert_msg(spec_parse(bad[i], &cause) == NULL, "%s", bad[i]);
		ck_assert_ptr_nonnull(cause);
		free(cause);
	}
}
END_TEST

START_TEST(test_spec_number)
{
	struct spec	*sp;
	long long	 n;
	char		*cause = NULL;

	sp = spec_parse("sleep:ms=250", &cause);
	ck_assert_int_eq(spec_get_number(sp, "ms", 0, 1000, 7, &n, &cause), 0);
	ck_assert_int_eq(n, 250);
	ck_assert_int_eq(spec_get_number(sp, "x", 0, 1000, 7, &n, &cause), 0);
	ck_assert_int_eq(n, 7);
	ck_assert_int_eq(spec_get_number(sp, "ms", 0, 100, 7, &n, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "from 0 to 100"));
	free(cause);
	spec_free(sp);
}
END_TEST

START_TEST(test_spec_json)
{
	struct spec	*sp;
	json_t		*j;
	char		*cause = NULL;

	j = json_loads("{\"name\":\"http\",\"url\":\"u\",\"retries\":3,"
	    "\"header\":[\"A: 1\",\"B: 2\"]}", 0, NULL);
	sp = spec_from_json(j, &cause);
	ck_assert_ptr_nonnull(sp);
	ck_assert_str_eq(spec_name(sp), "http");
	ck_assert_uint_eq(spec_count(sp), 4);
	ck_assert_str_eq(spec_get(sp, "retries"), "3");
	ck_assert_str_eq(spec_key(sp, 2), "header");
	ck_assert_str_eq(spec_value(sp, 2), "A: 1");
	ck_assert_str_eq(spec_get(sp, "header"), "B: 2");
	spec_free(sp);
	json_decref(j);

	j = json_loads("{\"url\":\"u\"}", 0, NULL);
	ck_assert_ptr_null(spec_from_json(j, &cause));
	free(cause);
	json_decref(j);
}
END_TEST

static char	 seen[1024];

static int
opt_cb(const char *name, const char *value, char **cause)
{
	if (strcmp(name, "bad") == 0) {
		xasprintf(cause, "bad option");
		return (-1);
	}
	strcat(seen, name);
	strcat(seen, "=");
	strcat(seen, value);
	strcat(seen, ";");
	return (0);
}

static int
enrich_cb(struct spec *sp, __unused char **cause)
{
	strcat(seen, "e:");
	strcat(seen, spec_name(sp));
	strcat(seen, ";");
	spec_free(sp);
	return (0);
}

static char *
write_tmp(const char *text)
{
	char	*path = strdup("/tmp/te-config.XXXXXX");
	int	 fd = mkstemp(path);

	ck_assert(fd != -1);
	ck_assert(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	return (path);
}

START_TEST(test_config)
{
	char	*path, *cause = NULL;

	seen[0] = '\0';
	path = write_tmp("{\"max-pending\": 5, \"enrich\": [\"test\", "
	    "{\"name\": \"length\", \"field\": \"/text\"}], \"keep_order\": "
	    "true, \"header\": [\"A: 1\", \"B: 2\"]}");
	ck_assert_int_eq(config_load(path, opt_cb, enrich_cb, &cause), 0);
	ck_assert_str_eq(seen, "max-pending=5;e:test;e:length;keep_order=true;"
	    "header=A: 1;header=B: 2;");
	unlink(path);
	free(path);

	path = write_tmp("{\"bad\": 1}");
	ck_assert_int_eq(config_load(path, opt_cb, enrich_cb, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "bad option"));
	free(cause);
	unlink(path);
	free(path);

	path = write_tmp("{\"enrich\": [\"test\",]}");
	ck_assert_int_eq(config_load(path, opt_cb, enrich_cb, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, ":1:"));
	free(cause);
	unlink(path);
	free(path);

	ck_assert_int_eq(config_load("/nonexistent/x.json", opt_cb, enrich_cb,
	    &cause), -1);
	free(cause);
}
END_TEST

START_TEST(test_pointer)
{
	json_t		*j;
	const char	*s;
	size_t		 len;
	char		*cause = NULL;

	j = json_loads("{\"a\":{\"b\":[10,{\"c\":\"x\"}]},\"a/b\":1,\"m~n\":2,"
	    "\"\":3}", 0, NULL);
	ck_assert_ptr_eq(pointer_get(j, ""), j);
	ck_assert_int_eq(json_integer_value(pointer_get(j, "/a/b/0")), 10);
	ck_assert_str_eq(json_string_value(pointer_get(j, "/a/b/1/c")), "x");
	ck_assert_int_eq(json_integer_value(pointer_get(j, "/a~1b")), 1);
	ck_assert_int_eq(json_integer_value(pointer_get(j, "/m~0n")), 2);
	ck_assert_int_eq(json_integer_value(pointer_get(j, "/")), 3);
	ck_assert_ptr_null(pointer_get(j, "/a/b/2"));
	ck_assert_ptr_null(pointer_get(j, "/a/b/01"));
	ck_assert_ptr_null(pointer_get(j, "/a/b/-"));
	ck_assert_ptr_null(pointer_get(j, "/a/b/0/x"));
	ck_assert_ptr_null(pointer_get(j, "a"));
	ck_assert(pointer_valid("/a~0"));
	ck_assert(!pointer_valid("/a~2"));
	ck_assert(!pointer_valid("a"));
	ck_assert_int_eq(pointer_string(j, "/a/b/1/c", &s, &len, &cause), 0);
	ck_assert_uint_eq(len, 1);
	ck_assert_int_eq(pointer_string(j, "/a", &s, &len, &cause), -1);
	ck_assert_str_eq(cause, "/a is not a string");
	free(cause);
	json_decref(j);
}
END_TEST

/* The percent-encoding of URL fields as the test sees RFC 3986 (reference). */
static char *
escape_ref(const char *s, size_t n)
{
	char	*out = xmalloc(n * 3 + 1), *o = out;
	size_t	 i;
	u_char	 c;

	for (i = 0; i < n; i++) {
		c = s[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') ||
		    (c != '\0' && strchr("-._~", c) != NULL))
			*o++ = c;
		else
			o += sprintf(o, "%%%02X", c);
	}
	*o = '\0';
	return (out);
}

/* A URL field: every ASCII byte, NUL too, long values, dot-only values. */
START_TEST(test_template_escape)
{
	struct template	*t;
	json_t		*j;
	const char	*text;
	char		*s, *want, *v, *cause = NULL;
	size_t		 len, n, i;

	t = template_parse("{/v}", &cause);
	ck_assert_ptr_nonnull(t);
	/* Each of 0x00..0x7f, then é, then 200000 bytes of a mix. */
	n = 128 + 2 + 200000;
	v = xmalloc(n);
	for (i = 0; i < 128; i++)
		v[i] = i;
	memcpy(v + 128, "\xc3\xa9", 2);
	for (i = 130; i < n; i++)
		v[i] = "a./ %~-_Z9?"[(i - 130) % 11];
	j = json_pack("{s:s%}", "v", v, n);
	ck_assert_ptr_nonnull(j);
	s = template_expand(t, j, TEMPLATE_URL, &len, &cause);
	want = escape_ref(v, n);
	ck_assert_uint_eq(len, strlen(want));
	ck_assert(memcmp(s, want, len) == 0);
	ck_assert(strncmp(want, "%00%01%02", 9) == 0);
	ck_assert_ptr_nonnull(strstr(want, "%2C-.%2F0123456789%3A%3B%3C%3D%3E"
	    "%3F%40ABCDEFGHIJKLMNOPQRSTUVWXYZ%5B%5C%5D%5E_%60abcdefghijklmnopq"
	    "rstuvwxyz%7B%7C%7D~%7F%C3%A9a.%2F%20%25~-_Z9%3Fa."));
	free(s);
	free(want);
	json_decref(j);
	free(v);

	/* Only dots: "." and ".." would be dot segments. */
	j = json_loads("{\"v\":\"..\",\"w\":\".\",\"x\":\".a.\","
	    "\"e\":\"\"}", 0, NULL);
	template_free(t);
	t = template_parse("/{/v}/{/w}/{/x}/{/e}/", &cause);
	s = template_expand(t, j, TEMPLATE_URL, &len, &cause);
	ck_assert_str_eq(s, "/%2E%2E/%2E/.a.//");
	ck_assert_uint_eq(len, strlen(s));
	free(s);
	text = "{\"v\":\"..\",\"w\":\".\",\"x\":\".a.\",\"e\":\"\"}";
	s = template_expand_text(t, text, strlen(text), TEMPLATE_URL, &len,
	    &cause);
	ck_assert_str_eq(s, "/%2E%2E/%2E/.a.//");
	free(s);
	json_decref(j);
	template_free(t);
}
END_TEST

/*
 * Scalars from the raw text (integers, true, false, null written without a
 * jansson value) fill in as the tree's json_dumps writes them, in every
 * encoding, inside a JSON string and out.
 */
START_TEST(test_template_scalars)
{
	static const char	*vals[] = { "0", "-0", "42", "-7", "10", "-10",
	    "9223372036854775807", "-9223372036854775808",
	    "1.0", "1e5", "-2.5E-3", "true", "false",
	    "null", "\"s\"", "[1,true]", "{\"a\":null}" };
	static const char	*tpls[] = { "http://h/{/v}?x={/v}",
	    "{\"a\":{/v},\"b\":\"<{/v}>\"}" };
	enum template_encoding	 encs[] = { TEMPLATE_URL, TEMPLATE_JSON,
	    TEMPLATE_RAW };
	struct validate_members	*top;
	struct template		*t;
	json_t			*j;
	char			*text, *a, *b, *cause = NULL, why[128];
	size_t			 la, lb;
	u_int			 i, k, e;

	top = xmalloc(sizeof *top);
	for (i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		xasprintf(&text, "{\"w\":1,\"v\":%s}", vals[i]);
		j = json_loads(text, JSON_DECODE_ANY, NULL);
		ck_assert_ptr_nonnull(j);
		for (k = 0; k < 2; k++) {
			t = template_parse(tpls[k], &cause);
			ck_assert_ptr_nonnull(t);
			for (e = 0; e < 3; e++) {
				a = template_expand(t, j, encs[e], &la, &cause);
				b = template_expand_text(t, text, strlen(text),
				    encs[e], &lb, &cause);
				ck_assert_ptr_nonnull(a);
				ck_assert_ptr_nonnull(b);
				ck_assert_msg(strcmp(a, b) == 0 && la == lb,
				    "%s: tree %s, text %s", vals[i], a, b);
				free(b);
				ck_assert_int_ne(validate_tweet(text,
				    strlen(text), top, why, sizeof why), -1);
				b = template_expand_members(t, text,
				    strlen(text), top->m, top->n, encs[e], &lb,
				    &cause);
				ck_assert_ptr_nonnull(b);
				ck_assert_msg(strcmp(a, b) == 0 && la == lb,
				    "%s: tree %s, members %s", vals[i], a, b);
				free(a);
				free(b);
			}
			template_free(t);
		}
		json_decref(j);
		free(text);
	}
	free(top);
}
END_TEST

/*
 * Fields found through the checker's members fill in as a scan of the whole
 * text finds them: the last of a repeated name, escaped names, nested and
 * indexed pointers, missing fields (the same error).
 */
START_TEST(test_template_members)
{
	static const char	*texts[] = {
	    "{\"a\":1,\"b\":{\"c\":[10,\"x y\"]},\"a\":-9223372036854775808}",
	    "{\"\\u0061\":\"esc\",\"m~n\":2,\"p/q\":3,\"\":\"empty\"}",
	    "{\"b\":{\"c\":\"not an array\"},\"z\":null,\"a\":-0}",
	    "{}" };
	static const char	*tpls[] = { "http://h/{/a}", "http://h/{/b/c/1}",
	    "{\"v\":{/b}}", "x{/m~0n}{/p~1q}", "x{/}", "x{/z}{/b/c}" };
	enum template_encoding	 encs[] = { TEMPLATE_URL, TEMPLATE_JSON,
	    TEMPLATE_RAW };
	struct validate_members	*top;
	struct template		*t;
	char			*a, *b, *ca, *cb, why[128];
	size_t			 la, lb;
	u_int			 i, k, e;

	top = xmalloc(sizeof *top);
	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		ck_assert_int_ne(validate_tweet(texts[i], strlen(texts[i]),
		    top, why, sizeof why), -1);
		for (k = 0; k < sizeof tpls / sizeof tpls[0]; k++) {
			t = template_parse(tpls[k], &ca);
			ck_assert_ptr_nonnull(t);
			for (e = 0; e < 3; e++) {
				ca = cb = NULL;
				la = lb = 0;
				a = template_expand_text(t, texts[i],
				    strlen(texts[i]), encs[e], &la, &ca);
				b = template_expand_members(t, texts[i],
				    strlen(texts[i]), top->m, top->n, encs[e],
				    &lb, &cb);
				ck_assert_msg((a == NULL) == (b == NULL),
				    "%s %s: %s / %s", texts[i], tpls[k],
				    a ? a : ca, b ? b : cb);
				if (a != NULL)
					ck_assert_msg(la == lb &&
					    memcmp(a, b, la) == 0, "%s %s: "
					    "%s / %s", texts[i], tpls[k], a, b);
				else
					ck_assert_str_eq(ca, cb);
				free(a);
				free(b);
				free(ca);
				free(cb);
			}
			template_free(t);
		}
	}
	free(top);
}
END_TEST

/*
 * Percent-encoding, one byte at a time and in runs that need none: what
 * curl_easy_escape makes, whichever way the template takes.
 */
START_TEST(test_template_escape_bytes)
{
	static const char	*runs[] = { "0", "-12", "abcXYZ09-._~", "a b",
	    "~~", "%41" };
	struct template		*t;
	json_t			*j;
	char			*s, *want, *cause = NULL, c[4];
	size_t			 len;
	u_int			 i;

	t = template_parse("{/v}", &cause);
	ck_assert_ptr_nonnull(t);
	for (i = 1; i < 128 + sizeof runs / sizeof runs[0]; i++) {
		if (i < 128) {
			c[0] = i;
			c[1] = '\0';
		} else
			snprintf(c, sizeof c, "%s", "");
		j = json_pack("{ss}", "v", i < 128 ? c : runs[i - 128]);
		ck_assert_ptr_nonnull(j);
		s = template_expand(t, j, TEMPLATE_URL, &len, &cause);
		want = curl_easy_escape(NULL, i < 128 ? c : runs[i - 128], 0);
		if (strcmp(want, ".") == 0)
			ck_assert_str_eq(s, "%2E");	/* a dot segment */
		else
			ck_assert_str_eq(s, want);
		curl_free(want);
		free(s);
		json_decref(j);
	}
	template_free(t);
}
END_TEST

START_TEST(test_template)
{
	struct template	*t;
	json_t		*j, *empty;
	char		*s, *cause = NULL;
	size_t		 len;

	j = json_loads("{\"u\":\"a b/é?&#\",\"n\":5,\"q\":\"say \\\"hi\\\"\\n\"}",
	    0, NULL);
	t = template_parse("http://h/x?q={/u}&n={/n}", &cause);
	ck_assert_ptr_nonnull(t);
	ck_assert(!template_is_constant(t));
	s = template_expand(t, j, TEMPLATE_URL, &len, &cause);
	ck_assert_str_eq(s, "http://h/x?q=a%20b%2F%C3%A9%3F%26%23&n=5");
	ck_assert_uint_eq(len, strlen(s));
	free(s);
	template_free(t);

	t = template_parse("{\"text\":\"{/q}\",\"n\":{/n}}", &cause);
	s = template_expand(t, j, TEMPLATE_JSON, NULL, &cause);
	ck_assert_str_eq(s, "{\"text\":\"say \\\"hi\\\"\\u000a\",\"n\":5}");
	free(s);
	empty = json_object();
	ck_assert_ptr_null(template_expand(t, empty, TEMPLATE_JSON, NULL,
	    &cause));
	json_decref(empty);
	ck_assert_str_eq(cause, "no field /q");
	free(cause);
	template_free(t);

	t = template_parse("plain {text}", &cause);
	ck_assert(template_is_constant(t));
	template_free(t);
	ck_assert_ptr_null(template_parse("x{/a", &cause));
	free(cause);
	ck_assert_ptr_null(template_parse("x{/a~9}", &cause));
	free(cause);
	json_decref(j);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("spec");
	TCase	*tc = tcase_create("spec");

	tcase_add_test(tc, test_spec_plain);
	tcase_add_test(tc, test_spec_keys);
	tcase_add_test(tc, test_spec_bad);
	tcase_add_test(tc, test_spec_number);
	tcase_add_test(tc, test_spec_json);
	tcase_add_test(tc, test_config);
	tcase_add_test(tc, test_pointer);
	tcase_add_test(tc, test_template);
	tcase_add_test(tc, test_template_escape);
	tcase_add_test(tc, test_template_scalars);
	tcase_add_test(tc, test_template_members);
	tcase_add_test(tc, test_template_escape_bytes);
	suite_add_tcase(s, tc);
	return (run_suite(s));
}
