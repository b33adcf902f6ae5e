/*
 * Redis Streams as source and sink: each test starts its own redis-server
 * on a free loopback port (and a directory of its own), runs tweet-enricher
 * against it, and inspects the streams, the group's pending list and the
 * dead-letter stream with hiredis.
 */

#include <sys/stat.h>

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "run.h"
#include "lib/lib.h"
#include "redis/redis.h"

static struct proc	 rds;		/* the redis-server */
static int		 rds_port;
static char		 rds_dir[64];
static redisContext	*rc;		/* our own connection, to inspect */

/* Wait until the server answers PING (it has just been started). */
static redisContext *
rds_connect(int port)
{
	redisContext	*c;
	redisReply	*r;
	struct timespec	 ts = { 0, 10 * 1000 * 1000 };
	int		 i;

	for (i = 0; i < 1000; i++) {
		c = redisConnect("127.0.0.1", port);
		if (c != NULL && c->err == 0) {
			r = redisCommand(c, "PING");
			if (r != NULL && r->type == REDIS_REPLY_STATUS) {
				freeReplyObject(r);
				return (c);
			}
			if (r != NULL)
				freeReplyObject(r);
		}
		if (c != NULL)
			redisFree(c);
		nanosleep(&ts, NULL);
	}
	ck_abort_msg("redis-server on port %d does not answer", port);
	return (NULL);
}

/* Start redis-server on rds_port in rds_dir (append-only, for restarts). */
static void
rds_start(void)
{
	char		 port[16];
	const char	*argv[] = { "redis-server", "--port", port, "--bind",
	    "127.0.0.1", "--dir", rds_dir, "--save", "", "--appendonly", "yes",
	    "--appendfsync", "always", "--loglevel", "warning", NULL };

	snprintf(port, sizeof port, "%d", rds_port);
	proc_start(&rds, argv, -1);
	rc = rds_connect(rds_port);
}

static void
rds_stop(void)
{
	if (rc != NULL)
		redisFree(rc);
	rc = NULL;
	proc_signal(&rds, SIGTERM);
	proc_finish(&rds);
	proc_free(&rds);
}

static void
rds_setup(void)
{
	strcpy(rds_dir, "/tmp/te-redis.XXXXXX");
	ck_assert(mkdtemp(rds_dir) != NULL);
	rds_port = free_port();
	rds_start();
}

