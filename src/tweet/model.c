/*
 * The tweet model: what a line is (API v1.1, Gnip activity streams, API v2
 * bare or as a twarc2 line, or an API page), the tweet's own full text, its
 * type and its entity lists, read straight from the checked text with
 * scan.c: no tree is built. A model is made once per tweet, when an
 * enricher first asks (slot_model), and lives no longer than the tweet's
 * start. Its links are in model-links.c.
 *
 * The members a tweet object may have that the model reads are found in
 * one pass over the object (of duplicate keys the last counts, as for
 * the parser).
 */

#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "json/json.h"
#include "tweet/tweet.h"
#include "tweet/model-int.h"

static const char *const model_names[] = {
	"unknown", "v1.1", "gnip", "v2", "twarc2", "twarc2 flat"
};

static const char *const model_keys[K_COUNT] = {
	"data", "body", "verb", "twitter_entities", "note_tweet",
	"edit_history_tweet_ids", "author_id", "id", "text", "id_str", "user",
	"full_text", "extended_tweet", "retweeted_status", "quoted_status",
	"is_quote_status", "in_reply_to_status_id_str", "in_reply_to_status_id",
	"twitter_quoted_status", "inReplyTo", "long_object",
	"referenced_tweets", "entities", "includes", "object", "gnip",
	"statuses", "author", "created_at", "lang", "quoted_status_id_str",
	"conversation_id", "postedTime", "twitter_lang", "actor",
	"extended_entities", "attachments", "twitter_extended_entities",
	"enrichments", "enrichment_errors"
};
static size_t	model_key_lens[K_COUNT];

/* Which of the model's keys a key is, or -1. */
static int
model_key(const struct scan_value *key)
{
	const char	*s = key->text + 1;
	size_t		 n = key->len - 2;
	u_int		 i;

	if (key->type != SCAN_STRING || key->len < 2)
		return (-1);
	if (model_key_lens[0] == 0) {
		for (i = 0; i < K_COUNT; i++)
			model_key_lens[i] = strlen(model_keys[i]);
	}
	if (memchr(s, '\\', n) != NULL) {
		for (i = 0; i < K_COUNT; i++) {
			if (scan_string_eq(key, model_keys[i],
			    model_key_lens[i]))
				return (i);
		}
		return (-1);
	}
	for (i = 0; i < K_COUNT; i++) {
		if (model_key_lens[i] == n && model_keys[i][0] == s[0] &&
		    memcmp(model_keys[i], s, n) == 0)
			return (i);
	}
	return (-1);
}

/* Find the members of an object the model reads, in one pass. */
void
model_members(const struct scan_value *obj, struct model_members *mm)
{
	struct scan_iter	it;
	struct scan_value	key, v;
	u_int			i;
	int			w;

	for (i = 0; i < K_COUNT; i++) {
		mm->k[i].type = SCAN_NONE;
		mm->k[i].text = NULL;
		mm->k[i].len = 0;
	}
	if (obj->type != SCAN_OBJECT)
		return;
	scan_iter_init(&it, obj);
	while (scan_next(&it, &key, &v)) {
		if ((w = model_key(&key)) != -1)
			mm->k[w] = v;	/* the last of duplicates counts */
	}
}

/*
 * The same from the top-level members the validator found (spans of the
 * line), without reading the line again.
 */
static void
model_members_checked(const struct scan_member *m, int n,
    struct model_members *mm)
{
	u_int	i;
	int	j, w;

	for (i = 0; i < K_COUNT; i++) {
		mm->k[i].type = SCAN_NONE;
		mm->k[i].text = NULL;
		mm->k[i].len = 0;
	}
	for (j = 0; j < n; j++) {
		if ((w = model_key(&m[j].key)) != -1)
			mm->k[w] = m[j].value;	/* the last of duplicates */
	}
}

/* Is a member there, and not null? */
int
model_has(const struct model_members *mm, u_int w)
{
	return (mm->k[w].type != SCAN_NONE && mm->k[w].type != SCAN_NULL);
}

