/*
 * Whole-program tests: run the built tweet-enricher through pipes and files
 * and check its real output, stderr and exit status.
 */

#include <sys/stat.h>

#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "run.h"

START_TEST(test_values_and_key_order)
{
	struct proc	p;

	/* sleep finishes last but stays first; members keep their order. */
	te_run(&p, "{\"z\":1,\"body\":\"h\xc3\xa9llo \xf0\x9f\x98\x80\",\"a\":[1,"
	    "2.5,null]}\n", "-e", "sleep:ms=30", "-e", "test", "-e",
	    "length", NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_str_eq(p.obuf, "{\"z\":1,\"body\":\"h\xc3\xa9llo \xf0\x9f\x98"
	    "\x80\",\"a\":[1,2.5,null],\"enrichments\":{\"sleep\":30,\"test\":42,"
	    "\"length\":7}}\n");
	ck_assert_str_eq(p.ebuf, "");
	proc_free(&p);
}
END_TEST

START_TEST(test_input_text_kept)
{
	struct proc	p;

	/* Spacing, escapes and number forms of the input are kept as is. */
	te_run(&p, "  { \"a\" : 1.0e2 , \"s\":\"\\u00e9\\/\" }  \r\n{}\n",
	    "-e", "test", "-k", NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_str_eq(p.obuf, "  { \"a\" : 1.0e2 , \"s\":\"\\u00e9\\/\" ,"
	    "\"enrichments\":{\"test\":42}}\n{\"enrichments\":{\"test\":42}}\n");
	proc_free(&p);
}
END_TEST

START_TEST(test_errors_and_as)
{
	struct proc	 p;
	json_t		*j;

	te_run(&p, "{\"id\":1,\"text\":\"abc\"}\n", "-e", "length", "-e",
	    "length:field=/text,as=tlen", "-e", "sleep:ms={/missing}", NULL);
	ck_assert_int_eq(p.status, 0);
	j = line_of(&p, 0);
	/* The default field is the tweet's text (here v1.1 "text"). */
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j,
	    "enrichments"), "length")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j,
	    "enrichments"), "tlen")), 3);
	ck_assert_ptr_null(json_object_get(json_object_get(j,
	    "enrichment_errors"), "length"));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j,
	    "enrichment_errors"), "sleep")), "no field /missing");
	ck_assert_ptr_null(json_object_get(json_object_get(j,
	    "enrichment_errors"), "tlen"));
	json_decref(j);
	proc_free(&p);
}
END_TEST

