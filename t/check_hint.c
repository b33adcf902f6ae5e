/*
 * The closing hint (src/io/hint.c), through the whole program: input that
 * has lines but no tweet exits 1 with one line naming the likely cause
 * (API pages, a JSON array, a pretty-printed document, CSV, UTF-16, or a
 * compression with the command that undoes it); a tweet, notices only or
 * no line at all give none.
 */

#include <check.h>
#include <string.h>

#include "run.h"

/* Input that has lines but no tweet: exit 1 and one line naming why. */
START_TEST(test_no_tweet_hints)
{
	static const struct {
		const char	*in;
		size_t		 len;
		const char	*hint;
	} cases[] = {
		{ "{\"data\":[{\"id\":\"1\"}],\"meta\":{}}\n", 0,
		    "API pages with the tweets in an array (use --split /data)" },
		{ "{\"statuses\":[{\"id\":1}]}\n", 0, "(use --split /statuses)" },
		/* Metadata first (issue 18, 2), a key with an escape. */
		{ "{\"meta\":{\"result_count\":1},\"data\":[{\"id\":\"1\"}]}\n",
		    0, "(use --split /data)" },
		{ "{\"search_metadata\":{\"count\":1},\"statuses\":[{\"id\":1}"
		    "]}\n", 0, "(use --split /statuses)" },
		{ "{\"meta\":{},\"d\\u0061ta\":[{\"id\":\"1\"}]}\n", 0,
		    "(use --split /data)" },
		{ "[{\"id\":1},{\"id\":2}]\n", 0, "a JSON array, not one tweet "
		    "per line (use --split '')" },
		{ "[\n  {\n    \"id\": 1\n  }\n]\n", 0, "pretty-printed" },
		{ "{\n  \"id\": 1,\n  \"text\": \"a\"\n}\n", 0,
		    "pretty-printed" },
		{ "\xff\xfe{\0\"\0i\0d\0\"\0:\0001\0}\0\n\0", 20, "UTF-16" },
		{ "BZh91AY&SY\n", 0, "compressed" },
		/*
		 * Two tweet lines compressed by each program: its name and
		 * the command that undoes it, not UTF-16 (their NUL bytes).
		 */
		/* bzip2 -c */
		{ "\102\132\150\071\061\101\131\046\123\131\250\020\327\140\000"
		    "\000\026\131\200\000\020\020\004\060\020\006\144\224\312\040"
		    "\000\061\115\062\061\061\061\004\244\062\000\321\244\016\134"
		    "\274\026\047\107\306\124\310\160\167\320\251\336\261\355\101"
		    "\124\142\011\237\027\162\105\070\120\220\250\020\327\140", 74,
		    "compressed with bzip2 (gzip is read as it is; decompress "
		    "others first: bzip2 -dc)" },
		/* xz -c */
		{ "\375\067\172\130\132\000\000\004\346\326\264\106\002\000\041"
		    "\001\026\000\000\000\164\057\345\243\340\000\057\000\047\135"
		    "\000\075\210\211\046\201\223\123\261\346\065\322\242\174\127"
		    "\357\355\225\340\341\244\010\326\310\264\272\114\077\333\270"
		    "\262\036\356\171\027\370\031\276\224\000\000\000\067\040\075"
		    "\352\321\356\234\355\000\001\103\060\101\231\013\335\037\266"
		    "\363\175\001\000\000\000\000\004\131\132", 100,
		    "compressed with xz (gzip is read as it is; decompress "
		    "others first: xz -dc)" },
		/* zstd -qc */
		{ "\050\265\057\375\004\130\125\001\000\024\002\173\042\151\144"
		    "\042\072\061\054\042\164\145\170\164\042\072\042\150\145\154"
		    "\154\157\042\175\012\062\167\157\162\154\144\042\175\012\002"
		    "\000\240\010\166\230\143\317\063\207\037", 55,
		    "compressed with zstd (gzip is read as it is; decompress "
		    "others first: zstd -dc)" },
		/* lz4 -qc */
		{ "\004\042\115\030\144\100\247\051\000\000\000\362\011\173\042"
		    "\151\144\042\072\061\054\042\164\145\170\164\042\072\042\150"
		    "\145\154\154\157\042\175\012\030\000\025\062\030\000\200\167"
		    "\157\162\154\144\042\175\012\000\000\000\000\251\353\065\275", 60,
		    "compressed with lz4 (gzip is read as it is; decompress "
		    "others first: lz4 -dc)" },
		/* CSV, quoted or not, is not taken for pretty-printed. */
		{ "id,text\n1,hello\n2,\"a, b\"\n", 0, "looks like CSV" },
		{ "\"id\",\"text\"\n\"1\",\"hello\"\n", 0, "looks like CSV" },
		{ "[\n  {\n    \"id\": 1, \"x\": \"a, b\"\n  }\n]\n", 0,
		    "pretty-printed" },
		{ "garbage\n", 0, "no line was a tweet (a JSON object on one "
		    "line)" },
	};
	struct proc	 p;
	u_int		 i;
	size_t		 len;
	const char	*hint;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		len = cases[i].len != 0 ? cases[i].len : strlen(cases[i].in);
		run_input(&p, cases[i].in, len, (const char *[]){ run_bin(),
		    "-e", "test", NULL });
		ck_assert_msg(p.status == 1, "case %u: status %d", i,
		    p.status);
		ck_assert_str_eq(p.obuf, "");
		hint = strstr(p.ebuf, "no line was a tweet");
		ck_assert_msg(hint != NULL && strstr(hint, cases[i].hint) !=
		    NULL, "case %u: %s", i, p.ebuf);
		ck_assert_msg(strstr(hint + 1, "no line was a tweet") == NULL,
		    "two hints");
		proc_free(&p);
	}

	/* A tweet, or only notices, or no line at all: no hint, exit 0. */
	te_run(&p, "[1]\n{\"id\":1}\n", "-e", "test", NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_ptr_null(strstr(p.ebuf, "no line was a tweet"));
	proc_free(&p);
	te_run(&p, "{\"limit\":{\"track\":1}}\n", "-e", "test", NULL);
	ck_assert_int_eq(p.status, 0);
	proc_free(&p);
	te_run(&p, "\n\n", "-e", "test", NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_str_eq(p.ebuf, "");
	proc_free(&p);
}
END_TEST

static Suite *
hint_suite(void)
{
	Suite	*s = suite_create("hint");
	TCase	*tc;

	tc = tcase_create("hint");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_no_tweet_hints);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (run_suite(hint_suite()));
}
