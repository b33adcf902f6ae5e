/*
 * The one tweet schema: the columns every format fills in (id, created_at,
 * author_id, author, type, text, lang, reply_to, quoted, retweeted,
 * conversation_id, links, hashtags, mentions, media), read from the
 * checked text through the model (model.c) whatever the format: API v1.1,
 * Gnip, v2 bare, a twarc2 line or page element (its includes), a twarc2
 * flatten line (inline). Ids are given as written; a column a format does
 * not have is NULL (empty). The table sinks (io/table.c) use it.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/lib.h"
#include "json/json.h"
#include "tweet/tweet.h"
#include "tweet/model-int.h"

static const char *const model_schema_names[MCOL_COUNT] = {
	"id", "created_at", "author_id", "author", "type", "text", "lang",
	"reply_to", "quoted", "retweeted", "conversation_id", "links",
	"hashtags", "mentions", "media"
};

/* The name of schema column col. */
const char *
model_column_name(u_int col)
{
	return (col < MCOL_COUNT ? model_schema_names[col] : NULL);
}

/* Is a schema column a list (a JSON array of strings)? */
int
model_column_is_list(u_int col)
{
	return (col >= MCOL_LINKS && col < MCOL_COUNT);
}

/* Is a key (a JSON string) key (n bytes)? */
static int
model_schema_key(const struct scan_value *k, const char *key, size_t n)
{
	if (k->len == n + 2 && k->text[1] == key[0] &&
	    memcmp(k->text + 1, key, n) == 0)
		return (1);
	return (memchr(k->text, '\\', k->len) != NULL &&
	    scan_string_eq(k, key, n));
}

/*
 * The members keys (n of them, at most 4) of obj, in one walk that stops
 * once the first need of them are found: out[i] is SCAN_NONE where absent.
 * Unlike the parser, the first of duplicate keys counts here (the APIs
 * write none): a user or a retweeted status is large, and what the schema
 * takes of it is one or two members.
 */
static void
model_schema_walk(const struct scan_value *obj, const char *const *keys,
    u_int n, u_int need, struct scan_value *out)
{
	struct scan_iter	it;
	struct scan_value	k, v;
	size_t			len[4];
	u_int			i, found = 0;

	for (i = 0; i < n; i++) {
		out[i].type = SCAN_NONE;
		out[i].text = NULL;
		out[i].len = 0;
	}
	if (obj->type != SCAN_OBJECT)
		return;
	for (i = 0; i < n && i < 4; i++)
		len[i] = strlen(keys[i]);
	scan_iter_init(&it, obj);
	while (found < need && scan_next(&it, &k, &v)) {
		for (i = 0; i < n && i < 4; i++) {
			if (out[i].type == SCAN_NONE &&
			    model_schema_key(&k, keys[i], len[i])) {
				out[i] = v;
				if (i < need)
					found++;
			}
		}
	}
}

/* A member of an object, or SCAN_NONE (the first of duplicates). */
static struct scan_value
model_schema_get(const struct scan_value *obj, const char *key)
{
	struct scan_value	v;

	model_schema_walk(obj, &key, 1, 1, &v);
	return (v);
}

/*
 * An id as written: a string decoded, a number as its text (kept); NULL
 * for anything else.
 */
static const char *
model_schema_id(struct model *m, const struct scan_value *v, size_t *len)
{
	if (v->type == SCAN_STRING)
		return (model_string(m, v, len));
	if (v->type != SCAN_NUMBER)
		return (NULL);
	*len = v->len;
	return (model_keep(m, xstrndup(v->text, v->len)));
}

/* The same for member key of obj, a string tried before a number. */
static const char *
model_schema_member(struct model *m, const struct scan_value *obj,
    const char *key, size_t *len)
{
	struct scan_value	v;

	v = model_schema_get(obj, key);
	return (model_schema_id(m, &v, len));
}

