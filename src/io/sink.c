/*
 * Sinks: where finished tweets go (a file descriptor, sink-fd.c; a Redis
 * stream, redis/redis-sink.c), each behind a small table of functions; the
 * pipeline calls only these and never asks which sink it has. The writer
 * puts one line into the buffer sink_begin gives and commits it with where
 * it came from; the sink acknowledges it to its source once it has it, and
 * reports its backlog to the source, the one signal upstream.
 */

#include <stdlib.h>

#include "lib/lib.h"
#include "core.h"
#include "io/io-int.h"

struct sink {
	const struct sink_ops	*ops;
	void			*arg;
	int			 rows;	/* it takes rows (table.c), not lines */
};

/* Make a sink: ops on arg. */
struct sink *
sink_new(const struct sink_ops *ops, void *arg)
{
	struct sink	*sk;

	sk = xcalloc(1, sizeof *sk);
	sk->ops = ops;
	sk->arg = arg;
	return (sk);
}

/* The sink takes rows (table.c's bytes), not lines: the tables. */
void
sink_set_rows(struct sink *sk)
{
	sk->rows = 1;
}

/* Does the sink take rows? */
int
sink_rows(struct sink *sk)
{
	return (sk != NULL && sk->rows);
}

/* Where the next line goes (one line, its newline included). */
struct evbuffer *
sink_begin(struct sink *sk)
{
	return (sk->ops->begin(sk->arg));
}

/*
 * The line is written: it came from entry id of src (or id is NULL), input
 * position pos (0: none).
 */
void
sink_commit(struct sink *sk, struct source *src, const char *id,
    uint64_t pos)
{
	sk->ops->commit(sk->arg, src, id, pos);
	source_fill(SOURCE_OUTPUT, sk->ops->backlog(sk->arg));
}

/* The sink took some of its backlog: tell the source, maybe end the run. */
void
sink_drained(struct sink *sk)
{
	source_fill(SOURCE_OUTPUT, sk->ops->backlog(sk->arg));
	loop_check_done();
}

/* Bytes not yet taken. */
size_t
sink_backlog(struct sink *sk)
{
	return (sk->ops->backlog(sk->arg));
}

/* Is nothing waiting to be written or confirmed? */
int
sink_idle(struct sink *sk)
{
	return (sk == NULL || sk->ops->idle(sk->arg));
}

/* The end of the run: write what is left, blocking if need be. */
void
sink_flush(struct sink *sk)
{
	if (sk != NULL && sk->ops->flush != NULL)
		sk->ops->flush(sk->arg);
}

/* Free a sink (after the loop). */
void
sink_free(struct sink *sk)
{
	if (sk == NULL)
		return;
	sk->ops->free(sk->arg);
	free(sk);
}