static void
rds_teardown(void)
{
	char	cmd[128];

	rds_stop();
	snprintf(cmd, sizeof cmd, "rm -rf %s", rds_dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Run a command and return its integer reply. */
static long long
rds_int(const char *fmt, ...)
{
	redisReply	*r;
	long long	 v;
	va_list		 ap;

	va_start(ap, fmt);
	r = redisvCommand(rc, fmt, ap);
	va_end(ap);
	ck_assert_ptr_nonnull(r);
	ck_assert_msg(r->type == REDIS_REPLY_INTEGER, "%s: %s", fmt,
	    r->type == REDIS_REPLY_ERROR ? r->str : "not an integer");
	v = r->integer;
	freeReplyObject(r);
	return (v);
}

/* Pending entries of a group (0 for a group that has none). */
static long long
rds_pending(const char *stream, const char *group)
{
	redisReply	*r;
	long long	 v;

	r = redisCommand(rc, "XPENDING %s %s", stream, group);
	ck_assert_ptr_nonnull(r);
	ck_assert_msg(r->type == REDIS_REPLY_ARRAY && r->elements >= 1,
	    "XPENDING %s", r->type == REDIS_REPLY_ERROR ? r->str : "");
	v = r->element[0]->integer;
	freeReplyObject(r);
	return (v);
}

/* The "tweet" fields of a stream, as lines, for exactly_once(). */
static char *
rds_tweets(const char *stream, u_int *n)
{
	redisReply	*r, *f;
	char		*buf = NULL;
	size_t		 len = 0, i, k;

	r = redisCommand(rc, "XRANGE %s - +", stream);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
	*n = r->elements;
	buf = calloc(1, 1);
	for (i = 0; i < r->elements; i++) {
		f = r->element[i]->element[1];
		for (k = 0; k + 1 < f->elements; k += 2) {
			if (strcmp(f->element[k]->str, "tweet") != 0)
				continue;
			buf = realloc(buf, len + f->element[k + 1]->len + 2);
			memcpy(buf + len, f->element[k + 1]->str,
			    f->element[k + 1]->len);
			len += f->element[k + 1]->len;
			buf[len++] = '\n';
			buf[len] = '\0';
		}
	}
	freeReplyObject(r);
	return (buf);
}

/* Each {"id": 0..n-1} appears once among the lines in buf. */
static void
once_each(const char *buf, u_int n)
{
	char		*seen = calloc(n, 1);
	const char	*s = buf, *nl;
	json_t		*j;
	long long	 i;
	u_int		 lines = 0;

	while ((nl = strchr(s, '\n')) != NULL) {
		j = json_loadb(s, nl - s, 0, NULL);
		ck_assert_msg(j != NULL, "bad line: %.*s", (int)(nl - s), s);
		i = json_integer_value(json_object_get(j, "id"));
		ck_assert(i >= 0 && i < n);
		ck_assert_msg(!seen[i], "tweet %lld written twice", i);
		seen[i] = 1;
		json_decref(j);
		lines++;
		s = nl + 1;
	}
	ck_assert_msg(lines == n, "%u of %u tweets", lines, n);
	free(seen);
}

static char *
url(const char *path)
{
	char	*s;

	ck_assert(asprintf(&s, "redis://127.0.0.1:%d/%s", rds_port,
	    path) != -1);
	return (s);
}

/* Load n tweets into stream "in" from stdin. */
static void
load(u_int n, const char *extra)
{
	struct proc	 p;
	char		*in = make_tweets(n, extra), *to = url("in");

	te_run(&p, in, "--to", to, NULL);
	ck_assert_msg(p.status == 0, "load: %d: %s", p.status, p.ebuf);
	ck_assert_str_eq(p.obuf, "");
	proc_free(&p);
	free(in);
	free(to);
	ck_assert_int_eq(rds_int("XLEN in"), n);
}

/* stdin -> stream, with and without enrichments; stream -> stdout. */
START_TEST(test_load_and_read_back)
{
	struct proc	 p;
	char		*from, *in = make_tweets(300, NULL), *lines;
	u_int		 n;
	json_t		*st, *j;

	load(300, NULL);
	lines = rds_tweets("in", &n);
	ck_assert_int_eq(n, 300);
	ck_assert(strcmp(lines, in) == 0);	/* copied as they are, in order */
	free(lines);

	from = url("in?group=g&start=0&drain=yes");
	te_run(&p, "", "--from", from, "-e", "test", "--stats", NULL);
	ck_assert_msg(p.status == 0, "%d: %s", p.status, p.ebuf);
	exactly_once(&p, 300);
	j = line_of(&p, 0);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(
	    j, "enrichments"), "test")), 42);
	json_decref(j);
	st = stats_of(&p);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(st,
	    "redis"), "delivery")), "at least once");
	json_decref(st);
	ck_assert_int_eq(rds_pending("in", "g"), 0);
	proc_free(&p);

	/* A second group sees the same entries again. */
	free(from);
	from = url("in?group=h&start=0&drain=yes");
	te_run(&p, "", "--from", from, NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_int_eq(count_lines(p.obuf, p.olen), 300);
	proc_free(&p);
	free(from);
	free(in);
}
END_TEST

/* Stream notices: written through, or dropped and acknowledged all the
 * same (nothing left pending, no hang). */