/* What follows the last c of a Gnip id or link ("...:N", ".../N"). */
static const char *
model_schema_after(const char *s, size_t *len, int c)
{
	const char	*p;

	if (s == NULL || (p = memrchr(s, c, *len)) == NULL)
		return (s);
	*len -= p + 1 - s;
	return (p + 1);
}

/* Two digits at s, or -1. */
static int
model_schema_2(const char *s)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return (-1);
	return ((s[0] - '0') * 10 + (s[1] - '0'));
}

/* Write n (0 <= n < 10^w) as w digits at out. */
static void
model_schema_digits(char *out, int n, int w)
{
	while (w-- > 0) {
		out[w] = '0' + n % 10;
		n /= 10;
	}
}

/*
 * v1.1 created_at ("Tue Dec 01 00:17:54 +0000 2015") as v2 writes it
 * ("2015-12-01T00:17:54.000Z"), in UTC; what is not such a time as it is.
 */
static const char *
model_schema_time(struct model *m, const char *s, size_t *len)
{
	static const char	 months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	static const int	 at[6] = { 8, 11, 14, 17, 21, 23 };
	struct tm		 tm;
	const char		*p;
	char			*out;
	int			 f[6], i, off;
	time_t			 t;

	if (s == NULL || *len != 30 || s[3] != ' ' || s[7] != ' ' ||
	    s[10] != ' ' || s[13] != ':' || s[16] != ':' || s[19] != ' ' ||
	    (s[20] != '+' && s[20] != '-') || s[25] != ' ' ||
	    (p = memmem(months, sizeof months - 1, s + 4, 3)) == NULL ||
	    (p - months) % 3 != 0)
		return (s);
	for (i = 0; i < 6; i++) {	/* day, hh, mm, ss, offset hh, mm */
		f[i] = model_schema_2(s + at[i]);
		if (f[i] < 0)
			return (s);
	}
	memset(&tm, 0, sizeof tm);
	if (model_schema_2(s + 26) < 0 || model_schema_2(s + 28) < 0)
		return (s);
	tm.tm_year = model_schema_2(s + 26) * 100 + model_schema_2(s + 28) -
	    1900;
	tm.tm_mon = (p - months) / 3;
	tm.tm_mday = f[0];
	tm.tm_hour = f[1];
	tm.tm_min = f[2];
	tm.tm_sec = f[3];
	off = (f[4] * 3600 + f[5] * 60) * (s[20] == '-' ? -1 : 1);
	t = timegm(&tm) - off;
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 > 9999 ||
	    tm.tm_year + 1900 < 0)
		return (s);
	out = xmalloc(25);
	memcpy(out, "0000-00-00T00:00:00.000Z", 25);
	model_schema_digits(out, tm.tm_year + 1900, 4);
	model_schema_digits(out + 5, tm.tm_mon + 1, 2);
	model_schema_digits(out + 8, tm.tm_mday, 2);
	model_schema_digits(out + 11, tm.tm_hour, 2);
	model_schema_digits(out + 14, tm.tm_min, 2);
	model_schema_digits(out + 17, tm.tm_sec, 2);
	*len = 24;
	return (model_keep(m, out));
}

/* The id of the v2 tweet referred to as type (replied_to, quoted, ...). */
static const char *
model_schema_ref(struct model *m, const char *type, size_t *len)
{
	struct scan_iter	 it;
	struct scan_value	 r, t;
	const struct scan_value	*refs = &m->top.k[K_REFERENCED_TWEETS];

	if (refs->type != SCAN_ARRAY)
		return (NULL);
	scan_iter_init(&it, refs);
	while (scan_next(&it, NULL, &r)) {
		t = model_schema_get(&r, "type");
		if (scan_string_eq(&t, type, strlen(type)))
			return (model_schema_member(m, &r, "id", len));
	}
	return (NULL);
}

/* A JSON array of strings being written (as jansson writes it). */
struct model_schema_list {
	char	*buf;
	size_t	 len;
	size_t	 size;
};

