/*
 * The tweet model: what a parsed line is (API v1.1, Gnip activity streams,
 * API v2 bare or as a twarc2 line), its text and its links, whatever the
 * format. Built once per tweet, and only when an enricher asks; it points
 * into the parsed tweet and lives no longer than it.
 *
 * The text is the tweet's own full text. The links come, in order of
 * appearance and without repeats (scheme and host compared without case),
 * from every URL entity list of the tweet and of the tweets it retweets or
 * quotes, leaving out the "i/web/status" link a truncated tweet has to
 * itself; each keeps the expansions the data carries. Only a tweet with no
 * entities at all has its links taken from its text, by twtext.c.
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/lib.h"
#include "json/json.h"
#include "tweet/tweet.h"

/* How deep retweets and quotes are followed. */
#define MODEL_MAX_DEPTH 4

struct model {
	json_t			*root;
	json_t			*tweet;		/* the tweet in root */
	json_t			*includes;	/* twarc2: includes.tweets */
	int			 format;
	const char		*text;
	size_t			 text_len;
	int			 links_done;
	int			 entities;	/* some entity list was seen */
	struct model_link	 links[MODEL_MAX_LINKS];
	u_int			 nlinks;
};

static const char *const model_names[] = {
	"unknown", "v1.1", "gnip", "v2", "twarc2"
};

/* A member that is a string, or NULL. */
static const char *
model_str(json_t *o, const char *key)
{
	return (json_string_value(json_object_get(o, key)));
}

/* Which format a parsed line is in. */
static int
model_detect(json_t *root)
{
	json_t	*id;

	if (json_is_object(json_object_get(root, "data")))
		return (MODEL_TWARC2);
	if (json_object_get(root, "body") != NULL ||
	    json_object_get(root, "verb") != NULL ||
	    json_object_get(root, "twitter_entities") != NULL)
		return (MODEL_GNIP);
	if (json_object_get(root, "note_tweet") != NULL ||
	    json_object_get(root, "edit_history_tweet_ids") != NULL ||
	    json_object_get(root, "author_id") != NULL)
		return (MODEL_V2);
	id = json_object_get(root, "id");
	if (json_is_string(id) && json_object_get(root, "text") != NULL &&
	    json_object_get(root, "id_str") == NULL &&
	    json_object_get(root, "user") == NULL)
		return (MODEL_V2);
	if (json_object_get(root, "text") != NULL ||
	    json_object_get(root, "full_text") != NULL ||
	    json_object_get(root, "extended_tweet") != NULL ||
	    json_object_get(root, "id_str") != NULL)
		return (MODEL_V11);
	return (MODEL_UNKNOWN);
}

/* Build the model of a parsed tweet (borrowed; it must outlive the model). */
struct model *
model_new(json_t *root)
{
	struct model	*m;
	json_t		*t, *v;

	m = xcalloc(1, sizeof *m);
	m->root = root;
	m->format = model_detect(root);
	m->tweet = root;
	if (m->format == MODEL_TWARC2) {
		m->tweet = json_object_get(root, "data");
		m->includes = pointer_get(root, "/includes/tweets");
	}
	t = m->tweet;

	/* The tweet's own full text. */
	switch (m->format) {
	case MODEL_GNIP:
		v = pointer_get(t, "/long_object/body");
		if (!json_is_string(v))
			v = json_object_get(t, "body");
		break;
	case MODEL_V2:
	case MODEL_TWARC2:
		v = pointer_get(t, "/note_tweet/text");
		if (!json_is_string(v))
			v = json_object_get(t, "text");
		break;
	default:
		v = pointer_get(t, "/extended_tweet/full_text");
		if (!json_is_string(v))
			v = json_object_get(t, "full_text");
		if (!json_is_string(v))
			v = json_object_get(t, "text");
		break;
	}
	if (json_is_string(v)) {
		m->text = json_string_value(v);
		m->text_len = json_string_length(v);
	}
	return (m);
}

