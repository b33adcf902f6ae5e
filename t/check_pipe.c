/*
 * Unit tests for the pipeline's interfaces, with sources and sinks of the
 * test's own plugged into the real tweet code: a line goes from a source
 * through tweet_line to the sink with its origin, the fd sink acknowledges
 * an entry to its own source only once the line is written out, what a
 * line was comes back to its reader, the fill levels pause and resume the
 * source through one call each way, and the loop asks its hooks.
 */

#include <sys/types.h>

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "lib/lib.h"
#include "core.h"
#include "io/io-int.h"
#include "tweet/tweet.h"
#include "enrich/enrich.h"
#include "run.h"

/* A source of the test's own: counts what the pipeline asks of it. */
struct fsrc {
	int	 pauses;
	int	 resumes;
	int	 stops;
	char	 acked[8][32];
	int	 nacked;
};

static void
fsrc_pause(void *arg)
{
	((struct fsrc *)arg)->pauses++;
}

static void
fsrc_resume(void *arg)
{
	((struct fsrc *)arg)->resumes++;
}

static void
fsrc_stop(void *arg)
{
	((struct fsrc *)arg)->stops++;
}

static int
fsrc_done(__unused void *arg)
{
	return (0);
}

static void
fsrc_ack(void *arg, const char *id)
{
	struct fsrc	*fs = arg;

	ck_assert_int_lt(fs->nacked, 8);
	snprintf(fs->acked[fs->nacked++], sizeof fs->acked[0], "%s", id);
}

static void
fsrc_free(__unused void *arg)
{
}

static const struct source_ops fsrc_ops = {
	.pause = fsrc_pause,
	.resume = fsrc_resume,
	.stop = fsrc_stop,
	.done = fsrc_done,
	.ack = fsrc_ack,
	.free = fsrc_free
};

/* A sink of the test's own: keeps each line with where it came from. */
static struct evbuffer	*fsink_buf;
static char		 fsink_line[8][256];
static struct source	*fsink_src[8];
static char		 fsink_id[8][32];
static int		 fsink_n;

static struct evbuffer *
fsink_begin(__unused void *arg)
{
	return (fsink_buf);
}

static void
fsink_commit(__unused void *arg, struct source *src, const char *id,
    __unused uint64_t pos)
{
	size_t	len = evbuffer_get_length(fsink_buf);

	ck_assert_int_lt(fsink_n, 8);
	ck_assert_int_lt(len, sizeof fsink_line[0]);
	evbuffer_remove(fsink_buf, fsink_line[fsink_n], len);
	fsink_src[fsink_n] = src;
	snprintf(fsink_id[fsink_n], sizeof fsink_id[0], "%s",
	    id != NULL ? id : "-");
	fsink_n++;
}

static size_t
fsink_backlog(__unused void *arg)
{
	return (0);
}

static int
fsink_idle(__unused void *arg)
{
	return (1);
}

static void
fsink_free(__unused void *arg)
{
}

static const struct sink_ops fsink_ops = {
	.begin = fsink_begin,
	.commit = fsink_commit,
	.backlog = fsink_backlog,
	.idle = fsink_idle,
	.free = fsink_free
};

static int	hook_stops = -1;
static int	hook_dones;

static void
hook_stop(int sig)
{
	hook_stops = sig;
}

static int
hook_done(void)
{
	hook_dones++;
	return (0);
}

static struct enrichment	*enrichments[1];
static struct sink		*the_sink;
static struct source		*the_sources[2];

/* The real options, loop and tweet code, one "test" enrichment. */
static void
setup(void)
{
	char		*cause = NULL;
	struct spec	*spec;

	memset(&stats, 0, sizeof stats);
	options_init();
	opts.quiet = 1;
	opts.max_pending = 32;
	loop_init(hook_stop, hook_done);
	spec = spec_parse("test", &cause);
	ck_assert_ptr_nonnull(spec);
	enrichments[0] = registry_configure(spec, &cause);
	ck_assert_ptr_nonnull(enrichments[0]);
	spec_free(spec);
	tweet_configure(enrichments, 1);
	fsink_buf = evbuffer_new();
	fsink_n = 0;
	the_sink = NULL;
	the_sources[0] = the_sources[1] = NULL;
}

