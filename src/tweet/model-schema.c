/*
 * The one tweet schema: the columns every format fills in (id, created_at,
 * author_id, author, type, text, lang, reply_to, quoted, retweeted,
 * conversation_id, links, hashtags, mentions, media), read from the
 * checked text through the model (model.c) whatever the format: API v1.1,
 * Gnip, v2 bare, a twarc2 line or page element (its includes), a twarc2
 * flatten line (inline). Ids are given as written; a column a format does
 * not have is NULL (empty). The table sinks (io/table.c) use it.
 */

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

/* A member of an object, or SCAN_NONE. */
static struct scan_value
model_schema_get(const struct scan_value *obj, const char *key)
{
	struct scan_value	v;

	if (obj->type != SCAN_OBJECT ||
	    scan_member(obj, key, strlen(key), &v) != 0)
		v.type = SCAN_NONE;
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

/*
 * v1.1 created_at ("Tue Dec 01 00:17:54 +0000 2015") as v2 writes it
 * ("2015-12-01T00:17:54.000Z"), in UTC; what is not such a time as it is.
 */
static const char *
model_schema_time(struct model *m, const char *s, size_t *len)
{
	static const char	 months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct tm		 tm;
	char			 mon[4], sign, out[32];
	const char		*p;
	int			 day, hh, mm, ss, oh, om, year;
	time_t			 t;

	if (s == NULL || sscanf(s, "%*3s %3s %d %d:%d:%d %c%2d%2d %d", mon,
	    &day, &hh, &mm, &ss, &sign, &oh, &om, &year) != 9 ||
	    (sign != '+' && sign != '-') || (p = strstr(months, mon)) == NULL ||
	    (p - months) % 3 != 0)
		return (s);
	memset(&tm, 0, sizeof tm);
	tm.tm_year = year - 1900;
	tm.tm_mon = (p - months) / 3;
	tm.tm_mday = day;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	t = timegm(&tm) - (sign == '-' ? -1 : 1) * (oh * 3600 + om * 60);
	if (gmtime_r(&t, &tm) == NULL)
		return (s);
	*len = snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d.000Z",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	return (model_keep(m, xstrdup(out)));
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
model_schema_media_url(json_t *list, const struct scan_value *media)
{
	struct scan_value	 v;
	json_t			*s;

	v = model_schema_get(media, "url");
	if (v.type != SCAN_STRING)
		v = model_schema_get(media, "preview_image_url");
	if (v.type != SCAN_STRING)
		v = model_schema_get(media, "media_url_https");
	if (v.type == SCAN_STRING && (s = scan_json(&v)) != NULL)
		json_array_append_new(list, s);
}

/* The media URLs of a v2 tweet: inline, or by key from includes.media. */
static void
model_schema_v2_media(struct model *m, json_t *list)
{
	struct scan_iter	it;
	struct scan_value	att, a, e;

	att = model_schema_get(&m->tweet, "attachments");
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
model_schema_v11_media(struct model *m, json_t *list)
{
	struct scan_iter	it;
	struct scan_value	ext, ee, a, e;

	if (m->format == MODEL_GNIP) {
		ext = model_schema_get(&m->tweet, "long_object");
		ee = model_schema_get(&ext, "twitter_extended_entities");
		if (ee.type != SCAN_OBJECT)
			ee = model_schema_get(&m->tweet,
			    "twitter_extended_entities");
	} else {
		ext = model_schema_get(&m->tweet, "extended_tweet");
		ee = model_schema_get(&ext, "extended_entities");
		if (ee.type != SCAN_OBJECT)
			ee = model_schema_get(&m->tweet, "extended_entities");
	}
	a = model_schema_get(&ee, "media");
	if (a.type != SCAN_ARRAY)
		return;
	scan_iter_init(&it, &a);
	while (scan_next(&it, NULL, &e)) {
		a = model_schema_get(&e, "media_url_https");
		if (a.type != SCAN_STRING)
			a = model_schema_get(&e, "media_url");
		if (a.type == SCAN_STRING)
			json_array_append_new(list, scan_json(&a));
	}
}

/* A list as compact JSON text (kept), freeing it. */
static const char *
model_schema_dump(struct model *m, json_t *list, size_t *len)
{
	char	*s;

	s = json_dumps(list, JSON_COMPACT);
	json_decref(list);
	if (s == NULL)
		fatalx("%s: json_dumps failed", __func__);
	*len = strlen(s);
	return (model_keep(m, s));
}

/* A list column: links, hashtags, mentions or media. */
static const char *
model_schema_list(struct model *m, u_int col, size_t *len)
{
	const struct model_link	*l;
	json_t			*list, *ent, *a;
	u_int			 i, n;

	list = json_array();
	switch (col) {
	case MCOL_LINKS:
		n = model_nlinks(m);
		for (i = 0; i < n; i++) {
			l = model_link(m, i);
			if (l->unwound != NULL)
				a = json_string(l->unwound);
			else if (l->expanded != NULL)
				a = json_string(l->expanded);
			else
				a = json_stringn(l->url, l->len);
			if (a != NULL)
				json_array_append_new(list, a);
		}
		break;
	case MCOL_HASHTAGS:
	case MCOL_MENTIONS:
		if ((ent = model_entity_lists(m)) == NULL)
			break;
		a = json_object_get(ent, col == MCOL_HASHTAGS ? "hashtags" :
		    "mentions");
		if (a != NULL)
			json_array_extend(list, a);
		json_decref(ent);
		break;
	case MCOL_MEDIA:
		if (m->format == MODEL_V11 || m->format == MODEL_GNIP)
			model_schema_v11_media(m, list);
		else
			model_schema_v2_media(m, list);
		break;
	}
	return (model_schema_dump(m, list, len));
}

/* A column of a v1.1 tweet. */
static const char *
model_schema_v11(struct model *m, u_int col, size_t *len)
{
	const struct scan_value	*k = m->top.k;
	struct scan_value	 v;
	const char		*s;

	switch (col) {
	case MCOL_ID:
		if ((s = model_schema_id(m, &k[K_ID_STR], len)) != NULL)
			return (s);
		return (model_schema_id(m, &k[K_ID], len));
	case MCOL_CREATED_AT:
		s = model_schema_member(m, &m->tweet, "created_at", len);
		return (model_schema_time(m, s, len));
	case MCOL_AUTHOR_ID:
		if ((s = model_schema_member(m, &k[K_USER], "id_str", len)))
			return (s);
		return (model_schema_member(m, &k[K_USER], "id", len));
	case MCOL_AUTHOR:
		return (model_schema_member(m, &k[K_USER], "screen_name", len));
	case MCOL_LANG:
		return (model_schema_member(m, &m->tweet, "lang", len));
	case MCOL_REPLY_TO:
		if ((s = model_schema_id(m, &k[K_REPLY_STR], len)) != NULL)
			return (s);
		return (model_schema_id(m, &k[K_REPLY], len));
	case MCOL_QUOTED:
		if ((s = model_schema_member(m, &m->tweet,
		    "quoted_status_id_str", len)) != NULL)
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
	struct scan_value	 actor, v;
	const char		*s;

	actor = model_schema_get(&m->tweet, "actor");
	switch (col) {
	case MCOL_ID:
		s = model_schema_id(m, &k[K_ID], len);
		return (model_schema_after(s, len, ':'));
	case MCOL_CREATED_AT:
		return (model_schema_member(m, &m->tweet, "postedTime", len));
	case MCOL_AUTHOR_ID:
		s = model_schema_member(m, &actor, "id", len);
		return (model_schema_after(s, len, ':'));
	case MCOL_AUTHOR:
		return (model_schema_member(m, &actor, "preferredUsername",
		    len));
	case MCOL_LANG:
		return (model_schema_member(m, &m->tweet, "twitter_lang", len));
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
		return (model_schema_member(m, &m->tweet, "created_at", len));
	case MCOL_AUTHOR_ID:
		return (model_schema_id(m, &m->top.k[K_AUTHOR_ID], len));
	case MCOL_AUTHOR:
		author = model_schema_v2_author(m);
		return (model_schema_member(m, &author, "username", len));
	case MCOL_LANG:
		return (model_schema_member(m, &m->tweet, "lang", len));
	case MCOL_REPLY_TO:
		return (model_schema_ref(m, "replied_to", len));
	case MCOL_QUOTED:
		return (model_schema_ref(m, "quoted", len));
	case MCOL_RETWEETED:
		return (model_schema_ref(m, "retweeted", len));
	case MCOL_CONVERSATION_ID:
		return (model_schema_member(m, &m->tweet, "conversation_id",
		    len));
	}
	return (NULL);
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
