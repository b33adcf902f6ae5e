/*
 * What the Redis stream source takes of an entry, against a real
 * redis-server started for each test: the field named exactly "tweet" and
 * only one, within --max-line; what it refuses goes to STREAM:dead with
 * its reason, and a read brings in a bounded number of bytes.
 */

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "run.h"
#include "redis/redis-int.h"

static struct proc	 rds;		/* the redis-server */
static int		 rds_port;
static char		 rds_dir[64];
static redisContext	*rc;		/* our own connection, to inspect */

/* Start redis-server on a free port in a directory of its own. */
static void
rds_setup(void)
{
	char		 port[16];
	const char	*argv[] = { "redis-server", "--port", port, "--bind",
	    "127.0.0.1", "--dir", rds_dir, "--save", "", "--appendonly", "no",
	    "--loglevel", "warning", NULL };
	struct timespec	 ts = { 0, 10 * 1000 * 1000 };
	redisReply	*r;
	int		 i;

	strcpy(rds_dir, "/tmp/te-redis.XXXXXX");
	ck_assert(mkdtemp(rds_dir) != NULL);
	rds_port = free_port();
	snprintf(port, sizeof port, "%d", rds_port);
	proc_start(&rds, argv, -1);
	for (i = 0; i < 1000; i++, nanosleep(&ts, NULL)) {
		if ((rc = redisConnect("127.0.0.1", rds_port)) == NULL)
			continue;
		if (rc->err == 0 && (r = redisCommand(rc, "PING")) != NULL) {
			freeReplyObject(r);
			return;
		}
		redisFree(rc);
	}
	ck_abort_msg("redis-server on port %d does not answer", rds_port);
}