START_TEST(test_existing_enrichments_merged)
{
	struct proc	 p;

	te_run(&p, "{\"id\":1,\"enrichments\":{\"geo\":\"x\",\"test\":1},"
	    "\"body\":\"ab\"}\n{\"id\":2,\"enrichments\":7}\n", "-k", "-e",
	    "test", "-e", "length", NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_str_eq(p.obuf, "{\"id\":1,\"enrichments\":{\"geo\":\"x\","
	    "\"test\":42,\"length\":2},\"body\":\"ab\"}\n"
	    "{\"id\":2,\"enrichments\":{\"test\":42,\"length\":null},"
	    "\"enrichment_errors\":{\"length\":\"no tweet text (give "
	    "field=)\"}}\n");
	proc_free(&p);
}
END_TEST

/*
 * An "enrichment_errors" member that is not an object is replaced: by this
 * run's errors, or by nothing when there are none (issue 18, item 20).
 */
START_TEST(test_errors_not_object_replaced)
{
	struct proc	 p;

	te_run(&p, "{\"enrichment_errors\":5}\n"
	    "{\"a\":1,\"enrichment_errors\":\"x\",\"b\":2}\n"
	    "{\"enrichment_errors\":[1],\"enrichments\":3}\n"
	    "{\"enrichment_errors\":null,\"body\":\"ab\"}\n"
	    "{\"enrichment_errors\":true,\"id\":5}\n", "-k", "-e", "test",
	    "-e", "length", NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_str_eq(p.obuf,
	    "{\"enrichment_errors\":{\"length\":\"no tweet text (give "
	    "field=)\"},\"enrichments\":{\"test\":42,\"length\":null}}\n"
	    "{\"a\":1,\"enrichment_errors\":{\"length\":\"no tweet text "
	    "(give field=)\"},\"b\":2,\"enrichments\":{\"test\":42,"
	    "\"length\":null}}\n"
	    "{\"enrichment_errors\":{\"length\":\"no tweet text (give "
	    "field=)\"},\"enrichments\":{\"test\":42,\"length\":null}}\n"
	    "{\"body\":\"ab\",\"enrichments\":{\"test\":42,"
	    "\"length\":2}}\n"
	    "{\"enrichment_errors\":{\"length\":\"no tweet text (give "
	    "field=)\"},\"id\":5,\"enrichments\":{\"test\":42,"
	    "\"length\":null}}\n");
	proc_free(&p);

	/* No error this run: the member goes, wherever it stands. */
	te_run(&p, "{\"enrichment_errors\":5}\n"
	    "{\"a\":1,\"enrichment_errors\":\"x\",\"b\":2}\n"
	    "{\"a\":1 , \"enrichment_errors\" : [] }\n"
	    "{\"enrichment_errors\":{},\"enrichments\":{}}\n", "-k", "-e",
	    "test", NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_str_eq(p.obuf, "{\"enrichments\":{\"test\":42}}\n"
	    "{\"a\":1,\"b\":2,\"enrichments\":{\"test\":42}}\n"
	    "{\"a\":1 ,\"enrichments\":{\"test\":42}}\n"
	    "{\"enrichment_errors\":{},\"enrichments\":{\"test\":42}}\n");
	proc_free(&p);
}
END_TEST

/* Tweets whose sleep shrinks with the id: the last read finishes first. */
static char *
reversed_sleepers(u_int n)
{
	char	*buf = malloc(n * 64), *s = buf;
	u_int	 i;

	for (i = 0; i < n; i++)
		s += sprintf(s, "{\"id\":%u,\"d\":%u}\n", i, (n - i) * 20);
	return (buf);
}

START_TEST(test_keep_order)
{
	struct proc	 p;
	char		*in = reversed_sleepers(10);
	json_t		*j;
	u_int		 i;

	te_run(&p, in, "-e", "sleep:ms={/d}", NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_uint_eq(count_lines(p.obuf, p.olen), 10);
	j = line_of(&p, 0);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "id")), 9);
	json_decref(j);
	proc_free(&p);

	te_run(&p, in, "-k", "-e", "sleep:ms={/d}", NULL);
	ck_assert_int_eq(p.status, 0);
	for (i = 0; i < 10; i++) {
		j = line_of(&p, i);
		ck_assert_int_eq(json_integer_value(json_object_get(j, "id")),
		    i);
		json_decref(j);
	}
	proc_free(&p);
	free(in);
}
END_TEST

START_TEST(test_keep_order_small_window)
{
	struct proc	 p;
	char		*in = reversed_sleepers(40);
	json_t		*j, *st;
	u_int		 i;

	te_run(&p, in, "-k", "-p", "3", "--stats", "-e", "sleep:ms={/d}", NULL);
	ck_assert_int_eq(p.status, 0);
	for (i = 0; i < 40; i++) {
		j = line_of(&p, i);
		ck_assert_int_eq(json_integer_value(json_object_get(j, "id")),
		    i);
		json_decref(j);
	}
	st = stats_of(&p);
	ck_assert_int_le(stat_int(st, "max_pending"), 3);
	json_decref(st);
	proc_free(&p);
	free(in);
}
END_TEST

START_TEST(test_bad_lines)
{
	struct proc	 p;
	char		*path, buf[1024];
	const char	*in;
	json_t		*st;
	FILE		*f;
	size_t		 n;

	path = tmpfile_with("", 0);
	in = "{\"id\":1}\n"
	    "not json\n"
	    "[1,2]\n"
	    "{\"bad\":\"\xff\"}\n"
	    "{\"id\":2}\n"
	    "{\"long\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n"
	    "\n"
	    "{\"id\":3}\n"
	    "{\"trunc";
	te_run(&p, in, "-k", "--max-line", "40", "--bad-lines", path, "--stats",
	    "-e", "test", NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_str_eq(p.obuf, "{\"id\":1,\"enrichments\":{\"test\":42}}\n"
	    "{\"id\":2,\"enrichments\":{\"test\":42}}\n"
	    "{\"id\":3,\"enrichments\":{\"test\":42}}\n");
	ck_assert_ptr_nonnull(strstr(p.ebuf, "stdin:2: bad line: invalid JSON"));
	ck_assert_ptr_nonnull(strstr(p.ebuf, "stdin:3: bad line: not a JSON "
	    "object"));
	ck_assert_ptr_nonnull(strstr(p.ebuf, "stdin:4: bad line: invalid JSON"));
	ck_assert_ptr_nonnull(strstr(p.ebuf, "stdin:6: bad line: longer than "
	    "40 bytes"));
	ck_assert_ptr_nonnull(strstr(p.ebuf, "stdin:9: bad line"));
	st = stats_of(&p);
	ck_assert_int_eq(stat_int(st, "read"), 8);
	ck_assert_int_eq(stat_int(st, "written"), 3);
	ck_assert_int_eq(stat_int(st, "bad"), 5);
	json_decref(st);

	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	ck_assert_str_eq(buf, "not json\n[1,2]\n{\"bad\":\"\xff\"}\n"
	    "{\"long\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n"
	    "{\"trunc\n");
	unlink(path);
	free(path);
	proc_free(&p);
}
END_TEST

START_TEST(test_bad_lines_rate_limited)
{
	struct proc	 p;
	char		*in = malloc(1000 * 8 + 1), *s = in;
	u_int		 i;

	for (i = 0; i < 1000; i++)
		s += sprintf(s, "garbage\n");
	te_run(&p, in, "-e", "test", NULL);
	/* No line was a tweet: exit 1, with one hint line more. */
	ck_assert_int_eq(p.status, 1);
	ck_assert_str_eq(p.obuf, "");
	ck_assert_uint_le(count_lines(p.ebuf, p.elen), 13);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "no line was a tweet"));
	ck_assert_ptr_nonnull(strstr(p.ebuf, "1000 bad lines in all (990 not "
	    "shown)"));
	proc_free(&p);
	free(in);
}
END_TEST

