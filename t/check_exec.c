/*
 * The exec enricher: the built program runs the Python workers of
 * t/exec-worker.py (and the Gnip adapter of examples/) and its real output,
 * stderr and exit status are checked, faults included.
 */

#include <sys/stat.h>

#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "run.h"

/* An exec spec running t/exec-worker.py MODE with more keys. */
static char *
worker(const char *mode, const char *more)
{
	char	*s;

	ck_assert(asprintf(&s, "exec:cmd=python3 %s/t/exec-worker.py %s%s%s",
	    run_srcdir(), mode, more != NULL ? "," : "",
	    more != NULL ? more : "") != -1);
	return (s);
}

/* The value (or NULL) and error (or NULL) of enrichment name in line i. */
static json_t *
value_of(struct proc *p, u_int i, const char *name, const char **error)
{
	static json_t	*last;
	json_t		*e;

	json_decref(last);
	last = line_of(p, i);
	e = json_object_get(json_object_get(last, "enrichment_errors"), name);
	*error = json_string_value(e);
	return (json_object_get(json_object_get(last, "enrichments"), name));
}

/* The tweet id of output line i. */
static long long
id_of(struct proc *p, u_int i)
{
	json_t		*j = line_of(p, i);
	long long	 id = json_integer_value(json_object_get(j, "id"));

	json_decref(j);
	return (id);
}

START_TEST(test_values)
{
	struct proc	 p;
	char		*a = worker("len", "workers=2,as=py");
	char		*b = worker("len", "field=/text,as=f");
	const char	*err;
	json_t		*v;

	te_run(&p, "{\"id\":1,\"body\":\"h\xc3\xa9llo\",\"text\":\"abc\"}\n"
	    "{\"id\":2,\"body\":\"\",\"text\":\"\\u00e9\\n\"}\n"
	    "{\"id\":3,\"body\":\"xy\"}\n", "-k", "-e", a, "-e", b, NULL);
	ck_assert_msg(p.status == 0, "status %d: %s", p.status, p.ebuf);
	v = value_of(&p, 0, "py", &err);
	ck_assert_int_eq(json_integer_value(v), 5);
	v = value_of(&p, 0, "f", &err);
	ck_assert_int_eq(json_integer_value(v), 3);
	v = value_of(&p, 1, "py", &err);
	ck_assert_int_eq(json_integer_value(v), 0);
	v = value_of(&p, 1, "f", &err);
	ck_assert_int_eq(json_integer_value(v), 2);
	v = value_of(&p, 2, "f", &err);
	ck_assert(json_is_null(v));
	ck_assert_str_eq(err, "no field /text");
	v = value_of(&p, 2, "py", &err);
	ck_assert_int_eq(json_integer_value(v), 2);
	ck_assert_ptr_null(err);
	proc_free(&p);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_echo_and_errors)
{
	struct proc	 p;
	char		*a = worker("echo", "field=/user");
	char		*b = worker("error", "as=b");

	/* Any JSON value comes back as it is; {"error": ...} is an error. */
	te_run(&p, "{\"id\":1,\"user\":{\"n\":[1,2.5,null,\"\\u2603\"]}}\n"
	    "{\"id\":2,\"user\":\"x\"}\n", "-k", "-e", a, "-e", b, NULL);
	ck_assert_msg(p.status == 0, "status %d: %s", p.status, p.ebuf);
	ck_assert_str_eq(p.obuf, "{\"id\":1,\"user\":{\"n\":[1,2.5,null,"
	    "\"\\u2603\"]},\"enrichments\":{\"exec\":{\"n\":[1,2.5,null,"
	    "\"\xe2\x98\x83\"]},\"b\":1}}\n"
	    "{\"id\":2,\"user\":\"x\",\"enrichments\":{\"exec\":\"x\","
	    "\"b\":null},\"enrichment_errors\":{\"b\":\"no good\"}}\n");
	proc_free(&p);
	free(a);
	free(b);
}
END_TEST

