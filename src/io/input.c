/*
 * Input: the FILE arguments (or stdin) in turn, read without blocking the
 * loop. A pipe, socket or terminal is watched with an event; a regular file
 * (which epoll refuses) is read a chunk at a time from a zero timer, so the
 * loop runs between chunks. Bytes go through the framer to tweet.c.
 *
 * The input alone decides when to read: the other modules report how full
 * they are (input_fill: tweets held, output not yet taken) and the input
 * pauses itself at a cap and resumes below it, from the same byte. A source
 * other than files (the Redis stream of --from) is paused and resumed by
 * the same two functions here.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/lib.h"
#include "core.h"
#include "tweet/tweet.h"
#include "io/io.h"
#include "redis/redis.h"

#define INPUT_CHUNK (256 * 1024)

/* Why reading is paused (bits of input_pause_mask). */
#define INPUT_FULL_PENDING 0x1	/* --max-pending tweets held */
#define INPUT_FULL_OUTPUT 0x2	/* output backed up */

/* Pause above this much output not yet taken; resume below the low mark. */
#define INPUT_OUTPUT_HIGH (4 * 1024 * 1024)
#define INPUT_OUTPUT_LOW (1024 * 1024)

static char		**input_files;
static int		  input_nfiles;
static int		  input_cur = -1;
static int		  input_fd = -1;
static const char	 *input_name;
static int		  input_watched;	/* fd has a read event */
static struct event	 *input_read_ev;
static struct event	 *input_more_ev;	/* zero timer: go on */
static struct frame	 *input_frame;
static struct unpack	 *input_unpack;		/* gzip or as read */
static char		 *input_buf;
static size_t		  input_off;		/* unframed bytes: off..end */
static size_t		  input_end;
static int		  input_pause_mask;
static size_t		  input_pending;	/* tweets held, as reported */
static int		  input_is_done;
static int		  input_is_stopped;
static int		  input_at_eof;
static int		  input_is_failed;
static int		  input_from_stream;	/* --from: a Redis stream */

static void	input_next(void);
static void	input_more(evutil_socket_t, short, void *);
static void	input_readable(evutil_socket_t, short, void *);

/* A line for tweet.c; nonzero tells the framer to stop for now. */
static int
input_line_cb(__unused void *arg, const char *line, size_t len,
    uint64_t lineno)
{
	struct origin	o;
	enum line_kind	kind;
	char		why[256];

	o.source = NULL;
	o.name = input_name;
	o.lineno = lineno;
	o.id = NULL;
	if ((kind = tweet_line(line, len, &o, why, sizeof why)) >= LINE_BAD)
		badlines_line(&o, line, len, kind, why);
	return (input_pause_mask != 0);
}

static void
input_long_cb(__unused void *arg, const char *chunk, size_t len,
    uint64_t lineno, int end)
{
	badlines_long(input_name, lineno, chunk, len, end);
}

static void
input_split_bad_cb(__unused void *arg, uint64_t lineno, const char *why)
{
	char	reason[128];

	snprintf(reason, sizeof reason, "invalid JSON: %s (--split)", why);
	badlines_add(input_name, lineno, "", 0, reason);
}

/* Start reading the given files ("-" is stdin; none means stdin). */
int
input_open(char **files, int nfiles)
{
	static char	*dash[] = { (char *)"-" };

	if (nfiles == 0) {
		files = dash;
		nfiles = 1;
	}
	input_files = files;
	input_nfiles = nfiles;
	input_buf = xmalloc(INPUT_CHUNK);
	input_unpack = unpack_new();
	input_frame = frame_new(opts.max_line, input_line_cb, input_long_cb,
	    NULL);
	if (opts.split != NULL)
		frame_split(input_frame, opts.split, input_split_bad_cb);
	input_more_ev = evtimer_new(loop_base(), input_more, NULL);
	if (input_more_ev == NULL)
		fatalx("%s: evtimer_new failed", __func__);
	input_next();
	return (0);
}

/* Read from the Redis stream of --from instead of files. */
void
input_open_stream(void)
{
	input_from_stream = 1;
	redis_source_start();
}

/* How many more tweets may be read now (0 while paused). */
u_int
input_room(void)
{
	if (input_pause_mask != 0 || input_pending >= opts.max_pending)
		return (0);
	return (opts.max_pending - input_pending);
}

static void
input_schedule(void)
{
	static const struct timeval	zero = { 0, 0 };

	if (!evtimer_pending(input_more_ev, NULL))
		evtimer_add(input_more_ev, &zero);
}

/* Close the current input. */
static void
input_close_current(void)
{
	if (input_read_ev != NULL) {
		event_free(input_read_ev);
		input_read_ev = NULL;
	}
	if (input_fd > STDERR_FILENO)
		close(input_fd);
	input_fd = -1;
	input_watched = 0;
	input_at_eof = 0;
	input_off = input_end = 0;
}

