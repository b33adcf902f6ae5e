/*
 * ${NAME} secrets (src/lib/secret.c): unit tests of expansion and of
 * masking in every encoding a server may echo a secret in, before any cut;
 * and whole-program tests against the test server: where secrets go, and
 * that nothing of them shows in what we write.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

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

START_TEST(test_secrets)
{
	struct proc	 p;
	json_t		*log, *j, *r;
	char		*spec, *conf, *path;

	setenv("TE_T_SECRET", "s3cr3t-v4lue", 1);
	/* Expanded in a spec value, sent, and masked in what we say. */
	spec = fmt("http:url=%s,header=Authorization: Bearer ${TE_T_SECRET},"
	    "header=X-Test: $${TE_T_SECRET}", srv("/reflect/403?key="
	    "${TE_T_SECRET}&x=1"));
	te_run(&p, "{\"id\":1}\n", "-e", spec, "--stats", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	log = server_log(server_port);
	ck_assert_uint_eq(json_array_size(log), 1);
	r = json_array_get(log, 0);
	ck_assert_str_eq(json_string_value(json_object_get(r,
	    "authorization")), "Bearer s3cr3t-v4lue");
	ck_assert_str_eq(json_string_value(json_object_get(r, "uri")),
	    "/reflect/403?key=s3cr3t-v4lue&x=1");
	ck_assert_str_eq(json_string_value(json_object_get(r, "x_test")),
	    "${TE_T_SECRET}");
	json_decref(log);
	j = line_of(&p, 0);
	/* The server echoed both: the error excerpt shows neither. */
	ck_assert_str_eq(err(j, "http"), "HTTP 403: uri=/reflect/403?key="
	    "***&x=1 auth=Bearer ***");
	json_decref(j);
	ck_assert_ptr_null(strstr(p.obuf, "s3cr3t"));
	ck_assert_ptr_null(strstr(p.ebuf, "s3cr3t"));
	proc_free(&p);
	free(spec);

	/* An unset variable: exit 2 naming it, wherever it is. */
	unsetenv("TE_T_UNSET");
	te_run(&p, "{}\n", "-e", "http:url=http://x.invalid/${TE_T_UNSET}",
	    NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "TE_T_UNSET is not set"));
	proc_free(&p);
	te_run(&p, "{}\n", "-e", "test", "--header", "X-A: ${TE_T_UNSET}",
	    NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "TE_T_UNSET is not set"));
	proc_free(&p);

	/* In a config file: option strings and enrichment members. */
	conf = fmt("{\"header\": \"X-Test: ${TE_T_SECRET}\", \"enrich\": "
	    "[{\"name\": \"http\", \"url\": \"%s?k=${TE_T_SECRET}\"}]}",
	    srv("/status/500"));
	path = tmpfile_with(conf, strlen(conf));
	te_run(&p, "{\"id\":1}\n", "-c", path, "--retries", "0", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	log = server_log(server_port);
	r = json_array_get(log, 1);
	ck_assert_str_eq(json_string_value(json_object_get(r, "x_test")),
	    "s3cr3t-v4lue");
	ck_assert_str_eq(json_string_value(json_object_get(r, "uri")),
	    "/status/500?k=s3cr3t-v4lue");
	json_decref(log);
	proc_free(&p);
	unlink(path);
	free(path);
	free(conf);
}
END_TEST

/* Does any piece of at least 6 bytes of secret show in s? */
static int
shows_part(const char *s, size_t len, const char *secret)
{
	size_t	i, n = strlen(secret);

	for (i = 0; i + 6 <= n; i++) {
		if (memmem(s, len, secret + i, 6) != NULL)
			return (1);
	}
	return (0);
}

/*
 * A server that echoes the token in its error body: the excerpt in
 * enrichment_errors (stdout and --errors) is masked before it is cut, and
 * in every encoding a server plausibly uses (issue 18, item 15).
 */
START_TEST(test_secrets_echoed)
{
	static const struct {
		const char	*token;
		const char	*path;		/* /showauth/401/PAD/ENC */
		const char	*want;		/* the error after the padding */
	} cases[] = {
		/* Longer than the excerpt, at its start: 186 bytes showed. */
		{ NULL, "0/raw", " auth=Bearer ***" },
		/* 112 bytes after 183: its first 13 showed. */
		{ NULL, "170/raw", " auth=Bearer ***" },
		/* JSON as PHP writes it: "\/" for '/', "\u00e9" for 'é'. */
		{ "s3/cr\"t-t\xc3\xb6k\xc3\xa9n/\xf0\x9f\x94\x91-end", "20/php",
		    " auth=Bearer ***" },
		/* A form: '+' for a space, %2F, %2B. */
		{ "s3cr3t with spaces/and+plus", "20/form",
		    " auth=Bearer+***" },
		/* Non-ASCII bytes as they are ('?' in the excerpt). */
		{ "t\xc3\xb6k\xc3\xa9n-\xc3\xbcnic\xc3\xb8" "de-42", "20/raw",
		    " auth=Bearer ***" },
	};
	struct proc	 p;
	char		 longtok[301], *spec, *path, *got, *want;
	const char	*tok, *e;
	json_t		*j;
	FILE		*f;
	size_t		 n;
	u_int		 i, k;

	for (k = 0; k < 300; k++)
		longtok[k] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
		    "vwxyz0123456789"[(k * 7 + k / 61) % 62];
	longtok[300] = '\0';
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		tok = cases[i].token;
		if (tok == NULL && i == 0)
			tok = longtok;
		else if (tok == NULL)
			tok = longtok + 188;	/* 112 bytes */
		setenv("TE_T_ECHOED", tok, 1);
		spec = fmt("http:url=%s,header=Authorization: Bearer "
		    "${TE_T_ECHOED}", srv("/showauth/401/%s", cases[i].path));
		path = tmpfile_with("", 0);
		te_run(&p, "{\"id\":1}\n", "-e", spec, "--errors", path, NULL);
		ck_assert_msg(p.status == 0, "%s", p.ebuf);
		ck_assert_msg(!shows_part(p.obuf, p.olen, tok),
		    "case %u: %s", i, p.obuf);
		ck_assert_msg(!shows_part(p.ebuf, p.elen, tok), "case %u", i);
		j = line_of(&p, 0);
		e = err(j, "http");
		ck_assert_ptr_nonnull(e);
		ck_assert_msg(strncmp(e, "HTTP 401: ", 10) == 0, "%s", e);
		want = strstr(e, " auth=");
		ck_assert_msg(want != NULL && strcmp(want, cases[i].want) == 0,
		    "case %u: %s", i, e);
		json_decref(j);
		f = fopen(path, "r");
		ck_assert_ptr_nonnull(f);
		got = calloc(1, 8192);
		n = fread(got, 1, 8191, f);
		fclose(f);
		ck_assert_uint_eq(count_lines(got, n), 1);
		ck_assert_msg(!shows_part(got, n, tok), "case %u: %s", i, got);
		ck_assert_ptr_nonnull(strstr(got, "Bearer"));
		free(got);
		proc_free(&p);
		unlink(path);
		free(path);
		free(spec);
	}
	unsetenv("TE_T_ECHOED");
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

	tc = tcase_create("program");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, server_setup, server_teardown);
	tcase_add_test(tc, test_secrets);
	tcase_add_test(tc, test_secrets_echoed);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (run_suite(secret_suite()));
}