/* The most requests the overlap worker saw in progress at once. */
static long long
max_overlap(u_int workers)
{
	struct proc	 p;
	char		 dir[] = "/tmp/te-overlap.XXXXXX", more[64], path[128];
	char		*spec, *in = make_tweets(24, NULL), *mode;
	const char	*err;
	long long	 max = 0, n;
	u_int		 i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert(asprintf(&mode, "overlap %s", dir) != -1);
	snprintf(more, sizeof more, "workers=%u", workers);
	spec = worker(mode, more);
	te_run(&p, in, "--stats", "-e", spec, NULL);
	ck_assert_msg(p.status == 0, "status %d: %s", p.status, p.ebuf);
	exactly_once(&p, 24);
	for (i = 0; i < 24; i++) {
		n = json_integer_value(value_of(&p, i, "exec", &err));
		ck_assert_ptr_null(err);
		ck_assert(n >= 1);
		if (n > max)
			max = n;
	}
	proc_free(&p);
	snprintf(path, sizeof path, "%s/count", dir);
	unlink(path);
	rmdir(dir);
	free(spec);
	free(mode);
	free(in);
	return (max);
}

START_TEST(test_workers_overlap)
{
	/* One request per worker at a time, and all workers kept busy. */
	ck_assert_int_eq(max_overlap(1), 1);
	ck_assert_int_eq(max_overlap(4), 4);
}
END_TEST

START_TEST(test_worker_exits)
{
	struct proc	 p;
	char		*spec = worker("exit-after 3", "workers=2");
	char		*in = make_tweets(20, NULL);
	const char	*err;
	json_t		*v;
	u_int		 i, values = 0;

	te_run(&p, in, "--stats", "-e", spec, NULL);
	ck_assert_msg(p.status == 0, "status %d: %s", p.status, p.ebuf);
	exactly_once(&p, 20);
	for (i = 0; i < 20; i++) {
		v = value_of(&p, i, "exec", &err);
		if (err != NULL) {
			ck_assert_str_eq(err, "worker exited with status 3");
			continue;
		}
		ck_assert(json_integer_value(v) >= 1 &&
		    json_integer_value(v) <= 3);
		values++;
	}
	ck_assert_uint_ge(values, 10);
	proc_free(&p);
	free(spec);
	free(in);
}
END_TEST

START_TEST(test_worker_garbage)
{
	struct proc	 p;
	char		*spec = worker("garbage", NULL);
	char		*in = make_tweets(6, NULL);
	const char	*err;
	json_t		*v;
	u_int		 i;

	te_run(&p, in, "--stats", "-e", spec, NULL);
	ck_assert_msg(p.status == 0, "status %d: %s", p.status, p.ebuf);
	exactly_once(&p, 6);
	for (i = 0; i < 6; i++) {
		v = value_of(&p, i, "exec", &err);
		if (id_of(&p, i) == 2) {
			ck_assert_str_eq(err, "worker answered with a line "
			    "that is not JSON: \"not json\"");
			continue;
		}
		ck_assert_ptr_null(err);
		ck_assert_int_eq(json_integer_value(v), 7);
	}
	proc_free(&p);
	free(spec);
	free(in);
}
END_TEST

START_TEST(test_worker_hangs)
{
	struct proc	 p;
	/* sh starts at once: the timeout is the hang's, not a slow start's. */
	const char	*spec = "exec:cmd=while read l; do case $l in "
			    "*'\"id\":2\\,'*) sleep 3600;; esac; echo 7; "
			    "done,timeout=1000";
	char		*in = make_tweets(5, NULL);
	const char	*err;
	json_t		*v;
	u_int		 i;

	/* The hanging worker is killed: the run ends. */
	te_run(&p, in, "--stats", "-e", spec, NULL);
	ck_assert_msg(p.status == 0, "status %d: %s", p.status, p.ebuf);
	exactly_once(&p, 5);
	for (i = 0; i < 5; i++) {
		v = value_of(&p, i, "exec", &err);
		if (id_of(&p, i) == 2) {
			ck_assert_str_eq(err, "no answer within 1000 ms");
			continue;
		}
		ck_assert_ptr_null(err);
		ck_assert_int_eq(json_integer_value(v), 7);
	}
	proc_free(&p);
	free(in);
}
END_TEST

