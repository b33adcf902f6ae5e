/*
 * A tweet read straight from its text (already checked to be a JSON
 * object), without building a tree: the few members the tweet-aware
 * enrichers need (type, entities, length:count=twitter), found in one pass
 * over the top level with scan.c and kept for the tweet's other
 * enrichments. Formats as the tweet model knows them: API v1.1, Gnip
 * activity streams, API v2 (bare, or a twarc2 line {"data": {...}}).
 */

#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "json/json.h"
#include "tweet/tweet.h"

enum {
	TR_UNKNOWN,
	TR_V11,
	TR_GNIP,
	TR_V2
};

/* The members looked for. */
enum {
	K_DATA,
	K_BODY,
	K_VERB,
	K_TWITTER_ENTITIES,
	K_NOTE_TWEET,
	K_EDIT_HISTORY,
	K_AUTHOR_ID,
	K_ID,
	K_TEXT,
	K_ID_STR,
	K_USER,
	K_FULL_TEXT,
	K_EXTENDED_TWEET,
	K_RETWEETED_STATUS,
	K_QUOTED_STATUS,
	K_IS_QUOTE_STATUS,
	K_REPLY_STR,
	K_REPLY,
	K_TWITTER_QUOTED_STATUS,
	K_IN_REPLY_TO,
	K_LONG_OBJECT,
	K_REFERENCED_TWEETS,
	K_ENTITIES,
	K_COUNT
};
static const char *const tweetraw_names[K_COUNT] = {
	"data", "body", "verb", "twitter_entities", "note_tweet",
	"edit_history_tweet_ids", "author_id", "id", "text", "id_str", "user",
	"full_text", "extended_tweet", "retweeted_status", "quoted_status",
	"is_quote_status", "in_reply_to_status_id_str", "in_reply_to_status_id",
	"twitter_quoted_status", "inReplyTo", "long_object",
	"referenced_tweets", "entities"
};

static size_t	tweetraw_lens[K_COUNT];

/* A member's value: offsets into the line, value 0 when absent. */
struct tweetraw_span {
	size_t	value;
	size_t	end;
};

/* What was read of the last tweet asked about. */
static struct {
	int			 ok;
	uint64_t		 seq;
	const char		*line;
	size_t			 len;
	int			 format;
	struct tweetraw_span	 k[K_COUNT];
	int			 text_done;
	int			 text_ok;
	char			*text;
	size_t			 text_len;
	size_t			 text_size;
} tr;

/* Note member (key, value) if it is one of those wanted. */
static void
tweetraw_match(const struct scan_value *kv, const struct scan_value *vv,
    struct tweetraw_span *k, const u_int *want, u_int nwant)
{
	const char	*key = kv->text + 1, *name;
	size_t		 klen = kv->len - 2;
	u_int		 i, w;
	int		 escaped;

	if (kv->type != SCAN_STRING || kv->len < 2)
		return;
	escaped = memchr(key, '\\', klen) != NULL;
	if (tweetraw_lens[0] == 0) {
		for (i = 0; i < K_COUNT; i++)
			tweetraw_lens[i] = strlen(tweetraw_names[i]);
	}
	for (i = 0; i < nwant; i++) {
		w = want[i];
		name = tweetraw_names[w];
		if (escaped) {
			if (!scan_string_eq(kv, name, tweetraw_lens[w]))
				continue;
		} else if (tweetraw_lens[w] != klen || name[0] != key[0] ||
		    memcmp(key, name, klen) != 0)
			continue;
		/* Of duplicate keys the last counts, as for jansson. */
		k[w].value = vv->text - tr.line;
		k[w].end = vv->text + vv->len - tr.line;
		return;
	}
}

/* Find the members of interest of object obj. */
static void
tweetraw_members(const struct scan_value *obj, struct tweetraw_span *k,
    const u_int *want, u_int nwant)
{
	struct scan_iter	 it;
	struct scan_value	 key, value;
	u_int			 i;

	for (i = 0; i < nwant; i++)
		k[want[i]].value = 0;
	if (obj->type != SCAN_OBJECT)
		return;
	scan_iter_init(&it, obj);
	while (scan_next(&it, &key, &value))
		tweetraw_match(&key, &value, k, want, nwant);
}

