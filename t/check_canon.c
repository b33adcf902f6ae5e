/*
 * Unit tests for canon.c: a text json_canonical() accepts must be exactly
 * what jansson writes for the value it reads as (the writer splices such a
 * response's text in where it would have dumped its tree), on hand-written
 * cases and on generated texts; and the usual compact answers must be
 * accepted, or the splice would never happen.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "json/json.h"
#include "run.h"

/* Is the text what jansson writes for what it reads? */
static int
round_trips(const char *text, size_t len)
{
	json_t	*j;
	char	*s;
	int	 same;

	j = json_loadb(text, len, JSON_DECODE_ANY|JSON_ALLOW_NUL, NULL);
	if (j == NULL)
		return (0);
	s = json_dumps(j, JSON_COMPACT|JSON_ENCODE_ANY);
	json_decref(j);
	ck_assert_ptr_nonnull(s);
	same = strlen(s) == len && memcmp(s, text, len) == 0;
	free(s);
	return (same);
}

/* json_canonical(text) must be want, and a yes must round-trip. */
static void
expect(const char *text, size_t len, int want)
{
	int	got = json_canonical(text, len);

	ck_assert_msg(got == want, "%d, not %d, for %.*s", got, want,
	    (int)len, text);
	if (got)
		ck_assert_msg(round_trips(text, len),
		    "accepted but jansson writes it otherwise: %.*s",
		    (int)len, text);
}
#define YES(s) expect(s, sizeof s - 1, 1)
#define NO(s) expect(s, sizeof s - 1, 0)

START_TEST(test_accepted)
{
	YES("{\"status\":200}");
	YES("{\"ok\":true}");
	YES("{}");
	YES("[]");
	YES("[1,-2,0,\"a\",null,false,true,{},[]]");
	YES("{\"a\":{\"b\":[{\"c\":\"d\"}]},\"e\":-123456789012345678}");
	YES("\"text\"");
	YES("0");
	YES("null");
	YES("\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \x7f\"");
	YES("\"\\\" \\\\ \\b \\f \\n \\r \\t \\u0000 \\u001F \\u0001\"");
	YES("{\"a\":\"\\n\",\"ab\":1,\"b\":2}");
}
END_TEST

START_TEST(test_refused)
{
	/* Not JSON at all, or not all of it. */
	NO("");
	NO("{");
	NO("{\"a\":1}x");
	NO("{\"a\":1}{}");
	NO("nul");
	NO("truex");
	NO("\"abc");
	NO("{\"a\"}");
	NO("{\"a\":1,}");
	NO("[1,]");
	NO("{1:2}");
	/* Whitespace, which the compact writer leaves out. */
	NO(" {}");
	NO("{} ");
	NO("{\"a\": 1}");
	NO("[1, 2]");
	NO("{}\n");
	/* Numbers written otherwise: -0, leading zeros, reals, too long. */
	NO("-0");
	NO("01");
	NO("1.0");
	NO("1.5");
	NO("1e2");
	NO("1E2");
	NO("-");
	NO("1234567890123456789");
	NO("99999999999999999999");
	/* Escapes jansson does not write, or writes otherwise. */
	NO("\"\\/\"");
	NO("\"\\u00e9\"");
	NO("\"\\u001f\"");
	NO("\"\\u000A\"");
	NO("\"\\u0009\"");
	NO("\"\\u0020\"");
	NO("\"\\ud83d\\ude00\"");
	NO("\"\\x\"");
	/* Raw control characters, bad UTF-8. */
	NO("\"a\tb\"");
	NO("\"\xc3\"");
	NO("\"\xc0\xaf\"");
	NO("\"\xe0\x80\xaf\"");
	NO("\"\xed\xa0\x80\"");
	NO("\"\xf4\x90\x80\x80\"");
	NO("\"\xff\"");
	/* A key twice (jansson keeps the first place, the last value), a
	 * key with an escape. */
	NO("{\"a\":1,\"b\":2,\"a\":3}");
	NO("{\"a\\n\":1}");
	/* Raw NUL bytes. */
	expect("\"a\0b\"", 5, 0);
	expect("{}\0", 3, 0);
}
END_TEST