START_TEST(test_worker_floods_stderr)
{
	struct proc	 p;
	char		*spec = worker("flood", "workers=2,as=fl");
	char		*in = make_tweets(4, NULL), *s, *nl;
	const char	*err;
	u_int		 i, flood = 0, cut = 0;

	/* -q does not silence the workers' stderr. */
	te_run(&p, in, "-q", "--stats", "-e", spec, NULL);
	ck_assert_msg(p.status == 0, "status %d: %s", p.status, p.ebuf);
	exactly_once(&p, 4);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(json_integer_value(value_of(&p, i, "fl",
		    &err)), 7);
	}
	for (s = p.ebuf; (nl = strchr(s, '\n')) != NULL; s = nl + 1) {
		if (strncmp(s, "[fl] flood ", 11) == 0)
			flood++;
		else if (strncmp(s, "[fl] xxxx", 9) == 0) {
			/* Cut to a bounded length, and marked. */
			ck_assert_int_eq(nl - s, 5 + 4096 + 6);
			ck_assert(strncmp(nl - 6, " [cut]", 6) == 0);
			cut++;
		} else
			ck_assert_msg(*s == '{', "unexpected: %.60s", s);
	}
	ck_assert_uint_eq(flood, 4000);
	ck_assert_uint_eq(cut, 4);
	proc_free(&p);
	free(spec);
	free(in);
}
END_TEST

START_TEST(test_too_long_and_give_up)
{
	struct proc	 p;
	char		*spec = worker("echo", "field=/body");
	char		*in = make_tweets(3, NULL);
	const char	*err, *last;
	u_int		 i, fast = 0;

	/* An answer longer than --max-response. */
	te_run(&p, "{\"id\":0,\"body\":\"0123456789012345678901234567890\"}\n"
	    "{\"id\":1,\"body\":\"short\"}\n", "-k", "--max-response", "20",
	    "--stats", "-e", spec, NULL);
	ck_assert_msg(p.status == 0, "status %d: %s", p.status, p.ebuf);
	exactly_once(&p, 2);
	value_of(&p, 0, "exec", &err);
	ck_assert_str_eq(err, "answer longer than 20 bytes");
	ck_assert_str_eq(json_string_value(value_of(&p, 1, "exec", &err)),
	    "short");
	proc_free(&p);
	free(in);

	/* A worker that always answers garbage: given up on after 2. */
	in = make_tweets(8, NULL);
	te_run(&p, in, "-k", "--stats", "-e", "exec:cmd=while read l; do "
	    "echo nope; done,restarts=1", NULL);
	ck_assert_msg(p.status == 0, "status %d: %s", p.status, p.ebuf);
	exactly_once(&p, 8);
	for (i = 0; i < 8; i++) {
		value_of(&p, i, "exec", &err);
		ck_assert_ptr_nonnull(err);
		if (strncmp(err, "gave up after 2 failures in a row", 33) == 0)
			fast++;
		else
			ck_assert_str_eq(err, "worker answered with a line that "
			    "is not JSON: \"nope\"");
		last = err;
	}
	ck_assert_uint_eq(fast, 6);
	ck_assert_str_eq(last, "gave up after 2 failures in a row (last: "
	    "worker answered with a line that is not JSON: \"nope\")");
	ck_assert_ptr_nonnull(strstr(p.ebuf, "exec: gave up after 2 failures"));
	proc_free(&p);
	free(spec);
	free(in);
}
END_TEST

START_TEST(test_sigterm_busy_workers)
{
	struct proc	 p;
	char		*spec = worker("bye", "workers=2");
	char		*in = make_tweets(40, NULL), *s;
	u_int		 byes = 0;

	/* Tweets in flight are settled, then the workers told to go. */
	te_start(&p, "--stats", "-e", spec, NULL);
	proc_write(&p, in, strlen(in));
	proc_wait_drained(&p);
	ck_assert(proc_wait_output(&p, "\n", 0));
	proc_signal(&p, SIGTERM);
	proc_finish(&p);
	ck_assert_int_eq(p.status, 143);
	exactly_once(&p, 40);
	for (s = p.ebuf; (s = strstr(s, "[exec] bye ")) != NULL; s++)
		byes++;
	ck_assert_uint_eq(byes, 2);
	proc_free(&p);
	free(spec);
	free(in);
}
END_TEST

