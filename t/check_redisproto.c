/*
 * The Redis stream source against t/fake-redis.py, a fake server that sends
 * what a real one never would (malformed replies) or holds a reply back
 * and goes away at a moment the test chooses: the program must take a bad
 * reply as a protocol error and reconnect, and a signal must end the run
 * whatever the server does meanwhile.
 */

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

/* Start the fake server with its script (JSON); returns its port. */
static int
fake_start(struct proc *f, const char *script)
{
	char		 path[1024];
	const char	*argv[] = { "python3", path, script, NULL };

	snprintf(path, sizeof path, "%s/t/fake-redis.py", run_srcdir());
	proc_start(f, argv, -1);
	ck_assert(proc_wait_output(f, "\n", 0));
	return (atoi(f->obuf));
}

/* How many times the fake server saw a line (a command, "connect"). */
static int
fake_count(struct proc *f, const char *what)
{
	const char	*s = f->obuf;
	size_t		 len = strlen(what);
	int		 n = 0;

	while ((s = strstr(s, what)) != NULL) {
		if ((s == f->obuf || s[-1] == '\n') && s[len] == '\n')
			n++;
		s += len;
	}
	return (n);
}

/*
 * Replies of the wrong shape to the read script (the issue's *1 *2 $2 s3 *1
 * *0, an integer where an id belongs, too few parts, fields that do not
 * pair up, an id that is not one, a negative count, a bad last id, a bad
 * length): each is a protocol error, the connection is made again, and the
 * good entry after them is read and acknowledged.
 */
START_TEST(test_malformed_replies)
{
	struct proc	 f, p;
	char		 from[128];
	const char	*script = "{\"EVAL:XREADGROUP\": ["
	    "\"*1 *2 $2 s3 *1 *0\", "
	    "\"*4 *1 *2 :5 *0 :0 $0  *0\", "
	    "\"*3 *0 :0 $0 \", "
	    "\"*4 *1 *2 $3 1-1 *1 $5 tweet :0 $0  *0\", "
	    "\"*4 *1 *2 $8 nonsense *0 :0 $0  *0\", "
	    "\"*4 *0 :-1 $0  *0\", "
	    "\"*4 *0 :0 $3 1-x *0\", "
	    "\"*4 *0 :0 $0  *1 *2 $3 1-1 $1 x\", "
	    "\"*4 *1 *2 $3 1-1 *2 $5 tweet $8 {\\\"id\\\":0} :0 $3 1-1 *0\", "
	    "\"*4 *0 :0 $0  *0\"]}";

	snprintf(from, sizeof from, "redis://127.0.0.1:%d/s3?group=g&"
	    "drain=yes", fake_start(&f, script));
	te_run(&p, "", "--from", from, NULL);
	ck_assert_msg(p.status == 0, "exit %d: %s", p.status, p.ebuf);
	ck_assert_str_eq(p.obuf, "{\"id\":0}\n");
	ck_assert_msg(strstr(p.ebuf, "malformed read reply") != NULL, "%s",
	    p.ebuf);
	proc_finish(&f);
	/* Two connections at the start, one more after each bad reply. */
	ck_assert_int_eq(fake_count(&f, "connect"), 2 + 8);
	ck_assert_int_eq(fake_count(&f, "XACK"), 1);
	proc_free(&p);
	proc_free(&f);
}
END_TEST

/*
 * The same for a read that waits for a new entry: bad replies to it are
 * protocol errors; the entry that comes next is read; a signal ends it,
 * once the read held on the server ends (the server drops its connections,
 * as a restart does). The entry's XACK may not have been answered yet when
 * the signal comes: then it is sent again on a new connection (the man
 * page: acknowledged once the server is back). Killing the server instead
 * left such a run waiting for it for good (a timeout under load).
 */
START_TEST(test_malformed_waits)
{
	struct proc	 f, p;
	char		 from[128];
	const char	*script = "{\"XREADGROUP\": ["
	    "\"*1 *2 $2 s3 *1 *0\", "
	    "\"*1 *2 $2 s3 *1 *2 :5 *0\", "
	    "\"*1 *2 $2 s3 :7\", "
	    "\"*1 *2 $2 s3 *1 *2 $3 1-1 *2 $5 tweet $8 {\\\"id\\\":0}\", "
	    "\"hold\"]}";

	snprintf(from, sizeof from, "redis://127.0.0.1:%d/s3?group=g",
	    fake_start(&f, script));
	te_start(&p, "--from", from, NULL);
	ck_assert(proc_wait_output(&p, "{\"id\":0}\n", 0));
	ck_assert(proc_wait_output(&f, "XACK\n", 0));
	/* Two connections at the start, one more after each bad reply. */
	ck_assert_int_eq(fake_count(&f, "connect"), 2 + 3);
	proc_signal(&p, SIGTERM);
	ck_assert(proc_wait_output(&p, "stopping", 1));
	proc_write(&f, "drop\n", 5);
	proc_finish(&p);
	proc_finish(&f);
	ck_assert_msg(p.status == 143, "exit %d: %s", p.status, p.ebuf);
	ck_assert_msg(strstr(p.ebuf, "malformed XREADGROUP reply") != NULL,
	    "%s", p.ebuf);
	ck_assert_str_eq(p.obuf, "{\"id\":0}\n");
	/* No read after the signal: the last XREADGROUP is the held one. */
	ck_assert_int_eq(fake_count(&f, "XREADGROUP"), 5);
	proc_free(&p);
	proc_free(&f);
}
END_TEST

/*
 * SIGTERM while a read is blocked on the server, then the server goes away
 * before answering: the run ends (nothing was held), it does not wait
 * for a reply that will never come.
 */
START_TEST(test_sigterm_then_server_gone)
{
	struct proc	 f, p;
	char		 from[128];

	snprintf(from, sizeof from, "redis://127.0.0.1:%d/s?group=g",
	    fake_start(&f, "{\"XREADGROUP\": [\"hold\"]}"));
	te_start(&p, "--from", from, NULL);
	ck_assert(proc_wait_output(&f, "XREADGROUP\n", 0));
	proc_signal(&p, SIGTERM);
	ck_assert(proc_wait_output(&p, "stopping", 1));
	proc_signal(&f, SIGKILL);
	proc_finish(&f);
	proc_finish(&p);
	ck_assert_msg(p.status == 143, "exit %d: %s", p.status, p.ebuf);
	proc_free(&p);
	proc_free(&f);
}
END_TEST

static Suite *
redisproto_suite(void)
{
	Suite	*s = suite_create("redisproto");
	TCase	*tc;

	tc = tcase_create("replies");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_malformed_replies);
	tcase_add_test(tc, test_malformed_waits);
	tcase_add_test(tc, test_sigterm_then_server_gone);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (run_suite(redisproto_suite()));
}
