/*
 * The SQLite sink (--to sqlite:PATH[?table=T]): each tweet a row of table
 * T (default "tweets") with the table's columns (table.c) and their
 * declared types, and when unshorten runs each of its links a row of
 * T_links. The database is in WAL mode. Rows come as plain bytes
 * (table.c) and are gathered into a batch; one batch at a time is committed
 * in one transaction by a job on the CPU pool, which touches nothing of
 * the loop's; its completion acknowledges the stream entries it held.
 * While a batch commits, the next one fills: the batches grow with the
 * load, and what is not yet committed is the backlog that pauses reading.
 * With -o (OUTFILE_JOURNAL), each line's input position goes into
 * T_continue in the same transaction as its rows, and --continue
 * (OUTFILE_APPEND) reads them back into the done set.
 */

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <sqlite3.h>
#include <tweet-enricher/enricher.h>

#include "lib/lib.h"
#include "io/io.h"

/* A stream entry to acknowledge once its batch is committed. */
struct sq_ack {
	struct source	*source;
	char		*id;
};

/* Rows in plain bytes, committed by a pool job. */
struct sq_batch {
	struct te_pool_job	 job;		/* first */
	struct sq		*sq;
	char			*buf;		/* 'R' or 'L', cells; 'P', a pos */
	size_t			 len;
	size_t			 size;
	struct sq_ack		*acks;
	u_int			 nacks;
	char			*error;		/* from the worker */
};

struct sq {
	sqlite3			*db;
	sqlite3_stmt		*ins;
	sqlite3_stmt		*link_ins;
	sqlite3_stmt		*pos_ins;	/* into T_continue, or NULL */
	char			*path;
	struct evbuffer		*line;
	struct sq_batch		*filling;
	struct sq_batch		*running;	/* in the pool, or NULL */
	struct sink		*sink;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	int			 busy;		/* a batch is committing */
};

static struct evbuffer	*sq_begin(void *);
static void		 sq_commit(void *, struct source *, const char *,
			     uint64_t);
static size_t		 sq_backlog(void *);
static int		 sq_idle(void *);
static void		 sq_flush(void *);
static void		 sq_free(void *);

static const struct sink_ops sq_ops = {
	.begin = sq_begin,
	.commit = sq_commit,
	.backlog = sq_backlog,
	.idle = sq_idle,
	.flush = sq_flush,
	.free = sq_free
};

/* Append bytes to a batch. */
static void
sq_add(struct sq_batch *b, const void *p, size_t len)
{
	if (b->len + len > b->size) {
		b->size = b->size == 0 ? 65536 : b->size;
		while (b->len + len > b->size)
			b->size *= 2;
		b->buf = xreallocarray(b->buf, b->size, 1);
	}
	memcpy(b->buf + b->len, p, len);
	b->len += len;
}

/* Bind one cell read from a batch at *p; advance *p. */
static int
sq_bind(sqlite3_stmt *st, int i, const char **p)
{
	struct table_cell	 c;
	const char		*s;
	size_t			 len;
	char			 num[64], *end;
	long long		 ll;

	table_cell_next(p, &c);
	s = c.s;
	len = c.len;
	switch (c.type) {
	case CELL_NULL:
		return (sqlite3_bind_null(st, i));
	case CELL_BOOL:
		return (sqlite3_bind_int(st, i, len == 4));
	case CELL_INT:
	case CELL_REAL:
		if (len < sizeof num) {
			memcpy(num, s, len);
			num[len] = '\0';
			if (c.type == CELL_INT) {
				errno = 0;
				ll = strtoll(num, &end, 10);
				if (errno == 0 && *end == '\0')
					return (sqlite3_bind_int64(st, i, ll));
			} else
				return (sqlite3_bind_double(st, i,
				    strtod(num, NULL)));
		}
		break;
	case CELL_TEXT:
	case CELL_JSON:
		break;
	}
	return (sqlite3_bind_text(st, i, s, len, SQLITE_STATIC));
}

/* Insert the rows of a batch (on a worker): 0, or an SQLite error code. */
static int
sq_insert(struct sq *sq, struct sq_batch *b)
{
	sqlite3_stmt	*st;
	const char	*p = b->buf, *end = b->buf + b->len;
	uint64_t	 pos;
	int		 i, n, rc;

	while (p < end) {
		if (*p == 'P') {
			memcpy(&pos, p + 1, sizeof pos);
			p += 1 + sizeof pos;
			sqlite3_bind_int64(sq->pos_ins, 1, (sqlite3_int64)pos);
			rc = sqlite3_step(sq->pos_ins);
			sqlite3_reset(sq->pos_ins);
			if (rc != SQLITE_DONE)
				return (rc);
			continue;
		}
		st = *p == 'R' ? sq->ins : sq->link_ins;
		n = *p++ == 'R' ? (int)table_ncolumns() : TABLE_LINK_COLUMNS;
		for (i = 0; i < n; i++) {
			if ((rc = sq_bind(st, i + 1, &p)) != SQLITE_OK)
				return (rc);
		}
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return (rc);
	}
	return (0);
}

