/*
 * The slot of one enrichment of one tweet, as its enricher sees it while
 * starting: the tweet's text, its members as the validator found them, its
 * tree (parsed on first use), its number, the enrichment's configuration.
 * The tweet model reads the tweet through these, so this file calls
 * nothing above it in src/tweet/.
 */

#include "lib/lib.h"
#include "core.h"
#include "json/json.h"
#include "io/io.h"
#include "tweet/tweet-int.h"

struct enrichment	**slot_enrichments;
u_int			  slot_nenrichments;

/*
 * The tweet's JSON, parsed on first use; valid only inside an enricher's
 * start callback. NULL if the parser refuses what the validator took.
 */
json_t *
slot_root(struct slot *s)
{
	struct tweet	*t = s->tweet;
	char		 why[256];

	if (t->root == NULL && t->starting == 1) {
		t->starting = 2;	/* parsed, or tried */
		t->root = tweet_parse(t->line, t->len, why, sizeof why);
	}
	return (t->root);
}

/*
 * The tweet's text as read, a JSON object the validator accepted (read it
 * with scan.c); valid only inside start.
 */
const char *
slot_line(struct slot *s, size_t *len)
{
	*len = s->tweet->len;
	return (s->tweet->line);
}

/*
 * The tweet's top-level members as the validator found them (spans of
 * slot_line), or -1 if it was parsed instead; only inside start.
 */
int
slot_members(struct slot *s, const struct scan_member **m)
{
	const struct validate_members	*top = s->tweet->members;

	if (top == NULL || s->tweet->root != NULL ||
	    top->n > VALIDATE_MAX_MEMBERS)
		return (-1);
	*m = top->m;
	return ((int)top->n);
}

/* The tweet's number in input order, for caching what is read of it. */
uint64_t
slot_seq(struct slot *s)
{
	return (s->tweet->seq);
}

/* The configured state of the enrichment a slot belongs to. */
void *
slot_data(struct slot *s)
{
	return (slot_enrichments[s - s->tweet->slots]->data);
}

/* Set a slot's value ahead of settling it (stolen; NULL for null). */
void
slot_set_value(struct slot *s, json_t *value)
{
	json_decref(s->value);
	s->value = value;
	free(s->text);
	s->text = NULL;
}

/* A settled slot's value as a tree (made from its text if it has one). */
json_t *
slot_value(struct slot *s)
{
	if (s->text != NULL && s->value == NULL &&
	    (s->value = json_loadb(s->text, s->textlen,
	    JSON_DECODE_ANY|JSON_ALLOW_NUL, NULL)) == NULL)
		fatalx("%s: a value's text is not JSON", __func__);
	return (s->value);
}
