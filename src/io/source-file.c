/*
 * The source of files: the FILE arguments (or stdin) in turn, read without
 * blocking the loop. A pipe, socket or terminal is watched with an event; a
 * regular file (which epoll refuses) is read a chunk at a time from a zero
 * timer, so the loop runs between chunks. Bytes go through the framer (and
 * --split) to the pipeline, line by line (source_take). Paused and resumed
 * by source.c, it goes on from the same byte.
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
#include "io/io-int.h"

#define SF_CHUNK (256 * 1024)

static char		**sf_files;
static int		  sf_nfiles;
static int		  sf_cur = -1;
static int		  sf_fd = -1;
static const char	 *sf_name;
static int		  sf_watched;	/* fd has a read event */
static struct event	 *sf_read_ev;
static struct event	 *sf_more_ev;	/* zero timer: go on */
static struct frame	 *sf_frame;
static struct unpack	 *sf_unpack;		/* gzip or as read */
static char		 *sf_buf;
static size_t		  sf_off;		/* unframed bytes: off..end */
static size_t		  sf_end;
static struct source	 *sf_source;
static int		  sf_is_done;
static int		  sf_is_stopped;
static int		  sf_at_eof;
static int		  sf_is_failed;
static uint64_t		  sf_total;	/* bytes of all inputs, or 0 */
static uint64_t		  sf_before;	/* of the inputs done */
static uint64_t		 *sf_sizes;

static void	sf_next(void);
static void	sf_pause(void *);
static void	sf_resume(void *);
static void	sf_stop(void *);
static int	sf_done(void *);
static int	sf_failed(void *);
static void	sf_free(void *);
static int	sf_position(void *, uint64_t *, uint64_t *);
static void	sf_sizes_find(void);

static void	sf_more(evutil_socket_t, short, void *);
static void	sf_readable(evutil_socket_t, short, void *);

static const struct source_ops sf_ops = {
	.pause = sf_pause,
	.resume = sf_resume,
	.stop = sf_stop,
	.done = sf_done,
	.failed = sf_failed,
	.free = sf_free,
	.position = sf_position
};

/* A line for the pipeline; nonzero tells the framer to stop for now. */
static int
sf_line_cb(__unused void *arg, const char *line, size_t len,
    uint64_t lineno)
{
	source_take(sf_source, line, len, sf_name, lineno, NULL);
	return (source_paused(sf_source));
}

/* A piece of a line longer than --max-line: a bad line. */
static void
sf_long_cb(__unused void *arg, const char *chunk, size_t len,
    uint64_t lineno, int end)
{
	badlines_long(sf_name, lineno, chunk, len, end);
}

/* --split found no JSON where a tweet should be: a bad line. */
static void
sf_split_bad_cb(__unused void *arg, uint64_t lineno, const char *why)
{
	char	reason[128];

	snprintf(reason, sizeof reason, "invalid JSON: %s (--split)", why);
	badlines_add(sf_name, lineno, "", 0, reason);
}

/* Start reading the given files ("-" is stdin; none means stdin). */
struct source *
source_file_open(char **files, int nfiles, source_line_cb line)
{
	static char	*dash[] = { (char *)"-" };

	if (nfiles == 0) {
		files = dash;
		nfiles = 1;
	}
	sf_source = source_new(&sf_ops, NULL, line);
	sf_files = files;
	sf_nfiles = nfiles;
	sf_sizes_find();
	sf_buf = xmalloc(SF_CHUNK);
	sf_unpack = unpack_new();
	sf_frame = frame_new(opts.max_line, sf_line_cb, sf_long_cb, NULL);
	if (opts.split != NULL)
		frame_split(sf_frame, opts.split, sf_split_bad_cb);
	sf_more_ev = evtimer_new(loop_base(), sf_more, NULL);
	if (sf_more_ev == NULL)
		fatalx("%s: evtimer_new failed", __func__);
	sf_next();
	return (sf_source);
}