/* The same for the value of a member found before. */
static void
tweetraw_scan(struct tweetraw_span obj, struct tweetraw_span *k,
    const u_int *want, u_int nwant)
{
	struct scan_value	v;

	v.type = tr.line[obj.value] == '{' ? SCAN_OBJECT : SCAN_NONE;
	v.text = tr.line + obj.value;
	v.len = obj.end - obj.value;
	tweetraw_members(&v, k, want, nwant);
}

/* Is a member there, and not null? */
static int
tweetraw_has(const struct tweetraw_span *k, u_int w)
{
	return (k[w].value != 0 && tr.line[k[w].value] != 'n');
}

/* Is a member a string equal to s? */
static int
tweetraw_is(const struct tweetraw_span *k, u_int w, const char *s)
{
	size_t	n = strlen(s);

	return (k[w].value != 0 && k[w].end - k[w].value == n + 2 &&
	    tr.line[k[w].value] == '"' &&
	    memcmp(tr.line + k[w].value + 1, s, n) == 0);
}

/* Read the tweet of a slot, unless it is the one read last. */
static int
tweetraw_read(struct slot *s)
{
	static u_int			 all[K_COUNT];
	const struct scan_member	*m;
	struct scan_value		 root;
	u_int				 i;
	int				 j, n;

	if (tr.ok && tr.seq == slot_seq(s))
		return (tr.format);
	tr.ok = 1;
	tr.seq = slot_seq(s);
	tr.line = slot_line(s, &tr.len);
	tr.text_done = 0;
	for (i = 0; i < K_COUNT; i++)
		all[i] = i;
	/* The validator has found the top-level members already. */
	if ((n = slot_members(s, &m)) >= 0) {
		for (i = 0; i < K_COUNT; i++)
			tr.k[i].value = 0;
		for (j = 0; j < n; j++)
			tweetraw_match(&m[j].key, &m[j].value, tr.k, all,
			    K_COUNT);
	} else {
		scan_line(tr.line, tr.len, &root);
		tweetraw_members(&root, tr.k, all, K_COUNT);
	}
	/* A twarc2 line: the tweet is its "data". */
	if (tr.k[K_DATA].value != 0 && tr.line[tr.k[K_DATA].value] == '{') {
		tweetraw_scan(tr.k[K_DATA], tr.k, all, K_COUNT);
		tr.format = TR_V2;
	} else if (tr.k[K_BODY].value != 0 || tr.k[K_VERB].value != 0 ||
	    tr.k[K_TWITTER_ENTITIES].value != 0)
		tr.format = TR_GNIP;
	else if (tr.k[K_NOTE_TWEET].value != 0 ||
	    tr.k[K_EDIT_HISTORY].value != 0 || tr.k[K_AUTHOR_ID].value != 0 ||
	    (tr.k[K_ID].value != 0 && tr.line[tr.k[K_ID].value] == '"' &&
	    tr.k[K_TEXT].value != 0 && tr.k[K_ID_STR].value == 0 &&
	    tr.k[K_USER].value == 0))
		tr.format = TR_V2;
	else if (tr.k[K_TEXT].value != 0 || tr.k[K_FULL_TEXT].value != 0 ||
	    tr.k[K_EXTENDED_TWEET].value != 0 || tr.k[K_ID_STR].value != 0)
		tr.format = TR_V11;
	else
		tr.format = TR_UNKNOWN;
	return (tr.format);
}

/* The member name of an object member's value, or 0 if absent. */
static struct tweetraw_span
tweetraw_sub(struct tweetraw_span obj, u_int w)
{
	struct tweetraw_span	k[K_COUNT];

	k[w].value = 0;
	if (obj.value != 0 && tr.line[obj.value] == '{')
		tweetraw_scan(obj, k, &w, 1);
	if (k[w].value != 0 && tr.line[k[w].value] == 'n')
		k[w].value = 0;
	return (k[w]);
}

