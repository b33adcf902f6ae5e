/*
 * Unit tests for ${NAME} secrets (src/lib/secret.c): expansion, and masking
 * in every encoding a server may echo a secret in, before any cut.
 */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "run.h"

/* Expand s (which must work) and forget the result. */
static void
expand(const char *s)
{
	char	*out, *cause = NULL;

	ck_assert_msg(secret_expand(s, &out, &cause) == 0, "%s", cause);
	free(out);
}

/* Is s masked to want? */
static void
masks(const char *s, const char *want)
{
	char	*got = secret_mask(s);

	ck_assert_msg(strcmp(got, want) == 0, "\"%s\" gave \"%s\"", s, got);
	free(got);
}

START_TEST(test_expand)
{
	char	*out, *cause = NULL;

	setenv("TE_T_A", "va/l ue", 1);
	ck_assert_int_eq(secret_expand("x=${TE_T_A};$${TE_T_A}", &out,
	    &cause), 0);
	ck_assert_str_eq(out, "x=va/l ue;${TE_T_A}");
	free(out);
	unsetenv("TE_T_UNSET");
	ck_assert_int_eq(secret_expand("${TE_T_UNSET}", &out, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "TE_T_UNSET is not set"));
	free(cause);
	ck_assert_int_eq(secret_expand("${1X}", &out, &cause), -1);
	free(cause);
	secret_free();
}
END_TEST

START_TEST(test_reference)
{
	char	*name;

	ck_assert_ptr_null(secret_reference("sh w.sh $HOME"));
	ck_assert_ptr_null(secret_reference("sh -c 'echo $${TOKEN}'"));
	ck_assert_ptr_null(secret_reference("${} ${1"));
	name = secret_reference("sh w6.sh $${X} ${MY_TOKEN} ${B}");
	ck_assert_str_eq(name, "MY_TOKEN");
	free(name);
}
END_TEST

/* Every encoding of a secret, and any mix of them, is masked. */
START_TEST(test_mask_encodings)
{
	setenv("TE_T_TOK", "s3/cr+t \xc3\xa9\xf0\x9f\x94\x91\"&%", 1);
	expand("${TE_T_TOK}");
	ck_assert(secret_any());
	/* As is, and in the middle of other text. */
	masks("a s3/cr+t \xc3\xa9\xf0\x9f\x94\x91\"&% b", "a *** b");
	/* Percent-encoded, upper and lower case hex, '+' for space. */
	masks("k=s3%2Fcr%2Bt%20%C3%A9%F0%9F%94%91%22%26%25&x",
	    "k=***&x");
	masks("k=s3%2fcr%2bt+%c3%a9%f0%9f%94%91%22%26%25", "k=***");
	/* JSON: "\/", "\u00e9" (either case), surrogate pairs. */
	masks("{\"t\":\"s3\\/cr+t \\u00e9\\ud83d\\udd11\\\"&%\"}",
	    "{\"t\":\"***\"}");
	masks("\"s3\\/cr+t \\u00E9\\uD83D\\uDD11\\u0022\\u0026\\u0025\"",
	    "\"***\"");
	/* JavaScript's "\x2f", HTML character references. */
	masks("s3\\x2fcr+t \xc3\xa9\xf0\x9f\x94\x91\\x22&%",
	    "***");
	masks("<p>s3&#x2F;cr&#43;t&#32;&#xe9;&#128273;&quot;&amp;%</p>",
	    "<p>***</p>");
	/* A mix: half percent-encoded, half escaped. */
	masks("s3%2Fcr+t \\u00e9%F0%9F%94%91\\\"&amp;%25.", "***.");
	/* Not the secret: one byte off, or cut short. */
	masks("s3/cr+t \xc3\xa9\xf0\x9f\x94\x91\"&", "s3/cr+t "
	    "\xc3\xa9\xf0\x9f\x94\x91\"&");
	masks("s3%2Fcr%2Bt%20%C3%A9%F0%9F%94%92", "s3%2Fcr%2Bt%20%C3%A9"
	    "%F0%9F%94%92");
	ck_assert(secret_in("x s3%2fcr%2bt+%c3%a9%f0%9f%94%91%22%26%25"));
	ck_assert(!secret_in("s3/cr+t"));
	secret_free();
	ck_assert(!secret_any());
}
END_TEST

/* A secret that holds escape characters itself ("%25", "\\"). */
START_TEST(test_mask_literal_escapes)
{
	setenv("TE_T_PCT", "ab%25cd\\\\ef&amp;", 1);
	expand("${TE_T_PCT}");
	masks("[ab%25cd\\\\ef&amp;]", "[***]");
	masks("[ab%2525cd%5C%5Cef%26amp%3B]", "[***]");
	masks("[ab%25cd\\\\\\\\ef&amp;amp;]", "[***]");
	secret_free();
}
END_TEST

/* Masked first, cut after: no cut leaves a piece of a secret. */
START_TEST(test_mask_cut)
{
	char	 text[400], out[200], tok[113];
	size_t	 i, pad, whole;

	for (i = 0; i < 112; i++)
		tok[i] = 'A' + (i * 7) % 26;
	tok[112] = '\0';
	setenv("TE_T_LONG", tok, 1);
	expand("${TE_T_LONG}");
	ck_assert_uint_ge(secret_span(), 112);
	for (pad = 0; pad < 210; pad++) {
		memset(text, 'x', pad);
		memcpy(text + pad, tok, 112);
		whole = secret_mask_cut(text, pad + 112, out, sizeof out);
		ck_assert_uint_eq(whole, pad + 3);
		ck_assert_uint_eq(strlen(out), whole < sizeof out ? whole :
		    sizeof out - 1);
		ck_assert_ptr_null(strstr(out, "ACEGIK"));
		ck_assert_ptr_null(strchr(out, 'A'));
	}
	/* NUL bytes in the text stay; the secret after them goes. */
	memcpy(text, "a\0b", 3);
	memcpy(text + 3, tok, 112);
	whole = secret_mask_cut(text, 115, out, sizeof out);
	ck_assert_uint_eq(whole, 6);
	ck_assert(memcmp(out, "a\0b***", 7) == 0);
	secret_free();
}
END_TEST

static Suite *
secret_suite(void)
{
	Suite	*s = suite_create("secret");
	TCase	*tc;

	tc = tcase_create("secret");
	tcase_add_test(tc, test_expand);
	tcase_add_test(tc, test_reference);
	tcase_add_test(tc, test_mask_encodings);
	tcase_add_test(tc, test_mask_literal_escapes);
	tcase_add_test(tc, test_mask_cut);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (run_suite(secret_suite()));
}
