/*
 * Plugins: --plugin PATH loads a shared object built against the installed
 * <tweet-enricher/enricher.h>. It must export tweet_enricher_plugin_abi
 * (the ABI it was built for, checked before any of its code runs) and the
 * entry point tweet_enricher_plugin, which is given the table of functions
 * every enricher has (struct te_api, api.c) and registers enrichers with
 * it, exactly as a built-in's entry point does. The program exports no
 * symbols: the table is the whole ABI, so the internal headers can change
 * freely behind it.
 */

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "enrich/enrich.h"

struct plugin {
	char			*path;
	void			*handle;
};

static struct plugin	**plugin_list;
static u_int		  plugin_count;

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
	registry_init();
	registry_loading(path);
	if (entry(&api_table, &why) != 0) {
		registry_loading(NULL);
		xasprintf(cause, "plugin %s: %s", path, why != NULL ? why :
		    "refused to load");
		free(why);
		return (-1);
	}
	if (registry_loading(NULL) == 0) {
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
 * Free what was kept of the plugins (after registry_cleanup). The objects
 * stay loaded: their code may still be on a stack being unwound, and
 * sanitizers report leaks with symbols only from objects still mapped.
 */
void
plugin_free(void)
{
	struct plugin	*p;
	u_int		 i;

	for (i = 0; i < plugin_count; i++) {
		p = plugin_list[i];
		free(p->path);
		free(p);
	}
	free(plugin_list);
	plugin_list = NULL;
	plugin_count = 0;
}