/* Which format a tweet is in, from its members. */
static int
model_detect(const struct model_members *mm)
{
	const struct scan_value	*k = mm->k;

	if (k[K_DATA].type == SCAN_OBJECT)
		return (MODEL_TWARC2);
	if (k[K_BODY].type != SCAN_NONE || k[K_VERB].type != SCAN_NONE ||
	    k[K_TWITTER_ENTITIES].type != SCAN_NONE)
		return (MODEL_GNIP);
	/* twarc2 flatten adds the author (and the tweets referred to). */
	if (k[K_NOTE_TWEET].type != SCAN_NONE ||
	    k[K_EDIT_HISTORY].type != SCAN_NONE ||
	    k[K_AUTHOR_ID].type != SCAN_NONE)
		return (k[K_AUTHOR].type == SCAN_OBJECT ? MODEL_FLAT : MODEL_V2);
	if (k[K_ID].type == SCAN_STRING && k[K_TEXT].type != SCAN_NONE &&
	    k[K_ID_STR].type == SCAN_NONE && k[K_USER].type == SCAN_NONE)
		return (k[K_AUTHOR].type == SCAN_OBJECT ? MODEL_FLAT : MODEL_V2);
	if (k[K_TEXT].type != SCAN_NONE || k[K_FULL_TEXT].type != SCAN_NONE ||
	    k[K_EXTENDED_TWEET].type != SCAN_NONE ||
	    k[K_ID_STR].type != SCAN_NONE)
		return (MODEL_V11);
	return (MODEL_UNKNOWN);
}

/*
 * The object that is a checked line, without reading it through: from its
 * first to its last byte but white space.
 */
static void
model_root(const char *line, size_t len, struct scan_value *root)
{
	while (len > 0 && (*line == ' ' || *line == '\t' || *line == '\r' ||
	    *line == '\n')) {
		line++;
		len--;
	}
	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t' ||
	    line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	root->type = len > 0 && *line == '{' ? SCAN_OBJECT : SCAN_NONE;
	root->text = line;
	root->len = len;
}

/*
 * Build the model of a tweet's text, a JSON object the validator accepted
 * (borrowed: it must outlive the model), given the top-level members the
 * validator found (n of them; -1: read them again).
 */
struct model *
model_new(const char *line, size_t len, const struct scan_member *top,
    int n)
{
	struct model		*m;
	struct scan_value	 v;

	m = xcalloc(1, sizeof *m);
	m->includes.type = m->inc.type = SCAN_NONE;
	model_root(line, len, &m->root);
	m->tweet = m->root;
	if (n >= 0)
		model_members_checked(top, n, &m->top);
	else
		model_members(&m->root, &m->top);
	m->format = model_detect(&m->top);
	m->enr[0] = m->top.k[K_ENRICHMENTS];
	m->enr[1] = m->top.k[K_ENRICHMENT_ERRORS];
	if (m->format == MODEL_TWARC2) {
		m->inc = m->top.k[K_INCLUDES];
		if (scan_member(&m->top.k[K_INCLUDES], "tweets", 6, &v) == 0)
			m->includes = v;
		m->tweet = m->top.k[K_DATA];
		model_members(&m->tweet, &m->top);
	}
	return (m);
}

/* Free a model. */
void
model_free(struct model *m)
{
	u_int	i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nkept; i++)
		free(m->kept[i]);
	free(m->kept);
	free(m->text);
	free(m);
}

/* The tweet's format (MODEL_*). */
int
model_format(struct model *m)
{
	return (m->format);
}

/* The name of a format. */
const char *
model_format_name(int format)
{
	if (format < 0 || (size_t)format >= sizeof model_names /
	    sizeof model_names[0])
		return ("unknown");
	return (model_names[format]);
}

/*
 * A string value decoded, NUL-terminated and kept as long as the model
 * (*len, if not NULL, is its length); NULL if it is not a string.
 */