START_TEST(test_notices)
{
	struct proc	 p;
	char		*to = url("in"), *from;
	const char	*in = "{\"id\":1}\n{\"delete\":{\"status\":{\"id\":2}}}\n"
			    "{\"limit\":{\"track\":3}}\n{\"id\":4}\n";

	te_run(&p, in, "--to", to, NULL);
	ck_assert_int_eq(p.status, 0);
	proc_free(&p);
	from = url("in?group=g&start=0&drain=yes");
	te_run(&p, "", "--from", from, "--drop-notices", "-e", "test", NULL);
	ck_assert_msg(p.status == 0, "%d: %s", p.status, p.ebuf);
	ck_assert_int_eq(count_lines(p.obuf, p.olen), 2);
	ck_assert_int_eq(rds_pending("in", "g"), 0);
	proc_free(&p);
	free(from);
	from = url("in?group=h&start=0&drain=yes");
	te_run(&p, "", "--from", from, "-e", "test", NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_int_eq(count_lines(p.obuf, p.olen), 4);
	ck_assert_ptr_nonnull(strstr(p.obuf, "{\"limit\":{\"track\":3}}\n"));
	ck_assert_int_eq(rds_pending("in", "h"), 0);
	proc_free(&p);
	free(from);
	free(to);
}
END_TEST

/* Reading never takes more entries than there are free pending slots. */
START_TEST(test_flow_control)
{
	struct proc	 p;
	char		*from = url("in?group=g&start=0&drain=yes");
	redisReply	*r;
	long long	 most = 0, v;

	load(60, NULL);
	te_start(&p, "--from", from, "-p", "5", "-e", "sleep:ms=30", NULL);
	while (proc_running(&p)) {
		r = redisCommand(rc, "XPENDING in g");
		if (r != NULL && r->type == REDIS_REPLY_ARRAY) {
			v = r->element[0]->integer;
			if (v > most)
				most = v;
		}
		freeReplyObject(r);
		proc_pump(&p, 5);
	}
	proc_finish(&p);
	ck_assert_int_eq(p.status, 0);
	ck_assert_int_eq(count_lines(p.obuf, p.olen), 60);
	ck_assert_msg(most >= 1 && most <= 5, "%lld pending at most", most);
	proc_free(&p);
	free(from);
}
END_TEST

/* Stream to stream on one server: the write and the ack in one script. */
START_TEST(test_exactly_once_script)
{
	struct proc	 p;
	char		*from = url("in?group=g&start=0&drain=yes");
	char		*to = url("out"), *lines;
	json_t		*st;
	u_int		 n;

	load(500, NULL);
	te_run(&p, "", "--from", from, "--to", to, "-e", "test", "--stats",
	    NULL);
	ck_assert_msg(p.status == 0, "%d: %s", p.status, p.ebuf);
	ck_assert_str_eq(p.obuf, "");
	st = stats_of(&p);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(st,
	    "redis"), "delivery")), "exactly once");
	json_decref(st);
	lines = rds_tweets("out", &n);
	ck_assert_int_eq(n, 500);
	once_each(lines, 500);
	ck_assert_ptr_nonnull(strstr(lines, "\"enrichments\":{\"test\":42}"));
	free(lines);
	ck_assert_int_eq(rds_pending("in", "g"), 0);
	proc_free(&p);
	free(from);
	free(to);
}
END_TEST

/*
 * A consumer killed mid-run: a second one claims its entries once idle,
 * and the output stream has every tweet exactly once.
 */