/* Commit a batch in one transaction (on a worker, or at the end). */
static void
sq_work(struct te_pool_job *job)
{
	struct sq_batch	*b = (struct sq_batch *)job;
	struct sq	*sq = b->sq;
	int		 rc;

	if (b->len > 0) {
		rc = sqlite3_exec(sq->db, "BEGIN", NULL, NULL, NULL);
		if (rc == SQLITE_OK && (rc = sq_insert(sq, b)) == 0)
			rc = sqlite3_exec(sq->db, "COMMIT", NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			xasprintf(&b->error, "%s: %s", sq->path,
			    sqlite3_errmsg(sq->db));
			sqlite3_exec(sq->db, "ROLLBACK", NULL, NULL, NULL);
		}
	}
	pthread_mutex_lock(&sq->lock);
	sq->busy = 0;
	pthread_cond_broadcast(&sq->cond);
	pthread_mutex_unlock(&sq->lock);
}

/* Free a batch. */
static void
sq_batch_free(struct sq_batch *b)
{
	u_int	i;

	if (b == NULL)
		return;
	for (i = 0; i < b->nacks; i++)
		free(b->acks[i].id);
	free(b->acks);
	free(b->buf);
	free(b->error);
	free(b);
}

static void	sq_submit(struct sq *);

/* A batch is committed (on the loop): acknowledge, go on with the next. */
static void
sq_done(struct te_pool_job *job)
{
	struct sq_batch	*b = (struct sq_batch *)job;
	struct sq	*sq = b->sq;
	u_int		 i;

	sq->running = NULL;
	if (b->error != NULL) {
		log_warnx("%s", b->error);
		sq_batch_free(b);
		loop_fail(1);
		return;
	}
	for (i = 0; i < b->nacks; i++)
		source_ack(b->acks[i].source, b->acks[i].id);
	sq_batch_free(b);
	if (sq->filling->len > 0 || sq->filling->nacks > 0)
		sq_submit(sq);
	sink_drained(sq->sink);
}

/* A batch the pool will not run (the end of a broken run). */
static void
sq_cancel(struct te_pool_job *job)
{
	struct sq_batch	*b = (struct sq_batch *)job;

	struct sq	*sq = b->sq;

	if (sq->running == b)
		sq->running = NULL;
	pthread_mutex_lock(&sq->lock);
	sq->busy = 0;
	pthread_mutex_unlock(&sq->lock);
	sq_batch_free(b);
}

/* A new empty batch. */
static struct sq_batch *
sq_batch_new(struct sq *sq)
{
	struct sq_batch	*b;

	b = xcalloc(1, sizeof *b);
	b->sq = sq;
	b->job.work = sq_work;
	b->job.done = sq_done;
	b->job.cancel = sq_cancel;
	return (b);
}

/* Hand the batch filled to the pool; start filling another. */
static void
sq_submit(struct sq *sq)
{
	sq->running = sq->filling;
	sq->filling = sq_batch_new(sq);
	pthread_mutex_lock(&sq->lock);
	sq->busy = 1;
	pthread_mutex_unlock(&sq->lock);
	pool_submit(&sq->running->job);
}

/* An SQL identifier, quoted. */
static void
sq_ident(struct evbuffer *b, const char *name)
{
	evbuffer_add(b, "\"", 1);
	for (; *name != '\0'; name++) {
		evbuffer_add(b, name, 1);
		if (*name == '"')
			evbuffer_add(b, "\"", 1);
	}
	evbuffer_add(b, "\"", 1);
}

/* Run SQL made in b (emptied): 0, or -1 with *cause set. */
static int
sq_exec(struct sq *sq, struct evbuffer *b, char **cause)
{
	char	*sql;
	int	 rc;

	evbuffer_add(b, "", 1);
	sql = (char *)evbuffer_pullup(b, -1);
	rc = sqlite3_exec(sq->db, sql, NULL, NULL, NULL);
	evbuffer_drain(b, evbuffer_get_length(b));
	if (rc != SQLITE_OK) {
		xasprintf(cause, "%s: %s", sq->path, sqlite3_errmsg(sq->db));
		return (-1);
	}
	return (0);
}

/*
 * Make table (its columns named and typed by name(i, &decl), n of them)
 * if missing, and the statement that inserts into it. A table that has
 * rows already is refused unless appending.
 */