/*
 * The sizes of the inputs when every one is a regular file (stdin too, if
 * redirected from one), so that --progress can say how far it has come.
 */
static void
sf_sizes_find(void)
{
	struct stat	sb;
	int		i, r;

	sf_sizes = xcalloc(sf_nfiles, sizeof *sf_sizes);
	for (i = 0; i < sf_nfiles; i++) {
		if (strcmp(sf_files[i], "-") == 0)
			r = fstat(STDIN_FILENO, &sb);
		else
			r = stat(sf_files[i], &sb);
		if (r == -1 || !S_ISREG(sb.st_mode)) {
			sf_total = 0;
			return;
		}
		sf_sizes[i] = sb.st_size;
		sf_total += sb.st_size;
	}
}

/* Bytes of the inputs used so far, and their total; 0 if unknown. */
static int
sf_position(__unused void *arg, uint64_t *done, uint64_t *total)
{
	off_t	pos = 0;
	size_t	held;

	if (sf_total == 0)
		return (0);
	*done = sf_before;
	if (sf_fd != -1 && (pos = lseek(sf_fd, 0, SEEK_CUR)) > 0) {
		held = unpack_held(sf_unpack, sf_end - sf_off);
		*done += (uint64_t)pos > held ? pos - held : 0;
	}
	if (sf_is_done || *done > sf_total)
		*done = sf_total;
	*total = sf_total;
	return (1);
}

/* Go on from a zero timer (not inside the caller). */
static void
sf_schedule(void)
{
	static const struct timeval	zero = { 0, 0 };

	if (!evtimer_pending(sf_more_ev, NULL))
		evtimer_add(sf_more_ev, &zero);
}

/* Close the current input. */
static void
sf_close_current(void)
{
	if (sf_read_ev != NULL) {
		event_free(sf_read_ev);
		sf_read_ev = NULL;
	}
	if (sf_fd > STDERR_FILENO)
		close(sf_fd);
	sf_fd = -1;
	sf_watched = 0;
	sf_at_eof = 0;
	sf_off = sf_end = 0;
}

/* Move on to the next file, or finish. */
static void
sf_next(void)
{
	struct stat	 sb;
	const char	*path;

	if (sf_cur >= 0 && sf_cur < sf_nfiles)
		sf_before += sf_sizes[sf_cur];
	sf_close_current();
	for (;;) {
		if (sf_is_stopped || ++sf_cur >= sf_nfiles) {
			sf_is_done = 1;
			evtimer_del(sf_more_ev);
			loop_check_done();
			return;
		}
		path = sf_files[sf_cur];
		if (strcmp(path, "-") == 0) {
			sf_fd = STDIN_FILENO;
			sf_name = "stdin";
		} else {
			sf_fd = open(path, O_RDONLY|O_CLOEXEC);
			sf_name = path;
		}
		if (sf_fd == -1 || fstat(sf_fd, &sb) == -1) {
			log_warn("%s", sf_name);
			sf_is_failed = 1;
			sf_close_current();
			continue;
		}
		if (S_ISDIR(sb.st_mode)) {
			log_warnx("%s: is a directory", sf_name);
			sf_is_failed = 1;
			sf_close_current();
			continue;
		}
		break;
	}
	frame_reset(sf_frame);
	unpack_reset(sf_unpack);

	/* Pipes, sockets and terminals can be polled; files and devices like
	 * /dev/null cannot, and are read a chunk at a time. */
	if (S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode) || isatty(sf_fd)) {
		sf_read_ev = event_new(loop_base(), sf_fd, EV_READ|EV_PERSIST,
		    sf_readable, NULL);
		if (sf_read_ev == NULL || event_add(sf_read_ev, NULL) != 0)
			fatalx("%s: cannot watch %s", __func__, sf_name);
		sf_watched = 1;
	}
	if (source_paused(sf_source)) {
		if (sf_watched)
			event_del(sf_read_ev);
	} else if (!sf_watched)
		sf_schedule();
}

