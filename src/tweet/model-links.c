/*
 * The links of a tweet, read from its text (model.c finds the format).
 * They come, in order of appearance and without repeats (scheme and host
 * compared without case), from every URL entity list of the tweet and of
 * the tweets it retweets or quotes (v1.1 retweeted_status and
 * quoted_status, Gnip's shared activity and twitter_quoted_status, a
 * twarc2 line's includes.tweets), leaving out the "i/web/status" link a
 * truncated tweet has to itself; each keeps the expansions the data
 * carries, which is where unshorten starts. Only a tweet with no entities
 * at all has its links taken from its text, by twtext.c.
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/lib.h"
#include "json/json.h"
#include "tweet/tweet.h"
#include "tweet/model-int.h"

/* How deep retweets and quotes are followed. */
#define MODEL_MAX_DEPTH 4

/* Where the authority of a URL ends (after scheme://host:port). */
static size_t
model_links_authority(const char *s, size_t len)
{
	const char	*p;
	size_t		 i;

	p = memchr(s, ':', len);
	i = (p == NULL) ? 0 : (size_t)(p - s) + 1;
	while (i < len && s[i] == '/')
		i++;
	while (i < len && s[i] != '/' && s[i] != '?' && s[i] != '#')
		i++;
	return (i);
}

/* Are two URLs the same link (scheme and host without case)? */
int
model_same_url(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t	na = model_links_authority(a, alen), nb = model_links_authority(b, blen);

	if (na != nb || alen != blen)
		return (0);
	return (strncasecmp(a, b, na) == 0 && memcmp(a + na, b + na,
	    alen - na) == 0);
}

/* Is this an http or https URL? */
static int
model_links_http(const char *s, size_t n)
{
	return ((n > 7 && strncasecmp(s, "http://", 7) == 0) ||
	    (n > 8 && strncasecmp(s, "https://", 8) == 0));
}

/*
 * Add a link to a list, or fill in what an earlier mention of the same
 * link lacked. Links that are not http or https are left out.
 */
void
model_add(struct model_link *list, u_int *n, u_int max, const char *url,
    size_t len, const char *expanded, const char *unwound)
{
	struct model_link	*l;
	u_int			 i;

	if (!model_links_http(url, len))
		return;
	for (i = 0; i < *n; i++) {
		l = &list[i];
		if (!model_same_url(l->url, l->len, url, len))
			continue;
		if (l->expanded == NULL)
			l->expanded = expanded;
		if (l->unwound == NULL)
			l->unwound = unwound;
		return;
	}
	if (*n == max)
		return;
	l = &list[(*n)++];
	l->url = url;
	l->len = len;
	l->expanded = expanded;
	l->unwound = unwound;
}
/* The digits that end a tweet's id ("tag:search.twitter.com,2005:N"). */
static const char *
model_links_id(struct model *m, const struct model_members *mm, size_t *len)
{
	const char	*s, *p;

	if ((s = model_string(m, &mm->k[K_ID_STR], NULL)) == NULL &&
	    (s = model_string(m, &mm->k[K_ID], NULL)) == NULL)
		return (NULL);
	if ((p = strrchr(s, ':')) != NULL)
		s = p + 1;
	*len = strspn(s, "0123456789");
	return (*len > 0 ? s : NULL);
}

/*
 * Is expanded the "twitter.com/i/web/status/ID" link a truncated tweet has
 * to its own full text? (Any such link if the tweet's id is unknown.)
 */
static int
model_links_self(const char *id, size_t idlen, const char *expanded)
{
	static const char	*hosts[] = { "twitter.com", "www.twitter.com",
				    "mobile.twitter.com", "x.com" };
	const char		*p;
	size_t			 i, n;

	if (expanded == NULL)
		return (0);
	if (strncasecmp(expanded, "https://", 8) == 0)
		p = expanded + 8;
	else if (strncasecmp(expanded, "http://", 7) == 0)
		p = expanded + 7;
	else
		return (0);
	for (i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
		n = strlen(hosts[i]);
		if (strncasecmp(p, hosts[i], n) == 0 &&
		    strncmp(p + n, "/i/web/status/", 14) == 0)
			break;
	}
	if (i == sizeof hosts / sizeof hosts[0])
		return (0);
	p += n + 14;
	if (id == NULL)
		return (1);
	return (strncmp(p, id, idlen) == 0 && (p[idlen] < '0' ||
	    p[idlen] > '9'));
}

/*
 * Add the links of an array of URL entities (objects with "url",
 * "expanded_url", v1.1 "unwound" or v2 "unwound_url"), or of strings, given
 * parsed; self is the tweet they belong to, for its self-link, or NULL.
 */
