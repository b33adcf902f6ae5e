/*
 * Unit tests for the pass-through JSON checker: it must accept exactly the
 * lines that the parsing path (tweet_parse, jansson) takes as objects, and
 * report reserved keys.
 */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "json/json.h"
#include "tweet/tweet.h"
#include "run.h"

/* Does the parsing path (jansson) take this line as a tweet? */
static int
jansson_object(const char *s, size_t len)
{
	json_t	*j;
	char	 why[256];

	if ((j = tweet_parse(s, len, why, sizeof why)) == NULL)
		return (0);
	json_decref(j);
	return (1);
}

static void
agree(const char *s, size_t len)
{
	char	why[256];
	int	v = validate_tweet(s, len, NULL, why, sizeof why);

	ck_assert_msg((v != -1) == jansson_object(s, len),
	    "validator %s, jansson %s: %.*s", v != -1 ? "accepts" : "rejects",
	    v != -1 ? "rejects" : "accepts", (int)(len > 200 ? 200 : len), s);
}

static const char *cases[] = {
	"{}", " { } ", "{\"a\":1}", "{\"a\":-0}", "{\"a\":01}", "{\"a\":1.}",
	"{\"a\":.5}", "{\"a\":1e5}", "{\"a\":1E+5}", "{\"a\":1e}", "{\"a\":-}",
	"{\"a\":9223372036854775807}", "{\"a\":9223372036854775808}",
	"{\"a\":-9223372036854775808}", "{\"a\":-9223372036854775809}",
	"{\"a\":12345678901234567890123}", "{\"a\":1e999}", "{\"a\":1e-999}",
	"{\"a\":\"\\u00e9\\ud83d\\ude00\"}", "{\"a\":\"\\ud83d\"}",
	"{\"a\":\"\\ude00\"}", "{\"a\":\"\\ud83dx\"}", "{\"a\":\"\\u0000\"}",
	"{\"a\":\"\\x\"}", "{\"a\":\"\t\"}", "{\"a\":\"\xc3\xa9\"}",
	"{\"a\":\"\xc3\"}", "{\"a\":\"\xe0\x80\x80\"}", "{\"a\":\"\xed\xa0\x80\"}",
	"{\"a\":\"\xf4\x90\x80\x80\"}", "{\"a\":\"\xf0\x9f\x98\x80\"}",
	"{\"a\":\"\xc0\xaf\"}", "{\"a\":\"\xff\"}", "{\"a\":[1,2,[]]}",
	"{\"a\":[1,]}", "{\"a\":[,1]}", "{\"a\":{\"b\":null,\"c\":true}}",
	"{\"a\":tru}", "{\"a\":nul}", "{\"a\":false}", "{\"a\":1,}", "{,}",
	"{\"a\" 1}", "{\"a\":1}x", "{\"a\":1}}", "[1]", "\"s\"", "1", "null",
	"", "   ", "{", "{\"a", "{\"a\":\"b", "{\"a\":1 \"b\":2}", "{1:2}",
	"{\"a\":1,\"a\":2}", "{\"\\u0065nrichments\":1}",
	"{\"a\":\"\\/\\b\\f\\n\\r\\t\\\"\\\\\"}", "{\"a\":\"\\U0041\"}",
	/* jansson refuses \u0000 in a key, even with JSON_ALLOW_NUL. */
	"{\"a\\u0000\":1}", "{\"\\u0000\":\"\\u0000\"}", "{\"x\":{\"\\u0000\":1}}",
	"{\"a\":[{\"b\\u0000c\":null}]}", "{\"\\u0001\":1}",
};

START_TEST(test_cases)
{
	u_int	i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		agree(cases[i], strlen(cases[i]));
	agree("{\"a\":\"x\0y\"}", 11);
	agree("{\"a\":1}\0", 8);
	/* Found by fuzz_validate: jansson alone reads past raw NUL bytes. */
	agree("{\"b\":[1,true\0,null]}", 21);
}
END_TEST

START_TEST(test_depth)
{
	char	*s = malloc(2 * 3000 + 16);
	size_t	 n;
	int	 depth;

	for (depth = 2045; depth <= 2050; depth++) {
		n = 0;
		s[n++] = '{';
		memcpy(s + n, "\"a\":", 4);
		n += 4;
		memset(s + n, '[', depth - 1);
		n += depth - 1;
		memset(s + n, ']', depth - 1);
		n += depth - 1;
		s[n++] = '}';
		agree(s, n);
	}
	free(s);
}
END_TEST

/* Nesting of open, then inner, then the closers of open, n times. */
static void
agree_nested(const char *open, const char *inner, u_int n)
{
	size_t	 ol = strlen(open), il = strlen(inner), len = 0, i, k;
	char	*s = malloc(n * 2 * ol + il + 1);

	ck_assert_ptr_nonnull(s);
	for (k = 0; k < n; k++) {
		memcpy(s + len, open, ol);
		len += ol;
	}
	memcpy(s + len, inner, il);
	len += il;
	for (k = 0; k < n; k++) {
		for (i = ol; i > 0; i--) {
			if (open[i - 1] == '{')
				s[len++] = '}';
			else if (open[i - 1] == '[')
				s[len++] = ']';
		}
	}
	agree(s, len);
	free(s);
}

/*
 * jansson counts every value as a level, a scalar too: 2048 objects with a
 * scalar innermost are one level too deep, with {} innermost they are not.
 */
