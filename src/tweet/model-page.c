/*
 * API pages: telling a page from a tweet whatever the order of its members
 * (model_page), and making one element of a twarc2 page a line of its own
 * with what it refers to in the page's includes (model_page_element), as
 * twarc2 writes stream lines: {"data": TWEET, "includes": {...}}.
 */

#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "json/json.h"
#include "tweet/tweet.h"
#include "tweet/model-int.h"

/* Retweets of quotes of ...: how deep references are followed. */
#define MODEL_PAGE_DEPTH 4

/* The ids (JSON strings, as written) wanted from one includes list. */
struct model_page_ids {
	struct scan_value	*v;
	u_int			 n;
};

/* What an element refers to, by includes list. */
enum { P_TWEETS, P_USERS, P_MEDIA, P_PLACES, P_POLLS, P_COUNT };
static const char *const model_page_lists[P_COUNT] = {
	"tweets", "users", "media", "places", "polls"
};

/*
 * Is a line (checked) an API page, whatever the order of its members: -1
 * if not, 1 if "statuses" is an array (v1.1 search), 0 if "data" is (v2)?
 */
int
model_page(const char *line, size_t len)
{
	struct scan_value	root;
	struct model_members	mm;

	if (scan_root(line, len, &root) != 0)
		return (-1);
	model_members(&root, &mm);
	if (mm.k[K_STATUSES].type == SCAN_ARRAY)
		return (1);
	if (mm.k[K_DATA].type == SCAN_ARRAY)
		return (0);
	return (-1);
}

/* Is an id wanted already? */
static int
model_page_has(const struct model_page_ids *ids, const struct scan_value *v)
{
	u_int	i;

	for (i = 0; i < ids->n; i++) {
		if (ids->v[i].len == v->len && memcmp(ids->v[i].text, v->text,
		    v->len) == 0)
			return (1);
	}
	return (0);
}

/* Want an id (a string). */
static void
model_page_want(struct model_page_ids *ids, const struct scan_value *v)
{
	if (v->type != SCAN_STRING || model_page_has(ids, v))
		return;
	ids->v = xreallocarray(ids->v, ids->n + 1, sizeof *ids->v);
	ids->v[ids->n++] = *v;
}

/* Want the member key of each element of array a (or the strings in it). */
static void
model_page_want_all(struct model_page_ids *ids, const struct scan_value *a,
    const char *key)
{
	struct scan_iter	it;
	struct scan_value	e, v;

	if (a->type != SCAN_ARRAY)
		return;
	scan_iter_init(&it, a);
	while (scan_next(&it, NULL, &e)) {
		if (key == NULL)
			model_page_want(ids, &e);
		else if (scan_member(&e, key, strlen(key), &v) == 0)
			model_page_want(ids, &v);
	}
}

/* Want what one tweet (v2) refers to. */
static void
model_page_refs(struct model_page_ids *ids, const struct scan_value *t)
{
	struct scan_value	v, w;

	if (scan_member(t, "referenced_tweets", 17, &v) == 0)
		model_page_want_all(&ids[P_TWEETS], &v, "id");
	if (scan_member(t, "author_id", 9, &v) == 0)
		model_page_want(&ids[P_USERS], &v);
	if (scan_member(t, "in_reply_to_user_id", 19, &v) == 0)
		model_page_want(&ids[P_USERS], &v);
	if (scan_pointer(t, "/entities/mentions", &v) == 0)
		model_page_want_all(&ids[P_USERS], &v, "id");
	if (scan_member(t, "attachments", 11, &v) == 0) {
		if (scan_member(&v, "media_keys", 10, &w) == 0)
			model_page_want_all(&ids[P_MEDIA], &w, NULL);
		if (scan_member(&v, "poll_ids", 8, &w) == 0)
			model_page_want_all(&ids[P_POLLS], &w, NULL);
	}
	if (scan_pointer(t, "/geo/place_id", &v) == 0)
		model_page_want(&ids[P_PLACES], &v);
}

