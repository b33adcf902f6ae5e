/*
 * The writer: a finished tweet is its input text as it was, with the
 * enrichments spliced in before the closing brace; nothing is
 * re-serialised. A tweet that already has enrichments (an earlier run's)
 * is merged instead (merge.c).
 */

#include <stdlib.h>

#include <event2/buffer.h>

#include "lib/lib.h"
#include "core.h"
#include "enrich/enrich.h"
#include "io/io.h"
#include "tweet/tweet-int.h"

/* jansson's output, appended to the buffer. */
static int
tweet_write_cb(const char *buf, size_t size, void *data)
{
	return (evbuffer_add(data, buf, size));
}

/* One value as compact JSON (NULL is null). */
static void
tweet_write_value(json_t *v, struct evbuffer *out)
{
	if (v == NULL)
		evbuffer_add(out, "null", 4);
	else if (json_dump_callback(v, tweet_write_cb, out,
	    JSON_COMPACT|JSON_ENCODE_ANY) != 0)
		fatalx("%s: json_dump_callback failed", __func__);
}

/* Merge into a tweet that already has enrichments (an earlier run's). */
static void
tweet_write_merged(struct tweet *t, struct evbuffer *out)
{
	struct merge_item	*items;
	struct enrichment	*e;
	u_int			 i;

	items = xcalloc(slot_nenrichments, sizeof *items);
	for (i = 0; i < slot_nenrichments; i++) {
		e = slot_enrichments[i];
		items[i].name = e->name;
		items[i].key_json = e->key_json;
		items[i].key_len = e->key_len;
		items[i].value = slot_value(&t->slots[i]);
		items[i].error = t->slots[i].error;
		items[i].keep = t->slots[i].kept;
	}
	merge_write(t->line, t->len, items, slot_nenrichments, out);
	free(items);
}

/* The "enrichment_errors" of a tweet that has some. */
static void
tweet_write_errors(struct tweet *t, struct evbuffer *out)
{
	struct enrichment	*e;
	json_t			*msg;
	u_int			 i;
	int			 first = 1;

	evbuffer_add(out, "},\"enrichment_errors\":{", 23);
	for (i = 0; i < slot_nenrichments; i++) {
		if (t->slots[i].error == NULL)
			continue;
		e = slot_enrichments[i];
		if (!first)
			evbuffer_add(out, ",", 1);
		first = 0;
		evbuffer_add(out, e->key_json, e->key_len);
		msg = json_string(t->slots[i].error);
		if (msg == NULL)
			msg = json_string("(message not UTF-8)");
		tweet_write_value(msg, out);
		json_decref(msg);
	}
}

/*
 * A finished tweet as a table's row (table.c): its first half, made as it
 * started, then its enrichments; a notice is no row.
 */
void
tweet_write_row(struct tweet *t, struct evbuffer *out)
{
	struct table_value	*vals;
	json_t			**kept;
	u_int			 i;

	if (t->notice || t->row == NULL)
		return;
	vals = xcalloc(slot_nenrichments + 1, sizeof *vals);
	kept = xcalloc(slot_nenrichments + 1, sizeof *kept);
	for (i = 0; i < slot_nenrichments; i++) {
		vals[i].value = slot_value(&t->slots[i]);
		vals[i].error = t->slots[i].error;
		if (t->slots[i].kept)
			vals[i].value = kept[i] = table_kept(t->line, t->len,
			    slot_enrichments[i]->name);
	}
	table_row_write(t->row, t->rowlen, vals, out);
	for (i = 0; i < slot_nenrichments; i++)
		json_decref(kept[i]);
	free(kept);
	free(vals);
}

/* Write a finished tweet, one line, to out. */
void
tweet_write(struct tweet *t, struct evbuffer *out)
{
	struct enrichment	*e;
	size_t			 end = t->len;
	u_int			 i;

	if (t->notice || slot_nenrichments == 0) {
		/* As it is: a notice, or a copy to or from a stream. */
		evbuffer_add(out, t->line, t->len);
		evbuffer_add(out, "\n", 1);
		return;
	}
	if (t->merge) {
		tweet_write_merged(t, out);
		return;
	}
	while (end > 0 && t->line[end - 1] != '}')
		end--;
	evbuffer_add(out, t->line, end - 1);
	if (t->empty)
		evbuffer_add(out, "\"enrichments\":{", 15);
	else
		evbuffer_add(out, ",\"enrichments\":{", 16);
	for (i = 0; i < slot_nenrichments; i++) {
		e = slot_enrichments[i];
		if (i > 0)
			evbuffer_add(out, ",", 1);
		evbuffer_add(out, e->key_json, e->key_len);
		if (t->slots[i].text != NULL)
			evbuffer_add(out, t->slots[i].text,
			    t->slots[i].textlen);
		else
			tweet_write_value(t->slots[i].value, out);
	}
	if (t->nerrors > 0)
		tweet_write_errors(t, out);
	evbuffer_add(out, "}}\n", 3);
}
