/*
 * The unshorten enricher: follows every link of a tweet through its
 * redirects, one hop at a time (HEAD first, GET when HEAD is refused), so
 * each hop is cached and shared by every tweet that has the same link. The
 * value lists {url, expanded, status, hops} in link order; a chain that
 * stops early (an error, a loop, too many hops) also says why.
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "enricher.h"

/* Links of one tweet followed at most. */
#define UNSHORTEN_MAX_LINKS 32

static const char *const unshorten_keys[] = {
	"header", "'Name: value' request header (repeatable; never "
	    "credentials)",
	"rate", "start at most N of this enrichment's requests a second",
	NULL
};

/* Headers that carry credentials: never sent to hosts a tweet names. */
static const char *const unshorten_credentials[] = {
	"authorization", "cookie", "proxy-authorization", NULL
};

struct unshorten_conf {
	struct fetch_request	 head;
	struct fetch_request	 get;
};

struct unshorten_tweet;

struct unshorten_link {
	struct unshorten_tweet	*ut;
	char			*url;
	char			*visited[FETCH_MAX_REDIRECTS + 1];
	u_int			 hops;		/* redirects followed */
	int			 get;		/* HEAD was refused */
	long			 status;
	char			*error;
};

struct unshorten_tweet {
	struct slot		*slot;
	struct unshorten_conf	*uc;
	u_int			 n;
	u_int			 left;
	struct unshorten_link	 links[];
};

static void	unshorten_hop(struct unshorten_link *);

/*
 * The links a tweet has choose the hosts, so unshorten sends no credentials:
 * no --header, and no header= that names one or holds a ${NAME} secret.
 */
static void *
unshorten_configure(struct spec *sp, char **cause)
{
	struct unshorten_conf	*uc;
	const char		*h;
	size_t			 n;
	u_int			 i, k;

	for (i = 0; i < spec_count(sp); i++) {
		if (strcmp(spec_key(sp, i), "header") != 0)
			continue;
		h = spec_value(sp, i);
		n = strcspn(h, ":");
		for (k = 0; unshorten_credentials[k] != NULL; k++) {
			if (n == strlen(unshorten_credentials[k]) &&
			    strncasecmp(h, unshorten_credentials[k], n) == 0)
				break;
		}
		if (unshorten_credentials[k] != NULL || secret_in(h)) {
			xasprintf(cause, "unshorten: header=%.*s: unshorten "
			    "sends no credentials (the tweets choose the "
			    "hosts)", (int)n, h);
			return (NULL);
		}
	}
	uc = xcalloc(1, sizeof *uc);
	if (fetch_rate(sp, &uc->head, cause) != 0) {
		free(uc);
		return (NULL);
	}
	uc->get.pacer = uc->head.pacer;
	uc->head.method = "HEAD";
	uc->head.flags = FETCH_POLICY;
	uc->head.headers = fetch_headers(sp, 0);
	uc->get.method = "GET";
	uc->get.flags = FETCH_NO_BODY|FETCH_POLICY;
	uc->get.headers = uc->head.headers;
	return (uc);
}

static void
unshorten_free(void *data)
{
	struct unshorten_conf	*uc = data;

	fetch_headers_free(uc->head.headers);
	free(uc);
}

static int
unshorten_is_http(const char *s, size_t n)
{
	return ((n > 7 && strncasecmp(s, "http://", 7) == 0) ||
	    (n > 8 && strncasecmp(s, "https://", 8) == 0));
}

static void
unshorten_add(char **links, u_int *n, const char *s, size_t len)
{
	u_int	i;

	if (*n == UNSHORTEN_MAX_LINKS || !unshorten_is_http(s, len))
		return;
	for (i = 0; i < *n; i++) {
		if (strlen(links[i]) == len && memcmp(links[i], s, len) == 0)
			return;
	}
	links[(*n)++] = xstrndup(s, len);
}

/* Links from entities (Gnip, v1.1, v2); -1 if the tweet has none. */
static int
unshorten_entities(json_t *root, char **links, u_int *n)
{
	static const char	*where[] = { "/twitter_entities/urls",
				    "/entities/urls" };
	json_t			*urls, *item, *u;
	size_t			 i, k;
	int			 found = -1;

	for (k = 0; k < sizeof where / sizeof where[0]; k++) {
		urls = pointer_get(root, where[k]);
		if (!json_is_array(urls))
			continue;
		found = 0;
		json_array_foreach(urls, i, item) {
			u = json_object_get(item, "url");
			if (!json_is_string(u))
				u = json_object_get(item, "expanded_url");
			if (json_is_string(u))
				unshorten_add(links, n, json_string_value(u),
				    json_string_length(u));
		}
	}
	return (found);
}

