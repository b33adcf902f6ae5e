/*
 * The sink of a file descriptor (stdout): finished lines go into one
 * evbuffer, written without blocking (a pipe or socket is made nonblocking
 * for the run); its backlog is reported to the source, which pauses
 * reading while it is backed up. A line from a stream entry is
 * acknowledged to its source once written out (at least once).
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
#include "io/io-int.h"

/* A stream entry to acknowledge once the output is written up to end. */
struct sfd_ack {
	uint64_t		 end;
	struct source		*source;
	char			*id;
	TAILQ_ENTRY(sfd_ack)	 entry;
};

static struct sink	 *sfd_sink;
static struct evbuffer	 *sfd_buf;
static struct event	 *sfd_write_ev;		/* fd writable */
static struct event	 *sfd_flush_ev;		/* write soon */
static int		  sfd_fd = -1;
static int		  sfd_old_flags = -1;
static int		  sfd_is_broken;	/* the reader went away */
static struct event	 *sfd_watch_ev;		/* is the reader still there? */
static int		  sfd_is_failed;
static TAILQ_HEAD(, sfd_ack) sfd_acks = TAILQ_HEAD_INITIALIZER(sfd_acks);
static uint64_t		  sfd_added;		/* bytes put in sfd_buf */
static uint64_t		  sfd_written;		/* bytes written to the fd */
static size_t		  sfd_before;		/* sfd_buf's length at begin */

static void		 sfd_flush(evutil_socket_t, short, void *);
static struct evbuffer	*sfd_begin(void *);
static void		 sfd_commit(void *, struct source *, const char *,
			     uint64_t);
static size_t		 sfd_backlog(void *);
static int		 sfd_idle(void *);
static void		 sfd_flush_now(void *);
static void		 sfd_free(void *);

static const struct sink_ops sfd_ops = {
	.begin = sfd_begin,
	.commit = sfd_commit,
	.backlog = sfd_backlog,
	.idle = sfd_idle,
	.flush = sfd_flush_now,
	.free = sfd_free
};

/* How often a pipe or socket is checked for a reader that went away. */
#define SFD_WATCH_MS 250

/*
 * A closed pipe shows up only when written to; with nothing to write for a
 * while (slow enrichments), poll for it so that "| head -1" ends us promptly.
 */
static void
sfd_watch(__unused evutil_socket_t fd, __unused short events,
    __unused void *arg)
{
	struct pollfd	pfd;

	pfd.fd = sfd_fd;
	pfd.events = 0;
	if (poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLERR|POLLHUP))) {
		sfd_is_broken = 1;
		evbuffer_drain(sfd_buf, evbuffer_get_length(sfd_buf));
		loop_fail(0);
	}
}

/* The sink of fd (stdout). */
struct sink *
sink_fd_open(int fd)
{
	struct timeval	watch = { 0, SFD_WATCH_MS * 1000 };
	struct stat	sb;
	int		flags;

	sfd_fd = fd;
	sfd_buf = evbuffer_new();
	if (sfd_buf == NULL)
		fatalx("%s: evbuffer_new failed", __func__);
	sfd_flush_ev = evtimer_new(loop_base(), sfd_flush, NULL);
	sfd_write_ev = event_new(loop_base(), fd, EV_WRITE, sfd_flush, NULL);
	if (sfd_flush_ev == NULL || sfd_write_ev == NULL)
		fatalx("%s: event_new failed", __func__);

	if (fstat(fd, &sb) == 0 && (S_ISFIFO(sb.st_mode) ||
	    S_ISSOCK(sb.st_mode))) {
		flags = fcntl(fd, F_GETFL);
		if (flags != -1 && (flags & O_NONBLOCK) == 0 &&
		    fcntl(fd, F_SETFL, flags | O_NONBLOCK) != -1)
			sfd_old_flags = flags;
		sfd_watch_ev = event_new(loop_base(), -1, EV_PERSIST,
		    sfd_watch, NULL);
		if (sfd_watch_ev == NULL)
			fatalx("%s: event_new failed", __func__);
		event_add(sfd_watch_ev, &watch);
	}
	sfd_sink = sink_new(&sfd_ops, NULL);
	return (sfd_sink);
}

/* Write soon, unless a write is already due. */
static void
sfd_schedule(void)
{
	static const struct timeval	zero = { 0, 0 };

	if (!evtimer_pending(sfd_flush_ev, NULL) &&
	    !event_pending(sfd_write_ev, EV_WRITE, NULL))
		evtimer_add(sfd_flush_ev, &zero);
}