/* Free it all, as main.c does at the end of a run. */
static void
teardown(void)
{
	source_free(the_sources[0]);
	source_free(the_sources[1]);
	tweet_close();
	sink_free(the_sink);
	tweet_free_all();
	registry_free(enrichments[0]);
	evbuffer_free(fsink_buf);
	loop_free();
	options_free();
}

/* A line goes to the sink enriched, with its own source and entry. */
START_TEST(test_origin_to_sink)
{
	struct fsrc	 a = { 0 }, b = { 0 };
	struct source	*sa, *sb;
	const char	*l1 = "{\"id\":1}", *l2 = "{\"id\":2}";

	setup();
	tweet_set_sink(the_sink = sink_new(&fsink_ops, NULL), 0);
	sa = the_sources[0] = source_new(&fsrc_ops, &a, tweet_line);
	sb = the_sources[1] = source_new(&fsrc_ops, &b, tweet_line);
	ck_assert_int_eq(source_take(sa, l1, strlen(l1), "a.jsonl", 7, NULL),
	    LINE_TWEET);
	ck_assert_int_eq(source_take(sb, l2, strlen(l2), "s entry 9-1", 0,
	    "9-1"), LINE_TWEET);
	ck_assert_int_eq(fsink_n, 2);
	ck_assert_str_eq(fsink_line[0], "{\"id\":1,\"enrichments\":"
	    "{\"test\":42}}\n");
	ck_assert_ptr_eq(fsink_src[0], sa);
	ck_assert_str_eq(fsink_id[0], "-");
	ck_assert_str_eq(fsink_line[1], "{\"id\":2,\"enrichments\":"
	    "{\"test\":42}}\n");
	ck_assert_ptr_eq(fsink_src[1], sb);
	ck_assert_str_eq(fsink_id[1], "9-1");
	ck_assert_int_eq(stats.written, 2);
	ck_assert_int_eq(stats.pending, 0);
	teardown();
}
END_TEST

/* What a line was comes back to its reader; only tweets reach the sink. */
START_TEST(test_what_a_line_was)
{
	struct fsrc	 a = { 0 };
	struct source	*sa;
	static const struct {
		const char	*line;
		enum line_kind	 kind;
	} cases[] = {
		{ "not json", LINE_BAD },
		{ "[1,2]", LINE_BAD },
		{ "{\"data\":[{\"id\":\"1\"}]}", LINE_PAGE_V2 },
		{ "{\"meta\":{},\"data\":[]}", LINE_PAGE_V2 },
		{ "{\"statuses\":[],\"search_metadata\":{}}", LINE_PAGE_V11 },
		{ "{\"delete\":{\"status\":{\"id\":1}}}", LINE_NOTICE },
		{ "{\"id\":3,\"text\":\"hi\"}", LINE_TWEET },
	};
	u_int		 i;

	setup();
	tweet_set_sink(the_sink = sink_new(&fsink_ops, NULL), 0);
	sa = the_sources[0] = source_new(&fsrc_ops, &a, tweet_line);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ck_assert_int_eq(source_take(sa, cases[i].line,
		    strlen(cases[i].line), "in", i + 1, NULL), cases[i].kind);
	ck_assert_int_eq(stats.bad, 5);
	ck_assert_int_eq(fsink_n, 2);		/* the notice, the tweet */
	ck_assert_str_eq(fsink_line[0], "{\"delete\":{\"status\":{\"id\":1}}}\n");
	opts.drop_notices = 1;
	ck_assert_int_eq(source_take(sa, cases[5].line, strlen(cases[5].line),
	    "in", 9, NULL), LINE_DROPPED);
	ck_assert_int_eq(fsink_n, 2);
	teardown();
}
END_TEST