START_TEST(test_kill_and_claim)
{
	struct proc	 a, b;
	char		*fa = url("in?group=g&start=0&consumer=a");
	char		*fb = url("in?group=g&start=0&consumer=b&drain=yes");
	char		*to = url("out"), *lines;
	redisReply	*r;
	json_t		*st;
	u_int		 n;

	load(400, NULL);
	te_start(&a, "--from", fa, "--to", to, "-p", "100",
	    "-e", "sleep:ms=1000", NULL);
	/* Wait until a has written some and holds some. */
	for (;;) {
		/* A whole batch held: a second before it is written. */
		if (rds_int("XLEN out") >= 50 && rds_pending("in", "g") >= 50)
			break;
		ck_assert_msg(proc_running(&a), "a ended: %s", a.ebuf);
		proc_pump(&a, 10);
	}
	proc_signal(&a, SIGKILL);
	proc_finish(&a);
	r = redisCommand(rc, "XPENDING in g");
	ck_assert(r->element[0]->integer > 0);	/* a left entries pending */
	freeReplyObject(r);

	te_run(&b, "", "--from", fb, "--to", to, "--claim-idle", "300",
	    "--stats", "-e", "sleep:ms=1", NULL);
	ck_assert_msg(b.status == 0, "%d: %s", b.status, b.ebuf);
	st = stats_of(&b);
	ck_assert_int_gt(stat_int(json_object_get(st, "redis"), "claimed"), 0);
	json_decref(st);
	lines = rds_tweets("out", &n);
	once_each(lines, 400);
	free(lines);
	ck_assert_int_eq(rds_pending("in", "g"), 0);
	proc_free(&a);
	proc_free(&b);
	free(fa);
	free(fb);
	free(to);
}
END_TEST

/* The server restarts mid-run: reconnect, nothing lost or doubled. */
START_TEST(test_restart)
{
	struct proc	 p;
	char		*from = url("in?group=g&start=0&drain=yes");
	char		*to = url("out"), *lines;
	u_int		 n;

	load(300, NULL);
	te_start(&p, "--from", from, "--to", to, "-p", "50",
	    "-e", "sleep:ms=20", NULL);
	while (rds_int("XLEN out") < 30) {
		ck_assert_msg(proc_running(&p), "ended: %s", p.ebuf);
		proc_pump(&p, 10);
	}
	rds_stop();
	rds_start();
	proc_finish(&p);
	ck_assert_msg(p.status == 0, "%d: %s", p.status, p.ebuf);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "reconnecting"));
	lines = rds_tweets("out", &n);
	once_each(lines, 300);
	free(lines);
	ck_assert_int_eq(rds_pending("in", "g"), 0);
	proc_free(&p);
	free(from);
	free(to);
}
END_TEST

/* Entries that are not tweets, or delivered too often: dead letters. */
START_TEST(test_dead_letters)
{
	struct proc	 p;
	char		*from = url("in?group=g&start=0&drain=yes");
	redisReply	*r, *f;
	json_t		*st;
	int		 i, seen;

	load(10, NULL);
	freeReplyObject(redisCommand(rc, "XADD in * other x"));
	freeReplyObject(redisCommand(rc, "XADD in * tweet %s", "[1,2]"));
	/* One entry delivered to a ghost consumer six times already. */
	freeReplyObject(redisCommand(rc, "XGROUP CREATE in g 0"));
	freeReplyObject(redisCommand(rc, "XADD in 9999999999999-0 tweet %s",
	    "{\"id\":10}"));
	r = redisCommand(rc, "XREADGROUP GROUP g ghost COUNT 100 STREAMS in >");
	freeReplyObject(r);
	/* Give back all but the last to the group (acked by nobody: ghost
	 * holds them), then bump the last one's count. */
	r = redisCommand(rc, "XPENDING in g - + 100");
	for (i = 0; i < (int)r->elements - 1; i++)
		freeReplyObject(redisCommand(rc, "XCLAIM in g ghost 0 %s "
		    "IDLE 999999", r->element[i]->element[0]->str));
	freeReplyObject(r);
	for (i = 0; i < 5; i++)
		freeReplyObject(redisCommand(rc, "XCLAIM in g ghost 0 "
		    "9999999999999-0"));
	freeReplyObject(redisCommand(rc, "XCLAIM in g ghost 0 "
	    "9999999999999-0 IDLE 999999"));

	te_run(&p, "", "--from", from, "--claim-idle", "100", "--stats",
	    "-e", "test", NULL);
	ck_assert_msg(p.status == 0, "%d: %s", p.status, p.ebuf);
	st = stats_of(&p);
	ck_assert_int_eq(stat_int(json_object_get(st, "redis"), "dead"), 3);
	ck_assert_int_eq(stat_int(st, "bad"), 2);
	json_decref(st);
	ck_assert_int_eq(count_lines(p.obuf, p.olen), 10);
	ck_assert_int_eq(rds_int("XLEN in:dead"), 3);
	ck_assert_int_eq(rds_pending("in", "g"), 0);
	/* Each with its tweet and reason, in whatever order. */
	r = redisCommand(rc, "XRANGE in:dead - +");
	ck_assert_int_eq(r->elements, 3);
	seen = 0;
	for (i = 0; i < 3; i++) {
		f = r->element[i]->element[1];
		ck_assert_int_eq(f->elements, 4);
		ck_assert_str_eq(f->element[0]->str, "tweet");
		ck_assert_str_eq(f->element[2]->str, "reason");
		if (strcmp(f->element[3]->str, "no field \"tweet\"") == 0 &&
		    strcmp(f->element[1]->str, "") == 0)
			seen |= 1;
		if (strcmp(f->element[3]->str, "not a JSON object") == 0 &&
		    strcmp(f->element[1]->str, "[1,2]") == 0)
			seen |= 2;
		if (strncmp(f->element[3]->str, "delivered ", 10) == 0 &&
		    strcmp(f->element[1]->str, "{\"id\":10}") == 0)
			seen |= 4;
	}
	ck_assert_int_eq(seen, 7);
	freeReplyObject(r);
	proc_free(&p);
	free(from);
}
END_TEST

