/*
 * Merging into a tweet that already has "enrichments" (or
 * "enrichment_errors"), an earlier run's: the input text is kept byte for
 * byte and edited in place. A value of the same name is replaced where it
 * stands, a new one is added at the end of the object; an earlier error of
 * an enrichment that now has a value is taken out (and the errors object
 * with it when it becomes empty). A member of either name that is not an
 * object is replaced; the errors member goes if this run has no error.
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

	/* Our members in the tweet, found by merge_find. */
	struct rawjson_member	 enr;
	struct rawjson_member	 err;
	struct rawjson_member	 err_prev;	/* the member before err */
	int			 have_enr;
	int			 have_err;
	int			 err_first;	/* err is the first member */
	u_int			 members;
	size_t			 close;		/* the closing brace */
};

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

/*
 * Edit the existing object at obj (enrichments, or the errors): replace
 * members of the same name in place, take out stale errors, add the rest
 * before the closing brace. Returns how many members it will have (with
 * m->dry set, only that).
 */
static u_int
merge_into(struct merge *m, size_t obj, int error)
{
	struct rawjson_member	 mem, prev;
	struct evbuffer		*add = NULL;
	size_t			 pos, close, lead_start = 0;
	u_int			 i, kept = 0, seen = 0, *found;
	int			 drop, in_lead = 1, have_prev = 0;

	memset(&prev, 0, sizeof prev);
	found = xcalloc(m->n, sizeof *found);
	rawjson_open(m->line, m->len, obj, &pos);
	while (rawjson_next(m->line, m->len, &pos, &mem)) {
		seen++;
		drop = 0;
		for (i = 0; i < m->n; i++) {
			if (!rawjson_key_is(m->line, m->len, mem.key,
			    m->items[i].name))
				continue;
			found[i] = 1;
			if (m->items[i].keep && !error)
				;	/* --resume: as it is, byte for byte */
			else if (merge_wanted(&m->items[i], error))
				merge_dump(&m->items[i], error,
				    merge_edit(m, mem.value, mem.end));
			else
				drop = 1;
			break;
		}
		if (drop) {
			/* A leading run goes up to the next kept key; a
			 * later member takes its comma before it. */
			if (in_lead) {
				if (seen == 1)
					lead_start = mem.key;
			} else
				merge_edit(m, prev.end, mem.end);
		} else {
			if (in_lead && seen > 1)
				merge_edit(m, lead_start, mem.key);
			in_lead = 0;
			kept++;
		}
		prev = mem;
		have_prev = 1;
	}
	close = pos;
	if (in_lead && have_prev)
		merge_edit(m, lead_start, prev.end);	/* none kept */
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

static int
merge_edit_cmp(const void *a, const void *b)
{
	const struct merge_edit	*x = a, *y = b;

	if (x->start != y->start)
		return (x->start < y->start ? -1 : 1);
	return (0);
}

/* Find our members in the tweet (the last of a repeated name counts). */
static void
merge_find(struct merge *m)
{
	struct rawjson_member	 mem, last;
	size_t			 pos;

	memset(&last, 0, sizeof last);
	if (rawjson_open(m->line, m->len, 0, &pos) != 0)
		fatalx("%s: not an object", __func__);
	while (rawjson_next(m->line, m->len, &pos, &mem)) {
		if (rawjson_key_is(m->line, m->len, mem.key, "enrichments")) {
			m->enr = mem;
			m->have_enr = 1;
		} else if (rawjson_key_is(m->line, m->len, mem.key,
		    "enrichment_errors")) {
			m->err_first = (m->members == 0);
			m->err_prev = last;
			m->err = mem;
			m->have_err = 1;
		}
		last = mem;
		m->members++;
	}
	m->close = pos;
}

/* Take the errors member out, with the comma before or after it. */
static void
merge_drop_errors(struct merge *m)
{
	size_t	at;

	if (!m->err_first)
		merge_edit(m, m->err_prev.end, m->err.end);
	else {
		at = rawjson_ws(m->line, m->len, m->err.end);
		if (at < m->len && m->line[at] == ',')
			at = rawjson_ws(m->line, m->len, at + 1);
		merge_edit(m, m->err.key, at);
	}
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
	size_t	at;
	int	gone;

	if (m->line[m->err.value] != '{') {
		if (nerrors > 0) {
			merge_object(m, 1, merge_edit(m, m->err.value,
			    m->err.end));
			return (0);
		}
		merge_drop_errors(m);
		return (1);
	}
	m->dry = 1;
	rawjson_open(m->line, m->len, m->err.value, &at);
	gone = (m->line[at] != '}' && merge_into(m, m->err.value, 1) == 0);
	m->dry = 0;
	if (!gone)
		merge_into(m, m->err.value, 1);
	else
		merge_drop_errors(m);
	return (gone);
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
	size_t			 at;
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

	if (!m.have_enr)
		;
	else if (line[m.enr.value] == '{')
		merge_into(&m, m.enr.value, 0);
	else
		merge_object(&m, 0, merge_edit(&m, m.enr.value, m.enr.end));
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

	/* Apply the edits in order; none overlap. */
	qsort(m.edits, m.nedits, sizeof *m.edits, merge_edit_cmp);
	at = 0;
	for (i = 0; i < m.nedits; i++) {
		evbuffer_add(out, line + at, m.edits[i].start - at);
		evbuffer_add_buffer(out, m.edits[i].text);
		evbuffer_free(m.edits[i].text);
		at = m.edits[i].end;
	}
	evbuffer_add(out, line + at, m.close + 1 - at);
	evbuffer_add(out, "\n", 1);
	free(m.edits);
}