/* The fd sink acknowledges an entry to its own source once written out. */
START_TEST(test_fd_sink_acks_when_written)
{
	struct fsrc	 a = { 0 }, b = { 0 };
	struct source	*sa, *sb;
	char		 buf[256];
	const char	*l = "{\"id\":5}";
	int		 fds[2], i;
	ssize_t		 n;

	setup();
	ck_assert_int_eq(pipe(fds), 0);
	tweet_set_sink(the_sink = sink_fd_open(fds[1]), 0);
	sa = the_sources[0] = source_new(&fsrc_ops, &a, tweet_line);
	sb = the_sources[1] = source_new(&fsrc_ops, &b, tweet_line);
	ck_assert_int_eq(source_take(sb, l, strlen(l), "s entry 5-0", 0,
	    "5-0"), LINE_TWEET);
	ck_assert_int_eq(source_take(sa, l, strlen(l), "f", 1, NULL),
	    LINE_TWEET);
	ck_assert_int_eq(b.nacked, 0);		/* not written yet */
	for (i = 0; i < 100 && b.nacked == 0; i++)
		event_base_loop(loop_base(), EVLOOP_ONCE);
	ck_assert_int_eq(b.nacked, 1);
	ck_assert_str_eq(b.acked[0], "5-0");
	ck_assert_int_eq(a.nacked, 0);
	n = read(fds[0], buf, sizeof buf - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "{\"id\":5,\"enrichments\":{\"test\":42}}\n"
	    "{\"id\":5,\"enrichments\":{\"test\":42}}\n");
	teardown();
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/* Tweets held and output backed up pause the source once, resume once. */
START_TEST(test_fill_pauses_and_resumes)
{
	struct fsrc	 a = { 0 };
	struct source	*sa;

	setup();
	sa = the_sources[0] = source_new(&fsrc_ops, &a, tweet_line);
	ck_assert_uint_eq(source_room(sa), 32);
	source_fill(SOURCE_PENDING, 30);
	ck_assert_uint_eq(source_room(sa), 2);
	ck_assert_int_eq(a.pauses, 0);
	source_fill(SOURCE_PENDING, 32);
	ck_assert_int_eq(a.pauses, 1);
	ck_assert(source_paused(sa));
	ck_assert_uint_eq(source_room(sa), 0);
	source_fill(SOURCE_OUTPUT, 5 * 1024 * 1024);
	ck_assert_int_eq(a.pauses, 1);		/* paused already */
	source_fill(SOURCE_PENDING, 31);	/* within the slack: held */
	ck_assert_int_eq(a.resumes, 0);
	source_fill(SOURCE_PENDING, 0);		/* output still backed up */
	ck_assert_int_eq(a.resumes, 0);
	source_fill(SOURCE_OUTPUT, 2 * 1024 * 1024);	/* above the low mark */
	ck_assert_int_eq(a.resumes, 0);
	source_fill(SOURCE_OUTPUT, 0);
	ck_assert_int_eq(a.resumes, 1);
	ck_assert(!source_paused(sa));
	ck_assert_uint_eq(source_room(sa), 32);
	teardown();
}
END_TEST

/* The loop asks the program above it: a stop, and whether it is done. */
START_TEST(test_loop_hooks)
{
	setup();
	hook_dones = 0;
	loop_check_done();
	ck_assert_int_eq(hook_dones, 1);
	loop_config_error();
	ck_assert_int_eq(hook_stops, 0);
	ck_assert_int_eq(hook_dones, 2);
	ck_assert_int_eq(loop_status(0), 2);
	teardown();
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("pipe");
	TCase	*tc = tcase_create("pipe");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_origin_to_sink);
	tcase_add_test(tc, test_what_a_line_was);
	tcase_add_test(tc, test_fd_sink_acks_when_written);
	tcase_add_test(tc, test_fill_pauses_and_resumes);
	tcase_add_test(tc, test_loop_hooks);
	suite_add_tcase(s, tc);
	return (run_suite(s));
}
