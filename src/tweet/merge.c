/*
 * Merging into a tweet that already has "enrichments" (or
 * "enrichment_errors"), an earlier run's: the input text is kept byte for
 * byte and edited in place. A value of the same name is replaced where it
 * stands, a new one is added at the end of the object; an earlier error of
 * an enrichment that now has a value is taken out (and the errors object
 * with it when it becomes empty). A member of either name that is not an
 * object is replaced; the errors member goes if this run has no error.
 * The line is read with scan.c: member spans are offsets of the edits.
 */

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "lib/lib.h"
#include "json/json.h"
#include "tweet/tweet.h"

/* One change to the input text: bytes start..end become text. */
struct merge_edit {
	size_t		 start;
	size_t		 end;
	struct evbuffer	*text;
};

struct merge {
	const char		*line;
	size_t			 len;
	const struct merge_item	*items;
	u_int			 n;
	struct merge_edit	*edits;
	u_int			 nedits;
	int			 dry;		/* count, do not edit */

	/* The line's top level, as merge_find reads it (offsets). */
	size_t			 close;		/* its closing brace */
	u_int			 members;
	int			 have_enr;
	struct scan_value	 enr;		/* the value of "enrichments" */
	int			 have_err;
	struct scan_value	 err;		/* of "enrichment_errors" */
	size_t			 err_key;	/* where that member starts */
	size_t			 err_end;	/* and ends */
	size_t			 err_prev;	/* the end of the one before */
	size_t			 err_next;	/* the start of the one after */
	int			 err_first;
};

/* Where a span of the line starts and ends, as offsets. */
#define MERGE_START(m, v) ((size_t)((v)->text - (m)->line))
#define MERGE_END(m, v) ((size_t)((v)->text + (v)->len - (m)->line))

static struct evbuffer *
merge_edit(struct merge *m, size_t start, size_t end)
{
	static struct evbuffer	*scratch;
	struct merge_edit	*e;

	if (m->dry) {
		/* Counting only: the text goes nowhere. */
		if (scratch == NULL && (scratch = evbuffer_new()) == NULL)
			fatalx("%s: evbuffer_new failed", __func__);
		evbuffer_drain(scratch, evbuffer_get_length(scratch));
		return (scratch);
	}

	e = &m->edits[m->nedits++];
	e->start = start;
	e->end = end;
	if ((e->text = evbuffer_new()) == NULL)
		fatalx("%s: evbuffer_new failed", __func__);
	return (e->text);
}

static int
merge_dump_cb(const char *buf, size_t size, void *data)
{
	return (evbuffer_add(data, buf, size));
}

/* Write an item's value (errors: its message) as JSON. */
static void
merge_dump(const struct merge_item *it, int error, struct evbuffer *out)
{
	json_t	*v;

	if (error) {
		if ((v = json_string(it->error)) == NULL)
			v = json_string("(message not UTF-8)");
	} else
		v = json_incref(it->value);
	if (v == NULL)
		evbuffer_add(out, "null", 4);
	else if (json_dump_callback(v, merge_dump_cb, out,
	    JSON_COMPACT|JSON_ENCODE_ANY) != 0)
		fatalx("%s: json_dump_callback failed", __func__);
	json_decref(v);
}

/* Does the item belong in this object (errors: has it an error)? */
static int
merge_wanted(const struct merge_item *it, int error)
{
	return (!error || it->error != NULL);
}

/* A whole new object of the items. */
static void
merge_object(struct merge *m, int error, struct evbuffer *out)
{
	u_int	i;
	int	first = 1;

	evbuffer_add(out, "{", 1);
	for (i = 0; i < m->n; i++) {
		if (!merge_wanted(&m->items[i], error))
			continue;
		if (!first)
			evbuffer_add(out, ",", 1);
		first = 0;
		evbuffer_add(out, m->items[i].key_json, m->items[i].key_len);
		merge_dump(&m->items[i], error, out);
	}
	evbuffer_add(out, "}", 1);
}

/* Is this key the name of an item? */
static int
merge_is(const struct scan_value *key, const struct merge_item *it)
{
	return (scan_string_eq(key, it->name, strlen(it->name)));
}

/*
 * Edit the existing object obj (enrichments, or the errors): replace
 * members of the same name in place, take out stale errors, add the rest
 * before the closing brace. Returns how many members it will have (with
 * m->dry set, only that).
 */
static u_int
merge_into(struct merge *m, const struct scan_value *obj, int error)
{
	struct scan_iter	 it;
	struct scan_value	 key, val;
	struct evbuffer		*add = NULL;
	size_t			 close, lead_start = 0, prev_end = 0;
	u_int			 i, kept = 0, seen = 0, *found;
	int			 drop, in_lead = 1;

	found = xcalloc(m->n, sizeof *found);
	scan_iter_init(&it, obj);
	while (scan_next(&it, &key, &val)) {
		seen++;
		drop = 0;
		for (i = 0; i < m->n; i++) {
			if (!merge_is(&key, &m->items[i]))
				continue;
			found[i] = 1;
			if (m->items[i].keep && !error)
				;	/* --resume: as it is, byte for byte */
			else if (merge_wanted(&m->items[i], error))
				merge_dump(&m->items[i], error, merge_edit(m,
				    MERGE_START(m, &val), MERGE_END(m, &val)));
			else
				drop = 1;
			break;
		}
		if (drop) {
			/* A leading run goes up to the next kept key; a
			 * later member takes its comma before it. */
			if (in_lead) {
				if (seen == 1)
					lead_start = MERGE_START(m, &key);
			} else
				merge_edit(m, prev_end, MERGE_END(m, &val));
		} else {
			if (in_lead && seen > 1)
				merge_edit(m, lead_start, MERGE_START(m, &key));
			in_lead = 0;
			kept++;
		}
		prev_end = MERGE_END(m, &val);
	}
	close = it.end - m->line;
	if (in_lead && seen > 0)
		merge_edit(m, lead_start, prev_end);	/* none kept */
	for (i = 0; i < m->n; i++) {
		if (found[i] || !merge_wanted(&m->items[i], error))
			continue;
		if (add == NULL)
			add = merge_edit(m, close, close);
		if (kept++ > 0)
			evbuffer_add(add, ",", 1);
		evbuffer_add(add, m->items[i].key_json, m->items[i].key_len);
		merge_dump(&m->items[i], error, add);
	}
	free(found);
	return (kept);
}