const char *
model_string(struct model *m, const struct scan_value *v, size_t *len)
{
	if (v->type != SCAN_STRING)
		return (NULL);
	return (model_keep(m, scan_string(v, len)));
}

/* Keep s (allocated) as long as the model; s. */
char *
model_keep(struct model *m, char *s)
{
	m->kept = xreallocarray(m->kept, m->nkept + 1, sizeof *m->kept);
	m->kept[m->nkept++] = s;
	return (s);
}

/* The same for the member key of object obj. */
const char *
model_member_string(struct model *m, const struct scan_value *obj,
    const char *key, size_t *len)
{
	struct scan_value	v;

	if (scan_member(obj, key, strlen(key), &v) != 0)
		return (NULL);
	return (model_string(m, &v, len));
}

/* The member key of an object member's value, if not null. */
static int
model_sub(const struct scan_value *obj, const char *key,
    struct scan_value *out)
{
	return (scan_member(obj, key, strlen(key), out) == 0 &&
	    out->type != SCAN_NULL ? 0 : -1);
}

/*
 * Decode the three HTML entities the API writes in a tweet's text (&amp;,
 * &lt;, &gt;: only those), in place, in one pass; the new length.
 */
static size_t
model_unescape(char *s, size_t len)
{
	static const struct {
		const char	*name;
		size_t		 len;
		char		 c;
	} ents[] = {
		{ "&amp;", 5, '&' }, { "&lt;", 4, '<' }, { "&gt;", 4, '>' }
	};
	size_t	i, o, k;

	if (memchr(s, '&', len) == NULL)
		return (len);
	for (i = o = 0; i < len; ) {
		for (k = 0; k < sizeof ents / sizeof ents[0]; k++) {
			if (s[i] == '&' && len - i >= ents[k].len &&
			    memcmp(s + i, ents[k].name, ents[k].len) == 0)
				break;
		}
		if (k < sizeof ents / sizeof ents[0]) {
			s[o++] = ents[k].c;
			i += ents[k].len;
		} else
			s[o++] = s[i++];
	}
	s[o] = '\0';
	return (o);
}

/*
 * The full text of a tweet object in a format: the first string of v1.1
 * extended_tweet.full_text, full_text, text; Gnip long_object.body, body;
 * v2 note_tweet.text, text.
 */
static void
model_text_of(int format, const struct model_members *mm,
    struct scan_value *v)
{
	const struct scan_value	*k = mm->k;

	v->type = SCAN_NONE;
	switch (format) {
	case MODEL_V11:
		if (model_sub(&k[K_EXTENDED_TWEET], "full_text", v) != 0 ||
		    v->type != SCAN_STRING)
			*v = k[K_FULL_TEXT];
		if (v->type != SCAN_STRING)
			*v = k[K_TEXT];
		break;
	case MODEL_GNIP:
		if (model_sub(&k[K_LONG_OBJECT], "body", v) != 0 ||
		    v->type != SCAN_STRING)
			*v = k[K_BODY];
		break;
	case MODEL_V2:
	case MODEL_TWARC2:
	case MODEL_FLAT:
		if (model_sub(&k[K_NOTE_TWEET], "text", v) != 0 ||
		    v->type != SCAN_STRING)
			*v = k[K_TEXT];
		break;
	}
}

/*
 * The tweet of a twarc2 line's includes.tweets with this id: 0 and *out,
 * or -1.
 */
int
model_included(struct model *m, const char *id, size_t idlen,
    struct scan_value *out)
{
	struct scan_iter	it;
	struct scan_value	t, v;

	scan_iter_init(&it, &m->includes);
	while (m->includes.type == SCAN_ARRAY && scan_next(&it, NULL, &t)) {
		if (scan_member(&t, "id", 2, &v) == 0 &&
		    scan_string_eq(&v, id, idlen)) {
			*out = t;
			return (0);
		}
	}
	return (-1);
}

