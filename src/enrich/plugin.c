/*
 * Plugins: --plugin PATH loads a shared object built against the installed
 * <tweet-enricher/enricher.h>. It must export tweet_enricher_plugin_abi
 * (the ABI it was built for, checked before any of its code runs) and the
 * entry point tweet_enricher_plugin, which is given a table of functions
 * (struct te_api) and registers enrichers with it. The program exports no
 * symbols: the table is the whole ABI, so the internal headers can change
 * freely behind it. A plugin's enricher becomes a struct enricher like the
 * built-in ones; pool jobs and fetches go through small wrappers that turn
 * the public structs into internal ones.
 */

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "json/json.h"
#include "tweet/tweet.h"
#include "http/http.h"
#include "enrich/enrich.h"

#include "tweet-enricher/enricher.h"

/* The public kinds are the internal ones. */
_Static_assert((int)TE_INLINE == (int)ENRICHER_INLINE &&
    (int)TE_TIMER == (int)ENRICHER_TIMER &&
    (int)TE_HTTP == (int)ENRICHER_HTTP &&
    (int)TE_CPU == (int)ENRICHER_CPU, "te_kind");

struct plugin {
	char			*path;
	void			*handle;
	struct enricher		**enrichers;
	u_int			  nenrichers;
};

static struct plugin	**plugin_list;
static u_int		  plugin_count;
static struct plugin	 *plugin_loading;	/* in its entry point */

/* A job of a plugin's, wrapped for the pool. */
struct plugin_job {
	struct pool_job		 job;		/* first */
	struct te_pool_job	*tj;
};

/* A fetch of a plugin's, waiting for its result. */
struct plugin_fetch {
	te_fetch_cb	 cb;
	void		*arg;
};

static void
plugin_job_work(struct pool_job *job)
{
	struct plugin_job	*pj = (struct plugin_job *)job;

	pj->tj->work(pj->tj);
}

static void
plugin_job_done(struct pool_job *job)
{
	struct plugin_job	*pj = (struct plugin_job *)job;
	struct te_pool_job	*tj = pj->tj;

	free(pj);
	tj->done(tj);
}

static void
plugin_job_cancel(struct pool_job *job)
{
	struct plugin_job	*pj = (struct plugin_job *)job;
	struct te_pool_job	*tj = pj->tj;

	free(pj);
	if (tj->cancel != NULL)
		tj->cancel(tj);
}

/* te->pool_submit. */
static void
plugin_pool_submit(struct te_pool_job *tj)
{
	struct plugin_job	*pj;

	pj = xcalloc(1, sizeof *pj);
	pj->job.work = plugin_job_work;
	pj->job.done = plugin_job_done;
	pj->job.cancel = plugin_job_cancel;
	pj->tj = tj;
	pool_submit(&pj->job);
}

static void
plugin_fetch_done(void *arg, const struct fetch_result *fr)
{
	struct plugin_fetch	*pf = arg;
	struct te_fetch_result	 r;

	r.status = fr->status;
	r.body = fr->body;
	r.len = fr->len;
	r.error = fr->error;
	pf->cb(pf->arg, &r);
	free(pf);
}

/* te->fetch: one request shape per method and flags, for the run. */
static void
plugin_fetch(const char *url, const char *body, size_t len, int flags,
    te_fetch_cb cb, void *arg)
{
	static struct fetch_request	 reqs[2][4];
	struct fetch_request		*req;
	struct plugin_fetch		*pf;

	flags &= TE_FETCH_FOLLOW|TE_FETCH_POLICY;
	req = &reqs[body != NULL][flags];
	if (req->method == NULL) {
		req->method = body != NULL ? "POST" : "GET";
		if (flags & TE_FETCH_FOLLOW)
			req->flags |= FETCH_FOLLOW;
		if (flags & TE_FETCH_POLICY)
			req->flags |= FETCH_POLICY;
	}
	pf = xmalloc(sizeof *pf);
	pf->cb = cb;
	pf->arg = arg;
	fetch_start(req, url, body, body != NULL ? len : 0, plugin_fetch_done,
	    pf);
}