START_TEST(test_cannot_run)
{
	struct proc	 p;
	char		*spec = worker("die-at-start", NULL);
	char		*in = make_tweets(3, NULL);

	/* The shell cannot find it: exit 2, naming the command. */
	te_run(&p, in, "-e", "exec:cmd=no-such-command-te", NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "exec: cannot run "
	    "\"no-such-command-te\": exited with status 127 before its first "
	    "answer"));
	/* Every tweet read is still written. */
	ck_assert_uint_eq(count_lines(p.obuf, p.olen), 3);
	proc_free(&p);

	/* It dies at start-up, with or without input. */
	te_run(&p, in, "-e", spec, NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "exited with status 5 before its "
	    "first answer"));
	proc_free(&p);
	te_run(&p, "", "-e", spec, NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "die-at-start\": exited with "
	    "status 5"));
	proc_free(&p);

	te_run(&p, in, "-e", "exec:workers=2", NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "exec: cmd= is required"));
	proc_free(&p);
	free(spec);
	free(in);
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
 * A secret in cmd= would be in the worker's argv, which ps shows to every
 * local user: refused. A worker's stderr is masked, before a long line is
 * cut (issue 18, item 16).
 */
START_TEST(test_secrets)
{
	static const char	 tok[] = "w-s3cr3t/t0k\xc3\xa9n with space";
	struct proc		 p;
	char			*spec = worker("secret", NULL), *conf, *s, *nl;
	char			*in = make_tweets(2, NULL);
	u_int			 lines = 0;

	setenv("TE_T_WTOKEN", tok, 1);
	te_run(&p, in, "-e", "exec:cmd=sh w6.sh ${TE_T_WTOKEN}", NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "exec: cmd= cannot hold "
	    "${TE_T_WTOKEN}"));
	ck_assert_ptr_nonnull(strstr(p.ebuf, "read TE_T_WTOKEN there"));
	ck_assert(!shows_part(p.ebuf, p.elen, tok));
	proc_free(&p);
	/* From a config file too; $${ is a literal, for the shell. */
	s = "{\"enrich\":[{\"name\":\"exec\",\"cmd\":\"echo x "
	    "${TE_T_WTOKEN}\"}]}";
	conf = tmpfile_with(s, strlen(s));
	te_run(&p, in, "-c", conf, NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "cannot hold ${TE_T_WTOKEN}"));
	proc_free(&p);
	te_run(&p, in, "-e", "exec:cmd=echo 7 # $${TE_T_WTOKEN}", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	proc_free(&p);

	/* The worker reads it from the environment and says it. */
	te_run(&p, in, "--header", "X-Key: ${TE_T_WTOKEN}", "-e", spec, NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_uint_eq(count_lines(p.obuf, p.olen), 2);
	ck_assert(!shows_part(p.ebuf, p.elen, tok));
	for (s = p.ebuf; (nl = strchr(s, '\n')) != NULL; s = nl + 1) {
		/* Masked, then cut: whole if it fits, else 4096 bytes. */
		if (strncmp(s, "[exec] yyyy", 11) == 0) {
			ck_assert_int_eq(nl - s, 7 + 4090 + 3);
			ck_assert(strncmp(nl - 4, "y***", 4) == 0);
		} else if (strncmp(s, "[exec] zzzz", 11) == 0) {
			ck_assert_int_eq(nl - s, 7 + 4096 + 6);
			ck_assert(strncmp(nl - 10, "zz** [cut]", 10) == 0);
		} else
			ck_assert_msg(strncmp(s, "[exec] token=***\n", 17) == 0 ||
			    strncmp(s, "[exec] quoted=***\n", 18) == 0,
			    "unexpected: %.60s", s);
		lines++;
	}
	ck_assert_uint_eq(lines, 8);
	proc_free(&p);
	unsetenv("TE_T_WTOKEN");
	unlink(conf);
	free(conf);
	free(spec);
	free(in);
}
END_TEST

START_TEST(test_tweet_timeout)
{
	struct proc	 p;
	char		*in = make_tweets(3, NULL);
	const char	*err;
	u_int		 i;

	/* --tweet-timeout fails the tweets first; the busy worker's late
	 * answer and the queue are let go at the end, without a write. */
	te_run(&p, in, "--stats", "--tweet-timeout", "200", "-e", "exec:cmd="
	    "while read l; do sleep 1; echo 1; done", NULL);
	ck_assert_msg(p.status == 0, "status %d: %s", p.status, p.ebuf);
	exactly_once(&p, 3);
	for (i = 0; i < 3; i++) {
		value_of(&p, i, "exec", &err);
		ck_assert_str_eq(err, "tweet timeout: not done within 200 ms");
	}
	ck_assert_ptr_null(strstr(p.ebuf, "write to worker"));
	proc_free(&p);
	free(in);
}
END_TEST

START_TEST(test_gnip_adapter)
{
	struct proc	 p;
	char		*a, *b;
	const char	*err;
	u_int		 i;

	/* The classic pipeline's two classes, run unchanged. */
	ck_assert(asprintf(&a, "exec:cmd=python3 %s/examples/gnip_enrichment.py "
	    "TestEnrichment,as=TestEnrichment", run_srcdir()) != -1);
	ck_assert(asprintf(&b, "exec:cmd=python3 %s/examples/gnip_enrichment.py "
	    "SlowEnrichment TestEnrichment,workers=4,as=both", run_srcdir()) !=
	    -1);
	te_run(&p, "{\"id\":0,\"body\":\"nap 0\"}\n{\"id\":1,\"body\":"
	    "\"x\"}\n{\"id\":2,\"body\":\"1\"}\n{\"id\":3}\n", "-k",
	    "--stats", "-e", a, "-e", b, NULL);
	ck_assert_msg(p.status == 0, "status %d: %s", p.status, p.ebuf);
	exactly_once(&p, 4);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(json_integer_value(value_of(&p, i,
		    "TestEnrichment", &err)), 42);
	}
	ck_assert_ptr_nonnull(strstr(p.obuf, "\n{\"id\":3,\"enrichments\":"
	    "{\"TestEnrichment\":42,\"both\":null},\"enrichment_errors\":"
	    "{\"both\":\"KeyError: 'body'\"}}\n"));
	ck_assert_ptr_nonnull(strstr(p.obuf, "\"both\":{\"SlowEnrichment\":"
	    "\"1 second nap\",\"TestEnrichment\":42}}}\n{\"id\":1,"));
	ck_assert_ptr_nonnull(strstr(p.obuf, "\"both\":{\"SlowEnrichment\":"
	    "\"1 second nap\",\"TestEnrichment\":42}}}\n{\"id\":2,"));
	ck_assert_ptr_nonnull(strstr(p.obuf, "\"both\":{\"SlowEnrichment\":"
	    "\"2 second nap\",\"TestEnrichment\":42}}}\n{\"id\":3,"));
	proc_free(&p);
	free(a);
	free(b);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("exec");
	TCase	*tc = tcase_create("exec");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_echo_and_errors);
	tcase_add_test(tc, test_workers_overlap);
	tcase_add_test(tc, test_worker_exits);
	tcase_add_test(tc, test_worker_garbage);
	tcase_add_test(tc, test_worker_hangs);
	tcase_add_test(tc, test_worker_floods_stderr);
	tcase_add_test(tc, test_secrets);
	tcase_add_test(tc, test_too_long_and_give_up);
	tcase_add_test(tc, test_sigterm_busy_workers);
	tcase_add_test(tc, test_cannot_run);
	tcase_add_test(tc, test_tweet_timeout);
	tcase_add_test(tc, test_gnip_adapter);
	suite_add_tcase(s, tc);
	return (run_suite(s));
}