/*
 * The tweet a v2 tweet retweets, if the data has it: inline in
 * referenced_tweets (a twarc2 flatten line), or in includes.tweets.
 */
static int
model_v2_retweeted(struct model *m, struct scan_value *out)
{
	struct scan_iter	 it;
	struct scan_value	 r, type, id;
	char			*s;
	size_t			 len;
	int			 found;

	scan_iter_init(&it, &m->top.k[K_REFERENCED_TWEETS]);
	while (m->top.k[K_REFERENCED_TWEETS].type == SCAN_ARRAY &&
	    scan_next(&it, NULL, &r)) {
		if (scan_member(&r, "type", 4, &type) != 0 ||
		    !scan_string_eq(&type, "retweeted", 9) ||
		    scan_member(&r, "id", 2, &id) != 0 ||
		    id.type != SCAN_STRING)
			continue;
		if (scan_member(&r, "text", 4, out) == 0) {
			*out = r;
			return (0);
		}
		s = scan_string(&id, &len);
		found = model_included(m, s, len, out);
		free(s);
		return (found);
	}
	return (-1);
}

/* The members of the tweet this one retweets, if the data has it. */
static int
model_retweeted(struct model *m, struct model_members *orig)
{
	const struct scan_value	*k = m->top.k;
	struct scan_value	 v;

	switch (m->format) {
	case MODEL_V11:
		if (k[K_RETWEETED_STATUS].type != SCAN_OBJECT)
			return (-1);
		model_members(&k[K_RETWEETED_STATUS], orig);
		return (0);
	case MODEL_GNIP:
		if (!scan_string_eq(&k[K_VERB], "share", 5) ||
		    k[K_OBJECT].type != SCAN_OBJECT)
			return (-1);
		model_members(&k[K_OBJECT], orig);
		return (0);
	case MODEL_V2:
	case MODEL_TWARC2:
	case MODEL_FLAT:
		if (model_v2_retweeted(m, &v) != 0)
			return (-1);
		model_members(&v, orig);
		return (0);
	}
	return (-1);
}

/* The length of a retweet's "RT @name: " at the start of text, or 0. */
static size_t
model_rt_prefix(const char *text, size_t len)
{
	size_t	i;

	if (len < 4 || memcmp(text, "RT @", 4) != 0)
		return (0);
	for (i = 4; i < len && ((text[i] >= 'a' && text[i] <= 'z') ||
	    (text[i] >= 'A' && text[i] <= 'Z') || (text[i] >= '0' &&
	    text[i] <= '9') || text[i] == '_'); i++)
		;
	if (i == 4 || len - i < 2 || text[i] != ':' || text[i + 1] != ' ')
		return (0);
	return (i + 2);
}

/*
 * Choose the tweet's own full text (model_text_of), as written: &amp;,
 * &lt; and &gt; decoded. A retweet's own text is cut ("RT @name: ...");
 * when the data has the tweet retweeted, the text is "RT @name: " and that
 * tweet's full text.
 */
static void
model_find_text(struct model *m)
{
	struct model_members	 orig;
	struct scan_value	 v, o;
	char			*text;
	size_t			 len, plen;

	m->text_done = 1;
	model_text_of(m->format, &m->top, &v);
	if (v.type != SCAN_STRING)
		return;
	m->text = scan_string(&v, &m->text_len);
	if ((plen = model_rt_prefix(m->text, m->text_len)) != 0 &&
	    model_retweeted(m, &orig) == 0) {
		model_text_of(m->format == MODEL_GNIP ? MODEL_GNIP :
		    m->format == MODEL_V11 ? MODEL_V11 : MODEL_V2, &orig, &o);
		if (o.type == SCAN_STRING) {
			text = xmalloc(plen + o.len + 1);
			memcpy(text, m->text, plen);
			len = scan_string_into(&o, text + plen);
			text[plen + len] = '\0';
			free(m->text);
			m->text = text;
			m->text_len = plen + len;
		}
	}
	m->text_len = model_unescape(m->text, m->text_len);
}

