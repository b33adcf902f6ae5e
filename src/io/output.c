/*
 * Output: finished tweets go into one evbuffer, in completion order or, with
 * --keep-order, through a reorder window as large as the pending cap. The
 * buffer is written to stdout without blocking (a pipe or socket is made
 * nonblocking for the run); its backlog is reported to the input, which
 * pauses reading while it is backed up.
 */

#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "lib/lib.h"
#include "core.h"
#include "tweet/tweet.h"
#include "http/http.h"
#include "io/io.h"
#include "redis/redis.h"

static struct evbuffer	 *output_buf;
static struct event	 *output_write_ev;	/* fd writable */
static struct event	 *output_flush_ev;	/* write soon */
static int		  output_fd = -1;
static int		  output_old_flags = -1;
static int		  output_is_broken;
static struct event	 *output_watch_ev;	/* is the reader still there? */
static int		  output_is_failed;

static struct tweet	**output_ring;		/* -k: finished, not yet due */
static u_int		  output_ring_size;
static uint64_t		  output_next;		/* -k: next seq to write */

/* A stream entry to acknowledge once the output is written up to end. */
struct output_ack {
	uint64_t		 end;
	char			*id;
	TAILQ_ENTRY(output_ack)	 entry;
};
static TAILQ_HEAD(, output_ack)	output_acks =
    TAILQ_HEAD_INITIALIZER(output_acks);
static uint64_t		  output_added;		/* bytes put in output_buf */
static uint64_t		  output_written;	/* bytes written to the fd */
static int		  output_to_redis;	/* --to: a stream, not stdout */
static struct evbuffer	 *output_scratch;	/* one tweet for the stream */

static void	output_flush(evutil_socket_t, short, void *);
static size_t	output_backlog(void);
static int	output_broken(void);

/* How often a pipe or socket is checked for a reader that went away. */
#define OUTPUT_WATCH_MS 250

/*
 * A closed pipe shows up only when written to; with nothing to write for a
 * while (slow enrichments), poll for it so that "| head -1" ends us promptly.
 */
static void
output_watch(__unused evutil_socket_t fd, __unused short events,
    __unused void *arg)
{
	struct pollfd	pfd;

	pfd.fd = output_fd;
	pfd.events = 0;
	if (poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLERR|POLLHUP))) {
		output_is_broken = 1;
		evbuffer_drain(output_buf, evbuffer_get_length(output_buf));
		loop_fail(0);
	}
}

/* Set up output to fd; with keep_order, a window of window tweets. */
void
output_init(int fd, int keep_order, u_int window)
{
	struct timeval	watch = { 0, OUTPUT_WATCH_MS * 1000 };
	struct stat	sb;
	int		flags;

	output_fd = fd;
	output_buf = evbuffer_new();
	if (output_buf == NULL)
		fatalx("%s: evbuffer_new failed", __func__);
	output_flush_ev = evtimer_new(loop_base(), output_flush, NULL);
	output_write_ev = event_new(loop_base(), fd == -1 ? 0 : fd, EV_WRITE,
	    output_flush, NULL);
	if (output_flush_ev == NULL || output_write_ev == NULL)
		fatalx("%s: event_new failed", __func__);

	if (fd != -1 && fstat(fd, &sb) == 0 && (S_ISFIFO(sb.st_mode) ||
	    S_ISSOCK(sb.st_mode))) {
		flags = fcntl(fd, F_GETFL);
		if (flags != -1 && (flags & O_NONBLOCK) == 0 &&
		    fcntl(fd, F_SETFL, flags | O_NONBLOCK) != -1)
			output_old_flags = flags;
		output_watch_ev = event_new(loop_base(), -1, EV_PERSIST,
		    output_watch, NULL);
		if (output_watch_ev == NULL)
			fatalx("%s: event_new failed", __func__);
		event_add(output_watch_ev, &watch);
	}

	if (fd == -1) {
		/* The sink is a Redis stream. */
		output_to_redis = 1;
		if ((output_scratch = evbuffer_new()) == NULL)
			fatalx("%s: evbuffer_new failed", __func__);
		event_free(output_write_ev);
		output_write_ev = NULL;
	}
	if (keep_order) {
		output_ring_size = window;
		output_ring = xcalloc(window, sizeof *output_ring);
	}
}

static void
output_schedule(void)
{
	static const struct timeval	zero = { 0, 0 };

	if (!evtimer_pending(output_flush_ev, NULL) &&
	    !event_pending(output_write_ev, EV_WRITE, NULL))
		evtimer_add(output_flush_ev, &zero);
}