/* The type of a v2 tweet from its referenced_tweets. */
static const char *
tweetraw_v2_type(void)
{
	struct scan_iter	 refs, it;
	struct scan_value	 arr, ref, key, v;
	struct tweetraw_span	 span = tr.k[K_REFERENCED_TWEETS];
	int			 best = 0, r;
	static const char *const types[] = {
		"original", "reply", "quote", "retweet"
	};

	if (span.value == 0 || tr.line[span.value] != '[')
		return (types[0]);
	arr.type = SCAN_ARRAY;
	arr.text = tr.line + span.value;
	arr.len = span.end - span.value;
	scan_iter_init(&refs, &arr);
	while (scan_next(&refs, NULL, &ref) && ref.type == SCAN_OBJECT) {
		scan_iter_init(&it, &ref);
		while (scan_next(&it, &key, &v)) {
			if (!scan_string_eq(&key, "type", 4))
				continue;
			r = 0;
			if (scan_string_eq(&v, "retweeted", 9))
				r = 3;
			else if (scan_string_eq(&v, "quoted", 6))
				r = 2;
			else if (scan_string_eq(&v, "replied_to", 10))
				r = 1;
			if (r > best)
				best = r;
		}
	}
	return (types[best]);
}

/*
 * The tweet's type: "retweet", "quote", "reply" or "original", in that
 * order of precedence (a retweet of a quote is a retweet; a reply that
 * quotes is a quote). NULL with *cause if the format is not known.
 */
const char *
tweetraw_type(struct slot *s, char **cause)
{
	const struct tweetraw_span	*k = tr.k;

	switch (tweetraw_read(s)) {
	case TR_V11:
		if (tweetraw_has(k, K_RETWEETED_STATUS))
			return ("retweet");
		if (tweetraw_has(k, K_QUOTED_STATUS) ||
		    (k[K_IS_QUOTE_STATUS].value != 0 &&
		    tr.line[k[K_IS_QUOTE_STATUS].value] == 't'))
			return ("quote");
		if (tweetraw_has(k, K_REPLY_STR) || tweetraw_has(k, K_REPLY))
			return ("reply");
		return ("original");
	case TR_GNIP:
		if (tweetraw_is(k, K_VERB, "share"))
			return ("retweet");
		if (tweetraw_has(k, K_TWITTER_QUOTED_STATUS))
			return ("quote");
		if (tweetraw_has(k, K_IN_REPLY_TO))
			return ("reply");
		return ("original");
	case TR_V2:
		return (tweetraw_v2_type());
	}
	xasprintf(cause, "not a tweet in a known format (v1.1, Gnip, v2)");
	return (NULL);
}

/*
 * The tweet's own full text: v1.1 extended_tweet.full_text > full_text >
 * text; Gnip long_object.body > body; v2 note_tweet.text > text.
 */
int
tweetraw_text(struct slot *s, const char **text, size_t *len, char **cause)
{
	struct tweetraw_span	v;
	struct scan_value	sv;

	tweetraw_read(s);
	if (tr.text_done)
		goto done;
	tr.text_done = 1;
	tr.text_ok = 0;
	v.value = 0;
	switch (tr.format) {
	case TR_V11:
		v = tweetraw_sub(tr.k[K_EXTENDED_TWEET], K_FULL_TEXT);
		if (v.value == 0)
			v = tr.k[K_FULL_TEXT];
		if (v.value == 0)
			v = tr.k[K_TEXT];
		break;
	case TR_GNIP:
		v = tweetraw_sub(tr.k[K_LONG_OBJECT], K_BODY);
		if (v.value == 0)
			v = tr.k[K_BODY];
		break;
	case TR_V2:
		v = tweetraw_sub(tr.k[K_NOTE_TWEET], K_TEXT);
		if (v.value == 0)
			v = tr.k[K_TEXT];
		break;
	}
	if (v.value == 0 || tr.line[v.value] != '"')
		goto done;
	if (v.end - v.value > tr.text_size) {
		tr.text_size = v.end - v.value;
		free(tr.text);
		tr.text = xmalloc(tr.text_size);
	}
	sv.type = SCAN_STRING;
	sv.text = tr.line + v.value;
	sv.len = v.end - v.value;
	tr.text_len = scan_string_into(&sv, tr.text);
	tr.text_ok = 1;
done:
	if (!tr.text_ok) {
		xasprintf(cause, "the tweet has no text");
		return (-1);
	}
	*text = tr.text;
	*len = tr.text_len;
	return (0);
}

