/*
 * io: the door. Sources (source.c, the interface; source-file.c: files
 * and stdin; the Redis stream is in redis/), sinks (sink.c, the interface;
 * sink-fd.c: a file descriptor; the Redis stream is in redis/), bad lines
 * (badlines.c) and the closing hint (hint.c). Framing (frame.c), gzip
 * (unpack.c) and --split (split.c), which only the file source uses, are
 * in io-int.h.
 */

#ifndef TE_IO_H
#define TE_IO_H

#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

struct sink;
struct source;

/*
 * Where a line came from: named when it is reported as bad, and given back
 * to its source (an acknowledgement) once the sink has the tweet's output.
 */
struct origin {
	struct source	*source;	/* NULL: nothing to acknowledge */
	const char	*name;		/* a file, "stdin", "STREAM entry ID" */
	uint64_t	 lineno;	/* 0 for a stream entry */
	const char	*id;		/* the stream entry, or NULL */
	uint64_t	 pos;		/* the nth line taken (from 1) */
};

/* What a line turned out to be (tweet_line); the reader reports the last 3. */
enum line_kind {
	LINE_TWEET,
	LINE_NOTICE,		/* a stream notice, written as it is */
	LINE_DROPPED,		/* a notice left out: nothing will be written */
	LINE_BAD,		/* not a JSON object (why says so) */
	LINE_PAGE_V11,		/* a v1.1 search page: /statuses */
	LINE_PAGE_V2		/* a v2 page: /data */
};

/*
 * A source of lines (source.c): files and stdin (source-file.c), a Redis
 * stream (redis/redis-source.c), each a table of functions on its own
 * state. Its lines go to the pipeline's line function; what was not a
 * tweet it reports; it is paused and resumed by the fill levels of the rest
 * (source_fill), and the output of an entry is acknowledged back to it.
 */
typedef enum line_kind (*source_line_cb)(const char *, size_t,
		     const struct origin *, char *, size_t);
struct source_ops {
	void	(*pause)(void *);		/* a cap is reached (or NULL) */
	void	(*resume)(void *);		/* below the caps again */
	void	(*stop)(void *);		/* no new input (a signal) */
	int	(*done)(void *);		/* has reading ended for good? */
	int	(*idle)(void *);		/* nothing to acknowledge? */
	int	(*failed)(void *);		/* some input unread? */
	void	(*ack)(void *, const char *);	/* entry id is in the sink */
	void	(*free)(void *);
	int	(*position)(void *, uint64_t *, uint64_t *); /* read, of */
};
enum source_gauge {
	SOURCE_PENDING,		/* tweets held (stats.pending) */
	SOURCE_OUTPUT		/* bytes of output not yet taken */
};
struct source	*source_new(const struct source_ops *, void *,
		     source_line_cb);
enum line_kind	 source_take(struct source *, const char *, size_t,
		     const char *, uint64_t, const char *);
u_int		 source_room(struct source *);
void		 source_fill(enum source_gauge, size_t);
void		 source_stop(struct source *);
int		 source_done(struct source *);
int		 source_idle(struct source *);
int		 source_failed(struct source *);
void		 source_ack(struct source *, const char *);
void		 source_free(struct source *);
int		 source_position(struct source *, uint64_t *, uint64_t *);

/* source-file.c */
struct source	*source_file_open(char **, int, source_line_cb);

/*
 * A sink of finished lines (sink.c): a file descriptor (sink-fd.c), a
 * Redis stream (redis/redis-sink.c), each a table of functions. A line is
 * written into the buffer begin gives, then committed with the source and
 * entry it came from.
 */
struct evbuffer;
struct sink_ops {
	struct evbuffer	*(*begin)(void *);	/* where the next line goes */
	void	(*commit)(void *, struct source *, const char *, uint64_t);
	size_t	(*backlog)(void *);		/* bytes not yet taken */
	int	(*idle)(void *);		/* nothing unconfirmed? */
	void	(*flush)(void *);		/* the end: write it all */
	void	(*free)(void *);
};
struct sink	*sink_new(const struct sink_ops *, void *);
void		 sink_set_rows(struct sink *);
int		 sink_rows(struct sink *);
struct evbuffer	*sink_begin(struct sink *);
void		 sink_commit(struct sink *, struct source *, const char *,
		     uint64_t);