/* te->register_enricher: check it and add it to the registry. */
static int
plugin_register(const struct te_enricher *te, char **cause)
{
	struct plugin	*p = plugin_loading;
	struct enricher	*en;

	if (p == NULL) {
		xasprintf(cause, "register_enricher is for the entry point "
		    "only");
		return (-1);
	}
	if (te == NULL || te->name == NULL || *te->name == '\0' ||
	    strcspn(te->name, ":,= \t\n") != strlen(te->name)) {
		xasprintf(cause, "%s: an enricher needs a name (no spaces, "
		    "':', ',' or '=')", p->path);
		return (-1);
	}
	if ((int)te->kind < TE_INLINE || te->kind > TE_CPU ||
	    te->configure == NULL || te->start == NULL) {
		xasprintf(cause, "%s: enricher \"%s\" needs a kind, configure "
		    "and start", p->path, te->name);
		return (-1);
	}
	en = xcalloc(1, sizeof *en);
	en->name = te->name;
	en->kind = (enum enricher_kind)te->kind;
	en->help = te->help != NULL ? te->help : "(a plugin's)";
	en->keys = te->keys;
	en->configure = te->configure;
	en->start = te->start;
	en->free = te->free;
	en->uses_tweet = te->uses_tweet;
	en->cleanup = te->cleanup;
	if (registry_add(en, cause) != 0) {
		free(en);
		return (-1);
	}
	p->enrichers = xreallocarray(p->enrichers, p->nenrichers + 1,
	    sizeof *p->enrichers);
	p->enrichers[p->nenrichers++] = en;
	return (0);
}

static const struct te_api plugin_api = {
	.abi = TE_PLUGIN_ABI,
	.size = sizeof (struct te_api),
	.register_enricher = plugin_register,
	.slot_root = slot_root,
	.slot_set_value = slot_set_value,
	.slot_settle = slot_settle,
	.spec_count = spec_count,
	.spec_key = spec_key,
	.spec_value = spec_value,
	.spec_get = spec_get,
	.spec_number = spec_get_number,
	.pointer_valid = pointer_valid,
	.pointer_get = pointer_get,
	.pointer_string = pointer_string,
	.loop_base = loop_base,
	.pool_submit = plugin_pool_submit,
	.fetch = plugin_fetch,
	.log_warnx = log_warnx,
};

/* Load a plugin and let it register its enrichers; -1 with *cause. */
int
plugin_load(const char *path, char **cause)
{
	struct plugin		 *p;
	const unsigned int	 *abi;
	int			(*entry)(const struct te_api *, char **);
	char			 *why = NULL, *full = NULL;
	const char		 *err;

	/* Never a search of the library path: a name is a file here. */
	if (strchr(path, '/') == NULL)
		xasprintf(&full, "./%s", path);
	p = xcalloc(1, sizeof *p);
	p->path = xstrdup(path);
	dlerror();
	p->handle = dlopen(full != NULL ? full : path, RTLD_NOW|RTLD_LOCAL);
	free(full);
	if (p->handle == NULL) {
		err = dlerror();
		xasprintf(cause, "plugin %s: %s", path, err != NULL ? err :
		    "cannot load");
		goto fail;
	}
	abi = dlsym(p->handle, "tweet_enricher_plugin_abi");
	if (abi == NULL) {
		xasprintf(cause, "plugin %s: no tweet_enricher_plugin_abi "
		    "symbol (not built with TE_PLUGIN_ABI_DEFINE?)", path);
		goto fail;
	}
	if (*abi != TE_PLUGIN_ABI) {
		xasprintf(cause, "plugin %s: built for plugin ABI %u, this "
		    "tweet-enricher has ABI %u: rebuild it against this "
		    "version's <tweet-enricher/enricher.h>", path, *abi,
		    TE_PLUGIN_ABI);
		goto fail;
	}
	*(void **)&entry = dlsym(p->handle, "tweet_enricher_plugin");
	if (entry == NULL) {
		xasprintf(cause, "plugin %s: no tweet_enricher_plugin symbol",
		    path);
		goto fail;
	}

	plugin_list = xreallocarray(plugin_list, plugin_count + 1,
	    sizeof *plugin_list);
	plugin_list[plugin_count++] = p;
	plugin_loading = p;
	if (entry(&plugin_api, &why) != 0) {
		plugin_loading = NULL;
		xasprintf(cause, "plugin %s: %s", path, why != NULL ? why :
		    "refused to load");
		free(why);
		return (-1);
	}
	plugin_loading = NULL;
	if (p->nenrichers == 0) {
		xasprintf(cause, "plugin %s: registered no enricher", path);
		return (-1);
	}
	return (0);

fail:
	if (p->handle != NULL)
		dlclose(p->handle);
	free(p->path);
	free(p);
	return (-1);
}

/*
 * Free what the plugins registered (after registry_cleanup). The objects
 * stay loaded: their code may still be on a stack being unwound, and
 * sanitizers report leaks with symbols only from objects still mapped.
 */
void
plugin_free(void)
{
	struct plugin	*p;
	u_int		 i, k;

	for (i = 0; i < plugin_count; i++) {
		p = plugin_list[i];
		for (k = 0; k < p->nenrichers; k++)
			free(p->enrichers[k]);
		free(p->enrichers);
		free(p->path);
		free(p);
	}
	free(plugin_list);
	plugin_list = NULL;
	plugin_count = 0;
}