/* The tweet's text, or NULL if it has none. */
const char *
model_text(struct model *m, size_t *len)
{
	if (!m->text_done)
		model_find_text(m);
	*len = m->text_len;
	return (m->text);
}

/* The type of a v2 tweet from its referenced_tweets. */
static const char *
model_v2_type(const struct scan_value *refs)
{
	static const char *const types[] = {
		"original", "reply", "quote", "retweet"
	};
	struct scan_iter	 it, mit;
	struct scan_value	 r, key, v;
	int			 best = 0, t;

	scan_iter_init(&it, refs);
	while (refs->type == SCAN_ARRAY && scan_next(&it, NULL, &r)) {
		scan_iter_init(&mit, &r);
		/* Every "type" member counts, duplicates too. */
		while (r.type == SCAN_OBJECT && scan_next(&mit, &key, &v)) {
			if (!scan_string_eq(&key, "type", 4))
				continue;
			t = 0;
			if (scan_string_eq(&v, "retweeted", 9))
				t = 3;
			else if (scan_string_eq(&v, "quoted", 6))
				t = 2;
			else if (scan_string_eq(&v, "replied_to", 10))
				t = 1;
			if (t > best)
				best = t;
		}
	}
	return (types[best]);
}

/*
 * The tweet's type: "retweet", "quote", "reply" or "original", in that
 * order of precedence (a retweet of a quote is a retweet; a reply that
 * quotes is a quote). NULL if the format is not known.
 */
const char *
model_type(struct model *m)
{
	const struct model_members	*mm = &m->top;
	const struct scan_value		*k = mm->k;

	switch (m->format) {
	case MODEL_V11:
		if (model_has(mm, K_RETWEETED_STATUS))
			return ("retweet");
		if (model_has(mm, K_QUOTED_STATUS) ||
		    k[K_IS_QUOTE_STATUS].type == SCAN_TRUE)
			return ("quote");
		if (model_has(mm, K_REPLY_STR) || model_has(mm, K_REPLY))
			return ("reply");
		return ("original");
	case MODEL_GNIP:
		if (scan_string_eq(&k[K_VERB], "share", 5))
			return ("retweet");
		if (model_has(mm, K_TWITTER_QUOTED_STATUS))
			return ("quote");
		if (model_has(mm, K_IN_REPLY_TO))
			return ("reply");
		return ("original");
	case MODEL_V2:
	case MODEL_TWARC2:
	case MODEL_FLAT:
		return (model_v2_type(&k[K_REFERENCED_TWEETS]));
	}
	return (NULL);
}

/* Append member key (a string) of each object of array a to list. */
static void
model_collect(json_t *list, const struct scan_value *a, const char *key)
{
	struct scan_iter	 it;
	struct scan_value	 e, v;
	json_t			*s;

	if (a->type != SCAN_ARRAY)
		return;
	scan_iter_init(&it, a);
	while (scan_next(&it, NULL, &e)) {
		if (scan_member(&e, key, strlen(key), &v) == 0 &&
		    v.type == SCAN_STRING && (s = scan_json(&v)) != NULL)
			json_array_append_new(list, s);
	}
}

/* A member of an object (SCAN_NONE if absent). */
static struct scan_value
model_get(const struct scan_value *obj, const char *key)
{
	struct scan_value	v;

	if (scan_member(obj, key, strlen(key), &v) != 0)
		v.type = SCAN_NONE;
	return (v);
}

/*
 * Leave out the hashtag, mention or cashtag a cut text (a retweet's "RT
 * @x: ... #Br…") ends with: the data lists it as the text has it, cut.
 */
