/*
 * Sources: where lines come from (files and stdin, source-file.c; a Redis
 * stream, redis/redis-source.c), each behind a small table of functions;
 * the pipeline calls only these and never asks which source it has.
 *
 * The source alone decides when to read: the other modules report how full
 * they are (source_fill: tweets held, output not yet taken) and the source
 * is paused at a cap and resumed below it, through one call each way. A
 * line read is handed to the pipeline (source_take), and what was not a
 * tweet is reported where it came from.
 */

#include <stdlib.h>

#include "lib/lib.h"
#include "core.h"
#include "io/io-int.h"

/* Why reading is paused (bits of source_pause_mask). */
#define SOURCE_FULL_PENDING 0x1	/* --max-pending tweets held */
#define SOURCE_FULL_OUTPUT 0x2	/* output backed up */

/* Pause above this much output not yet taken; resume below the low mark. */
#define SOURCE_OUTPUT_HIGH (4 * 1024 * 1024)
#define SOURCE_OUTPUT_LOW (1024 * 1024)

struct source {
	const struct source_ops	*ops;
	void			*arg;
	source_line_cb		 line;
	uint64_t		 taken;		/* lines taken so far */
};

/* The run's source, and how full the rest of the pipeline is. */
static struct source	*source_cur;
static int		 source_pause_mask;
static size_t		 source_pending;	/* tweets held, as reported */

/* Make the run's source: ops on arg; its lines go to line. */
struct source *
source_new(const struct source_ops *ops, void *arg, source_line_cb line)
{
	struct source	*src;

	src = xcalloc(1, sizeof *src);
	src->ops = ops;
	src->arg = arg;
	src->line = line;
	source_cur = src;
	return (src);
}

/*
 * Hand a line to the pipeline: from name (line lineno, or stream entry id)
 * of src. A bad line or a page is reported here; what it was is returned.
 * Each line taken has the next input position; one whose output is in the
 * output already (--continue) is skipped.
 */
enum line_kind
source_take(struct source *src, const char *line, size_t len,
    const char *name, uint64_t lineno, const char *id)
{
	struct origin	o;
	enum line_kind	kind;
	char		why[256];

	o.source = src;
	o.name = name;
	o.lineno = lineno;
	o.id = id;
	o.pos = ++src->taken;
	if (doneset_has(o.pos)) {
		stats.skipped++;
		return (LINE_DROPPED);
	}
	if ((kind = src->line(line, len, &o, why, sizeof why)) >= LINE_BAD)
		badlines_line(&o, line, len, kind, why);
	return (kind);
}

/* How many more tweets may be read now (0 while paused). */
u_int
source_room(__unused struct source *src)
{
	if (source_pause_mask != 0 || source_pending >= opts.max_pending)
		return (0);
	return (opts.max_pending - source_pending);
}

/* Is reading paused? */
int
source_paused(__unused struct source *src)
{
	return (source_pause_mask != 0);
}

/* Stop reading for a reason (SOURCE_FULL_*). */
static void
source_pause(int reason)
{
	int	was = source_pause_mask;

	source_pause_mask |= reason;
	if (was == 0 && source_cur != NULL && source_cur->ops->pause != NULL)
		source_cur->ops->pause(source_cur->arg);
}

/* A reason to stop reading has gone. */
static void
source_resume(int reason)
{
	if ((source_pause_mask & reason) == 0)
		return;
	source_pause_mask &= ~reason;
	if (source_pause_mask == 0 && source_cur != NULL)
		source_cur->ops->resume(source_cur->arg);
}

/*
 * How full another module is: tweets held (pause at --max-pending, resume
 * a sixteenth below) or bytes of output not yet taken (pause above 4M,
 * resume below 1M). Called whenever the level changes.
 */
void
source_fill(enum source_gauge gauge, size_t level)
{
	size_t	slack = opts.max_pending / 16;

	switch (gauge) {
	case SOURCE_PENDING:
		source_pending = level;
		if (level >= opts.max_pending)
			source_pause(SOURCE_FULL_PENDING);
		else if (level + slack < opts.max_pending)
			source_resume(SOURCE_FULL_PENDING);
		break;
	case SOURCE_OUTPUT:
		if (level > SOURCE_OUTPUT_HIGH)
			source_pause(SOURCE_FULL_OUTPUT);
		else if (level < SOURCE_OUTPUT_LOW)
			source_resume(SOURCE_FULL_OUTPUT);
		break;
	}
}

/* Stop reading new input (a signal); what was read is still taken. */
void
source_stop(struct source *src)
{
	if (src != NULL)
		src->ops->stop(src->arg);
}

/* Has reading ended for good? */
int
source_done(struct source *src)
{
	return (src != NULL && src->ops->done(src->arg));
}

/* Is nothing read still to be acknowledged? */
int
source_idle(struct source *src)
{
	return (src == NULL || src->ops->idle == NULL ||
	    src->ops->idle(src->arg));
}

/* Could some input not be read? */
int
source_failed(struct source *src)
{
	return (src != NULL && src->ops->failed != NULL &&
	    src->ops->failed(src->arg));
}

/*
 * How far reading has come through input of a known size: bytes used and
 * the total (0 if the source cannot tell, as a pipe cannot).
 */
int
source_position(struct source *src, uint64_t *done, uint64_t *total)
{
	*done = *total = 0;
	if (src == NULL || src->ops->position == NULL)
		return (0);
	return (src->ops->position(src->arg, done, total));
}

/* The output of entry id of src is safe in the sink: acknowledge it. */
void
source_ack(struct source *src, const char *id)
{
	if (src != NULL && src->ops->ack != NULL)
		src->ops->ack(src->arg, id);
}

/* Free a source (after the loop). */
void
source_free(struct source *src)
{
	if (src == NULL)
		return;
	src->ops->free(src->arg);
	if (source_cur == src)
		source_cur = NULL;
	free(src);
}