static int
sq_table(struct sq *sq, const char *table, u_int n,
    const char *(*name)(u_int, const char **), int flags,
    sqlite3_stmt **ins, char **cause)
{
	struct evbuffer	*b;
	sqlite3_stmt	*st;
	const char	*decl;
	u_int		 i;
	int		 rc = -1;

	if ((b = evbuffer_new()) == NULL)
		fatalx("%s: evbuffer_new failed", __func__);
	evbuffer_add_printf(b, "CREATE TABLE IF NOT EXISTS ");
	sq_ident(b, table);
	for (i = 0; i < n; i++) {
		evbuffer_add(b, i == 0 ? "(" : ", ", i == 0 ? 1 : 2);
		sq_ident(b, name(i, &decl));
		if (*decl != '\0')
			evbuffer_add_printf(b, " %s", decl);
	}
	evbuffer_add(b, ")", 1);
	if (sq_exec(sq, b, cause) != 0)
		goto fail;
	evbuffer_add_printf(b, "SELECT 1 FROM ");
	sq_ident(b, table);
	evbuffer_add(b, " LIMIT 1", 9);
	if (sqlite3_prepare_v2(sq->db, (char *)evbuffer_pullup(b, -1), -1,
	    &st, NULL) != SQLITE_OK)
		goto sqlfail;
	evbuffer_drain(b, evbuffer_get_length(b));
	i = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (i && (~flags & OUTFILE_APPEND)) {
		xasprintf(cause, "%s: table \"%s\" has rows already (name "
		    "another with ?table=)", sq->path, table);
		goto fail;
	}
	evbuffer_add_printf(b, "INSERT INTO ");
	sq_ident(b, table);
	evbuffer_add_printf(b, " VALUES (");
	for (i = 0; i < n; i++)
		evbuffer_add_printf(b, "%s?", i == 0 ? "" : ", ");
	evbuffer_add(b, ")", 2);
	if (sqlite3_prepare_v2(sq->db, (char *)evbuffer_pullup(b, -1), -1,
	    ins, NULL) != SQLITE_OK)
		goto sqlfail;
	rc = 0;
	goto out;
sqlfail:
	xasprintf(cause, "%s: %s", sq->path, sqlite3_errmsg(sq->db));
fail:
out:
	evbuffer_free(b);
	return (rc);
}

/* Column i of the main table and its declared type. */
static const char *
sq_column(u_int i, const char **decl)
{
	const struct table_column	*c = table_column(i);

	*decl = c->decl;
	return (c->name);
}

/* The column of T_continue. */
static const char *
sq_pos_column(__unused u_int i, const char **decl)
{
	*decl = "INTEGER PRIMARY KEY";
	return ("pos");
}

/*
 * -o: make T_continue, where each line's input position goes; with
 * --continue, read the positions it holds into the done set.
 */
