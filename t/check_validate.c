/*
 * Unit tests for the pass-through JSON checker: it must accept exactly the
 * lines that the parsing path (tweet_parse, jansson) takes as objects, and
 * report reserved keys.
 */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tweet-enricher.h"
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
	int	v = validate_tweet(s, len, why, sizeof why);

	ck_assert_msg((v != -1) == jansson_object(s, len),
	    "validator %s, jansson %s: %.*s", v != -1 ? "accepts" : "rejects",
	    v != -1 ? "rejects" : "accepts", (int)len, s);
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

START_TEST(test_flags)
{
	char	why[256];

	ck_assert_int_eq(validate_tweet("{ }", 3, why, sizeof why),
	    VALIDATE_EMPTY);
	ck_assert_int_eq(validate_tweet("{\"a\":{}}", 8, why, sizeof why), 0);
	ck_assert_int_eq(validate_tweet("{\"enrichments\":1}", 17, why,
	    sizeof why), VALIDATE_RESERVED);
	ck_assert_int_eq(validate_tweet("{\"x\":{\"enrichments\":1}}", 23, why,
	    sizeof why), 0);
	ck_assert_int_eq(validate_tweet("{\"enrichment_errors\":1}", 23, why,
	    sizeof why), VALIDATE_RESERVED);
	ck_assert_int_eq(validate_tweet("[1]", 3, why, sizeof why), -1);
	ck_assert_str_eq(why, "not a JSON object");
	ck_assert_int_eq(validate_tweet("{\"a\":x}", 7, why, sizeof why), -1);
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
	tcase_add_test(tc, test_flags);
	tcase_add_test(tc, test_mutations);
	suite_add_tcase(s, tc);
	return (run_suite(s));
}