void
model_entities(struct model_link *list, u_int *n, u_int max, json_t *urls,
    json_t *self)
{
	json_t		*item, *u, *id;
	const char	*expanded, *unwound, *s = NULL, *p;
	size_t		 i, idlen = 0;

	if (json_is_string(urls)) {
		model_add(list, n, max, json_string_value(urls),
		    json_string_length(urls), NULL, NULL);
		return;
	}
	if (self != NULL) {
		if (!json_is_string(id = json_object_get(self, "id_str")))
			id = json_object_get(self, "id");
		if ((s = json_string_value(id)) != NULL) {
			if ((p = strrchr(s, ':')) != NULL)
				s = p + 1;
			if ((idlen = strspn(s, "0123456789")) == 0)
				s = NULL;
		}
	}
	json_array_foreach(urls, i, item) {
		if (json_is_string(item)) {
			model_add(list, n, max, json_string_value(item),
			    json_string_length(item), NULL, NULL);
			continue;
		}
		expanded = json_string_value(json_object_get(item,
		    "expanded_url"));
		unwound = json_string_value(json_object_get(item,
		    "unwound_url"));
		if (unwound == NULL)
			unwound = json_string_value(pointer_get(item,
			    "/unwound/url"));
		if (self != NULL && model_links_self(s, idlen, expanded))
			continue;
		u = json_object_get(item, "url");
		if (!json_is_string(u))
			u = json_object_get(item, "expanded_url");
		if (!json_is_string(u))
			continue;
		model_add(list, n, max, json_string_value(u),
		    json_string_length(u), expanded, unwound);
	}
}

/* Add the link of one URL entity (an object, or a string). */
static void
model_links_item(struct model *m, const struct scan_value *item,
    const char *id, size_t idlen)
{
	struct scan_iter	 it;
	struct scan_value	 key, v, url, exp, unw, unw2;
	const char		*u, *expanded, *unwound;
	size_t			 len;

	if (item->type == SCAN_STRING) {
		u = model_string(m, item, &len);
		model_add(m->links, &m->nlinks, MODEL_MAX_LINKS, u, len, NULL,
		    NULL);
		return;
	}
	url.type = exp.type = unw.type = unw2.type = SCAN_NONE;
	scan_iter_init(&it, item);
	while (item->type == SCAN_OBJECT && scan_next(&it, &key, &v)) {
		if (scan_string_eq(&key, "url", 3))
			url = v;
		else if (scan_string_eq(&key, "expanded_url", 12))
			exp = v;
		else if (scan_string_eq(&key, "unwound_url", 11))
			unw = v;
		else if (scan_string_eq(&key, "unwound", 7))
			unw2 = v;
	}
	expanded = model_string(m, &exp, NULL);
	if ((unwound = model_string(m, &unw, NULL)) == NULL)
		unwound = model_member_string(m, &unw2, "url", NULL);
	if (model_links_self(id, idlen, expanded))
		return;
	if (url.type != SCAN_STRING)
		url = exp;
	if ((u = model_string(m, &url, &len)) == NULL)
		return;
	model_add(m->links, &m->nlinks, MODEL_MAX_LINKS, u, len, expanded,
	    unwound);
}

/*
 * The "urls" of an entities object, if it is one, of the tweet whose id
 * ends with id.
 */
static void
model_links_list(struct model *m, const struct scan_value *ent,
    const char *id, size_t idlen)
{
	struct scan_iter	it;
	struct scan_value	urls, item;

	if (ent->type != SCAN_OBJECT)
		return;
	m->entities = 1;
	if (scan_member(ent, "urls", 4, &urls) != 0)
		return;
	if (urls.type == SCAN_STRING) {
		model_links_item(m, &urls, NULL, 0);
		return;
	}
	scan_iter_init(&it, &urls);
	while (urls.type == SCAN_ARRAY && scan_next(&it, NULL, &item))
		model_links_item(m, &item, id, idlen);
}

/* The lists of entities at obj.key.ents and at ents of a tweet. */
static void
model_links_lists(struct model *m, const struct model_members *mm,
    u_int key, const char *ents, u_int top)
{
	struct scan_value	 v;
	const char		*id;
	size_t			 idlen = 0;

	id = model_links_id(m, mm, &idlen);
	if (scan_member(&mm->k[key], ents, strlen(ents), &v) == 0)
		model_links_list(m, &v, id, idlen);
	model_links_list(m, &mm->k[top], id, idlen);
}

/* The members of object v, if we go that deep. */
static int
model_links_open(const struct scan_value *v, u_int depth,
    struct model_members *mm)
{
	if (v->type != SCAN_OBJECT || depth > MODEL_MAX_DEPTH)
		return (-1);
	model_members(v, mm);
	return (0);
}