START_TEST(test_pending_cap)
{
	struct proc	 p;
	char		*in = make_tweets(3000, NULL);
	json_t		*st;

	te_run(&p, in, "-p", "50", "--stats", "-e", "sleep:ms=5", NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_uint_eq(count_lines(p.obuf, p.olen), 3000);
	st = stats_of(&p);
	ck_assert_int_eq(stat_int(st, "max_pending"), 50);
	ck_assert_int_eq(stat_int(st, "written"), 3000);
	json_decref(st);
	proc_free(&p);
	free(in);
}
END_TEST

START_TEST(test_sigterm_settles)
{
	struct proc	 p;
	char		*in = make_tweets(200, NULL);

	te_start(&p, "-e", "sleep:ms=400", "-e", "test", NULL);
	proc_write(&p, in, strlen(in));
	proc_wait_drained(&p);
	proc_signal(&p, SIGTERM);
	proc_finish(&p);
	ck_assert_int_eq(p.status, 143);
	ck_assert_uint_eq(count_lines(p.obuf, p.olen), 200);
	ck_assert_ptr_nonnull(strstr(p.obuf, "{\"id\":199,\"body\":\"tweet number "
	    "199\",\"enrichments\":{\"sleep\":400,\"test\":42}}\n"));
	proc_free(&p);
	free(in);
}
END_TEST

START_TEST(test_second_signal_exits_at_once)
{
	struct proc	 p;

	te_start(&p, "-e", "sleep:ms=600000", NULL);
	proc_write(&p, "{\"id\":1}\n", 9);
	proc_wait_drained(&p);
	proc_signal(&p, SIGINT);
	ck_assert(proc_wait_output(&p, "again to quit now", 1));
	proc_signal(&p, SIGINT);
	proc_finish(&p);
	ck_assert_int_eq(p.status, 130);
	proc_free(&p);
}
END_TEST

START_TEST(test_closed_stdout)
{
	struct proc	 p;
	char		*in = make_tweets(20000, NULL);

	/* Like "| head -1": take one line, then go away. */
	te_start(&p, "-e", "test", NULL);
	proc_write(&p, in, strchr(in, '\n') + 1 - in);
	ck_assert(proc_wait_output(&p, "\n", 0));
	close(p.out);
	p.out = -1;
	proc_write(&p, in, strlen(in));
	proc_finish(&p);
	ck_assert_int_eq(p.status, 0);
	ck_assert_str_eq(p.ebuf, "");
	proc_free(&p);
	free(in);
}
END_TEST

START_TEST(test_files_and_exit_codes)
{
	struct proc	 p;
	char		*a, *b;
	const char	*argv[8];
	int		 fd;

	a = tmpfile_with("{\"f\":\"a\"}\n", 10);
	b = tmpfile_with("{\"f\":\"b\"}", 9);
	te_run(&p, "{\"f\":\"stdin\"}\n", "-k", "-e", "test", a, "-",
	    "/nonexistent/file", b, NULL);
	ck_assert_int_eq(p.status, 1);
	ck_assert_str_eq(p.obuf, "{\"f\":\"a\",\"enrichments\":{\"test\":42}}\n"
	    "{\"f\":\"stdin\",\"enrichments\":{\"test\":42}}\n"
	    "{\"f\":\"b\",\"enrichments\":{\"test\":42}}\n");
	ck_assert_ptr_nonnull(strstr(p.ebuf, "/nonexistent/file"));
	proc_free(&p);

	/* A regular file and /dev/null on stdin (neither can be polled). */
	argv[0] = run_bin();
	argv[1] = "-e";
	argv[2] = "test";
	argv[3] = NULL;
	fd = open(a, O_RDONLY);
	proc_start(&p, argv, fd);
	close(fd);
	proc_finish(&p);
	ck_assert_int_eq(p.status, 0);
	ck_assert_str_eq(p.obuf, "{\"f\":\"a\",\"enrichments\":{\"test\":42}}\n");
	proc_free(&p);
	fd = open("/dev/null", O_RDONLY);
	proc_start(&p, argv, fd);
	close(fd);
	proc_finish(&p);
	ck_assert_int_eq(p.status, 0);
	ck_assert_str_eq(p.obuf, "");
	proc_free(&p);

	unlink(a);
	unlink(b);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_usage_errors)
{
	struct proc	 p;
	const char	*bad[][4] = {
		{ "-e", "nope", NULL },
		{ "-e", "length:colour=red", NULL },
		{ "-e", "sleep:ms=abc", NULL },
		{ "-e", "length:field=body", NULL },
		{ "-e", "test", "-p", "0" },
		{ "-e", "test", "--bogus", NULL },
		{ "-e", "test", "-e", "test" },
		{ NULL },
	};
	u_int		 i;

	for (i = 0; bad[i][0] != NULL; i++) {
		te_run(&p, "", bad[i][0], bad[i][1], bad[i][2], bad[i][3], NULL);
		ck_assert_msg(p.status == 2, "%s %s: status %d", bad[i][0],
		    bad[i][1], p.status);
		ck_assert_uint_eq(count_lines(p.ebuf, p.elen), 1);
		ck_assert_str_eq(p.obuf, "");
		proc_free(&p);
	}
	te_run(&p, "", NULL);
	ck_assert_int_eq(p.status, 2);
	proc_free(&p);
}
END_TEST

START_TEST(test_help_list_version)
{
	struct proc	p;

	te_run(&p, "", "--help", NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_ptr_nonnull(strstr(p.obuf, "--max-pending"));
	ck_assert_uint_le(count_lines(p.obuf, p.olen), 40);
	proc_free(&p);
	te_run(&p, "", "-L", NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_ptr_nonnull(strstr(p.obuf, "sleep (timer)"));
	ck_assert_ptr_nonnull(strstr(p.obuf, "field"));
	proc_free(&p);
	te_run(&p, "", "-V", NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_ptr_nonnull(strstr(p.obuf, "tweet-enricher "));
	proc_free(&p);
}
END_TEST

START_TEST(test_config_file)
{
	struct proc	 p;
	char		*cfg;
	const char	*text = "{\"enrich\": [\"test\", {\"name\": \"length\", "
	    "\"field\": \"/t\", \"as\": \"n\"}], \"keep_order\": true, "
	    "\"stats\": true}";
	json_t		*st;

	cfg = tmpfile_with(text, strlen(text));
	te_run(&p, "{\"t\":\"abcd\"}\n", "-c", cfg, NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_str_eq(p.obuf, "{\"t\":\"abcd\",\"enrichments\":{\"test\":42,"
	    "\"n\":4}}\n");
	st = stats_of(&p);
	ck_assert_int_eq(stat_int(st, "written"), 1);
	json_decref(st);
	proc_free(&p);
	unlink(cfg);
	free(cfg);

	cfg = tmpfile_with("{\"max-pending\": \"many\"}", 23);
	te_run(&p, "", "-c", cfg, "-e", "test", NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "max-pending"));
	proc_free(&p);
	unlink(cfg);
	free(cfg);
}
END_TEST

START_TEST(test_example_file)
{
	struct proc	 p;
	char		 path[4096];
	const char	*argv[] = { run_bin(), "-e", "test", "-e", "length",
			    "--stats", NULL };
	json_t		*st;
	int		 fd;

	snprintf(path, sizeof path, "%s/examples/tweets.jsonl", run_srcdir());
	fd = open(path, O_RDONLY);
	ck_assert(fd != -1);
	proc_start(&p, argv, fd);
	close(fd);
	proc_finish(&p);
	ck_assert_int_eq(p.status, 0);
	st = stats_of(&p);
	ck_assert_int_gt(stat_int(st, "written"), 0);
	ck_assert_int_eq(stat_int(st, "written") + stat_int(st, "bad"),
	    stat_int(st, "read"));
	ck_assert_uint_eq(count_lines(p.obuf, p.olen), stat_int(st, "written"));
	json_decref(st);
	proc_free(&p);
}
END_TEST

/* An independent digest: sha256sum for one round, Python's hashlib for more. */
static void
expected_sha(const char *text, u_int rounds, char out[65])
{
	char	*path, cmd[512], buf[128];
	FILE	*f;

	path = tmpfile_with(text, strlen(text));
	if (rounds == 1)
		snprintf(cmd, sizeof cmd, "sha256sum < %s", path);
	else
		snprintf(cmd, sizeof cmd, "python3 -c 'import hashlib,sys\n"
		    "d=open(sys.argv[1],\"rb\").read()\n"
		    "for i in range(%u): d=hashlib.sha256(d).digest()\n"
		    "print(d.hex())' %s", rounds, path);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert(fread(buf, 1, sizeof buf, f) >= 64);
	memcpy(out, buf, 64);
	out[64] = '\0';
	pclose(f);
	unlink(path);
	free(path);
}

START_TEST(test_sha256_values)
{
	static const char nonascii[] = "caf\xc3\xa9 \xe2\x98\x95 "
	    "\xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x8e\x89";
	const char	*bodies[] = { "abc", "", nonascii };
	const u_int	 rounds[] = { 1, 1000 };
	struct proc	 p;
	char		 in[256], spec[64], want[65];
	json_t		*j, *e;
	u_int		 i, r;

	for (r = 0; r < 2; r++) {
		snprintf(spec, sizeof spec, "sha256:rounds=%u", rounds[r]);
		for (i = 0; i < 3; i++) {
			snprintf(in, sizeof in, "{\"body\":\"%s\"}\n",
			    bodies[i]);
			te_run(&p, in, "-e", spec, NULL);
			ck_assert_int_eq(p.status, 0);
			expected_sha(bodies[i], rounds[r], want);
			j = line_of(&p, 0);
			e = json_object_get(json_object_get(j, "enrichments"),
			    "sha256");
			ck_assert_str_eq(json_string_value(e), want);
			json_decref(j);
			proc_free(&p);
		}
	}

	te_run(&p, "{\"id\":1}\n{\"body\":7}\n", "-k", "-e",
	    "sha256:field=/body", NULL);
	ck_assert_str_eq(p.obuf, "{\"id\":1,\"enrichments\":{\"sha256\":null},"
	    "\"enrichment_errors\":{\"sha256\":\"no field /body\"}}\n"
	    "{\"body\":7,\"enrichments\":{\"sha256\":null},"
	    "\"enrichment_errors\":{\"sha256\":\"/body is not a string\"}}\n");
	proc_free(&p);
}
END_TEST

START_TEST(test_sha256_threads)
{
	struct proc	 p1, p4;
	char		*in = make_tweets(3000, NULL), want[65];
	json_t		*j, *st;

	/* One worker or four: the same digests, every tweet once. */
	te_run(&p1, in, "-k", "-T", "1", "--stats", "-e", "sha256:rounds=50",
	    NULL);
	te_run(&p4, in, "-k", "-T", "4", "-p", "100", "-e", "sha256:rounds=50",
	    NULL);
	ck_assert_int_eq(p1.status, 0);
	ck_assert_int_eq(p4.status, 0);
	ck_assert_uint_eq(count_lines(p1.obuf, p1.olen), 3000);
	ck_assert_str_eq(p1.obuf, p4.obuf);
	st = stats_of(&p1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(st,
	    "pool"), "jobs")), 3000);
	json_decref(st);
	expected_sha("tweet number 2999", 50, want);
	j = line_of(&p1, 2999);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j,
	    "enrichments"), "sha256")), want);
	json_decref(j);
	proc_free(&p1);
	proc_free(&p4);
	free(in);
}
END_TEST