static void
output_write_one(struct tweet *t)
{
	struct output_ack	*a;
	const char		*id = tweet_origin(t);
	size_t			 before, len;

	if (output_to_redis) {
		tweet_write(t, output_scratch);
		len = evbuffer_get_length(output_scratch);
		redis_sink_put((char *)evbuffer_pullup(output_scratch, -1),
		    len - 1, id);
		evbuffer_drain(output_scratch, len);
	} else {
		before = evbuffer_get_length(output_buf);
		tweet_write(t, output_buf);
		output_added += evbuffer_get_length(output_buf) - before;
		if (id != NULL) {
			/* Acknowledged once written out (at least once). */
			a = xmalloc(sizeof *a);
			a->end = output_added;
			a->id = xstrdup(id);
			TAILQ_INSERT_TAIL(&output_acks, a, entry);
		}
	}
	tweet_free(t);
	stats.written++;
	stats_pending(-1);
}

/* A tweet is finished: write it now, or hold it until its turn (-k). */
void
output_tweet(struct tweet *t)
{
	struct tweet	**slot;

	if (output_ring == NULL)
		output_write_one(t);
	else {
		output_ring[tweet_seq(t) % output_ring_size] = t;
		for (;;) {
			slot = &output_ring[output_next % output_ring_size];
			if (*slot == NULL)
				break;
			t = *slot;
			*slot = NULL;
			output_next++;
			output_write_one(t);
		}
	}
	if (evbuffer_get_length(output_buf) > 0)
		output_schedule();
	input_fill(INPUT_OUTPUT, output_backlog());
}

/* Bytes handed to the sink and not yet taken by it. */
static size_t
output_backlog(void)
{
	if (output_to_redis)
		return (redis_sink_backlog());
	return (evbuffer_get_length(output_buf));
}

/* The stream sink confirmed writes: resume reading if it was the cause. */
void
output_sink_drained(void)
{
	input_fill(INPUT_OUTPUT, output_backlog());
	loop_check_done();
}

/* n more bytes reached the fd: acknowledge the entries now written. */
static void
output_written_out(size_t n)
{
	struct output_ack	*a;

	output_written += n;
	while ((a = TAILQ_FIRST(&output_acks)) != NULL &&
	    a->end <= output_written) {
		TAILQ_REMOVE(&output_acks, a, entry);
		redis_source_ack(a->id);
		free(a->id);
		free(a);
	}
}

/* Write what can be written without blocking. */
static void
output_flush(__unused evutil_socket_t fd, __unused short events,
    __unused void *arg)
{
	int	n;

	while (evbuffer_get_length(output_buf) > 0) {
		n = evbuffer_write(output_buf, output_fd);
		if (n >= 0) {
			output_written_out(n);
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			event_add(output_write_ev, NULL);
			break;
		}
		if (errno == EPIPE)
			output_is_broken = 1;
		else {
			log_warn("write to standard output");
			output_is_failed = 1;
		}
		evbuffer_drain(output_buf, evbuffer_get_length(output_buf));
		loop_fail(output_is_broken ? 0 : 1);
		return;
	}
	input_fill(INPUT_OUTPUT, evbuffer_get_length(output_buf));
	loop_check_done();
}

/* Write everything now, blocking if need be (the end of the run). */
void
output_flush_now(void)
{
	int	flags;

	if (output_broken() || output_is_failed || output_fd == -1)
		return;
	if (evbuffer_get_length(output_buf) == 0)
		return;
	flags = fcntl(output_fd, F_GETFL);
	if (flags != -1 && (flags & O_NONBLOCK))
		fcntl(output_fd, F_SETFL, flags & ~O_NONBLOCK);
	output_flush(-1, 0, NULL);
	if (flags != -1 && (flags & O_NONBLOCK))
		fcntl(output_fd, F_SETFL, flags);
}

/* Is nothing waiting to be written (or acknowledged)? */
int
output_idle(void)
{
	if (output_to_redis && !redis_sink_idle())
		return (0);
	if (!redis_source_idle())
		return (0);
	return (output_buf == NULL || evbuffer_get_length(output_buf) == 0);
}

/* Did the reader go away? */
static int
output_broken(void)
{
	return (output_is_broken);
}

/* Free the output, restoring stdout's flags. */
void
output_free(void)
{
	struct output_ack	*a;
	u_int			 i;

	if (output_old_flags != -1)
		fcntl(output_fd, F_SETFL, output_old_flags);
	output_old_flags = -1;
	if (output_ring != NULL) {
		for (i = 0; i < output_ring_size; i++) {
			if (output_ring[i] != NULL)
				tweet_free(output_ring[i]);
		}
		free(output_ring);
		output_ring = NULL;
	}
	while ((a = TAILQ_FIRST(&output_acks)) != NULL) {
		TAILQ_REMOVE(&output_acks, a, entry);
		free(a->id);
		free(a);
	}
	if (output_scratch != NULL)
		evbuffer_free(output_scratch);
	output_scratch = NULL;
	if (output_watch_ev != NULL)
		event_free(output_watch_ev);
	output_watch_ev = NULL;
	if (output_flush_ev != NULL)
		event_free(output_flush_ev);
	if (output_write_ev != NULL)
		event_free(output_write_ev);
	if (output_buf != NULL)
		evbuffer_free(output_buf);
	output_flush_ev = output_write_ev = NULL;
	output_buf = NULL;
}