/* A server that cannot be reached at the start: exit 1, saying where. */
START_TEST(test_unreachable)
{
	struct proc	 p;
	char		 from[128];
	int		 port = free_port();

	snprintf(from, sizeof from, "redis://127.0.0.1:%d/in?group=g", port);
	te_run(&p, "", "--from", from, "-e", "test", NULL);
	ck_assert_int_eq(p.status, 1);
	ck_assert_msg(strstr(p.ebuf, "127.0.0.1:") != NULL &&
	    strstr(p.ebuf, "refused") != NULL, "%s", p.ebuf);
	proc_free(&p);

	te_run(&p, "", "--from", "redis://127.0.0.1/in", "-e", "test", NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "group"));
	proc_free(&p);
}
END_TEST

/* Stream to a stream on another server: written, then acknowledged. */
START_TEST(test_other_server)
{
	struct proc	 p, other;
	char		*from = url("in?group=g&start=0&drain=yes"), to[128];
	char		 port[16], dir[64], cmd[128];
	const char	*argv[] = { "redis-server", "--port", port, "--bind",
	    "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no",
	    "--loglevel", "warning", NULL };
	redisContext	*c2;
	redisReply	*r;
	json_t		*st;
	int		 port2 = free_port();

	strcpy(dir, "/tmp/te-redis2.XXXXXX");
	ck_assert(mkdtemp(dir) != NULL);
	snprintf(port, sizeof port, "%d", port2);
	proc_start(&other, argv, -1);
	c2 = rds_connect(port2);
	load(200, NULL);
	snprintf(to, sizeof to, "redis://127.0.0.1:%d/out", port2);
	te_run(&p, "", "--from", from, "--to", to, "-e", "test", "--stats",
	    NULL);
	ck_assert_msg(p.status == 0, "%d: %s", p.status, p.ebuf);
	st = stats_of(&p);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(st,
	    "redis"), "delivery")), "at least once");
	ck_assert_int_eq(stat_int(json_object_get(st, "redis"), "acked"), 200);
	json_decref(st);
	r = redisCommand(c2, "XLEN out");
	ck_assert_int_eq(r->integer, 200);
	freeReplyObject(r);
	ck_assert_int_eq(rds_int("EXISTS out"), 0);	/* not on the source */
	ck_assert_int_eq(rds_pending("in", "g"), 0);
	redisFree(c2);
	proc_signal(&other, SIGTERM);
	proc_finish(&other);
	proc_free(&other);
	proc_free(&p);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(from);
}
END_TEST