/* Free a model. */
void
model_free(struct model *m)
{
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

/* The tweet's text, or NULL if it has none. */
const char *
model_text(struct model *m, size_t *len)
{
	*len = m->text_len;
	return (m->text);
}

/* Where the authority of a URL ends (after scheme://host:port). */
static size_t
model_authority(const char *s, size_t len)
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
	size_t	na = model_authority(a, alen), nb = model_authority(b, blen);

	if (na != nb || alen != blen)
		return (0);
	return (strncasecmp(a, b, na) == 0 && memcmp(a + na, b + na,
	    alen - na) == 0);
}

/* Is this an http or https URL? */
static int
model_is_http(const char *s, size_t n)
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

	if (!model_is_http(url, len))
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
model_id(json_t *t, size_t *len)
{
	json_t		*id;
	const char	*s, *p;

	id = json_object_get(t, "id_str");
	if (!json_is_string(id))
		id = json_object_get(t, "id");
	if (!json_is_string(id))
		return (NULL);
	s = json_string_value(id);
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
model_self_link(json_t *t, const char *expanded)
{
	static const char	*hosts[] = { "twitter.com", "www.twitter.com",
				    "mobile.twitter.com", "x.com" };
	const char		*p, *id;
	size_t			 i, n, idlen;

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
	if ((id = model_id(t, &idlen)) == NULL)
		return (1);
	return (strncmp(p, id, idlen) == 0 && (p[idlen] < '0' ||
	    p[idlen] > '9'));
}

/*
 * Add the links of an array of URL entities (objects with "url",
 * "expanded_url", v1.1 "unwound" or v2 "unwound_url"), or of strings; self
 * is the tweet they belong to, for its self-link, or NULL.
 */
void
model_entities(struct model_link *list, u_int *n, u_int max, json_t *urls,
    json_t *self)
{
	json_t		*item, *u;
	const char	*expanded, *unwound;
	size_t		 i;

	if (json_is_string(urls)) {
		model_add(list, n, max, json_string_value(urls),
		    json_string_length(urls), NULL, NULL);
		return;
	}
	json_array_foreach(urls, i, item) {
		if (json_is_string(item)) {
			model_add(list, n, max, json_string_value(item),
			    json_string_length(item), NULL, NULL);
			continue;
		}
		expanded = model_str(item, "expanded_url");
		unwound = model_str(item, "unwound_url");
		if (unwound == NULL)
			unwound = json_string_value(pointer_get(item,
			    "/unwound/url"));
		if (self != NULL && model_self_link(self, expanded))
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

/* The URL entity list at a pointer, if the object there exists. */
static void
model_list(struct model *m, json_t *t, const char *container,
    const char *urls)
{
	json_t	*c;

	if ((c = pointer_get(t, container)) == NULL || !json_is_object(c))
		return;
	m->entities = 1;
	model_entities(m->links, &m->nlinks, MODEL_MAX_LINKS,
	    json_object_get(c, urls), t);
}

static void
model_v11(struct model *m, json_t *t, u_int depth)
{
	if (!json_is_object(t) || depth > MODEL_MAX_DEPTH)
		return;
	model_list(m, t, "/extended_tweet/entities", "urls");
	model_list(m, t, "/entities", "urls");
	model_v11(m, json_object_get(t, "retweeted_status"), depth + 1);
	model_v11(m, json_object_get(t, "quoted_status"), depth + 1);
}

static void
model_gnip(struct model *m, json_t *a, u_int depth)
{
	json_t		*o, *item;
	const char	*verb, *url;
	size_t		 i;

	if (!json_is_object(a) || depth > MODEL_MAX_DEPTH)
		return;
	model_list(m, a, "/long_object/twitter_entities", "urls");
	model_list(m, a, "/twitter_entities", "urls");
	verb = model_str(a, "verb");
	o = json_object_get(a, "object");
	if ((verb != NULL && strcmp(verb, "share") == 0) ||
	    (json_is_object(o) && (url = model_str(o, "objectType")) != NULL &&
	    strcmp(url, "activity") == 0))
		model_gnip(m, o, depth + 1);
	model_gnip(m, json_object_get(a, "twitter_quoted_status"), depth + 1);

	/* Gnip's own expansions: its expanded_url is fully unwound. */
	o = pointer_get(a, "/gnip/urls");
	if (!json_is_array(o))
		return;
	m->entities = 1;
	json_array_foreach(o, i, item) {
		if ((url = model_str(item, "url")) == NULL)
			continue;
		model_add(m->links, &m->nlinks, MODEL_MAX_LINKS, url,
		    strlen(url), NULL, model_str(item, "expanded_url"));
	}
}

/* A tweet of a twarc2 line's includes.tweets by its id. */
static json_t *
model_included(struct model *m, const char *id)
{
	json_t		*t;
	const char	*tid;
	size_t		 i;

	json_array_foreach(m->includes, i, t) {
		if ((tid = model_str(t, "id")) != NULL && strcmp(tid, id) == 0)
			return (t);
	}
	return (NULL);
}

static void
model_v2(struct model *m, json_t *t, u_int depth)
{
	json_t		*refs, *r;
	const char	*type, *id;
	size_t		 i;

	if (!json_is_object(t) || depth > MODEL_MAX_DEPTH)
		return;
	model_list(m, t, "/note_tweet/entities", "urls");
	model_list(m, t, "/entities", "urls");
	refs = json_object_get(t, "referenced_tweets");
	if (m->includes == NULL || !json_is_array(refs))
		return;
	json_array_foreach(refs, i, r) {
		type = model_str(r, "type");
		id = model_str(r, "id");
		if (type == NULL || id == NULL || (strcmp(type, "retweeted") !=
		    0 && strcmp(type, "quoted") != 0))
			continue;
		model_v2(m, model_included(m, id), depth + 1);
	}
}

/* Is what follows a link (after a little punctuation) an ellipsis, the
 * mark of a link cut by truncation? */
static int
model_cut(const char *p, const char *end)
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
model_local_link(struct twtext *tw, const char *s, size_t len)
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
model_text_links(struct model *m)
{
	struct twtext			*tw, *tw_local;
	const struct twtext_entity	*e;
	const char			*text = m->text, *end, *p;
	size_t				 len = m->text_len, off[MODEL_MAX_LINKS];
	size_t				 n[MODEL_MAX_LINKS], i, k, ll;
	u_int				 found = 0, count, j;

	tw = twtext_new();
	tw_local = NULL;
	count = twtext_extract(tw, text, len, TWTEXT_URL|TWTEXT_ONE_KIND);
	for (j = 0; j < count && found < MODEL_MAX_LINKS; j++) {
		e = twtext_entity(tw, j);
		if (!model_is_http(e->value, e->value_len))
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
		    text[i - 1] == '$')) || !model_is_http(text + i, len - i))
			continue;
		if (tw_local == NULL)
			tw_local = twtext_new();
		if ((ll = model_local_link(tw_local, text + i, len - i)) == 0)
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
		if (!model_cut(p + n[j], end))
			model_add(m->links, &m->nlinks, MODEL_MAX_LINKS, p, n[j],
			    NULL, NULL);
	}
	twtext_free(tw);
	if (tw_local != NULL)
		twtext_free(tw_local);
}

/* Work out the links, once. */
static void
model_find_links(struct model *m)
{
	m->links_done = 1;
	switch (m->format) {
	case MODEL_GNIP:
		model_gnip(m, m->tweet, 0);
		break;
	case MODEL_V2:
	case MODEL_TWARC2:
		model_v2(m, m->tweet, 0);
		break;
	default:
		model_v11(m, m->tweet, 0);
		break;
	}
	if (!m->entities && m->text != NULL)
		model_text_links(m);
}

/* How many links the tweet has. */
u_int
model_nlinks(struct model *m)
{
	if (!m->links_done)
		model_find_links(m);
	return (m->nlinks);
}

/* The i-th link of the tweet. */
const struct model_link *
model_link(struct model *m, u_int i)
{
	if (!m->links_done)
		model_find_links(m);
	return (i < m->nlinks ? &m->links[i] : NULL);
}