START_TEST(test_depth_scalar_innermost)
{
	const char	*inner[] = { "1", "\"s\"", "true", "null", "-1.5e3", "{}",
			    "[]", "[1]", "{\"b\":2}" };
	u_int		 n, i;

	for (n = 2044; n <= 2050; n++) {
		for (i = 0; i < sizeof inner / sizeof inner[0]; i++) {
			agree_nested("{\"a\":", inner[i], n);
			agree_nested("{\"a\":[", inner[i], n / 2);
			agree_nested("{\"a\":[0,", inner[i], n / 2);
		}
	}
}
END_TEST

/* Reals of any length: strtod decides, as in jansson, past 63 characters. */
START_TEST(test_long_reals)
{
	char	*s = malloc(5000), *p;
	u_int	 zeros, form;

	ck_assert_ptr_nonnull(s);
	for (zeros = 55; zeros <= 420; zeros += 13) {
		for (form = 0; form < 6; form++) {
			p = s + sprintf(s, "{\"a\":%s", form % 2 ? "-" : "");
			switch (form / 2) {
			case 0:		/* 1000...0.5: overflows past 308 */
				*p++ = '1';
				memset(p, '0', zeros);
				p += zeros;
				p += sprintf(p, ".5");
				break;
			case 1:		/* 0.000...1e300: never */
				p += sprintf(p, "0.");
				memset(p, '0', zeros);
				p += zeros;
				p += sprintf(p, "1e300");
				break;
			case 2:		/* 1.000...0e308 + digits */
				p += sprintf(p, "1.");
				memset(p, '0', zeros);
				p += zeros;
				p += sprintf(p, "9e%u", 250 + zeros / 5);
				break;
			}
			*p++ = '}';
			agree(s, p - s);
		}
	}
	/* Just either side of DBL_MAX, in a long spelling. */
	p = s + sprintf(s, "{\"a\":1.797693134862315708145274237317043567980"
	    "7056752584499659891747680315726078002853876058955863276687817154"
	    "0458953514382464234321326889464182768467546703537516986049910576"
	    "551282076245490090389328944075868508455133942304583236903222948"
	    "1658085593321233482747978262041447231687381771809192998812504040"
	    "26184124858368e308}");
	agree(s, p - s);
	p = s + sprintf(s, "{\"a\":1.797693134862315807937289714053034150799"
	    "3413271003782693617377898044396184924e308}");
	agree(s, p - s);
	free(s);
}
END_TEST

START_TEST(test_flags)
{
	char	why[256];

	ck_assert_int_eq(validate_tweet("{ }", 3, NULL, why, sizeof why),
	    VALIDATE_EMPTY);
	ck_assert_int_eq(validate_tweet("{\"a\":{}}", 8, NULL, why,
	    sizeof why), 0);
	ck_assert_int_eq(validate_tweet("{\"enrichments\":1}", 17, NULL, why,
	    sizeof why), VALIDATE_RESERVED);
	ck_assert_int_eq(validate_tweet("{\"x\":{\"enrichments\":1}}", 23,
	    NULL, why, sizeof why), 0);
	ck_assert_int_eq(validate_tweet("{\"enrichment_errors\":1}", 23,
	    NULL, why, sizeof why), VALIDATE_RESERVED);
	ck_assert_int_eq(validate_tweet("[1]", 3, NULL, why, sizeof why), -1);
	ck_assert_str_eq(why, "not a JSON object");
	ck_assert_int_eq(validate_tweet("{\"a\":x}", 7, NULL, why,
	    sizeof why), -1);
	ck_assert_str_eq(why, "invalid JSON: invalid token (column 6)");
}
END_TEST

START_TEST(test_mutations)
{
	const char	*seed = "{\"id\":\"tag:1\",\"n\":-12.5e3,\"t\":true,"
	    "\"b\":\"caf\xc3\xa9 \\u00e9 \\ud83d\\ude00 \\\"q\\\"\",\"a\":[1,"
	    "{\"x\":null},[]],\"o\":{}}";
	const char	 alphabet[] = "{}[]\",:\\u0123456789abcdefeE+-.tnl "
	    "\x80\xbf\xc3\xe0\xed\xf0\xf4\xff";
	char		 buf[256];
	size_t		 len = strlen(seed), n, i;
	u_int		 k, edits;

	srandom(12345);
	agree(seed, len);
	for (k = 0; k < 200000; k++) {
		memcpy(buf, seed, len);
		n = len;
		edits = 1 + random() % 3;
		while (edits-- > 0) {
			i = random() % n;
			switch (random() % 3) {
			case 0:	/* replace */
				buf[i] = alphabet[random() %
				    (sizeof alphabet - 1)];
				break;
			case 1:	/* delete */
				memmove(buf + i, buf + i + 1, n - i - 1);
				n--;
				break;
			case 2:	/* insert */
				if (n + 1 >= sizeof buf)
					break;
				memmove(buf + i + 1, buf + i, n - i);
				buf[i] = alphabet[random() %
				    (sizeof alphabet - 1)];
				n++;
				break;
			}
		}
		agree(buf, n);
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("validate");
	TCase	*tc = tcase_create("validate");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_cases);
	tcase_add_test(tc, test_depth);
	tcase_add_test(tc, test_depth_scalar_innermost);
	tcase_add_test(tc, test_long_reals);
	tcase_add_test(tc, test_flags);
	tcase_add_test(tc, test_mutations);
	suite_add_tcase(s, tc);
	return (run_suite(s));
}