/*
 * --cache-url: a second instance finds every response in Redis and makes
 * no request; errors are never kept; a cache that is away is a miss.
 */
START_TEST(test_shared_cache)
{
	struct proc	 p, q;
	char		*in = make_tweets(50, NULL), cache[128], spec[256];
	char		 spec500[256];
	json_t		*st;
	long		 before;

	snprintf(cache, sizeof cache, "redis://127.0.0.1:%d/0?prefix=t:",
	    rds_port);
	snprintf(spec, sizeof spec, "http:url=http://127.0.0.1:%d/json/{/id}",
	    server_port);
	snprintf(spec500, sizeof spec500, "http:url=http://127.0.0.1:%d/"
	    "status/500?{/id},as=e", server_port);
	te_run(&p, in, "--cache-url", cache, "--allow-net", "127.0.0.0/8",
	    "--retries", "0", "-k", "-e", spec, "-e", spec500, "--stats",
	    NULL);
	ck_assert_msg(p.status == 0, "%d: %s", p.status, p.ebuf);
	st = stats_of(&p);
	ck_assert_int_eq(stat_int(json_object_get(st, "cache_redis"),
	    "stored"), 50);
	json_decref(st);
	before = server_count(server_port, "requests");
	ck_assert_int_eq(before, 100);
	ck_assert_int_eq(rds_int("DBSIZE"), 50);	/* the 500s are not */

	/* Another process, the same requests: none reaches the server for
	 * the cached ones, and the output is the same. */
	te_run(&q, in, "--cache-url", cache, "--allow-net", "127.0.0.0/8",
	    "--retries", "0", "-k", "-e", spec, "-e", spec500, "--stats",
	    NULL);
	ck_assert_msg(q.status == 0, "%d: %s", q.status, q.ebuf);
	ck_assert_int_eq(server_count(server_port, "requests"), before + 50);
	ck_assert_msg(strcmp(p.obuf, q.obuf) == 0, "outputs differ");
	st = stats_of(&q);
	ck_assert_int_eq(stat_int(json_object_get(st, "cache_redis"),
	    "hits"), 50);
	json_decref(st);
	proc_free(&p);
	proc_free(&q);

	/* The cache server away: every tweet still enriched, exit 0. */
	snprintf(cache, sizeof cache, "redis://127.0.0.1:%d", free_port());
	te_run(&p, in, "--cache-url", cache, "--allow-net", "127.0.0.0/8",
	    "-e", spec, NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_int_eq(count_lines(p.obuf, p.olen), 50);
	ck_assert_ptr_null(strstr(p.obuf, "enrichment_errors"));
	ck_assert_ptr_nonnull(strstr(p.ebuf, "skipped until it is back"));
	proc_free(&p);
	free(in);
}
END_TEST

/*
 * A 200 whose body holds a NUL, kept in the --cache-url cache and found
 * there by the next run: the hit gives the same bytes (a small body and a
 * 1 MB one), no crash, no wrong error.
 */
START_TEST(test_cache_nul_body)
{
	struct proc	 p, q;
	char		*in = make_tweets(1, NULL), cache[128], small[256];
	char		 large[256];
	json_t		*st, *line, *v;
	long		 before;

	snprintf(cache, sizeof cache, "redis://127.0.0.1:%d/0?prefix=n:",
	    rds_port);
	snprintf(small, sizeof small, "http:url=http://127.0.0.1:%d/nul/2,"
	    "as=small", server_port);
	snprintf(large, sizeof large, "http:url=http://127.0.0.1:%d/nul/"
	    "1048576,as=large", server_port);
	te_run(&p, in, "--cache-url", cache, "--allow-net", "127.0.0.0/8",
	    "--max-response", "2000000", "-e", small, "-e", large, "--stats",
	    NULL);
	ck_assert_msg(p.status == 0, "%d: %s", p.status, p.ebuf);
	st = stats_of(&p);
	ck_assert_int_eq(stat_int(json_object_get(st, "cache_redis"),
	    "stored"), 2);
	json_decref(st);
	line = line_of(&p, 0);
	v = json_object_get(json_object_get(line, "enrichments"), "small");
	ck_assert_uint_eq(json_string_length(v), 2);
	ck_assert_mem_eq(json_string_value(v), "a\0", 2);
	v = json_object_get(json_object_get(line, "enrichments"), "large");
	ck_assert_uint_eq(json_string_length(v), 1048576);
	json_decref(line);
	before = server_count(server_port, "requests");

	te_run(&q, in, "--cache-url", cache, "--allow-net", "127.0.0.0/8",
	    "--max-response", "2000000", "-e", small, "-e", large, "--stats",
	    NULL);
	ck_assert_msg(q.status == 0, "%d: %.300s", q.status, q.ebuf);
	ck_assert_int_eq(server_count(server_port, "requests"), before);
	st = stats_of(&q);
	ck_assert_int_eq(stat_int(json_object_get(st, "cache_redis"),
	    "hits"), 2);
	json_decref(st);
	ck_assert_msg(p.olen == q.olen && memcmp(p.obuf, q.obuf, p.olen) == 0,
	    "the hit differs: %.300s", q.obuf);
	proc_free(&p);
	proc_free(&q);
	free(in);
}
END_TEST

/* A sink key that is not a stream: exit 1 saying so, no hang. */
START_TEST(test_wrong_type)
{
	struct proc	 p;
	char		*to = url("out"), *in = make_tweets(5, NULL);

	freeReplyObject(redisCommand(rc, "SET out x"));
	te_run(&p, in, "--to", to, NULL);
	ck_assert_int_eq(p.status, 1);
	ck_assert_msg(strstr(p.ebuf, "WRONGTYPE") != NULL, "%s", p.ebuf);
	proc_free(&p);
	free(to);
	free(in);
}
END_TEST

/* SIGTERM: stop reading, settle, write, ack, exit 143. */
START_TEST(test_sigterm)
{
	struct proc	 p;
	char		*from = url("in?group=g&start=0");
	char		*to = url("out"), *lines;
	long long	 pending, out;
	u_int		 n;

	load(300, NULL);
	te_start(&p, "--from", from, "--to", to, "-p", "50",
	    "-e", "sleep:ms=100", NULL);
	while (rds_int("XLEN out") < 20) {
		ck_assert_msg(proc_running(&p), "ended: %s", p.ebuf);
		proc_pump(&p, 10);
	}
	proc_signal(&p, SIGTERM);
	proc_finish(&p);
	ck_assert_int_eq(p.status, 143);
	out = rds_int("XLEN out");
	pending = rds_pending("in", "g");
	ck_assert_int_eq(pending, 0);	/* all it took was written, acked */
	ck_assert_int_lt(out, 300);
	lines = rds_tweets("out", &n);
	free(lines);
	proc_free(&p);
	free(from);
	free(to);
}
END_TEST

static Suite *
redis_suite(void)
{
	Suite	*s = suite_create("redis");
	TCase	*tc;

	tc = tcase_create("streams");
	tcase_add_checked_fixture(tc, rds_setup, rds_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_load_and_read_back);
	tcase_add_test(tc, test_notices);
	tcase_add_test(tc, test_flow_control);
	tcase_add_test(tc, test_exactly_once_script);
	tcase_add_test(tc, test_kill_and_claim);
	tcase_add_test(tc, test_restart);
	tcase_add_test(tc, test_dead_letters);
	tcase_add_test(tc, test_unreachable);
	tcase_add_test(tc, test_sigterm);
	tcase_add_test(tc, test_wrong_type);
	tcase_add_test(tc, test_other_server);
	suite_add_tcase(s, tc);

	tc = tcase_create("cache");
	tcase_add_checked_fixture(tc, server_setup, server_teardown);
	tcase_add_checked_fixture(tc, rds_setup, rds_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_shared_cache);
	tcase_add_test(tc, test_cache_nul_body);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (run_suite(redis_suite()));
}