START_TEST(test_sha256_keep_order_mixed)
{
	struct proc	 p;
	char		*in, *s;
	size_t		 big = 4 * 1024 * 1024;
	json_t		*j;
	u_int		 i;

	/* Every third tweet has a 4 MiB body: slow jobs among fast ones. */
	in = malloc(10 * (big + 64));
	s = in;
	for (i = 0; i < 10; i++) {
		s += sprintf(s, "{\"id\":%u,\"body\":\"", i);
		if (i % 3 == 0) {
			memset(s, 'x', big);
			s += big;
		} else
			s += sprintf(s, "short");
		s += sprintf(s, "\"}\n");
	}
	*s = '\0';
	te_run(&p, in, "-k", "-T", "2", "-e", "sha256:rounds=3", NULL);
	ck_assert_int_eq(p.status, 0);
	for (i = 0; i < 10; i++) {
		j = line_of(&p, i);
		ck_assert_int_eq(json_integer_value(json_object_get(j, "id")),
		    i);
		ck_assert(json_is_string(json_object_get(json_object_get(j,
		    "enrichments"), "sha256")));
		json_decref(j);
	}
	proc_free(&p);
	free(in);
}
END_TEST

START_TEST(test_sha256_closed_stdout)
{
	struct proc	 p;
	char		*in = make_tweets(100, NULL);
	json_t		*j;

	/*
	 * Jobs of a billion rounds (minutes each) and no output meanwhile: a
	 * closed stdout is still noticed, and the job in hand is given up.
	 */
	te_start(&p, "-T", "1", "-e", "test", "-e", "sha256:rounds=1000000000",
	    "-e", "test:as=fast", NULL);
	proc_write(&p, "{\"id\":1}\n", 9);
	ck_assert(proc_wait_output(&p, "\n", 0));
	j = line_of(&p, 0);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j,
	    "enrichment_errors"), "sha256")), "no tweet text (give field=)");
	json_decref(j);
	proc_write(&p, in, strlen(in));
	proc_wait_drained(&p);
	close(p.out);
	p.out = -1;
	proc_finish(&p);
	ck_assert_int_eq(p.status, 0);
	proc_free(&p);
	free(in);
}
END_TEST