void		 sink_drained(struct sink *);
size_t		 sink_backlog(struct sink *);
int		 sink_idle(struct sink *);
void		 sink_flush(struct sink *);
void		 sink_free(struct sink *);

/* sink-fd.c */
struct sink	*sink_fd_open(int);

/*
 * Continuing a run (-o FILE, --continue): the input positions already in
 * the output (doneset.c), which the source skips; the journal of an output
 * file (journal.c), which fills the set and says where to cut the file.
 */
/* doneset.c */
void		 doneset_add(uint64_t);
void		 doneset_below(uint64_t);
int		 doneset_has(uint64_t);
uint64_t	 doneset_low(void);
uint64_t	 doneset_next(uint64_t);
uint64_t	 doneset_size(void);
void		 doneset_free(void);

/* journal.c */
int		 journal_open(const char *, int, uint64_t *, char **);
void		 journal_line(uint64_t, uint64_t);
int		 journal_written(uint64_t);
int		 journal_close(void);

/* hint.c */
int		 hint_report(void);

/*
 * Tables (table.c): the columns of the table sinks, the one tweet schema
 * (the model's), --columns NAME=POINTER, and per enrichment its value and
 * its error; a sink that takes rows (sink_set_rows) is given, for each
 * tweet, its row as plain bytes instead of its line. An output file
 * (outfile.c): opened, appended to, synced in one place. The sinks: CSV
 * (sink-csv.c), SQLite (sink-sqlite.c).
 */
enum cell_type {
	CELL_NULL,
	CELL_TEXT,		/* a string, decoded */
	CELL_INT,		/* a number as written, no fraction */
	CELL_REAL,		/* a number as written */
	CELL_BOOL,		/* "true" or "false" */
	CELL_JSON		/* an array or object, compact JSON text */
};
struct table_cell {
	enum cell_type	 type;
	const char	*s;
	size_t		 len;
};
enum table_kind {
	TABLE_SCHEMA,		/* a column of the tweet schema */
	TABLE_POINTER,		/* --columns NAME=POINTER */
	TABLE_VALUE,		/* an enrichment's value */
	TABLE_ERROR		/* an enrichment's error */
};
struct table_column {
	char		*name;
	enum table_kind	 kind;
	u_int		 col;		/* schema column, or enrichment */
	char		*pointer;
	const char	*decl;		/* SQLite declared type ("": none) */
	int		 links;		/* an unshorten value: a links table */
};
struct table_value {			/* an enrichment's, for its row */
	json_t		*value;
	const char	*error;
};
#define TABLE_LINK_COLUMNS 7
struct model;
int		 table_configure(const char *const *, const char *const *,
		     u_int, char **, u_int, char **);
int		 table_is_to(const char *);
u_int		 table_ncolumns(void);
const struct table_column *table_column(u_int);
int		 table_has_links(void);
const char	*table_link_column(u_int, const char **);
void		 table_free(void);
void		 table_cell_next(const char **, struct table_cell *);
char		*table_row_start(struct model *, const char *, size_t, size_t *);
void		 table_row_write(const char *, size_t, const struct table_value *,
		     struct evbuffer *);
json_t		*table_kept(const char *, size_t, const char *);

/* outfile.c */
#define OUTFILE_APPEND 0x1
#define OUTFILE_JOURNAL 0x2	/* SQLite: keep input positions (-o) */
int		 outfile_open(const char *, int, char **);
int		 outfile_sync(int, const char *);
int		 outfile_empty(int);

/* sink-csv.c */
struct sink	*sink_csv_open(const char *, int, char **);

/* sink-sqlite.c */
struct sink	*sink_sqlite_open(const char *, int, char **);

/* badlines.c */
int		 badlines_check(const char *, char **, int);
int		 badlines_check_file(const char *, const char *, char **, int);
void		 badlines_output(const char *);
int		 badlines_close(void);
void		 badlines_add(const char *, uint64_t, const char *, size_t,
		     const char *);
void		 badlines_report(void);

#endif
