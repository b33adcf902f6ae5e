/*
 * The unshorten enricher: follows every link of a tweet through its
 * redirects, one hop at a time (HEAD first, GET when HEAD is refused), so
 * each hop is cached and shared by every tweet that has the same link. The
 * value lists {url, expanded, status, hops} in link order; a chain that
 * stops early (an error, a loop, too many hops) also says why.
 */

#include <sys/types.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <tweet-enricher/enricher.h>

static const struct te_api	*te;

/* Links of one tweet followed at most. */
#define UNSHORTEN_MAX_LINKS 32
/* Redirect targets one tweet may hold, in bytes, over all its links. */
#define UNSHORTEN_MAX_BYTES (256 * 1024)

static const char *const unshorten_keys[] = {
	"header", "'Name: value' request header (repeatable; never "
	    "credentials)",
	"rate", "start at most N of this enrichment's requests a second",
	"start", "deepest (default: the data's unwound or expanded URL) or "
	    "short",
	"hosts", "follow only links starting at these hosts (repeatable, "
	    "or \\,-separated)",
	"links", "JSON pointer to URL entities or a URL, instead of the "
	    "tweet's links (repeatable)",
	NULL
};

/* Headers that carry credentials: never sent to hosts a tweet names. */
static const char *const unshorten_credentials[] = {
	"authorization", "cookie", "proxy-authorization", NULL
};

struct unshorten_conf {
	struct te_fetch_request	 head;
	struct te_fetch_request	 get;
	int			 start_short;	/* start=short */
	char			**hosts;	/* hosts=, lower case */
	u_int			 nhosts;
	char			**links;	/* links= pointers */
	u_int			 nlinks;
};

struct unshorten_tweet;

struct unshorten_link {
	struct unshorten_tweet	*ut;
	char			*url;
	char			*visited[TE_FETCH_MAX_REDIRECTS + 1];
	u_int			 hops;		/* redirects followed */
	int			 get;		/* HEAD was refused */
	int			 skip;		/* not followed (hosts=) */
	long			 status;
	char			*error;
};

struct unshorten_tweet {
	struct slot		*slot;
	struct unshorten_conf	*uc;
	u_int			 n;
	u_int			 left;
	size_t			 bytes;		/* held in visited[] */
	struct unshorten_link	 links[];
};

static void	unshorten_hop(struct unshorten_link *);
static void	unshorten_free(void *);

/* Add one entry to a list of strings. */
static void
unshorten_push(char ***list, u_int *n, const char *s, size_t len)
{
	*list = te->xreallocarray(*list, *n + 1, sizeof **list);
	(*list)[(*n)++] = te->xstrndup(s, len);
}

