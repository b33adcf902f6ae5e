/*
 * The registry: the enrichers, built in (enrichers/registry.c lists their
 * entry points) or a plugin's, each registered through the enricher
 * contract's table (api.c); find one by name, list them, turn a spec into
 * a configured enrichment (checking its keys), and run each enricher's
 * cleanup at exit.
 */

#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "core.h"
#include "enrich/enrich.h"

static const char *const registry_kinds[] = {
	"inline", "timer", "http", "cpu", "process"
};

/* The enrichers, in the order they were registered: built-ins first. */
static const struct te_enricher	**registry_all;
static u_int			  registry_n;
static int			  registry_ready;

/*
 * Register the built-in enrichers through the same table and entry point a
 * plugin has (enrichers/registry.c lists them), once, before anything else.
 */
void
registry_init(void)
{
	char	*cause = NULL;
	u_int	 i;

	if (registry_ready)
		return;
	registry_ready = 1;
	registry_loading("built-in");
	for (i = 0; registry_builtins[i] != NULL; i++) {
		if (registry_builtins[i](&api_table, &cause) != 0)
			fatalx("%s: %s", __func__, cause);
	}
	registry_loading(NULL);
}

/* Find an enricher by name. */
static const struct te_enricher *
registry_find(const char *name)
{
	u_int	i;

	registry_init();
	for (i = 0; i < registry_n; i++) {
		if (strcmp(registry_all[i]->name, name) == 0)
			return (registry_all[i]);
	}
	return (NULL);
}

/* Who is registering enrichers now (a plugin's path), and how many. */
static const char	*registry_who;
static u_int		 registry_added;

/* Let enrichers be registered, for who, until registry_loading(NULL). */
u_int
registry_loading(const char *who)
{
	u_int	n = registry_added;

	registry_who = who;
	registry_added = 0;
	return (n);
}

/*
 * te->register_enricher: check an enricher and add it; -1 with *cause if it
 * is not whole or its name is taken.
 */
int
registry_add(const struct te_enricher *en, char **cause)
{
	if (registry_who == NULL) {
		xasprintf(cause, "register_enricher is for the entry point "
		    "only");
		return (-1);
	}
	if (en == NULL || en->name == NULL || *en->name == '\0' ||
	    strcspn(en->name, ":,= \t\n") != strlen(en->name)) {
		xasprintf(cause, "%s: an enricher needs a name (no spaces, "
		    "':', ',' or '=')", registry_who);
		return (-1);
	}
	if ((int)en->kind < TE_INLINE || en->kind > TE_PROCESS ||
	    en->configure == NULL || en->start == NULL) {
		xasprintf(cause, "%s: enricher \"%s\" needs a kind, configure "
		    "and start", registry_who, en->name);
		return (-1);
	}
	if (registry_find(en->name) != NULL) {
		xasprintf(cause, "there is already an enricher named \"%s\"",
		    en->name);
		return (-1);
	}
	registry_all = xreallocarray(registry_all, registry_n + 1,
	    sizeof *registry_all);
	registry_all[registry_n++] = en;
	registry_added++;
	return (0);
}

/* The i-th enricher; NULL past the end. */
static const struct te_enricher *
registry_nth(u_int i)
{
	registry_init();
	return (i < registry_n ? registry_all[i] : NULL);
}

/* Print the enrichers and their keys. */
void
registry_list(FILE *f)
{
	const struct te_enricher	*en;
	const char *const	*k;
	u_int			 i;

	for (i = 0; (en = registry_nth(i)) != NULL; i++) {
		fprintf(f, "%s (%s): %s\n", en->name, registry_kinds[en->kind],
		    en->help != NULL ? en->help : "(a plugin's)");
		for (k = en->keys; k != NULL && *k != NULL; k += 2)
			fprintf(f, "    %-10s %s\n", k[0], k[1]);
		fprintf(f, "    %-10s %s\n", "as", "name in the output "
		    "(default: the enricher's name)");
	}
}

/* Refuse keys the enricher does not list, and line breaks in header=. */
static int
registry_check_keys(const struct te_enricher *en, struct spec *sp, char **cause)
{
	const char *const	*k;
	const char		*key;
	u_int			 i;

	for (i = 0; i < spec_count(sp); i++) {
		key = spec_key(sp, i);
		if (strcmp(key, "as") == 0)
			continue;
		for (k = en->keys; k != NULL && *k != NULL; k += 2) {
			if (strcmp(*k, key) == 0)
				break;
		}
		if (k == NULL || *k == NULL) {
			xasprintf(cause, "%s: unknown key \"%s\" (see -L)",
			    en->name, key);
			return (-1);
		}
		/* A line break would end the header and start another. */
		if (strcmp(key, "header") == 0 &&
		    strpbrk(spec_value(sp, i), "\r\n") != NULL) {
			xasprintf(cause, "%s: header= must not contain CR or "
			    "LF", en->name);
			return (-1);
		}
	}
	return (0);
}

/* Configure an enrichment from a spec. */
struct enrichment *
registry_configure(struct spec *sp, char **cause)
{
	const struct te_enricher	*en;
	struct enrichment	*e;
	const char		*as;
	json_t			*js;
	char			*s;

	if ((en = registry_find(spec_name(sp))) == NULL) {
		xasprintf(cause, "unknown enricher \"%s\" (see -L)",
		    spec_name(sp));
		return (NULL);
	}
	if (registry_check_keys(en, sp, cause) != 0)
		return (NULL);
	as = spec_get(sp, "as");
	if (as != NULL && *as == '\0') {
		xasprintf(cause, "%s: as= needs a name", en->name);
		return (NULL);
	}

	e = xcalloc(1, sizeof *e);
	e->enricher = en;
	e->name = xstrdup(as != NULL ? as : en->name);
	if ((js = json_string(e->name)) == NULL) {
		xasprintf(cause, "%s: as= is not UTF-8", en->name);
		goto fail;
	}
	s = json_dumps(js, JSON_ENCODE_ANY);
	json_decref(js);
	e->key_len = xasprintf(&e->key_json, "%s:", s);
	free(s);
	if ((e->data = en->configure(sp, cause)) == NULL)
		goto fail;
	return (e);

fail:
	registry_free(e);
	return (NULL);
}

/* Free a configured enrichment. */
void
registry_free(struct enrichment *e)
{
	if (e == NULL)
		return;
	if (e->data != NULL && e->enricher->free != NULL)
		e->enricher->free(e->data);
	free(e->key_json);
	free(e->name);
	free(e);
}

/* Run every enricher's cleanup hook (at exit). */
void
registry_cleanup(void)
{
	const struct te_enricher	*en;
	u_int			 i;

	for (i = 0; (en = registry_nth(i)) != NULL; i++) {
		if (en->cleanup != NULL)
			en->cleanup();
	}
	free(registry_all);
	registry_all = NULL;
	registry_n = 0;
	registry_ready = 0;
}