/*
 * Find the members of ours at the top level of the line; the last of a
 * repeated name is the one a parser keeps.
 */
static void
merge_find(struct merge *m)
{
	struct scan_value	 root, key, val;
	struct scan_iter	 it;
	size_t			 last_end = 0;
	int			 after_err = 0;

	if (scan_line(m->line, m->len, &root) != 0)
		fatalx("%s: not an object", __func__);
	scan_iter_init(&it, &root);
	while (scan_next(&it, &key, &val)) {
		if (after_err) {
			m->err_next = MERGE_START(m, &key);
			after_err = 0;
		}
		if (scan_string_eq(&key, "enrichments", 11)) {
			m->enr = val;
			m->have_enr = 1;
		} else if (scan_string_eq(&key, "enrichment_errors", 17)) {
			m->err_first = (m->members == 0);
			m->err_prev = last_end;
			m->err = val;
			m->err_key = MERGE_START(m, &key);
			m->err_end = MERGE_END(m, &val);
			m->have_err = 1;
			after_err = 1;
		}
		last_end = MERGE_END(m, &val);
		m->members++;
	}
	m->close = it.end - m->line;
	if (after_err)
		m->err_next = m->close;
}

/* Take the errors member out, with the comma before or after it. */
static void
merge_drop_errors(struct merge *m)
{
	if (!m->err_first)
		merge_edit(m, m->err_prev, m->err_end);
	else
		merge_edit(m, m->err_key, m->err_next);
	m->members--;
}

/*
 * Edit an existing errors member: an object is merged into, and goes when
 * this run empties it; anything else is replaced by this run's errors, or
 * goes when there are none. Returns 1 if the member went.
 */
static int
merge_errors(struct merge *m, u_int nerrors)
{
	struct scan_iter	it;
	struct scan_value	v;
	int			gone;

	if (m->err.type != SCAN_OBJECT) {
		if (nerrors > 0) {
			merge_object(m, 1, merge_edit(m,
			    MERGE_START(m, &m->err), MERGE_END(m, &m->err)));
			return (0);
		}
		merge_drop_errors(m);
		return (1);
	}
	scan_iter_init(&it, &m->err);
	m->dry = 1;
	gone = scan_next(&it, NULL, &v) && merge_into(m, &m->err, 1) == 0;
	m->dry = 0;
	if (!gone)
		merge_into(m, &m->err, 1);
	else
		merge_drop_errors(m);
	return (gone);
}

static int
merge_edit_cmp(const void *a, const void *b)
{
	const struct merge_edit	*x = a, *y = b;

	if (x->start != y->start)
		return (x->start < y->start ? -1 : 1);
	return (0);
}

/* Apply the edits to the line, in order (none overlap), into out. */
static void
merge_apply(struct merge *m, struct evbuffer *out)
{
	size_t	at = 0;
	u_int	i;

	qsort(m->edits, m->nedits, sizeof *m->edits, merge_edit_cmp);
	for (i = 0; i < m->nedits; i++) {
		evbuffer_add(out, m->line + at, m->edits[i].start - at);
		evbuffer_add_buffer(out, m->edits[i].text);
		evbuffer_free(m->edits[i].text);
		at = m->edits[i].end;
	}
	evbuffer_add(out, m->line + at, m->close + 1 - at);
	evbuffer_add(out, "\n", 1);
}

/*
 * Write a tweet that has members of ours: the input text with the items
 * spliced into the existing objects, then a newline.
 */
void
merge_write(const char *line, size_t len, const struct merge_item *items,
    u_int n, struct evbuffer *out)
{
	struct merge		 m;
	struct evbuffer		*add = NULL;
	u_int			 i, nerrors = 0;
	int			 err_gone = 0;

	memset(&m, 0, sizeof m);
	m.line = line;
	m.len = len;
	m.items = items;
	m.n = n;
	m.edits = xcalloc(4 * n + 4, sizeof *m.edits);
	for (i = 0; i < n; i++) {
		if (items[i].error != NULL)
			nerrors++;
	}
	merge_find(&m);

	if (m.have_enr && m.enr.type == SCAN_OBJECT)
		merge_into(&m, &m.enr, 0);
	else if (m.have_enr)
		merge_object(&m, 0, merge_edit(&m, MERGE_START(&m, &m.enr),
		    MERGE_END(&m, &m.enr)));
	if (m.have_err)
		err_gone = merge_errors(&m, nerrors);

	if (!m.have_enr) {
		add = merge_edit(&m, m.close, m.close);
		evbuffer_add_printf(add, "%s\"enrichments\":",
		    m.members > 0 ? "," : "");
		merge_object(&m, 0, add);
		m.members++;
	}
	if ((!m.have_err || err_gone) && nerrors > 0) {
		if (add == NULL)
			add = merge_edit(&m, m.close, m.close);
		evbuffer_add_printf(add, "%s\"enrichment_errors\":",
		    m.members > 0 ? "," : "");
		merge_object(&m, 1, add);
	}
	merge_apply(&m, out);
	free(m.edits);
}