/* The keys that choose the links and where their chains start. */
static int
unshorten_configure_links(struct unshorten_conf *uc, struct spec *sp,
    char **cause)
{
	const char	*key, *v, *start = te->spec_get(sp, "start");
	size_t		 n;
	u_int		 i, k;

	if (start != NULL && strcmp(start, "short") == 0)
		uc->start_short = 1;
	else if (start != NULL && strcmp(start, "deepest") != 0) {
		te->xasprintf(cause, "unshorten: start is deepest or short, "
		    "not \"%s\"", start);
		return (-1);
	}
	for (i = 0; i < te->spec_count(sp); i++) {
		key = te->spec_key(sp, i);
		v = te->spec_value(sp, i);
		if (strcmp(key, "links") == 0) {
			if (!te->pointer_valid(v)) {
				te->xasprintf(cause, "unshorten: bad JSON "
				    "pointer: %s", v);
				return (-1);
			}
			unshorten_push(&uc->links, &uc->nlinks, v, strlen(v));
			continue;
		}
		if (strcmp(key, "hosts") != 0)
			continue;
		while (*v != '\0') {
			v += strspn(v, " ,");
			if ((n = strcspn(v, " ,")) == 0)
				break;
			unshorten_push(&uc->hosts, &uc->nhosts, v, n);
			for (k = 0; k < n; k++) {
				uc->hosts[uc->nhosts - 1][k] = tolower(
				    (u_char)uc->hosts[uc->nhosts - 1][k]);
			}
			v += n;
		}
		if (uc->nhosts == 0) {
			te->xasprintf(cause, "unshorten: hosts= names no host");
			return (-1);
		}
	}
	return (0);
}

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

	for (i = 0; i < te->spec_count(sp); i++) {
		if (strcmp(te->spec_key(sp, i), "header") != 0)
			continue;
		h = te->spec_value(sp, i);
		n = strcspn(h, ":");
		for (k = 0; unshorten_credentials[k] != NULL; k++) {
			if (n == strlen(unshorten_credentials[k]) &&
			    strncasecmp(h, unshorten_credentials[k], n) == 0)
				break;
		}
		if (unshorten_credentials[k] != NULL || te->secret_in(h)) {
			te->xasprintf(cause, "unshorten: header=%.*s: "
			    "unshorten sends no credentials (the tweets "
			    "choose the hosts)", (int)n, h);
			return (NULL);
		}
	}
	uc = te->xcalloc(1, sizeof *uc);
	if (te->rate(sp, &uc->head, cause) != 0) {
		free(uc);
		return (NULL);
	}
	uc->get.pacer = uc->head.pacer;
	if (unshorten_configure_links(uc, sp, cause) != 0) {
		unshorten_free(uc);
		return (NULL);
	}
	uc->head.method = "HEAD";
	uc->head.flags = TE_FETCH_POLICY;
	uc->head.headers = te->headers(sp, 0);
	uc->get.method = "GET";
	uc->get.flags = TE_FETCH_NO_BODY|TE_FETCH_POLICY;
	uc->get.headers = uc->head.headers;
	return (uc);
}

/* Free what unshorten_configure made. */
static void
unshorten_free(void *data)
{
	struct unshorten_conf	*uc = data;
	u_int			 i;

	te->headers_free(uc->head.headers);
	for (i = 0; i < uc->nhosts; i++)
		free(uc->hosts[i]);
	free(uc->hosts);
	for (i = 0; i < uc->nlinks; i++)
		free(uc->links[i]);
	free(uc->links);
	free(uc);
}

/* Does s (n bytes) start an http or https URL? */
static int
unshorten_is_http(const char *s, size_t n)
{
	return ((n > 7 && strncasecmp(s, "http://", 7) == 0) ||
	    (n > 8 && strncasecmp(s, "https://", 8) == 0));
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
		for (k = 0; k <= l->hops && k <= TE_FETCH_MAX_REDIRECTS; k++)
			free(l->visited[k]);
		free(l->url);
		free(l->error);
	}
	te->slot_settle(ut->slot, list, NULL);
	free(ut);
}

/* A chain has ended; the last one settles the tweet. */
static void
unshorten_link_done(struct unshorten_link *l)
{
	if (--l->ut->left == 0)
		unshorten_settle(l->ut);
}

/* One hop answered: stop, or go on to where it points. */
static void
unshorten_hop_done(void *arg, const struct te_fetch_result *res)
{
	struct unshorten_link	*l = arg;
	const char		*next = res->location;
	u_int			 i;

	if (res->error != NULL) {
		l->error = te->xstrdup(res->error);
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
		te->xasprintf(&l->error, "redirect to a URL that is not http "
		    "or https");
		unshorten_link_done(l);
		return;
	}
	for (i = 0; i <= l->hops; i++) {
		if (strcmp(l->visited[i], next) == 0) {
			te->xasprintf(&l->error, "redirect loop");
			unshorten_link_done(l);
			return;
		}
	}
	if (l->hops == TE_FETCH_MAX_REDIRECTS) {
		te->xasprintf(&l->error, "more than %d redirects",
		    TE_FETCH_MAX_REDIRECTS);
		unshorten_link_done(l);
		return;
	}
	if (l->ut->bytes + strlen(next) > UNSHORTEN_MAX_BYTES) {
		te->xasprintf(&l->error, "redirects of this tweet hold more "
		    "than %d bytes", UNSHORTEN_MAX_BYTES);
		unshorten_link_done(l);
		return;
	}
	l->ut->bytes += strlen(next);
	l->visited[++l->hops] = te->xstrdup(next);
	l->get = 0;
	unshorten_hop(l);
}