/* API v1.1: the tweet's lists, then its retweeted and quoted tweets'. */
static void
model_links_v11(struct model *m, const struct model_members *mm,
    u_int depth)
{
	struct model_members	sub;

	model_links_lists(m, mm, K_EXTENDED_TWEET, "entities", K_ENTITIES);
	if (model_links_open(&mm->k[K_RETWEETED_STATUS], depth + 1, &sub) == 0)
		model_links_v11(m, &sub, depth + 1);
	if (model_links_open(&mm->k[K_QUOTED_STATUS], depth + 1, &sub) == 0)
		model_links_v11(m, &sub, depth + 1);
}

/* Gnip: the activity's lists, a shared or quoted one's, gnip.urls. */
static void
model_links_gnip(struct model *m, const struct model_members *mm,
    u_int depth)
{
	struct model_members	 sub;
	struct scan_value	 urls, item, v;
	struct scan_iter	 it;
	const char		*u;
	size_t			 len;

	model_links_lists(m, mm, K_LONG_OBJECT, "twitter_entities",
	    K_TWITTER_ENTITIES);
	if ((scan_string_eq(&mm->k[K_VERB], "share", 5) ||
	    (scan_member(&mm->k[K_OBJECT], "objectType", 10, &v) == 0 &&
	    scan_string_eq(&v, "activity", 8))) &&
	    model_links_open(&mm->k[K_OBJECT], depth + 1, &sub) == 0)
		model_links_gnip(m, &sub, depth + 1);
	if (model_links_open(&mm->k[K_TWITTER_QUOTED_STATUS], depth + 1,
	    &sub) == 0)
		model_links_gnip(m, &sub, depth + 1);

	/* Gnip's own expansions: its expanded_url is fully unwound. */
	if (scan_member(&mm->k[K_GNIP], "urls", 4, &urls) != 0 ||
	    urls.type != SCAN_ARRAY)
		return;
	m->entities = 1;
	scan_iter_init(&it, &urls);
	while (scan_next(&it, NULL, &item)) {
		if ((u = model_member_string(m, &item, "url", &len)) == NULL)
			continue;
		model_add(m->links, &m->nlinks, MODEL_MAX_LINKS, u, len, NULL,
		    model_member_string(m, &item, "expanded_url", NULL));
	}
}

/* API v2: the tweet's lists, then those it retweets or quotes. */
static void
model_links_v2(struct model *m, const struct model_members *mm,
    u_int depth)
{
	struct model_members	 sub;
	struct scan_iter	 it;
	struct scan_value	 r, type, idv, t;
	const char		*id;
	size_t			 idlen;

	model_links_lists(m, mm, K_NOTE_TWEET, "entities", K_ENTITIES);
	if (mm->k[K_REFERENCED_TWEETS].type != SCAN_ARRAY)
		return;
	scan_iter_init(&it, &mm->k[K_REFERENCED_TWEETS]);
	while (scan_next(&it, NULL, &r)) {
		if (scan_member(&r, "type", 4, &type) != 0 ||
		    scan_member(&r, "id", 2, &idv) != 0 ||
		    idv.type != SCAN_STRING ||
		    (!scan_string_eq(&type, "retweeted", 9) &&
		    !scan_string_eq(&type, "quoted", 6)))
			continue;
		/* A flattened line has the tweet itself there. */
		if (scan_member(&r, "text", 4, &t) == 0)
			t = r;
		else {
			id = model_string(m, &idv, &idlen);
			if (model_included(m, id, idlen, &t) != 0)
				continue;
		}
		if (model_links_open(&t, depth + 1, &sub) == 0)
			model_links_v2(m, &sub, depth + 1);
	}
}


/* Is what follows a link (after a little punctuation) an ellipsis, the
 * mark of a link cut by truncation? */
static int
model_links_cut(const char *p, const char *end)
{
	u_int	i;

	for (i = 0; i < 4 && p < end && *p != '\0' &&
	    strchr(".,;:!?'\")]", *p) != NULL; i++)
		p++;
	return (end - p >= 3 && memcmp(p, "\xe2\x80\xa6", 3) == 0);
}

/*
 * A link with a scheme at s whose host is an IPv4 address or localhost
 * (which twitter-text does not take, but a test server needs): its length,
 * or 0. Its path and query end where twitter-text would end them after a
 * host it knows, so it is asked about the same rest after one.
 */
