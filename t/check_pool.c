/*
 * Unit tests for the CPU pool: every job runs once on a worker and completes
 * once on the loop thread, whatever the number of workers.
 */

#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "lib/lib.h"
#include "tweet-enricher/enricher.h"
#include "core.h"
#include "run.h"

struct options	opts;
struct stats	stats;
static struct event_base *base;

/* The pool's only tie to the loop, without linking loop.c. */
struct event_base *
loop_base(void)
{
	return (base);
}

struct test_job {
	struct te_pool_job	 job;
	u_int		 n;
	uint64_t	 result;
	pthread_t	 worker;
};

static pthread_t	 loop_thread;
static u_int		 done_count;
static u_int		 total;
static uint64_t		*results;
static u_int		 cancelled;

static void
work(struct te_pool_job *job)
{
	struct test_job	*tj = (struct test_job *)job;
	uint64_t	 x = tj->n;
	u_int		 i;

	for (i = 0; i < 1000; i++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	tj->result = x;
	tj->worker = pthread_self();
}

static void
done(struct te_pool_job *job)
{
	struct test_job	*tj = (struct test_job *)job;

	ck_assert(pthread_equal(pthread_self(), loop_thread));
	ck_assert(!pthread_equal(tj->worker, loop_thread));
	ck_assert_uint_eq(results[tj->n], 0);
	results[tj->n] = tj->result;
	free(tj);
	if (++done_count == total)
		event_base_loopbreak(loop_base());
}

static void
cancel(struct te_pool_job *job)
{
	cancelled++;
	free(job);
}

static void
run_jobs(u_int threads, u_int n)
{
	struct test_job	*tj;
	uint64_t	 x;
	u_int		 i, k;

	opts.threads = threads;
	base = event_base_new();
	loop_thread = pthread_self();
	done_count = 0;
	total = n;
	results = calloc(n, sizeof *results);
	for (i = 0; i < n; i++) {
		tj = calloc(1, sizeof *tj);
		tj->job.work = work;
		tj->job.done = done;
		tj->job.cancel = cancel;
		tj->n = i;
		pool_submit(&tj->job);
	}
	ck_assert_int_eq(event_base_dispatch(loop_base()), 0);
	ck_assert_uint_eq(done_count, n);
	for (i = 0; i < n; i++) {
		x = i;
		for (k = 0; k < 1000; k++)
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		ck_assert(results[i] == x);
	}
	ck_assert_uint_eq(stats.pool_jobs, n);
	pool_free();
	event_base_free(base);
	free(results);
	stats.pool_jobs = 0;
}

START_TEST(test_one_thread)
{
	run_jobs(1, 20000);
}
END_TEST

START_TEST(test_four_threads)
{
	run_jobs(4, 20000);
}
END_TEST

START_TEST(test_cancel_queued)
{
	struct test_job	*tj;
	u_int		 i;

	/* Jobs never collected are cancelled (freed) at pool_free. */
	opts.threads = 2;
	base = event_base_new();
	for (i = 0; i < 1000; i++) {
		tj = calloc(1, sizeof *tj);
		tj->job.work = work;
		tj->job.done = done;
		tj->job.cancel = cancel;
		pool_submit(&tj->job);
	}
	cancelled = 0;
	pool_free();
	/* The loop never ran, so every job, run or not, is cancelled. */
	ck_assert_uint_eq(cancelled, 1000);
	event_base_free(base);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("pool");
	TCase	*tc = tcase_create("pool");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_one_thread);
	tcase_add_test(tc, test_four_threads);
	tcase_add_test(tc, test_cancel_queued);
	suite_add_tcase(s, tc);
	return (run_suite(s));
}