/* Links in the text, when the tweet has no entities. */
static void
unshorten_text(json_t *root, char **links, u_int *n)
{
	static const char	*where[] = { "/body", "/text", "/full_text" };
	const char		*text, *p, *end;
	size_t			 len, k;
	json_t			*t;

	for (k = 0; k < sizeof where / sizeof where[0]; k++) {
		t = pointer_get(root, where[k]);
		if (json_is_string(t))
			break;
	}
	if (k == sizeof where / sizeof where[0])
		return;
	text = json_string_value(t);
	len = json_string_length(t);
	for (p = text; p < text + len; p = end) {
		p += strcspn(p, "hH");
		if (p >= text + len)
			break;
		end = p + 1;
		if (strncasecmp(p, "http://", 7) != 0 &&
		    strncasecmp(p, "https://", 8) != 0)
			continue;
		end = p + strcspn(p, " \t\r\n\"<>");
		while (end > p && strchr(".,;:!?)]}'", end[-1]) != NULL)
			end--;
		unshorten_add(links, n, p, end - p);
		if (end == p)
			end = p + 1;
	}
}

/* Every chain has ended: the value. */
static void
unshorten_settle(struct unshorten_tweet *ut)
{
	struct unshorten_link	*l;
	json_t			*list, *o;
	u_int			 i, k;

	list = json_array();
	for (i = 0; i < ut->n; i++) {
		l = &ut->links[i];
		o = json_object();
		json_object_set_new(o, "url", json_string(l->url));
		json_object_set_new(o, "expanded",
		    json_string(l->visited[l->hops]));
		json_object_set_new(o, "status", l->status != 0 ?
		    json_integer(l->status) : json_null());
		json_object_set_new(o, "hops", json_integer(l->hops));
		if (l->error != NULL)
			json_object_set_new(o, "error", json_string(l->error));
		json_array_append_new(list, o);
		for (k = 0; k <= l->hops && k <= FETCH_MAX_REDIRECTS; k++)
			free(l->visited[k]);
		free(l->url);
		free(l->error);
	}
	slot_settle(ut->slot, list, NULL);
	free(ut);
}

static void
unshorten_link_done(struct unshorten_link *l)
{
	if (--l->ut->left == 0)
		unshorten_settle(l->ut);
}

/* One hop answered: stop, or go on to where it points. */
static void
unshorten_hop_done(void *arg, const struct fetch_result *res)
{
	struct unshorten_link	*l = arg;
	const char		*next = res->location;
	u_int			 i;

	if (res->error != NULL) {
		l->error = xstrdup(res->error);
		unshorten_link_done(l);
		return;
	}
	l->status = res->status;
	if (res->status >= 400 && !l->get && res->status != 404 &&
	    res->status != 410 && res->status != 429) {
		l->get = 1;	/* HEAD refused: ask with GET */
		unshorten_hop(l);
		return;
	}
	if (res->status < 300 || res->status > 399 || next == NULL) {
		unshorten_link_done(l);
		return;
	}
	if (!unshorten_is_http(next, strlen(next))) {
		xasprintf(&l->error, "redirect to a URL that is not http or "
		    "https");
		unshorten_link_done(l);
		return;
	}
	for (i = 0; i <= l->hops; i++) {
		if (strcmp(l->visited[i], next) == 0) {
			xasprintf(&l->error, "redirect loop");
			unshorten_link_done(l);
			return;
		}
	}
	if (l->hops == FETCH_MAX_REDIRECTS) {
		xasprintf(&l->error, "more than %d redirects",
		    FETCH_MAX_REDIRECTS);
		unshorten_link_done(l);
		return;
	}
	l->visited[++l->hops] = xstrdup(next);
	l->get = 0;
	unshorten_hop(l);
}

static void
unshorten_hop(struct unshorten_link *l)
{
	struct unshorten_conf	*uc = l->ut->uc;

	fetch_start(l->get ? &uc->get : &uc->head, l->visited[l->hops], NULL,
	    0, unshorten_hop_done, l);
}

/*
 * The links of a tweet: from its entities, or else from its text; at most
 * UNSHORTEN_MAX_LINKS, each an allocated http or https URL.
 */
static u_int
unshorten_links(json_t *root, char **links)
{
	u_int	n = 0;

	if (unshorten_entities(root, links, &n) == -1)
		unshorten_text(root, links, &n);
	return (n);
}

static void
unshorten_start(void *data, struct slot *s)
{
	struct unshorten_tweet	*ut;
	json_t			*root = slot_root(s);
	char			*links[UNSHORTEN_MAX_LINKS];
	u_int			 n, i;

	n = unshorten_links(root, links);
	ut = xcalloc(1, sizeof *ut + n * sizeof *ut->links);
	ut->slot = s;
	ut->uc = data;
	ut->n = n;
	ut->left = n + 1;
	for (i = 0; i < n; i++) {
		ut->links[i].ut = ut;
		ut->links[i].url = links[i];
		/* Credentials in a link are neither sent nor shown. */
		ut->links[i].visited[0] = location_strip_userinfo(links[i]);
		if (ut->links[i].visited[0] == NULL)
			ut->links[i].visited[0] = xstrdup(links[i]);
	}
	for (i = 0; i < n; i++)
		unshorten_hop(&ut->links[i]);
	if (--ut->left == 0)
		unshorten_settle(ut);
}

const struct enricher unshorten_enricher = {
	.name = "unshorten",
	.kind = ENRICHER_HTTP,
	.help = "follow each link's redirects; the value lists where they go",
	.keys = unshorten_keys,
	.configure = unshorten_configure,
	.start = unshorten_start,
	.free = unshorten_free,
};
