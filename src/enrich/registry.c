/*
 * The registry: find a built-in enricher (enrichers/registry.c lists
 * them) by name, list them, turn a spec into a configured enrichment
 * (checking its keys), and run each enricher's cleanup at exit.
 */

#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "core.h"
#include "enrich/enrich.h"

static const char *const registry_kinds[] = {
	"inline", "timer", "http", "cpu", "process"
};

/* Enrichers added by plugins (plugin.c), after the built-in ones. */
static const struct enricher	**registry_added;
static u_int			  registry_nadded;

/* Find an enricher, built in or added, by name. */
static const struct enricher *
registry_find(const char *name)
{
	u_int	i;

	for (i = 0; registry_enrichers[i] != NULL; i++) {
		if (strcmp(registry_enrichers[i]->name, name) == 0)
			return (registry_enrichers[i]);
	}
	for (i = 0; i < registry_nadded; i++) {
		if (strcmp(registry_added[i]->name, name) == 0)
			return (registry_added[i]);
	}
	return (NULL);
}

/* Add an enricher (a plugin's); -1 if the name is taken. */
int
registry_add(const struct enricher *en, char **cause)
{
	if (registry_find(en->name) != NULL) {
		xasprintf(cause, "there is already an enricher named \"%s\"",
		    en->name);
		return (-1);
	}
	registry_added = xreallocarray(registry_added, registry_nadded + 1,
	    sizeof *registry_added);
	registry_added[registry_nadded++] = en;
	return (0);
}

/* The i-th enricher, built-in ones first; NULL past the end. */
static const struct enricher *
registry_nth(u_int i)
{
	u_int	n;

	for (n = 0; registry_enrichers[n] != NULL; n++)
		;
	if (i < n)
		return (registry_enrichers[i]);
	if (i - n < registry_nadded)
		return (registry_added[i - n]);
	return (NULL);
}

/* Print the enrichers and their keys. */
void
registry_list(FILE *f)
{
	const struct enricher	*en;
	const char *const	*k;
	u_int			 i;

	for (i = 0; (en = registry_nth(i)) != NULL; i++) {
		fprintf(f, "%s (%s): %s\n", en->name, registry_kinds[en->kind],
		    en->help);
		for (k = en->keys; k != NULL && *k != NULL; k += 2)
			fprintf(f, "    %-10s %s\n", k[0], k[1]);
		fprintf(f, "    %-10s %s\n", "as", "name in the output "
		    "(default: the enricher's name)");
	}
}

static int
registry_check_keys(const struct enricher *en, struct spec *sp, char **cause)
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
	const struct enricher	*en;
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
	const struct enricher	*en;
	u_int			 i;

	for (i = 0; (en = registry_nth(i)) != NULL; i++) {
		if (en->cleanup != NULL)
			en->cleanup();
	}
	free(registry_added);
	registry_added = NULL;
	registry_nadded = 0;
}
