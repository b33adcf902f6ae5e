/*
 * The CSV sink (--to csv:PATH, csv:- for stdout): each tweet a row of the
 * table's columns (table.c), RFC 4180 (a header row at the top of the
 * file, fields quoted when they hold a comma, a quote or a line break,
 * quotes doubled, CRLF), UTF-8. It takes rows (table.c's bytes), writes
 * them as CSV lines and hands those to the file descriptor sink
 * (sink-fd.c), which writes without blocking, reports the backlog and
 * acknowledges stream entries.
 */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "lib/lib.h"
#include "io/io.h"

struct csv {
	struct sink		*fd_sink;	/* sink-fd.c's */
	struct evbuffer		*line;		/* the finished row */
	int			 fd;
	char			*path;
};

static struct evbuffer	*csv_begin(void *);
static void		 csv_commit(void *, struct source *, const char *,
			     uint64_t);
static size_t		 csv_backlog(void *);
static int		 csv_idle(void *);
static void		 csv_flush(void *);
static void		 csv_free(void *);

static const struct sink_ops csv_ops = {
	.begin = csv_begin,
	.commit = csv_commit,
	.backlog = csv_backlog,
	.idle = csv_idle,
	.flush = csv_flush,
	.free = csv_free
};

/* Bytes that make a field quoted. */
static u_char	csv_special[256];

/* Add one field, quoted if need be. */
static void
csv_field(struct evbuffer *b, const char *s, size_t len)
{
	const char	*q;
	size_t		 i;

	for (i = 0; i < len && !csv_special[(u_char)s[i]]; i++)
		;
	if (i == len) {
		evbuffer_add(b, s, len);
		return;
	}
	evbuffer_add(b, "\"", 1);
	while (len > 0 && (q = memchr(s, '"', len)) != NULL) {
		evbuffer_add(b, s, q - s + 1);
		evbuffer_add(b, "\"", 1);
		len -= q - s + 1;
		s = q + 1;
	}
	evbuffer_add(b, s, len);
	evbuffer_add(b, "\"", 1);
}

/* The header row. */
static void
csv_header(struct evbuffer *b)
{
	const struct table_column	*c;
	u_int				 i;

	for (i = 0; i < table_ncolumns(); i++) {
		c = table_column(i);
		if (i > 0)
			evbuffer_add(b, ",", 1);
		csv_field(b, c->name, strlen(c->name));
	}
	evbuffer_add(b, "\r\n", 2);
}

/*
 * The CSV sink of path ("-": stdout), created or truncated (or with
 * OUTFILE_APPEND, appended to: a header only if it is empty); NULL with
 * *cause set.
 */
struct sink *
sink_csv_open(const char *path, int flags, char **cause)
{
	struct csv	*csv;
	struct sink	*sk;
	int		 fd;

	if (strcmp(path, "-") == 0)
		fd = STDOUT_FILENO;
	else if ((fd = outfile_open(path, flags, cause)) == -1)
		return (NULL);
	csv_special[','] = csv_special['"'] = 1;
	csv_special['\r'] = csv_special['\n'] = 1;
	csv = xcalloc(1, sizeof *csv);
	csv->fd = fd;
	csv->path = xstrdup(strcmp(path, "-") == 0 ? "stdout" : path);
	if ((csv->line = evbuffer_new()) == NULL)
		fatalx("%s: evbuffer_new failed", __func__);
	csv->fd_sink = sink_fd_open(fd);
	if (fd == STDOUT_FILENO || outfile_empty(fd)) {
		csv_header(sink_begin(csv->fd_sink));
		sink_commit(csv->fd_sink, NULL, NULL, 0);
	}
	sk = sink_new(&csv_ops, csv);
	sink_set_rows(sk);
	return (sk);
}

/* A row goes into a buffer of our own. */
static struct evbuffer *
csv_begin(void *arg)
{
	struct csv	*csv = arg;

	evbuffer_drain(csv->line, evbuffer_get_length(csv->line));
	return (csv->line);
}

/*
 * The row as a CSV line (a notice has none; links table rows are not for
 * CSV), committed with its entry.
 */
static void
csv_commit(void *arg, struct source *src, const char *id, uint64_t pos)
{
	struct csv		*csv = arg;
	struct evbuffer		*out;
	struct table_cell	 cell;
	const char		*p;
	size_t			 len;
	u_int			 i;

	len = evbuffer_get_length(csv->line);
	p = (const char *)evbuffer_pullup(csv->line, -1);
	out = sink_begin(csv->fd_sink);
	if (len > 0 && *p++ == 'R') {
		for (i = 0; i < table_ncolumns(); i++) {
			table_cell_next(&p, &cell);
			if (i > 0)
				evbuffer_add(out, ",", 1);
			if (cell.type != CELL_NULL)
				csv_field(out, cell.s, cell.len);
		}
		evbuffer_add(out, "\r\n", 2);
	}
	sink_commit(csv->fd_sink, src, id, pos);
}

/* Bytes not yet written. */
static size_t
csv_backlog(void *arg)
{
	struct csv	*csv = arg;

	return (sink_backlog(csv->fd_sink));
}

/* Is nothing waiting to be written? */
static int
csv_idle(void *arg)
{
	struct csv	*csv = arg;

	return (sink_idle(csv->fd_sink));
}

/* The end: write it all, and make it durable. */
static void
csv_flush(void *arg)
{
	struct csv	*csv = arg;

	sink_flush(csv->fd_sink);
	if (csv->fd != STDOUT_FILENO && outfile_sync(csv->fd, csv->path) != 0)
		loop_fail(1);
}

/* Free the sink, closing its file. */
static void
csv_free(void *arg)
{
	struct csv	*csv = arg;

	sink_free(csv->fd_sink);
	if (csv->fd != STDOUT_FILENO)
		close(csv->fd);
	evbuffer_free(csv->line);
	free(csv->path);
	free(csv);
}