static int
sq_positions(struct sq *sq, const char *table, int flags, char **cause)
{
	sqlite3_stmt	*st;
	char		*name, *sql;
	int		 rc;

	xasprintf(&name, "%s_continue", table);
	rc = sq_table(sq, name, 1, sq_pos_column, flags, &sq->pos_ins, cause);
	if (rc != 0 || (~flags & OUTFILE_APPEND)) {
		free(name);
		return (rc);
	}
	xasprintf(&sql, "SELECT pos FROM \"%s\"", name);
	free(name);
	rc = sqlite3_prepare_v2(sq->db, sql, -1, &st, NULL);
	free(sql);
	if (rc != SQLITE_OK) {
		xasprintf(cause, "%s: %s", sq->path, sqlite3_errmsg(sq->db));
		return (-1);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		doneset_add(sqlite3_column_int64(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		xasprintf(cause, "%s: %s", sq->path, sqlite3_errmsg(sq->db));
		return (-1);
	}
	return (0);
}

/* Open the database, in WAL mode, and make the tables. */
static int
sq_open_db(struct sq *sq, const char *table, int flags, char **cause)
{
	struct evbuffer	*b;
	char		*links;
	int		 rc;

	if (sqlite3_open_v2(sq->path, &sq->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		xasprintf(cause, "%s: %s", sq->path, sq->db != NULL ?
		    sqlite3_errmsg(sq->db) : "cannot open");
		return (-1);
	}
	sqlite3_busy_timeout(sq->db, 10000);
	if ((b = evbuffer_new()) == NULL)
		fatalx("%s: evbuffer_new failed", __func__);
	evbuffer_add_printf(b, "PRAGMA journal_mode=WAL; "
	    "PRAGMA synchronous=NORMAL");
	rc = sq_exec(sq, b, cause);
	evbuffer_free(b);
	if (rc != 0 || sq_table(sq, table, table_ncolumns(), sq_column,
	    flags, &sq->ins, cause) != 0)
		return (-1);
	if ((flags & OUTFILE_JOURNAL) &&
	    sq_positions(sq, table, flags, cause) != 0)
		return (-1);
	if (!table_has_links())
		return (0);
	xasprintf(&links, "%s_links", table);
	rc = sq_table(sq, links, TABLE_LINK_COLUMNS, table_link_column, flags,
	    &sq->link_ins, cause);
	free(links);
	return (rc);
}

/*
 * The SQLite sink of "PATH[?table=T]": NULL with *cause set. A table that
 * has rows is refused, unless flags has OUTFILE_APPEND.
 */
struct sink *
sink_sqlite_open(const char *spec, int flags, char **cause)
{
	struct sq	*sq;
	const char	*q, *table = "tweets";

	sq = xcalloc(1, sizeof *sq);
	if ((q = strstr(spec, "?table=")) != NULL) {
		sq->path = xstrndup(spec, q - spec);
		table = q + 7;
	} else
		sq->path = xstrdup(spec);
	if (*sq->path == '\0' || *table == '\0') {
		xasprintf(cause, "sqlite:%s: a file and a table name are "
		    "needed", spec);
		goto fail;
	}
	if (sq_open_db(sq, table, flags, cause) != 0)
		goto fail;
	pthread_mutex_init(&sq->lock, NULL);
	pthread_cond_init(&sq->cond, NULL);
	if ((sq->line = evbuffer_new()) == NULL)
		fatalx("%s: evbuffer_new failed", __func__);
	sq->filling = sq_batch_new(sq);
	sq->sink = sink_new(&sq_ops, sq);
	sink_set_rows(sq->sink);
	return (sq->sink);
fail:
	sqlite3_finalize(sq->ins);
	sqlite3_finalize(sq->link_ins);
	sqlite3_finalize(sq->pos_ins);
	sqlite3_close(sq->db);
	free(sq->path);
	free(sq);
	return (NULL);
}

/* A row goes into a buffer of our own. */
static struct evbuffer *
sq_begin(void *arg)
{
	struct sq	*sq = arg;

	evbuffer_drain(sq->line, evbuffer_get_length(sq->line));
	return (sq->line);
}

/*
 * The rows (a notice has none) go into the batch filling, and with -o the
 * input position pos; send it.
 */
static void
sq_commit(void *arg, struct source *src, const char *id, uint64_t pos)
{
	struct sq	*sq = arg;
	struct sq_batch	*b = sq->filling;
	size_t		 len;

	if ((len = evbuffer_get_length(sq->line)) > 0)
		sq_add(b, evbuffer_pullup(sq->line, -1), len);
	if (pos != 0 && sq->pos_ins != NULL) {
		sq_add(b, "P", 1);
		sq_add(b, &pos, sizeof pos);
	}
	if (id != NULL) {
		b->acks = xreallocarray(b->acks, b->nacks + 1,
		    sizeof *b->acks);
		b->acks[b->nacks].source = src;
		b->acks[b->nacks++].id = xstrdup(id);
	}
	if (sq->running == NULL && (b->len > 0 || b->nacks > 0))
		sq_submit(sq);
}

/* Bytes of rows not yet committed. */
static size_t
sq_backlog(void *arg)
{
	struct sq	*sq = arg;

	return (sq->filling->len + (sq->running != NULL ?
	    sq->running->len : 0));
}

/* Is every row committed? */
static int
sq_idle(void *arg)
{
	struct sq	*sq = arg;

	return (sq->running == NULL && sq->filling->len == 0 &&
	    sq->filling->nacks == 0);
}

/* The end: wait for the batch committing, commit what is left. */
static void
sq_flush(void *arg)
{
	struct sq	*sq = arg;

	pthread_mutex_lock(&sq->lock);
	while (sq->busy)
		pthread_cond_wait(&sq->cond, &sq->lock);
	pthread_mutex_unlock(&sq->lock);
	if (sq->filling->len == 0)
		return;
	sq_work(&sq->filling->job);
	if (sq->filling->error != NULL) {
		log_warnx("%s", sq->filling->error);
		loop_fail(1);
	}
	sq->filling->len = 0;
}

/* Free the sink, closing the database. */
static void
sq_free(void *arg)
{
	struct sq	*sq = arg;

	sq_flush(sq);
	sq_batch_free(sq->filling);
	sqlite3_finalize(sq->ins);
	sqlite3_finalize(sq->link_ins);
	sqlite3_finalize(sq->pos_ins);
	if (sqlite3_close(sq->db) != SQLITE_OK)
		log_warnx("%s: %s", sq->path, sqlite3_errmsg(sq->db));
	pthread_mutex_destroy(&sq->lock);
	pthread_cond_destroy(&sq->cond);
	evbuffer_free(sq->line);
	free(sq->path);
	free(sq);
}