/* Add bytes to a list's text. */
static void
model_schema_put(struct model_schema_list *l, const char *s, size_t n)
{
	if (l->len + n + 1 > l->size) {
		l->size = l->size == 0 ? 256 : l->size;
		while (l->len + n + 1 > l->size)
			l->size *= 2;
		l->buf = xreallocarray(l->buf, l->size, 1);
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

/* Add one string (decoded UTF-8), JSON-escaped, to a list. */
static void
model_schema_add(struct model_schema_list *l, const char *s, size_t n)
{
	static const char	 hex[] = "0123456789abcdef";
	char			 esc[8];
	size_t			 i, from;

	model_schema_put(l, l->len == 0 ? "[\"" : ",\"", l->len == 0 ? 2 : 2);
	for (i = from = 0; i < n; i++) {
		if ((u_char)s[i] >= 0x20 && s[i] != '"' && s[i] != '\\')
			continue;
		model_schema_put(l, s + from, i - from);
		from = i + 1;
		esc[0] = '\\';
		switch (s[i]) {
		case '"': case '\\':
			esc[1] = s[i];
			break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[(u_char)s[i] >> 4];
			esc[5] = hex[(u_char)s[i] & 0xf];
			model_schema_put(l, esc, 6);
			continue;
		}
		model_schema_put(l, esc, 2);
	}
	model_schema_put(l, s + from, n - from);
	model_schema_put(l, "\"", 1);
}

/* Add a string value of the text to a list (anything else: nothing). */
static void
model_schema_add_value(struct model_schema_list *l, const struct scan_value *v)
{
	char	*s;
	size_t	 n;

	if (v->type != SCAN_STRING)
		return;
	s = scan_string(v, &n);
	model_schema_add(l, s, n);
	free(s);
}

/* The list's text, closed and kept by the model. */
static const char *
model_schema_done(struct model *m, struct model_schema_list *l, size_t *len)
{
	if (l->len == 0)
		model_schema_put(l, "[", 1);
	model_schema_put(l, "]", 1);
	l->buf[l->len] = '\0';
	*len = l->len;
	return (model_keep(m, l->buf));
}

/* The object of includes list name whose key is the string v, or NONE. */
static struct scan_value
model_schema_included(struct model *m, const char *name, const char *key,
    const struct scan_value *v)
{
	struct scan_iter	it;
	struct scan_value	list, e, k;
	char			*s;
	size_t			 n;

	e.type = SCAN_NONE;
	list = model_schema_get(&m->inc, name);
	if (list.type != SCAN_ARRAY || v->type != SCAN_STRING)
		return (e);
	s = scan_string(v, &n);
	scan_iter_init(&it, &list);
	while (scan_next(&it, NULL, &e)) {
		k = model_schema_get(&e, key);
		if (scan_string_eq(&k, s, n))
			break;
		e.type = SCAN_NONE;
	}
	free(s);
	return (e);
}

/* A v2 tweet's author object: inline (flatten) or from includes.users. */
static struct scan_value
model_schema_v2_author(struct model *m)
{
	if (m->format == MODEL_FLAT)
		return (m->top.k[K_AUTHOR]);
	return (model_schema_included(m, "users", "id",
	    &m->top.k[K_AUTHOR_ID]));
}

/* The URL of a media object: url (photos), else preview_image_url. */
static void
model_schema_media_url(struct model_schema_list *list,
    const struct scan_value *media)
{
	struct scan_value	 v;

	v = model_schema_get(media, "url");
	if (v.type != SCAN_STRING)
		v = model_schema_get(media, "preview_image_url");
	if (v.type != SCAN_STRING)
		v = model_schema_get(media, "media_url_https");
	model_schema_add_value(list, &v);
}

/* The media URLs of a v2 tweet: inline, or by key from includes.media. */
static void
model_schema_v2_media(struct model *m, struct model_schema_list *list)
{
	struct scan_iter	it;
	struct scan_value	att, a, e;

	att = m->top.k[K_ATTACHMENTS];
	a = model_schema_get(&att, "media");
	if (a.type == SCAN_ARRAY) {
		scan_iter_init(&it, &a);
		while (scan_next(&it, NULL, &e))
			model_schema_media_url(list, &e);
		return;
	}
	a = model_schema_get(&att, "media_keys");
	if (a.type != SCAN_ARRAY)
		return;
	scan_iter_init(&it, &a);
	while (scan_next(&it, NULL, &e)) {
		e = model_schema_included(m, "media", "media_key", &e);
		if (e.type == SCAN_OBJECT)
			model_schema_media_url(list, &e);
	}
}

/* The media URLs of a v1.1 or Gnip tweet's extended entities. */
static void
model_schema_v11_media(struct model *m, struct model_schema_list *list)
{
	struct scan_iter	it;
	struct scan_value	ext, ee, a, e;

	if (m->format == MODEL_GNIP) {
		ee = model_schema_get(&m->top.k[K_LONG_OBJECT],
		    "twitter_extended_entities");
		if (ee.type != SCAN_OBJECT)
			ee = m->top.k[K_TWITTER_EXT_ENTITIES];
	} else {
		ext = m->top.k[K_EXTENDED_TWEET];
		ee = model_schema_get(&ext, "extended_entities");
		if (ee.type != SCAN_OBJECT)
			ee = m->top.k[K_EXT_ENTITIES];
	}
	a = model_schema_get(&ee, "media");
	if (a.type != SCAN_ARRAY)
		return;
	scan_iter_init(&it, &a);
	while (scan_next(&it, NULL, &e)) {
		a = model_schema_get(&e, "media_url_https");
		if (a.type != SCAN_STRING)
			a = model_schema_get(&e, "media_url");
		model_schema_add_value(list, &a);
	}
}

/*
 * Where the tweet's own text, as the data has it, ends if it is cut (ends
 * with "…" and blanks): the text (allocated) and *len the length before
 * the "…"; NULL if it is not cut.
 */
static char *
model_schema_cut(struct model *m, size_t *len)
{
	struct scan_value	 v;
	char			*text;

	model_text_value(m, &v);
	if (v.type != SCAN_STRING || (memmem(v.text, v.len, "\xe2\x80\xa6",
	    3) == NULL && memmem(v.text, v.len, "\\u2026", 6) == NULL))
		return (NULL);
	text = scan_string(&v, len);
	while (*len > 0 && (text[*len - 1] == ' ' || text[*len - 1] == '\n'))
		(*len)--;
	if (*len < 3 || memcmp(text + *len - 3, "\xe2\x80\xa6", 3) != 0) {
		free(text);
		return (NULL);
	}
	*len -= 3;
	return (text);
}

/*
 * The hashtags (or mentions) of the tweet's own entity lists, as
 * model_entity_lists gives them: the first that a cut text ends with
 * ("#tag…", "@name…") is left out.
 */
static void
model_schema_entities(struct model *m, int mentions,
    struct model_schema_list *list)
{
	struct scan_iter	 it;
	struct scan_value	 ent, a, e, v;
	char			**s = NULL, *text;
	size_t			*n = NULL, tlen = 0;
	u_int			 i, count = 0, skip = UINT_MAX;
	int			 v2;

	v2 = model_entity_object(m, &ent);
	if (mentions)
		a = model_schema_get(&ent, v2 ? "mentions" : "user_mentions");
	else
		a = model_schema_get(&ent, "hashtags");
	if (a.type != SCAN_ARRAY)
		return;
	scan_iter_init(&it, &a);
	while (scan_next(&it, NULL, &e)) {
		v = model_schema_get(&e, mentions ? (v2 ? "username" :
		    "screen_name") : (v2 ? "tag" : "text"));
		if (v.type != SCAN_STRING)
			continue;
		s = xreallocarray(s, count + 1, sizeof *s);
		n = xreallocarray(n, count + 1, sizeof *n);
		s[count] = scan_string(&v, &n[count]);
		count++;
	}
	if (count > 0 && (text = model_schema_cut(m, &tlen)) != NULL) {
		for (i = 0; i < count && skip == UINT_MAX; i++) {
			if (n[i] != 0 && n[i] + 1 <= tlen && memcmp(text +
			    tlen - n[i], s[i], n[i]) == 0 && text[tlen - n[i] -
			    1] == (mentions ? '@' : '#'))
				skip = i;
		}
		free(text);
	}
	for (i = 0; i < count; i++) {
		if (i != skip)
			model_schema_add(list, s[i], n[i]);
		free(s[i]);
	}
	free(s);
	free(n);
}

/* A list column: links, hashtags, mentions or media. */
static const char *
model_schema_list(struct model *m, u_int col, size_t *len)
{
	struct model_schema_list	 list = { NULL, 0, 0 };
	const struct model_link		*l;
	u_int				 i, n;

	switch (col) {
	case MCOL_LINKS:
		n = model_nlinks(m);
		for (i = 0; i < n; i++) {
			l = model_link(m, i);
			if (l->unwound != NULL)
				model_schema_add(&list, l->unwound,
				    strlen(l->unwound));
			else if (l->expanded != NULL)
				model_schema_add(&list, l->expanded,
				    strlen(l->expanded));
			else
				model_schema_add(&list, l->url, l->len);
		}
		break;
	case MCOL_HASHTAGS:
	case MCOL_MENTIONS:
		model_schema_entities(m, col == MCOL_MENTIONS, &list);
		break;
	case MCOL_MEDIA:
		if (m->format == MODEL_V11 || m->format == MODEL_GNIP)
			model_schema_v11_media(m, &list);
		else
			model_schema_v2_media(m, &list);
		break;
	}
	return (model_schema_done(m, &list, len));
}

/* A column of a v1.1 tweet. */
static const char *
model_schema_v11(struct model *m, u_int col, size_t *len)
{
	static const char *const user_keys[] = {
		"id_str", "screen_name", "id"
	};
	const struct scan_value	*k = m->top.k;
	struct scan_value	 v, *u;
	const char		*s;

	switch (col) {
	case MCOL_ID:
		if ((s = model_schema_id(m, &k[K_ID_STR], len)) != NULL)
			return (s);
		return (model_schema_id(m, &k[K_ID], len));
	case MCOL_CREATED_AT:
		s = model_schema_id(m, &k[K_CREATED_AT], len);
		return (model_schema_time(m, s, len));
	case MCOL_AUTHOR_ID:
	case MCOL_AUTHOR:
		if (!m->user_done)
			model_schema_walk(&k[K_USER], user_keys, 3, 2, m->user);
		m->user_done = 1;
		u = m->user;
		if (col == MCOL_AUTHOR)
			return (model_schema_id(m, &u[1], len));
		if ((s = model_schema_id(m, &u[0], len)) != NULL)
			return (s);
		/* No id_str: the number id (the walk may have stopped). */
		v = model_schema_get(&k[K_USER], "id");
		return (model_schema_id(m, &v, len));
	case MCOL_LANG:
		return (model_schema_id(m, &k[K_LANG], len));
	case MCOL_REPLY_TO:
		if ((s = model_schema_id(m, &k[K_REPLY_STR], len)) != NULL)
			return (s);
		return (model_schema_id(m, &k[K_REPLY], len));
	case MCOL_QUOTED:
		if ((s = model_schema_id(m, &k[K_QUOTED_ID_STR], len)) != NULL)
			return (s);
		return (model_schema_member(m, &k[K_QUOTED_STATUS], "id_str",
		    len));
	case MCOL_RETWEETED:
		v = k[K_RETWEETED_STATUS];
		return (model_schema_member(m, &v, "id_str", len));
	}
	return (NULL);
}

/* A column of a Gnip activity. */
static const char *
model_schema_gnip(struct model *m, u_int col, size_t *len)
{
	const struct scan_value	*k = m->top.k;
	struct scan_value	 v;
	const char		*s;

	switch (col) {
	case MCOL_ID:
		s = model_schema_id(m, &k[K_ID], len);
		return (model_schema_after(s, len, ':'));
	case MCOL_CREATED_AT:
		return (model_schema_id(m, &k[K_POSTED_TIME], len));
	case MCOL_AUTHOR_ID:
		s = model_schema_member(m, &k[K_ACTOR], "id", len);
		return (model_schema_after(s, len, ':'));
	case MCOL_AUTHOR:
		return (model_schema_member(m, &k[K_ACTOR], "preferredUsername",
		    len));
	case MCOL_LANG:
		return (model_schema_id(m, &k[K_TWITTER_LANG], len));
	case MCOL_REPLY_TO:
		s = model_schema_member(m, &k[K_IN_REPLY_TO], "link", len);
		return (model_schema_after(s, len, '/'));
	case MCOL_QUOTED:
		v = k[K_TWITTER_QUOTED_STATUS];
		s = model_schema_member(m, &v, "id", len);
		return (model_schema_after(s, len, ':'));
	case MCOL_RETWEETED:
		if (!scan_string_eq(&k[K_VERB], "share", 5))
			return (NULL);
		s = model_schema_member(m, &k[K_OBJECT], "id", len);
		return (model_schema_after(s, len, ':'));
	}
	return (NULL);
}

/* A column of a v2 tweet: bare, a twarc2 line or a flatten line. */
static const char *
model_schema_v2(struct model *m, u_int col, size_t *len)
{
	struct scan_value	author;

	switch (col) {
	case MCOL_ID:
		return (model_schema_id(m, &m->top.k[K_ID], len));
	case MCOL_CREATED_AT:
		return (model_schema_id(m, &m->top.k[K_CREATED_AT], len));
	case MCOL_AUTHOR_ID:
		return (model_schema_id(m, &m->top.k[K_AUTHOR_ID], len));
	case MCOL_AUTHOR:
		author = model_schema_v2_author(m);
		return (model_schema_member(m, &author, "username", len));
	case MCOL_LANG:
		return (model_schema_id(m, &m->top.k[K_LANG], len));
	case MCOL_REPLY_TO:
		return (model_schema_ref(m, "replied_to", len));
	case MCOL_QUOTED:
		return (model_schema_ref(m, "quoted", len));
	case MCOL_RETWEETED:
		return (model_schema_ref(m, "retweeted", len));
	case MCOL_CONVERSATION_ID:
		return (model_schema_id(m, &m->top.k[K_CONVERSATION_ID], len));
	}
	return (NULL);
}

/* The line's own "enrichments" (or, errors, "enrichment_errors") object. */
const struct scan_value *
model_enrichments(struct model *m, int errors)
{
	return (&m->enr[errors ? 1 : 0]);
}

/*
 * Schema column col of the tweet: its text, NUL-ended and kept as long as
 * the model, *len its length; NULL where the format does not have it. The
 * lists are compact JSON arrays of strings.
 */
const char *
model_column(struct model *m, u_int col, size_t *len)
{
	const char	*s;

	*len = 0;
	if (m->format == MODEL_UNKNOWN || col >= MCOL_COUNT)
		return (NULL);
	if (col == MCOL_TYPE) {
		s = model_type(m);
		*len = s != NULL ? strlen(s) : 0;
		return (s);
	}
	if (col == MCOL_TEXT)
		return (model_text(m, len));
	if (model_column_is_list(col))
		return (model_schema_list(m, col, len));
	switch (m->format) {
	case MODEL_V11:
		return (model_schema_v11(m, col, len));
	case MODEL_GNIP:
		return (model_schema_gnip(m, col, len));
	}
	return (model_schema_v2(m, col, len));
}
