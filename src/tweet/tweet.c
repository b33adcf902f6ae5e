/*
 * The life of a tweet: take a line (tweet_line says what it was), start
 * every configured enrichment, collect the values as they settle (now,
 * from a timer, an HTTP completion or a pool completion), and write the
 * finished tweet to the sink: in completion order or, with --keep-order,
 * through a reorder window as large as the pending cap.
 */

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "lib/lib.h"
#include "core.h"
#include "json/json.h"
#include "io/io.h"
#include "enrich/enrich.h"
#include "tweet/tweet-int.h"

TAILQ_HEAD(tweets, tweet);

static struct tweets	 tweet_live = TAILQ_HEAD_INITIALIZER(tweet_live);
/* Written, but an enrichment failed by --tweet-timeout has yet to settle. */
static struct tweets	 tweet_late = TAILQ_HEAD_INITIALIZER(tweet_late);
static int		 tweet_closing;	/* settles go nowhere */
static uint64_t		 tweet_next_seq;
static struct sink	*tweet_sink;
int			 tweet_rows;
static struct tweet	**tweet_ring;		/* -k: finished, not yet due */
static u_int		 tweet_ring_size;
static uint64_t		 tweet_ring_next;	/* -k: next seq to write */

static void	tweet_done(struct tweet *);
static void	tweet_deadline_cb(evutil_socket_t, short, void *);
static void	tweet_free(struct tweet *);

/* Set the enrichments applied to every tweet. */
void
tweet_configure(struct enrichment **list, u_int n)
{
	slot_enrichments = list;
	slot_nenrichments = n;
	tweet_latency_configure(list, n);
}

/*
 * Finished tweets go to sink; with window not 0, in input order through a
 * window of that many tweets (--keep-order).
 */
void
tweet_set_sink(struct sink *sink, u_int window)
{
	tweet_sink = sink;
	tweet_rows = sink_rows(sink);
	if (window > 0) {
		tweet_ring_size = window;
		tweet_ring = xcalloc(window, sizeof *tweet_ring);
	}
}

/* Tweets held went up or down by delta: the source hears the new level. */
static void
tweet_held(int delta)
{
	stats_pending(delta);
	source_fill(SOURCE_PENDING, stats.pending);
}

/* Make a tweet of a line from o: n enrichments to settle, plus one. */
static inline struct tweet *
tweet_new(const char *line, size_t len, const struct origin *o, u_int n)
{
	struct tweet	*t;
	size_t		 olen;
	u_int		 i;

	olen = o->id != NULL ? strlen(o->id) + 1 : 0;
	t = xmalloc(sizeof *t + n * sizeof *t->slots + len + olen);
	t->seq = tweet_next_seq++;
	t->line = (char *)&t->slots[n];
	memcpy(t->line, line, len);
	t->len = len;
	t->source = o->source;
	t->pos = o->pos;
	t->origin = NULL;
	if (olen != 0) {
		t->origin = t->line + len;
		memcpy(t->origin, o->id, olen);
	}
	t->root = NULL;
	t->members = NULL;
	t->model = NULL;
	t->starting = 0;
	t->empty = t->merge = t->notice = t->old_errors = 0;
	t->row = NULL;
	t->rowlen = 0;
	t->unsettled = n + 1;
	t->nerrors = 0;
	t->deadline = NULL;
	t->late = 0;
	for (i = 0; i < n; i++) {
		t->slots[i].tweet = t;
		t->slots[i].value = NULL;
		t->slots[i].text = NULL;
		t->slots[i].error = NULL;
		t->slots[i].settled = 0;
		t->slots[i].kept = 0;
	}
	TAILQ_INSERT_TAIL(&tweet_live, t, entry);
	tweet_held(1);
	return (t);
}

/* A stream notice (checked): counted, written as it is or dropped. */
static enum line_kind
tweet_notice(const char *line, size_t len, const struct origin *o)
{
	struct tweet	*t;
	u_int		 i;

	stats.read++;
	stats.notices++;
	if (opts.drop_notices)
		return (LINE_DROPPED);
	t = tweet_new(line, len, o, slot_nenrichments);
	t->notice = 1;
	t->unsettled = 1;	/* none of its enrichments will start */
	for (i = 0; i < slot_nenrichments; i++)
		t->slots[i].settled = 1;
	if (--t->unsettled == 0)
		tweet_done(t);
	return (LINE_NOTICE);
}

/* --tweet-timeout: fail what has not settled by then. */
static void
tweet_arm_deadline(struct tweet *t)
{
	struct timeval	tv;

	tv.tv_sec = opts.tweet_timeout_ms / 1000;
	tv.tv_usec = (opts.tweet_timeout_ms % 1000) * 1000;
	t->deadline = evtimer_new(loop_base(), tweet_deadline_cb, t);
	if (t->deadline == NULL)
		fatalx("%s: evtimer_new failed", __func__);
	evtimer_add(t->deadline, &tv);
}