/* Append bytes to a growing buffer. */
static void
model_page_add(char **buf, size_t *len, size_t *size, const char *s,
    size_t n)
{
	if (*len + n + 1 > *size) {
		*size = (*len + n + 1) * 2;
		*buf = xreallocarray(*buf, 1, *size);
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
}

/* The elements of includes list a whose id is wanted, as a JSON array. */
static int
model_page_pick(const struct scan_value *a, const struct model_page_ids *ids,
    u_int which, char **buf, size_t *len, size_t *size)
{
	struct scan_iter	 it;
	struct scan_value	 e, v;
	const char		*key = which == P_MEDIA ? "media_key" : "id";
	int			 n = 0;

	scan_iter_init(&it, a);
	while (a->type == SCAN_ARRAY && scan_next(&it, NULL, &e)) {
		if (scan_member(&e, key, strlen(key), &v) != 0 ||
		    !model_page_has(&ids[which], &v))
			continue;
		model_page_add(buf, len, size, n++ == 0 ? "[" : ",", 1);
		model_page_add(buf, len, size, e.text, e.len);
	}
	if (n > 0)
		model_page_add(buf, len, size, "]", 1);
	return (n);
}

/*
 * Follow references among the included tweets: want what each wanted
 * tweet refers to, a few levels deep.
 */
static void
model_page_follow(struct model_page_ids *ids, const struct scan_value *inc)
{
	struct scan_value	 tweets, t, id;
	struct scan_iter	 it;
	u_int			 depth, seen;

	if (scan_member(inc, "tweets", 6, &tweets) != 0)
		return;
	for (depth = 0, seen = 0; depth < MODEL_PAGE_DEPTH &&
	    seen < ids[P_TWEETS].n; depth++) {
		seen = ids[P_TWEETS].n;
		scan_iter_init(&it, &tweets);
		while (tweets.type == SCAN_ARRAY && scan_next(&it, NULL, &t)) {
			if (scan_member(&t, "id", 2, &id) == 0 &&
			    model_page_has(&ids[P_TWEETS], &id))
				model_page_refs(ids, &t);
		}
	}
}

/*
 * One element of a twarc2 page as a line of its own: {"data": ELEMENT,
 * "includes": {...}} with only the tweets, users, media, places and polls
 * of the page's includes (INC, an object) that it refers to, directly or
 * through an included tweet. Both texts are checked JSON. Allocated, its
 * length in *outlen; NULL if it refers to none of them.
 */
char *
model_page_element(const char *elem, size_t elen, const char *inc,
    size_t ilen, size_t *outlen)
{
	struct model_page_ids	 ids[P_COUNT];
	struct scan_value	 e, i, key, v;
	struct scan_iter	 it;
	char			*buf = NULL;
	size_t			 len = 0, size = 0, mark;
	u_int			 k;
	int			 n = 0;

	memset(ids, 0, sizeof ids);
	if (scan_root(elem, elen, &e) != 0 || scan_root(inc, ilen, &i) != 0)
		e.type = i.type = SCAN_NONE;
	model_page_refs(ids, &e);
	model_page_follow(ids, &i);
	model_page_add(&buf, &len, &size, "{\"data\":", 8);
	model_page_add(&buf, &len, &size, elem, elen);
	model_page_add(&buf, &len, &size, ",\"includes\":{", 13);
	scan_iter_init(&it, &i);
	while (i.type == SCAN_OBJECT && scan_next(&it, &key, &v)) {
		for (k = 0; k < P_COUNT; k++) {
			if (scan_string_eq(&key, model_page_lists[k],
			    strlen(model_page_lists[k])))
				break;
		}
		if (k == P_COUNT)
			continue;
		mark = len;
		if (n > 0)
			model_page_add(&buf, &len, &size, ",", 1);
		model_page_add(&buf, &len, &size, key.text, key.len);
		model_page_add(&buf, &len, &size, ":", 1);
		if (model_page_pick(&v, ids, k, &buf, &len, &size) > 0)
			n++;
		else
			len = mark;	/* nothing of that list */
	}
	model_page_add(&buf, &len, &size, "}}", 2);
	for (k = 0; k < P_COUNT; k++)
		free(ids[k].v);
	if (n == 0) {
		free(buf);	/* it refers to nothing there */
		return (NULL);
	}
	*outlen = len;
	return (buf);
}