static size_t
model_links_local(struct twtext *tw, const char *s, size_t len)
{
	const struct twtext_entity	*e;
	static const char		 stand_in[] = "http://a.co";
	char				*buf;
	size_t				 i, host, rest, n = 0;
	u_int				 dots = 0;

	i = strncasecmp(s, "https://", 8) == 0 ? 8 : 7;
	host = i;
	if (len - i >= 9 && strncasecmp(s + i, "localhost", 9) == 0)
		i += 9;
	else {
		while (i < len && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.'))
			dots += s[i++] == '.';
		if (dots != 3 || s[i - 1] == '.' || s[host] == '.')
			return (0);
	}
	if (i < len && s[i] == ':')
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			;
	if (i < len && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
	    s[i] <= 'Z') || s[i] == '-' || s[i] == '_' || (s[i] == '.' &&
	    i + 1 < len && s[i + 1] != ' ')))
		return (0);
	rest = len - i;
	if (rest > 4096)
		rest = 4096;
	buf = xmalloc(sizeof stand_in - 1 + rest);
	memcpy(buf, stand_in, sizeof stand_in - 1);
	memcpy(buf + sizeof stand_in - 1, s + i, rest);
	if (twtext_extract(tw, buf, sizeof stand_in - 1 + rest,
	    TWTEXT_URL|TWTEXT_ONE_KIND) > 0 && (e = twtext_entity(tw, 0))->start
	    == 0)
		n = i + e->value_len - (sizeof stand_in - 1);
	free(buf);
	return (n);
}

/*
 * Links in the text of a tweet without entities: the URLs with a scheme
 * twitter-text finds (and those to an IPv4 address or localhost), in text
 * order, but not one cut by truncation.
 */
static void
model_links_text(struct model *m)
{
	struct twtext			*tw, *tw_local;
	const struct twtext_entity	*e;
	const char			*text, *end, *p;
	size_t				 len, off[MODEL_MAX_LINKS];
	size_t				 n[MODEL_MAX_LINKS], i, k, ll;
	u_int				 found = 0, count, j;

	if ((text = model_text(m, &len)) == NULL)
		return;
	tw = twtext_new();
	tw_local = NULL;
	count = twtext_extract(tw, text, len, TWTEXT_URL|TWTEXT_ONE_KIND);
	for (j = 0; j < count && found < MODEL_MAX_LINKS; j++) {
		e = twtext_entity(tw, j);
		if (!model_links_http(e->value, e->value_len))
			continue;
		off[found] = e->value - text;
		n[found++] = e->value_len;
	}
	for (i = 0; i + 7 < len && found < MODEL_MAX_LINKS; i++) {
		if ((text[i] != 'h' && text[i] != 'H') || (i > 0 &&
		    ((text[i - 1] >= 'a' && text[i - 1] <= 'z') ||
		    (text[i - 1] >= 'A' && text[i - 1] <= 'Z') ||
		    (text[i - 1] >= '0' && text[i - 1] <= '9') ||
		    text[i - 1] == '@' || text[i - 1] == '#' ||
		    text[i - 1] == '$')) || !model_links_http(text + i, len - i))
			continue;
		if (tw_local == NULL)
			tw_local = twtext_new();
		if ((ll = model_links_local(tw_local, text + i, len - i)) == 0)
			continue;
		/* In text order among the others. */
		for (k = found; k > 0 && off[k - 1] > i; k--) {
			off[k] = off[k - 1];
			n[k] = n[k - 1];
		}
		off[k] = i;
		n[k] = ll;
		found++;
		i += ll - 1;
	}
	end = text + len;
	for (j = 0; j < found; j++) {
		p = text + off[j];
		if (!model_links_cut(p + n[j], end))
			model_add(m->links, &m->nlinks, MODEL_MAX_LINKS, p, n[j],
			    NULL, NULL);
	}
	twtext_free(tw);
	if (tw_local != NULL)
		twtext_free(tw_local);
}

/* Work out the links, once. */
void
model_links_find(struct model *m)
{
	m->links_done = 1;
	switch (m->format) {
	case MODEL_GNIP:
		model_links_gnip(m, &m->top, 0);
		break;
	case MODEL_V2:
	case MODEL_TWARC2:
	case MODEL_FLAT:
		model_links_v2(m, &m->top, 0);
		break;
	default:
		model_links_v11(m, &m->top, 0);
		break;
	}
	if (!m->entities)
		model_links_text(m);
}

/* How many links the tweet has. */
u_int
model_nlinks(struct model *m)
{
	if (!m->links_done)
		model_links_find(m);
	return (m->nlinks);
}

/* The i-th link of the tweet. */
const struct model_link *
model_link(struct model *m, u_int i)
{
	if (!m->links_done)
		model_links_find(m);
	return (i < m->nlinks ? &m->links[i] : NULL);
}