/* Make the checker's spans of line spans of the tweet's copy of it. */
static void
tweet_members_move(struct validate_members *top, const char *line,
    const char *copy)
{
	struct scan_member	*m;
	u_int			 i;

	for (i = 0; i < top->n && i < VALIDATE_MAX_MEMBERS; i++) {
		m = &top->m[i];
		m->key.text = copy + (m->key.text - line);
		m->value.text = copy + (m->value.text - line);
	}
}

/*
 * For a table: the tweet's schema and --columns cells, from the model the
 * enrichers used (made now if none did), while the line's members are
 * known.
 */
static void
tweet_row(struct tweet *t)
{
	const struct scan_member	*m = NULL;
	int				 n = -1;

	if (t->model == NULL) {
		if (t->members != NULL && t->root == NULL &&
		    t->members->n <= VALIDATE_MAX_MEMBERS) {
			m = t->members->m;
			n = (int)t->members->n;
		}
		t->model = model_new(t->line, t->len, m, n);
	}
	t->row = table_row_start(t->model, t->line, t->len, &t->rowlen);
}

/* Start every enrichment of a new tweet (but those --resume keeps). */
static void
tweet_start(struct tweet *t)
{
	struct enrichment	*e;
	u_int			 i;

	t->starting = 1;
	for (i = 0; i < slot_nenrichments; i++) {
		e = slot_enrichments[i];
		if (opts.resume && t->root != NULL && tweet_errors_keep(t, i))
			continue;
		latency_current = tweet_latency_of(i);	/* its lookups' */
		e->enricher->start(e->data, &t->slots[i]);
	}
	latency_current = NULL;
	if (tweet_rows)
		tweet_row(t);
	t->members = NULL;
	t->starting = 0;
	/* What settled inside start took no time worth a clock call (63 ns
	 * on a loaded machine: a tenth of -e test); the rest are timed from
	 * here. */
	if (t->unsettled > 1)
		t->started = clock_mono();

	if (t->model != NULL) {
		model_free(t->model);
		t->model = NULL;
	}
	json_decref(t->root);
	t->root = NULL;
}

/*
 * Take one input line from o and say what it was: a tweet (its
 * enrichments start), a notice (written as it is, or dropped), or a bad
 * line or a page (why says why), which the reader reports where it came
 * from. Only a line with members of ours is parsed here; an enrichment
 * reads fields from the text (scan.c), or asks for the tree (slot_root),
 * which is then parsed once.
 */
enum line_kind
tweet_line(const char *line, size_t len, const struct origin *o, char *why,
    size_t whylen)
{
	struct validate_members	 top;
	struct tweet		*t;
	json_t			*root;
	enum line_kind		 kind;
	int			 flags;

	kind = tweet_kind(line, len, &top, &root, &flags, why, whylen);
	if (kind == LINE_NOTICE)
		return (tweet_notice(line, len, o));
	if (kind != LINE_TWEET)
		return (kind);
	stats.read++;
	stats.tweets++;

	t = tweet_new(line, len, o, slot_nenrichments);
	t->root = root;
	t->empty = (flags & VALIDATE_EMPTY) != 0;
	t->merge = root != NULL &&
	    (json_object_get(root, "enrichments") != NULL ||
	    json_object_get(root, "enrichment_errors") != NULL);
	t->old_errors = t->merge && tweet_errors_old(root);
	if (opts.tweet_timeout_ms > 0 && slot_nenrichments > 0)
		tweet_arm_deadline(t);
	if (root == NULL) {
		tweet_members_move(&top, line, t->line);
		t->members = &top;
	}
	tweet_start(t);
	if (--t->unsettled == 0)
		tweet_done(t);
	return (LINE_TWEET);
}

/*
 * Settle one enrichment of a tweet: with a value (stolen; NULL keeps what
 * slot_set_value gave, or null), or with an error message when fmt is not
 * NULL (the value is then null).
 */
void
slot_settle(struct slot *s, json_t *value, const char *fmt, ...)
{
	struct tweet	*t = s->tweet;
	va_list		 ap;
	char		*masked;

	if (tweet_closing && s->settled == 0) {
		/* At exit: the enricher lets go, the tweet stays unwritten. */
		json_decref(value);
		s->settled = 1;
		return;
	}
	if (s->settled == 2) {
		/* Failed by --tweet-timeout already: too late. */
		json_decref(value);
		if (--t->late == 0 && t->unsettled == 0 &&
		    t->deadline == NULL) {
			TAILQ_REMOVE(&tweet_late, t, entry);
			free(t);
		}
		return;
	}
	if (s->settled)
		fatalx("%s: enrichment settled twice", __func__);
	s->settled = 1;
	stats.enrichments++;
	tweet_latency_settled(s - t->slots, t->starting ? 0 : t->started);
	if (value != NULL)
		slot_set_value(s, value);
	if (fmt != NULL) {
		slot_set_value(s, NULL);
		va_start(ap, fmt);
		xvasprintf(&s->error, fmt, ap);
		va_end(ap);
		if (secret_any()) {
			masked = secret_mask(s->error);
			free(s->error);
			s->error = masked;
		}
		t->nerrors++;
		stats.enrichment_errors++;
	}
	if (--t->unsettled == 0)
		tweet_done(t);
}