static void
rds_teardown(void)
{
	char	cmd[128];

	redisFree(rc);
	proc_signal(&rds, SIGTERM);
	proc_finish(&rds);
	proc_free(&rds);
	snprintf(cmd, sizeof cmd, "rm -rf %s", rds_dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Add an entry to "in" with the given fields (a binary-safe argv). */
static void
rds_add(int argc, const char **argv, const size_t *lens)
{
	const char	*av[16];
	size_t		 al[16];
	redisReply	*r;
	int		 i;

	av[0] = "XADD";
	av[1] = "in";
	av[2] = "*";
	for (i = 0; i < 3; i++)
		al[i] = strlen(av[i]);
	for (i = 0; i < argc; i++) {
		av[3 + i] = argv[i];
		al[3 + i] = lens != NULL ? lens[i] : strlen(argv[i]);
	}
	r = redisCommandArgv(rc, 3 + argc, av, al);
	ck_assert_msg(r != NULL && r->type == REDIS_REPLY_STRING, "XADD");
	freeReplyObject(r);
}

/* The reasons of the dead letters, in order, one a line. */
static char *
rds_dead_reasons(void)
{
	redisReply	*r, *f;
	char		*buf = calloc(1, 1);
	size_t		 i;

	r = redisCommand(rc, "XRANGE in:dead - +");
	ck_assert(r != NULL && r->type == REDIS_REPLY_ARRAY);
	for (i = 0; i < r->elements; i++) {
		f = r->element[i]->element[1];
		ck_assert_int_eq(f->elements, 4);
		ck_assert_str_eq(f->element[2]->str, "reason");
		buf = realloc(buf, strlen(buf) + f->element[3]->len + 2);
		strcat(buf, f->element[3]->str);
		strcat(buf, "\n");
	}
	freeReplyObject(r);
	return (buf);
}

/* Run the source over "in" to the end (drain=yes) with more arguments. */
static void
drain(struct proc *p, const char *arg1, const char *arg2)
{
	char	from[128];

	snprintf(from, sizeof from, "redis://127.0.0.1:%d/in?group=g&start=0"
	    "&drain=yes", rds_port);
	te_run(p, "", "--from", from, "--stats", arg1, arg2, NULL);
	ck_assert_msg(p->status == 0, "exit %d: %s", p->status, p->ebuf);
}

/*
 * A field named "tweet\0x" is not "tweet"; two fields "tweet" are a guess
 * the source does not make: both entries are dead letters, and only the
 * well-formed one is read.
 */
START_TEST(test_field_names)
{
	struct proc	 p;
	const char	*nul[] = { "tweet\0x", "{\"id\":0}" };
	const size_t	 nullen[] = { 7, 8 };
	const char	*two[] = { "tweet", "{\"id\":1}", "tweet", "{\"id\":2}" };
	const char	*one[] = { "other", "x", "tweet", "{\"id\":3}" };
	char		*reasons;

	rds_add(2, nul, nullen);
	rds_add(4, two, NULL);
	rds_add(4, one, NULL);
	drain(&p, NULL, NULL);
	ck_assert_str_eq(p.obuf, "{\"id\":3}\n");
	reasons = rds_dead_reasons();
	ck_assert_str_eq(reasons, "no field \"tweet\"\n"
	    "more than one field \"tweet\"\n");
	free(reasons);
	proc_free(&p);
}
END_TEST

/*
 * Add a tweet {"id":id,"pad":"xxx..."} of len bytes to "in", made on the
 * server: this process never holds it, so that a program it starts does
 * not begin its life (fork) with a copy of it in its peak size.
 */
static void
add_tweet(int id, size_t len)
{
	redisReply	*r;

	r = redisCommand(rc, "EVAL %s 1 in %d %d",
	    "local head = '{\"id\":' .. ARGV[1] .. ',\"pad\":\"' "
	    "return redis.call('XADD', KEYS[1], '*', 'tweet', head .. "
	    "string.rep('x', tonumber(ARGV[2]) - #head - 2) .. '\"}')",
	    id, (int)len);
	ck_assert_msg(r != NULL && r->type == REDIS_REPLY_STRING, "XADD: %s",
	    r != NULL && r->str != NULL ? r->str : "");
	freeReplyObject(r);
}

/*
 * --max-line applies to entries: five of 8 MB with --max-line 1000000 go
 * to STREAM:dead, counted as bad lines, and never reach the program: its
 * peak size stays within half of one of them of what a run over small
 * entries alone takes.
 */
START_TEST(test_max_line)
{
	struct proc	 p;
	json_t		*st;
	char		*reasons;
	long		 base;
	int		 i;

	for (i = 0; i < 4; i++)
		add_tweet(i, 100);
	drain(&p, "--max-line", "1000000");
	ck_assert_int_eq(count_lines(p.obuf, p.olen), 4);
	base = p.maxrss_kb;
	proc_free(&p);

	for (i = 4; i < 10; i++)
		add_tweet(i, i == 7 ? 100 : 8000000);
	drain(&p, "--max-line", "1000000");
	ck_assert_int_eq(count_lines(p.obuf, p.olen), 1);
	ck_assert_ptr_nonnull(strstr(p.obuf, "{\"id\":7,"));
	st = stats_of(&p);
	ck_assert_int_eq(stat_int(st, "bad"), 5);
	ck_assert_int_eq(stat_int(json_object_get(st, "redis"), "dead"), 5);
	json_decref(st);
	reasons = rds_dead_reasons();
	ck_assert_str_eq(reasons, "longer than 1000000 bytes\n"
	    "longer than 1000000 bytes\nlonger than 1000000 bytes\n"
	    "longer than 1000000 bytes\nlonger than 1000000 bytes\n");
	free(reasons);
	if (getenv("TE_VALGRIND") == NULL)
		ck_assert_msg(p.maxrss_kb < base + 4000, "peak %ld KB, %ld KB "
		    "without the long entries", p.maxrss_kb, base);
	proc_free(&p);
}
END_TEST

/* Wait until the program waits on the server (a blocked XREADGROUP). */
static void
rds_wait_blocked(struct proc *p)
{
	redisReply	*r;
	char		*line, *nl;
	int		 found = 0;

	while (!found) {
		r = redisCommand(rc, "CLIENT LIST");
		ck_assert(r != NULL && r->type == REDIS_REPLY_STRING);
		for (line = r->str; line != NULL && !found; line = nl) {
			if ((nl = strchr(line, '\n')) != NULL)
				*nl++ = '\0';
			found = strstr(line, "cmd=xreadgroup") != NULL &&
			    strstr(line, "flags=b") != NULL;
		}
		freeReplyObject(r);
		ck_assert_msg(proc_running(p), "ended: %s", p->ebuf);
		if (!found)
			proc_pump(p, 10);
	}
}

/*
 * Entries too long that come while the source waits for one (the wait
 * takes one entry whatever its size): one of 5000 bytes is refused by the
 * program; one of 64 MB is refused before it is whole (a reply over 16 MiB
 * and --max-line loses the connection), then on the server by the read
 * that follows the reconnect; the program's peak size shows it never held
 * it. Both are dead letters, and what follows each is read.
 */
START_TEST(test_max_line_waiting)
{
	struct proc	 p;
	char		 from[128], *reasons;
	long		 base;

	drain(&p, "--max-line", "1000");
	base = p.maxrss_kb;
	proc_free(&p);
	snprintf(from, sizeof from, "redis://127.0.0.1:%d/in?group=g",
	    rds_port);
	te_start(&p, "--from", from, "--max-line", "1000", NULL);
	rds_wait_blocked(&p);
	add_tweet(0, 5000);
	add_tweet(1, 100);
	ck_assert(proc_wait_output(&p, "{\"id\":1,", 0));
	rds_wait_blocked(&p);
	add_tweet(2, 64000000);
	add_tweet(3, 100);
	ck_assert(proc_wait_output(&p, "{\"id\":3,", 0));
	proc_signal(&p, SIGTERM);
	proc_finish(&p);
	ck_assert_int_eq(p.status, 143);
	ck_assert_int_eq(count_lines(p.obuf, p.olen), 2);
	ck_assert_msg(strstr(p.ebuf, "a reply over") != NULL, "%s", p.ebuf);
	reasons = rds_dead_reasons();
	ck_assert_str_eq(reasons, "longer than 1000 bytes\n"
	    "longer than 1000 bytes\n");
	free(reasons);
	/* Not under valgrind, nor AddressSanitizer, whose quarantine keeps
	 * each buffer the reply grew out of (1 + 2 + ... + 17 MB). */
#ifndef __SANITIZE_ADDRESS__
	if (getenv("TE_VALGRIND") == NULL)
		ck_assert_msg(p.maxrss_kb < base + 48000, "peak %ld KB, %ld KB "
		    "without the long entries", p.maxrss_kb, base);
#else
	(void)base;
#endif
	proc_free(&p);
}
END_TEST

/*
 * The read script stops at its byte budget: 40 entries of 1 MB, a budget
 * of 16 MiB, one read takes 17 (the one that crosses the line included)
 * and leaves the rest for the next; one too long is dead-lettered without
 * being returned.
 */
START_TEST(test_read_budget)
{
	const char	*argv[12] = { "EVAL", redis_lua_read, "2", "in",
	    "in:dead", "g", "c", ">", "1000", "0", "2000000", "16777216" };
	redisReply	*r;
	int		 i;

	for (i = 0; i < 40; i++)
		add_tweet(i, i == 3 ? 3000000 : 1000000);
	freeReplyObject(redisCommand(rc, "XGROUP CREATE in g 0"));
	r = redisCommandArgv(rc, 12, argv, NULL);
	ck_assert_msg(r != NULL && r->type == REDIS_REPLY_ARRAY &&
	    r->elements == 4, "%s", r != NULL && r->str != NULL ? r->str : "");
	ck_assert_int_eq(r->element[0]->elements, 17);
	ck_assert_int_eq(r->element[1]->integer, 1);
	ck_assert_int_eq(r->element[3]->elements, 1);
	ck_assert_int_eq(r->element[3]->element[0]->element[1]->integer,
	    3000000);
	freeReplyObject(r);
	r = redisCommandArgv(rc, 12, argv, NULL);
	ck_assert_int_eq(r->element[0]->elements, 17);
	freeReplyObject(r);
	r = redisCommandArgv(rc, 12, argv, NULL);
	ck_assert_int_eq(r->element[0]->elements, 5);
	freeReplyObject(r);
}
END_TEST

static Suite *
redisentry_suite(void)
{
	Suite	*s = suite_create("redisentry");
	TCase	*tc;

	tc = tcase_create("entries");
	tcase_add_checked_fixture(tc, rds_setup, rds_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_field_names);
	tcase_add_test(tc, test_max_line);
	tcase_add_test(tc, test_max_line_waiting);
	tcase_add_test(tc, test_read_budget);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (run_suite(redisentry_suite()));
}