/* Request the current hop of a chain (HEAD, or GET once HEAD is refused). */
static void
unshorten_hop(struct unshorten_link *l)
{
	struct unshorten_conf	*uc = l->ut->uc;

	te->fetch(l->get ? &uc->get : &uc->head, l->visited[l->hops], NULL,
	    0, unshorten_hop_done, l);
}

/* May a chain that starts at url be followed (hosts=)? */
static int
unshorten_allowed(struct unshorten_conf *uc, const char *url)
{
	char	*host;
	u_int	 i;
	int	 found = 0;

	if (uc->nhosts == 0)
		return (1);
	if (te->url_host(url, &host, NULL) != 0)
		return (0);
	for (i = 0; i < uc->nhosts && !found; i++)
		found = strcmp(uc->hosts[i], host) == 0;
	free(host);
	return (found);
}

/* Is this an http or https URL? */
static int
unshorten_http(const char *s)
{
	return (s != NULL && (strncasecmp(s, "http://", 7) == 0 ||
	    strncasecmp(s, "https://", 8) == 0) && s[strcspn(s, ":") + 3] !=
	    '\0');
}

/*
 * The links of the tweet (or those links= names), each with where its
 * chain starts: the deepest expansion the data has, or the link itself.
 */
static u_int
unshorten_collect(struct unshorten_conf *uc, struct slot *s,
    struct te_link *list)
{
	u_int	n = 0, i;

	if (uc->nlinks > 0) {
		for (i = 0; i < uc->nlinks; i++)
			te->links_of(te->pointer_get(te->slot_root(s),
			    uc->links[i]), list, &n, UNSHORTEN_MAX_LINKS);
		return (n);
	}
	return (te->tweet_links(s, list, UNSHORTEN_MAX_LINKS));
}

/* Collect the tweet's links and start following each. */
static void
unshorten_start(void *data, struct slot *s)
{
	struct unshorten_conf	*uc = data;
	struct unshorten_tweet	*ut;
	struct unshorten_link	*l;
	struct te_link		 links[UNSHORTEN_MAX_LINKS];
	const char		*start;
	u_int			 n, i;

	n = unshorten_collect(uc, s, links);
	ut = te->xcalloc(1, sizeof *ut + n * sizeof *ut->links);
	ut->slot = s;
	ut->uc = uc;
	ut->n = n;
	ut->left = n + 1;
	for (i = 0; i < n; i++) {
		l = &ut->links[i];
		l->ut = ut;
		l->url = te->xstrndup(links[i].url, links[i].len);
		start = NULL;
		if (!uc->start_short && unshorten_http(links[i].unwound))
			start = links[i].unwound;
		else if (!uc->start_short && unshorten_http(links[i].expanded))
			start = links[i].expanded;
		if (start == NULL)
			start = l->url;
		/* Credentials in a link are neither sent nor shown. */
		if ((l->visited[0] = te->url_strip_userinfo(start)) == NULL)
			l->visited[0] = te->xstrdup(start);
		l->skip = !unshorten_allowed(uc, l->visited[0]);
	}
	for (i = 0; i < n; i++) {
		if (ut->links[i].skip)
			ut->left--;
		else
			unshorten_hop(&ut->links[i]);
	}
	if (--ut->left == 0)
		unshorten_settle(ut);
}

static const struct te_enricher unshorten_enricher = {
	.name = "unshorten",
	.kind = TE_HTTP,
	.help = "follow each link's redirects; the value lists where they go",
	.keys = unshorten_keys,
	.configure = unshorten_configure,
	.start = unshorten_start,
	.free = unshorten_free,
};

/* The entry point: keep the table, register the enricher. */
int
unshorten_register(const struct te_api *api, char **cause)
{
	te = api;
	return (te->register_enricher(&unshorten_enricher, cause));
}