/*
 * Settle a slot with the value a JSON text reads as, kept as its text when
 * the writer would write it so (json_canonical): spliced into the output
 * as it is, no tree made. 0, and nothing done, if it is not.
 */
int
slot_settle_text(struct slot *s, const char *text, size_t len)
{
	if (!json_canonical(text, len))
		return (0);
	if (s->settled == 0 && !tweet_closing) {
		slot_set_value(s, NULL);
		s->text = xmalloc(len);
		memcpy(s->text, text, len);
		s->textlen = len;
	}
	slot_settle(s, NULL, NULL);
	return (1);
}

/* --tweet-timeout: fail every enrichment of the tweet still pending. */
static void
tweet_deadline_cb(__unused evutil_socket_t fd, __unused short events,
    void *arg)
{
	struct tweet	*t = arg;
	struct slot	*s;
	u_int		 i;

	for (i = 0; i < slot_nenrichments; i++) {
		s = &t->slots[i];
		if (s->settled)
			continue;
		s->settled = 2;
		slot_set_value(s, NULL);
		xasprintf(&s->error, "tweet timeout: not done within %ld ms",
		    opts.tweet_timeout_ms);
		t->nerrors++;
		t->late++;
		t->unsettled--;
		stats.enrichments++;
		stats.enrichment_errors++;
	}
	if (t->unsettled == 0)
		tweet_done(t);
}

/* Write a tweet to the sink, with where it came from, and let it go. */
static void
tweet_write_out(struct tweet *t)
{
	if (tweet_rows)
		tweet_write_row(t, sink_begin(tweet_sink));
	else
		tweet_write(t, sink_begin(tweet_sink));
	sink_commit(tweet_sink, t->source, t->origin, t->pos);
	tweet_free(t);
	stats.written++;
	tweet_held(-1);
}

/* A tweet is finished: write it now, or hold it until its turn (-k). */
static void
tweet_output(struct tweet *t)
{
	struct tweet	**slot;

	if (tweet_ring == NULL) {
		tweet_write_out(t);
		return;
	}
	tweet_ring[t->seq % tweet_ring_size] = t;
	for (;;) {
		slot = &tweet_ring[tweet_ring_next % tweet_ring_size];
		if (*slot == NULL)
			break;
		t = *slot;
		*slot = NULL;
		tweet_ring_next++;
		tweet_write_out(t);
	}
}

/* Every enrichment has settled: on to the output (and --errors). */
static void
tweet_done(struct tweet *t)
{
	if (t->deadline != NULL)
		evtimer_del(t->deadline);
	TAILQ_REMOVE(&tweet_live, t, entry);
	tweet_errors_write(t);
	tweet_output(t);
}

/* Free a tweet. */
static void
tweet_free(struct tweet *t)
{
	u_int	i;

	free(t->row);
	t->row = NULL;
	for (i = 0; i < slot_nenrichments; i++) {
		json_decref(t->slots[i].value);
		t->slots[i].value = NULL;
		free(t->slots[i].text);
		t->slots[i].text = NULL;
		free(t->slots[i].error);
		t->slots[i].error = NULL;
	}
	if (t->deadline != NULL) {
		event_free(t->deadline);
		t->deadline = NULL;
	}
	if (t->late > 0) {
		/* Its enrichments still hold the slots: free it after them. */
		t->unsettled = 0;
		TAILQ_INSERT_TAIL(&tweet_late, t, entry);
		return;
	}
	free(t);
}

/* The run is over: enrichments that settle from now on are dropped. */
void
tweet_close(void)
{
	tweet_closing = 1;
}

/* Free the tweets still in flight or waiting their turn (an early exit). */
void
tweet_free_all(void)
{
	struct tweet	*t;
	u_int		 i;

	for (i = 0; i < tweet_ring_size; i++) {
		if (tweet_ring[i] != NULL)
			tweet_free(tweet_ring[i]);
	}
	free(tweet_ring);
	tweet_ring = NULL;
	tweet_ring_size = 0;

	while ((t = TAILQ_FIRST(&tweet_live)) != NULL) {
		TAILQ_REMOVE(&tweet_live, t, entry);
		t->late = 0;
		tweet_free(t);
	}
	while ((t = TAILQ_FIRST(&tweet_late)) != NULL) {
		TAILQ_REMOVE(&tweet_late, t, entry);
		free(t);
	}
}
