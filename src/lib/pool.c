/*
 * The CPU pool: a few worker threads for CPU-bound jobs. Jobs wait on a
 * mutex+condvar queue; finished jobs go on a reply queue and the loop is woken
 * through an eventfd (a pipe where there is none), written only when that
 * queue goes from empty to non-empty. The loop takes the whole reply queue
 * at once and runs the completions with the lock released. Workers never
 * touch libevent, libcurl or jansson: a job carries plain bytes.
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef HAVE_SYS_EVENTFD_H
#include <sys/eventfd.h>
#endif

#include <event2/event.h>

#include "lib/lib.h"
#include "tweet-enricher/enricher.h"
#include "core.h"

struct pool_queue {
	struct te_pool_job	*head;
	struct te_pool_job	*tail;
};

static pthread_mutex_t	 pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 pool_cond = PTHREAD_COND_INITIALIZER;
static struct pool_queue pool_jobs;		/* waiting for a worker */
static struct pool_queue pool_replies;		/* finished, for the loop */
static u_int		 pool_queued;
static int		 pool_stopping;
static int		 pool_cancelling;	/* atomic: read by workers */
static pthread_t	*pool_threads;
static u_int		 pool_nthreads;
static int		 pool_wake[2] = { -1, -1 };	/* eventfd: [0] == [1] */
static struct event	*pool_wake_ev;

static void
pool_push(struct pool_queue *q, struct te_pool_job *job)
{
	job->next = NULL;
	if (q->tail != NULL)
		q->tail->next = job;
	else
		q->head = job;
	q->tail = job;
}

static struct te_pool_job *
pool_pop(struct pool_queue *q)
{
	struct te_pool_job	*job = q->head;

	if (job != NULL) {
		q->head = job->next;
		if (q->head == NULL)
			q->tail = NULL;
	}
	return (job);
}

/* A worker: take a job, run it, post it back. */
static void *
pool_worker(__unused void *arg)
{
	struct te_pool_job	*job;
	uint64_t	 one = 1;
	int		 was_empty;
	ssize_t		 n;

	pthread_mutex_lock(&pool_lock);
	for (;;) {
		while (pool_jobs.head == NULL && !pool_stopping)
			pthread_cond_wait(&pool_cond, &pool_lock);
		if (pool_stopping)
			break;
		job = pool_pop(&pool_jobs);
		pool_queued--;
		pthread_mutex_unlock(&pool_lock);

		job->work(job);

		pthread_mutex_lock(&pool_lock);
		was_empty = pool_replies.head == NULL;
		pool_push(&pool_replies, job);
		if (was_empty) {
			do
				n = write(pool_wake[1], &one, sizeof one);
			while (n == -1 && errno == EINTR);
		}
	}
	pthread_mutex_unlock(&pool_lock);
	return (NULL);
}

/* The loop is woken: run every finished job's completion. */
static void
pool_wake_cb(evutil_socket_t fd, __unused short events, __unused void *arg)
{
	struct pool_queue	 q;
	struct te_pool_job		*job;
	char			 buf[64];

	while (read(fd, buf, sizeof buf) > 0)
		;
	pthread_mutex_lock(&pool_lock);
	q = pool_replies;
	pool_replies.head = pool_replies.tail = NULL;
	pthread_mutex_unlock(&pool_lock);

	while ((job = pool_pop(&q)) != NULL)
		job->done(job);
}

/* Start the workers. */
static void
pool_start(void)
{
	u_int	i;
	int	flags;

#ifdef HAVE_SYS_EVENTFD_H
	pool_wake[0] = pool_wake[1] = eventfd(0, EFD_NONBLOCK|EFD_CLOEXEC);
	if (pool_wake[0] == -1)
		fatal("%s: eventfd", __func__);
#else
	if (pipe(pool_wake) == -1)
		fatal("%s: pipe", __func__);
	for (i = 0; i < 2; i++) {
		flags = fcntl(pool_wake[i], F_GETFL);
		fcntl(pool_wake[i], F_SETFL, flags | O_NONBLOCK);
		fcntl(pool_wake[i], F_SETFD, FD_CLOEXEC);
	}
#endif
	(void)flags;
	pool_wake_ev = event_new(loop_base(), pool_wake[0], EV_READ|EV_PERSIST,
	    pool_wake_cb, NULL);
	if (pool_wake_ev == NULL || event_add(pool_wake_ev, NULL) != 0)
		fatalx("%s: cannot watch the wake-up fd", __func__);

	pool_nthreads = opts.threads;
	pool_threads = xcalloc(pool_nthreads, sizeof *pool_threads);
	for (i = 0; i < pool_nthreads; i++) {
		errno = pthread_create(&pool_threads[i], NULL, pool_worker,
		    NULL);
		if (errno != 0)
			fatal("%s: pthread_create", __func__);
	}
}

/* Should a long job give up? (The pool is being freed: an early exit.) */
int
pool_cancelled(void)
{
	return (__atomic_load_n(&pool_cancelling, __ATOMIC_RELAXED));
}

/* Queue a job; its done callback runs on the loop when it has run. */
void
pool_submit(struct te_pool_job *job)
{
	if (pool_threads == NULL)
		pool_start();
	stats.pool_jobs++;
	pthread_mutex_lock(&pool_lock);
	pool_push(&pool_jobs, job);
	if (++pool_queued > stats.pool_max_queued)
		stats.pool_max_queued = pool_queued;
	pthread_cond_signal(&pool_cond);
	pthread_mutex_unlock(&pool_lock);
}

/*
 * Stop the workers (each finishes the job in hand) and join them. Jobs that
 * never ran or were never collected are cancelled; at a normal end there
 * are none.
 */
void
pool_free(void)
{
	struct te_pool_job	*job;
	u_int		 i;

	if (pool_threads == NULL)
		return;
	pthread_mutex_lock(&pool_lock);
	pool_stopping = 1;
	__atomic_store_n(&pool_cancelling, 1, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&pool_cond);
	pthread_mutex_unlock(&pool_lock);
	for (i = 0; i < pool_nthreads; i++)
		pthread_join(pool_threads[i], NULL);
	free(pool_threads);
	pool_threads = NULL;

	while ((job = pool_pop(&pool_jobs)) != NULL)
		job->cancel(job);
	while ((job = pool_pop(&pool_replies)) != NULL)
		job->cancel(job);
	pool_queued = 0;
	pool_stopping = 0;
	__atomic_store_n(&pool_cancelling, 0, __ATOMIC_RELAXED);
	event_free(pool_wake_ev);
	pool_wake_ev = NULL;
	close(pool_wake[0]);
	if (pool_wake[1] != pool_wake[0])
		close(pool_wake[1]);
	pool_wake[0] = pool_wake[1] = -1;
}