/* Append member key of each object of array a to list. */
static void
tweetraw_collect(json_t *list, json_t *a, const char *key)
{
	json_t	*e, *v;
	size_t	 i;

	json_array_foreach(a, i, e) {
		if (json_is_string(v = json_object_get(e, key)))
			json_array_append(list, v);
	}
}

/*
 * The tweet's own entity lists, as {"hashtags", "mentions", "urls",
 * "cashtags"} arrays of strings (tags and names without their sign, URLs
 * as the text has them, a photo or video's link last): v1.1 extended_tweet.entities > entities; Gnip
 * long_object.twitter_entities > twitter_entities; v2 note_tweet.entities
 * > entities. NULL with *cause if it has none.
 */
json_t *
tweetraw_entities(struct slot *s, char **cause)
{
	struct tweetraw_span	 v;
	json_t			*ent, *out;
	int			 v2 = 0;

	v.value = 0;
	switch (tweetraw_read(s)) {
	case TR_V11:
		v = tweetraw_sub(tr.k[K_EXTENDED_TWEET], K_ENTITIES);
		if (v.value == 0)
			v = tr.k[K_ENTITIES];
		break;
	case TR_GNIP:
		v = tweetraw_sub(tr.k[K_LONG_OBJECT], K_TWITTER_ENTITIES);
		if (v.value == 0)
			v = tr.k[K_TWITTER_ENTITIES];
		break;
	case TR_V2:
		v = tweetraw_sub(tr.k[K_NOTE_TWEET], K_ENTITIES);
		if (v.value == 0)
			v = tr.k[K_ENTITIES];
		v2 = 1;
		break;
	}
	if (v.value == 0 || tr.line[v.value] != '{' ||
	    (ent = json_loadb(tr.line + v.value, v.end - v.value,
	    JSON_ALLOW_NUL, NULL)) == NULL) {
		xasprintf(cause, "the tweet has no entities");
		return (NULL);
	}
	out = json_object();
	json_object_set_new(out, "hashtags", json_array());
	json_object_set_new(out, "mentions", json_array());
	json_object_set_new(out, "urls", json_array());
	json_object_set_new(out, "cashtags", json_array());
	tweetraw_collect(json_object_get(out, "hashtags"),
	    json_object_get(ent, "hashtags"), v2 ? "tag" : "text");
	tweetraw_collect(json_object_get(out, "mentions"),
	    json_object_get(ent, v2 ? "mentions" : "user_mentions"),
	    v2 ? "username" : "screen_name");
	tweetraw_collect(json_object_get(out, "urls"),
	    json_object_get(ent, "urls"), "url");
	if (!v2) {
		/* The link to a photo or video is in the text too. */
		tweetraw_collect(json_object_get(out, "urls"),
		    json_object_get(ent, "media"), "url");
	}
	tweetraw_collect(json_object_get(out, "cashtags"),
	    json_object_get(ent, v2 ? "cashtags" : "symbols"),
	    v2 ? "tag" : "text");
	json_decref(ent);
	return (out);
}

/* Free what is kept (at exit). */
void
tweetraw_cleanup(void)
{
	free(tr.text);
	memset(&tr, 0, sizeof tr);
}