START_TEST(test_sha256_sigterm_with_queue)
{
	struct proc	 p;
	char		*in = make_tweets(300, NULL), want[65];
	json_t		*j;

	/* A long queue of slow jobs: all finish and are written. */
	te_start(&p, "-T", "1", "-k", "-e", "sha256:rounds=20000", NULL);
	proc_write(&p, in, strlen(in));
	proc_wait_drained(&p);
	proc_signal(&p, SIGTERM);
	proc_finish(&p);
	ck_assert_int_eq(p.status, 143);
	ck_assert_uint_eq(count_lines(p.obuf, p.olen), 300);
	expected_sha("tweet number 299", 20000, want);
	j = line_of(&p, 299);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j,
	    "enrichments"), "sha256")), want);
	json_decref(j);
	proc_free(&p);
	free(in);
}
END_TEST

START_TEST(test_nul_bytes_are_bad_on_both_paths)
{
	static const char	 in[] = "{\"id\":1,\"body\":\"ab\"}\n"
				    "{\"id\":2,\"b\":[true\0,null]}\n"
				    "{\"id\":3,\"body\":\"a\0b\"}\n";
	const char		*checked[] = { run_bin(), "-e", "test", NULL };
	const char		*parsed[] = { run_bin(), "-e", "length:field=/body",
				    NULL };
	struct proc		 p;

	/* jansson alone would read past a raw NUL byte and write it out. */
	run_input(&p, in, sizeof in - 1, checked);
	ck_assert_str_eq(p.obuf, "{\"id\":1,\"body\":\"ab\",\"enrichments\":"
	    "{\"test\":42}}\n");
	ck_assert_ptr_nonnull(strstr(p.ebuf, "stdin:2: bad line"));
	ck_assert_ptr_nonnull(strstr(p.ebuf, "stdin:3: bad line"));
	proc_free(&p);
	run_input(&p, in, sizeof in - 1, parsed);
	ck_assert_str_eq(p.obuf, "{\"id\":1,\"body\":\"ab\",\"enrichments\":"
	    "{\"length\":2}}\n");
	ck_assert_ptr_nonnull(strstr(p.ebuf, "stdin:2: bad line: invalid JSON: "
	    "NUL byte"));
	ck_assert_ptr_nonnull(strstr(p.ebuf, "stdin:3: bad line: invalid JSON: "
	    "NUL byte"));
	proc_free(&p);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("program");
	TCase	*tc = tcase_create("program");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_values_and_key_order);
	tcase_add_test(tc, test_input_text_kept);
	tcase_add_test(tc, test_errors_and_as);
	tcase_add_test(tc, test_existing_enrichments_merged);
	tcase_add_test(tc, test_errors_not_object_replaced);
	tcase_add_test(tc, test_keep_order);
	tcase_add_test(tc, test_keep_order_small_window);
	tcase_add_test(tc, test_bad_lines);
	tcase_add_test(tc, test_bad_lines_rate_limited);
	tcase_add_test(tc, test_nul_bytes_are_bad_on_both_paths);
	tcase_add_test(tc, test_pending_cap);
	tcase_add_test(tc, test_sigterm_settles);
	tcase_add_test(tc, test_second_signal_exits_at_once);
	tcase_add_test(tc, test_closed_stdout);
	tcase_add_test(tc, test_files_and_exit_codes);
	tcase_add_test(tc, test_usage_errors);
	tcase_add_test(tc, test_help_list_version);
	tcase_add_test(tc, test_config_file);
	tcase_add_test(tc, test_example_file);
	tcase_add_test(tc, test_sha256_values);
	tcase_add_test(tc, test_sha256_threads);
	tcase_add_test(tc, test_sha256_keep_order_mixed);
	tcase_add_test(tc, test_sha256_sigterm_with_queue);
	tcase_add_test(tc, test_sha256_closed_stdout);
	suite_add_tcase(s, tc);
	return (run_suite(s));
}