/* Move on to the next file, or finish. */
static void
input_next(void)
{
	struct stat	 sb;
	const char	*path;

	input_close_current();
	for (;;) {
		if (input_is_stopped || ++input_cur >= input_nfiles) {
			input_is_done = 1;
			evtimer_del(input_more_ev);
			loop_check_done();
			return;
		}
		path = input_files[input_cur];
		if (strcmp(path, "-") == 0) {
			input_fd = STDIN_FILENO;
			input_name = "stdin";
		} else {
			input_fd = open(path, O_RDONLY|O_CLOEXEC);
			input_name = path;
		}
		if (input_fd == -1 || fstat(input_fd, &sb) == -1) {
			log_warn("%s", input_name);
			input_is_failed = 1;
			input_close_current();
			continue;
		}
		if (S_ISDIR(sb.st_mode)) {
			log_warnx("%s: is a directory", input_name);
			input_is_failed = 1;
			input_close_current();
			continue;
		}
		break;
	}
	frame_reset(input_frame);
	unpack_reset(input_unpack);

	/* Pipes, sockets and terminals can be polled; files and devices like
	 * /dev/null cannot, and are read a chunk at a time. */
	if (S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode) || isatty(input_fd)) {
		input_read_ev = event_new(loop_base(), input_fd, EV_READ|EV_PERSIST,
		    input_readable, NULL);
		if (input_read_ev == NULL || event_add(input_read_ev, NULL) != 0)
			fatalx("%s: cannot watch %s", __func__, input_name);
		input_watched = 1;
	}
	if (input_pause_mask != 0) {
		if (input_watched)
			event_del(input_read_ev);
	} else if (!input_watched)
		input_schedule();
}

/* Frame buffered bytes; false if reading must wait. */
static int
input_frame_buffered(void)
{
	while (input_off < input_end) {
		if (input_pause_mask != 0)
			return (0);
		input_off += frame_feed(input_frame, input_buf + input_off,
		    input_end - input_off);
	}
	return (input_pause_mask == 0);
}

/* Read one chunk and frame it. */
static void
input_read_once(void)
{
	ssize_t	n;

	n = unpack_read(input_unpack, input_fd, input_buf, INPUT_CHUNK,
	    input_name);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n <= 0) {
		if (n == -1) {
			if (errno != EBADMSG)	/* unpack said why */
				log_warn("read %s", input_name);
			input_is_failed = 1;
		}
		/* Move on from the timer, not inside the fd's own callback. */
		input_at_eof = 1;
		if (input_watched) {
			event_del(input_read_ev);
			input_watched = 0;
		}
		input_schedule();
		return;
	}
	input_off = 0;
	input_end = n;
	input_frame_buffered();
}

/* The fd has data. */
static void
input_readable(__unused evutil_socket_t fd, __unused short events,
    __unused void *arg)
{
	if (!input_frame_buffered()) {
		event_del(input_read_ev);
		return;
	}
	input_read_once();
	/* Inflated bytes may be waiting with nothing more to poll for. */
	if (!input_at_eof && input_pause_mask == 0 &&
	    unpack_pending(input_unpack))
		input_schedule();
}

/* Go on: frame what is buffered, then read a regular file's next chunk. */
static void
input_more(__unused evutil_socket_t fd, __unused short events,
    __unused void *arg)
{
	if (!input_frame_buffered())
		return;
	if (input_at_eof || input_is_stopped) {
		frame_finish(input_frame);
		input_next();
		return;
	}
	if (input_watched) {
		event_add(input_read_ev, NULL);
		if (!unpack_pending(input_unpack))
			return;
	}
	input_read_once();
	if (!input_at_eof && input_pause_mask == 0 && (!input_watched ||
	    unpack_pending(input_unpack)))
		input_schedule();
}

/* Stop reading for a reason (INPUT_FULL_*). */
static void
input_pause(int reason)
{
	if (input_from_stream) {
		input_pause_mask |= reason;
		return;
	}
	if (input_pause_mask == 0 && !input_is_done) {
		if (input_watched)
			event_del(input_read_ev);
		evtimer_del(input_more_ev);
	}
	input_pause_mask |= reason;
}

/* A reason to stop reading has gone. */
static void
input_resume(int reason)
{
	if ((input_pause_mask & reason) == 0)
		return;
	input_pause_mask &= ~reason;
	if (input_from_stream) {
		if (input_pause_mask == 0)
			redis_source_kick();
		return;
	}
	if (input_pause_mask == 0 && !input_is_done)
		input_schedule();
}

/*
 * How full another module is: tweets held (pause at --max-pending, resume
 * a sixteenth below) or bytes of output not yet taken (pause above 4M,
 * resume below 1M). Called whenever the level changes.
 */
void
input_fill(enum input_gauge gauge, size_t level)
{
	size_t	slack = opts.max_pending / 16;

	switch (gauge) {
	case INPUT_PENDING:
		input_pending = level;
		if (level >= opts.max_pending)
			input_pause(INPUT_FULL_PENDING);
		else if (level + slack < opts.max_pending)
			input_resume(INPUT_FULL_PENDING);
		break;
	case INPUT_OUTPUT:
		if (level > INPUT_OUTPUT_HIGH)
			input_pause(INPUT_FULL_OUTPUT);
		else if (level < INPUT_OUTPUT_LOW)
			input_resume(INPUT_FULL_OUTPUT);
		break;
	}
}

/*
 * Stop reading new bytes (a signal). Complete lines already read are still
 * framed, within the caps, and a partial last line is reported as bad: no
 * byte that was read goes unaccounted.
 */
void
input_stop(void)
{
	if (input_from_stream) {
		redis_source_stop();
		return;
	}
	if (input_is_done || input_is_stopped)
		return;
	input_is_stopped = 1;
	if (input_watched) {
		event_del(input_read_ev);
		input_watched = 0;
	}
	if (input_pause_mask == 0)
		input_schedule();
}

/* Has all input been read (or reading stopped for good)? */
int
input_done(void)
{
	if (input_from_stream)
		return (redis_source_done());
	return (input_is_done);
}

/* Could some input not be read? */
int
input_failed(void)
{
	return (input_is_failed);
}

/* Free the input. */
void
input_close(void)
{
	redis_source_free();
	input_close_current();
	if (input_more_ev != NULL)
		event_free(input_more_ev);
	input_more_ev = NULL;
	frame_free(input_frame);
	input_frame = NULL;
	unpack_free(input_unpack);
	input_unpack = NULL;
	free(input_buf);
	input_buf = NULL;
}