START_TEST(test_limits)
{
	char	buf[4096];
	size_t	len = 0;
	int	i;

	/* Deep nesting is left to the parser. */
	for (i = 0; i < 40; i++)
		buf[len++] = '[';
	for (i = 0; i < 40; i++)
		buf[len++] = ']';
	expect(buf, len, 0);
	len = 0;
	for (i = 0; i < 8; i++)
		buf[len++] = '[';
	for (i = 0; i < 8; i++)
		buf[len++] = ']';
	expect(buf, len, 1);

	/* So is an object of many members. */
	len = 0;
	buf[len++] = '{';
	for (i = 0; i < 100; i++)
		len += snprintf(buf + len, sizeof buf - len, "%s\"k%d\":%d",
		    i > 0 ? "," : "", i, i);
	buf[len++] = '}';
	expect(buf, len, 0);
	len = 0;
	buf[len++] = '{';
	for (i = 0; i < 20; i++)
		len += snprintf(buf + len, sizeof buf - len, "%s\"k%d\":%d",
		    i > 0 ? "," : "", i, i);
	buf[len++] = '}';
	expect(buf, len, 1);
}
END_TEST

/*
 * Generated texts, from pieces of JSON and of things near it: whatever is
 * accepted must round-trip (the converse is allowed to fail: a refusal
 * only costs a parse).
 */
START_TEST(test_generated)
{
	static const char *const piece[] = {
		"{", "}", "[", "]", ",", ":", "\"", "\"a\"", "\"b\"", "\\",
		"\\u", "00", "1F", "1f", "0A", "e9", "\\n", "\\/", "0", "1",
		"-", ".", "5", "e", "E", "+", "true", "false", "null", " ",
		"\t", "\xc3\xa9", "\xc3", "\xed\xa0\x80", "\xf0\x9f\x98\x80",
		"\x01", "12345678901234567", "9", "x", "\"a\":", "\"a\":1",
	};
	const u_int	npiece = sizeof piece / sizeof piece[0];
	char		buf[256];
	size_t		len, n;
	u_int		i, k, pieces, accepted = 0;

	srandom(19);
	for (i = 0; i < 400000; i++) {
		len = 0;
		pieces = 1 + random() % 10;
		for (k = 0; k < pieces; k++) {
			const char *pc = piece[random() % npiece];

			n = strlen(pc);
			memcpy(buf + len, pc, n);
			len += n;
		}
		if (json_canonical(buf, len)) {
			accepted++;
			ck_assert_msg(round_trips(buf, len),
			    "accepted but jansson writes it otherwise: %.*s",
			    (int)len, buf);
		}
	}
	ck_assert_uint_gt(accepted, 1000);
}
END_TEST

/* Trees jansson writes, of the kinds kept: every one is accepted. */
START_TEST(test_dumped)
{
	json_t	*j, *a;
	char	*s, key[16];
	u_int	 i, k;

	srandom(7);
	for (i = 0; i < 2000; i++) {
		j = json_object();
		a = json_array();
		for (k = 0; k < i % 30; k++) {
			snprintf(key, sizeof key, "k%ld", random() % 1000);
			json_object_set_new(j, key, json_integer(random() -
			    RAND_MAX / 2));
			json_array_append_new(a, json_stringn("\n\"\x01\\\0",
			    random() % 6));
		}
		json_object_set_new(j, "list", a);
		json_object_set_new(j, "t", json_string("caf\xc3\xa9"));
		s = json_dumps(j, JSON_COMPACT|JSON_ENCODE_ANY);
		expect(s, strlen(s), 1);
		free(s);
		json_decref(j);
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("canon");
	TCase	*tc = tcase_create("canon");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_accepted);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_generated);
	tcase_add_test(tc, test_dumped);
	suite_add_tcase(s, tc);
	return (run_suite(s));
}