/* Lines are added to the buffer itself. */
static struct evbuffer *
sfd_begin(__unused void *arg)
{
	sfd_before = evbuffer_get_length(sfd_buf);
	return (sfd_buf);
}

/*
 * A line is in: remember its entry, to acknowledge once written out, and
 * tell the journal of an output file (-o) where it ends.
 */
static void
sfd_commit(__unused void *arg, struct source *src, const char *id,
    uint64_t pos)
{
	struct sfd_ack	*a;

	sfd_added += evbuffer_get_length(sfd_buf) - sfd_before;
	journal_line(sfd_added, pos);
	if (id != NULL) {
		a = xmalloc(sizeof *a);
		a->end = sfd_added;
		a->source = src;
		a->id = xstrdup(id);
		TAILQ_INSERT_TAIL(&sfd_acks, a, entry);
	}
	if (evbuffer_get_length(sfd_buf) > 0)
		sfd_schedule();
}

/* Bytes not yet written. */
static size_t
sfd_backlog(__unused void *arg)
{
	return (evbuffer_get_length(sfd_buf));
}

/* n more bytes reached the fd: acknowledge the entries now written. */
static void
sfd_written_out(size_t n)
{
	struct sfd_ack	*a;

	sfd_written += n;
	if (journal_written(sfd_written) != 0)
		loop_fail(1);
	while ((a = TAILQ_FIRST(&sfd_acks)) != NULL &&
	    a->end <= sfd_written) {
		TAILQ_REMOVE(&sfd_acks, a, entry);
		source_ack(a->source, a->id);
		free(a->id);
		free(a);
	}
}

/* Write what can be written without blocking. */
static void
sfd_flush(__unused evutil_socket_t fd, __unused short events,
    __unused void *arg)
{
	int	n;

	while (evbuffer_get_length(sfd_buf) > 0) {
		n = evbuffer_write(sfd_buf, sfd_fd);
		if (n >= 0) {
			sfd_written_out(n);
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			event_add(sfd_write_ev, NULL);
			break;
		}
		if (errno == EPIPE)
			sfd_is_broken = 1;
		else {
			log_warn("write to standard output");
			sfd_is_failed = 1;
		}
		evbuffer_drain(sfd_buf, evbuffer_get_length(sfd_buf));
		loop_fail(sfd_is_broken ? 0 : 1);
		return;
	}
	sink_drained(sfd_sink);
}

/* Write everything now, blocking if need be (the end of the run). */
static void
sfd_flush_now(__unused void *arg)
{
	int	flags;

	if (sfd_is_broken || sfd_is_failed)
		return;
	if (evbuffer_get_length(sfd_buf) == 0)
		return;
	flags = fcntl(sfd_fd, F_GETFL);
	if (flags != -1 && (flags & O_NONBLOCK))
		fcntl(sfd_fd, F_SETFL, flags & ~O_NONBLOCK);
	sfd_flush(-1, 0, NULL);
	if (flags != -1 && (flags & O_NONBLOCK))
		fcntl(sfd_fd, F_SETFL, flags);
}

/* Is nothing waiting to be written? */
static int
sfd_idle(__unused void *arg)
{
	return (evbuffer_get_length(sfd_buf) == 0);
}

/* Free the sink, restoring the fd's flags. */
static void
sfd_free(__unused void *arg)
{
	struct sfd_ack	*a;

	if (sfd_old_flags != -1)
		fcntl(sfd_fd, F_SETFL, sfd_old_flags);
	sfd_old_flags = -1;
	while ((a = TAILQ_FIRST(&sfd_acks)) != NULL) {
		TAILQ_REMOVE(&sfd_acks, a, entry);
		free(a->id);
		free(a);
	}
	if (sfd_watch_ev != NULL)
		event_free(sfd_watch_ev);
	sfd_watch_ev = NULL;
	if (sfd_flush_ev != NULL)
		event_free(sfd_flush_ev);
	if (sfd_write_ev != NULL)
		event_free(sfd_write_ev);
	if (sfd_buf != NULL)
		evbuffer_free(sfd_buf);
	sfd_flush_ev = sfd_write_ev = NULL;
	sfd_buf = NULL;
	sfd_sink = NULL;
}