/* Frame buffered bytes; false if reading must wait. */
static int
sf_frame_buffered(void)
{
	while (sf_off < sf_end) {
		if (source_paused(sf_source))
			return (0);
		sf_off += frame_feed(sf_frame, sf_buf + sf_off,
		    sf_end - sf_off);
	}
	return (!source_paused(sf_source));
}

/* Read one chunk and frame it. */
static void
sf_read_once(void)
{
	ssize_t	n;

	n = unpack_read(sf_unpack, sf_fd, sf_buf, SF_CHUNK,
	    sf_name);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n <= 0) {
		if (n == -1) {
			if (errno != EBADMSG)	/* unpack said why */
				log_warn("read %s", sf_name);
			sf_is_failed = 1;
		}
		/* Move on from the timer, not inside the fd's own callback. */
		sf_at_eof = 1;
		if (sf_watched) {
			event_del(sf_read_ev);
			sf_watched = 0;
		}
		sf_schedule();
		return;
	}
	sf_off = 0;
	sf_end = n;
	sf_frame_buffered();
}

/* The fd has data. */
static void
sf_readable(__unused evutil_socket_t fd, __unused short events,
    __unused void *arg)
{
	if (!sf_frame_buffered()) {
		event_del(sf_read_ev);
		return;
	}
	sf_read_once();
	/* Inflated bytes may be waiting with nothing more to poll for. */
	if (!sf_at_eof && !source_paused(sf_source) &&
	    unpack_pending(sf_unpack))
		sf_schedule();
}

/* Go on: frame what is buffered, then read a regular file's next chunk. */
static void
sf_more(__unused evutil_socket_t fd, __unused short events,
    __unused void *arg)
{
	if (!sf_frame_buffered())
		return;
	if (sf_at_eof || sf_is_stopped) {
		frame_finish(sf_frame);
		sf_next();
		return;
	}
	if (sf_watched) {
		event_add(sf_read_ev, NULL);
		if (!unpack_pending(sf_unpack))
			return;
	}
	sf_read_once();
	if (!sf_at_eof && !source_paused(sf_source) && (!sf_watched ||
	    unpack_pending(sf_unpack)))
		sf_schedule();
}

/* Stop reading for now (source.c: a cap is reached). */
static void
sf_pause(__unused void *arg)
{
	if (!sf_is_done) {
		if (sf_watched)
			event_del(sf_read_ev);
		evtimer_del(sf_more_ev);
	}
}

/* Go on reading (source.c: below the caps again). */
static void
sf_resume(__unused void *arg)
{
	if (!sf_is_done)
		sf_schedule();
}

/*
 * Stop reading new bytes (a signal). Complete lines already read are still
 * framed, within the caps, and a partial last line is reported as bad: no
 * byte that was read goes unaccounted.
 */
static void
sf_stop(__unused void *arg)
{
	if (sf_is_done || sf_is_stopped)
		return;
	sf_is_stopped = 1;
	if (sf_watched) {
		event_del(sf_read_ev);
		sf_watched = 0;
	}
	if (!source_paused(sf_source))
		sf_schedule();
}

/* Has all input been read (or reading stopped for good)? */
static int
sf_done(__unused void *arg)
{
	return (sf_is_done);
}

/* Could some input not be read? */
static int
sf_failed(__unused void *arg)
{
	return (sf_is_failed);
}

/* Free the input. */
static void
sf_free(__unused void *arg)
{
	sf_close_current();
	if (sf_more_ev != NULL)
		event_free(sf_more_ev);
	sf_more_ev = NULL;
	frame_free(sf_frame);
	sf_frame = NULL;
	unpack_free(sf_unpack);
	sf_unpack = NULL;
	free(sf_buf);
	sf_buf = NULL;
	free(sf_sizes);
	sf_sizes = NULL;
}