static void
model_uncut(json_t *list, const char *text, size_t len, const char *signs)
{
	json_t		*e;
	const char	*s;
	size_t		 i, n;

	json_array_foreach(list, i, e) {
		s = json_string_value(e);
		n = json_string_length(e);
		if (n == 0 || n + 1 > len || memcmp(text + len - n, s, n) != 0 ||
		    strchr(signs, text[len - n - 1]) == NULL)
			continue;
		json_array_remove(list, i);
		return;
	}
}

/* The entity lists of the object ent into out, but a cut one. */
static void
model_cut_lists(struct model *m, json_t *out, const struct scan_value *ent,
    int v2)
{
	struct scan_value	 v;
	json_t			*a;
	char			*text;
	size_t			 len;

	json_object_set_new(out, "hashtags", a = json_array());
	v = model_get(ent, "hashtags");
	model_collect(a, &v, v2 ? "tag" : "text");
	json_object_set_new(out, "mentions", a = json_array());
	v = model_get(ent, v2 ? "mentions" : "user_mentions");
	model_collect(a, &v, v2 ? "username" : "screen_name");
	json_object_set_new(out, "urls", a = json_array());
	v = model_get(ent, "urls");
	model_collect(a, &v, "url");
	if (!v2) {
		/* The link to a photo or video is in the text too. */
		v = model_get(ent, "media");
		model_collect(a, &v, "url");
	}
	json_object_set_new(out, "cashtags", a = json_array());
	v = model_get(ent, v2 ? "cashtags" : "symbols");
	model_collect(a, &v, v2 ? "tag" : "text");

	/* The text as it is in the data, cut, ends with "…" and blanks. */
	model_text_of(m->format, &m->top, &v);
	if ((text = scan_string(&v, &len)) == NULL)
		return;
	while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\n'))
		len--;
	if (len >= 3 && memcmp(text + len - 3, "\xe2\x80\xa6", 3) == 0) {
		len -= 3;
		model_uncut(json_object_get(out, "hashtags"), text, len, "#");
		model_uncut(json_object_get(out, "mentions"), text, len, "@");
		model_uncut(json_object_get(out, "cashtags"), text, len, "$");
	}
	free(text);
}

/*
 * The tweet's own entity lists, as {"hashtags", "mentions", "urls",
 * "cashtags"} arrays of strings (tags and names without their sign, URLs
 * as the text has them, a photo or video's link last): v1.1
 * extended_tweet.entities > entities; Gnip long_object.twitter_entities >
 * twitter_entities; v2 note_tweet.entities > entities; but the one a cut
 * text ends with. NULL if it has none.
 */
json_t *
model_entity_lists(struct model *m)
{
	struct scan_value	 ent;
	json_t			*out;
	int			 v2;

	v2 = model_entity_object(m, &ent);
	if (ent.type != SCAN_OBJECT)
		return (NULL);
	out = json_object();
	model_cut_lists(m, out, &ent, v2);
	return (out);
}

/*
 * The object of the tweet's own entity lists (see model_entity_lists) in
 * *ent (SCAN_NONE if none); 1 if it is v2's (tag, username), else 0.
 */
int
model_entity_object(struct model *m, struct scan_value *ent)
{
	const struct scan_value	*k = m->top.k;

	ent->type = SCAN_NONE;
	switch (m->format) {
	case MODEL_V11:
		if (model_sub(&k[K_EXTENDED_TWEET], "entities", ent) != 0)
			*ent = k[K_ENTITIES];
		return (0);
	case MODEL_GNIP:
		if (model_sub(&k[K_LONG_OBJECT], "twitter_entities", ent) != 0)
			*ent = k[K_TWITTER_ENTITIES];
		return (0);
	case MODEL_V2:
	case MODEL_TWARC2:
	case MODEL_FLAT:
		if (model_sub(&k[K_NOTE_TWEET], "entities", ent) != 0)
			*ent = k[K_ENTITIES];
		return (1);
	}
	return (0);
}

/* The tweet's own text as the data has it (a retweet's cut), or NONE. */
void
model_text_value(struct model *m, struct scan_value *v)
{
	model_text_of(m->format, &m->top, v);
}
