/*
 * enrich: enrichers and their configuration: the enricher table and kinds,
 * specs (spec.c), the registry of built-ins and plugins (registry.c,
 * plugin.c) and the table of functions enrichers use (api.c).
 */

#ifndef TE_ENRICH_H
#define TE_ENRICH_H

#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "tweet-enricher/enricher.h"

struct spec;
struct slot;

/*
 * An enricher (struct te_enricher), its kinds (enum te_kind) and the table
 * of functions every enricher reaches the program through (struct te_api)
 * are the enricher contract's, <tweet-enricher/enricher.h>; api.c
 * implements the table, once, for built-ins and plugins alike.
 */

/* An enrichment's keys (spec.c). */
unsigned int	 spec_count(struct spec *);
const char	*spec_key(struct spec *, unsigned int);
const char	*spec_value(struct spec *, unsigned int);
const char	*spec_get(struct spec *, const char *);
const char	*spec_get_secret(struct spec *, const char *);
int		 spec_get_number(struct spec *, const char *, long long,
		     long long, long long, long long *, char **);

/* spec.c */
struct spec	*spec_parse(const char *, char **);
struct spec	*spec_from_json(json_t *, char **);
void		 spec_free(struct spec *);
char		*spec_scalar(json_t *);
const char	*spec_name(struct spec *);

/* enrichers/registry.c: the built-in enrichers' entry points, in -L order. */
extern int (*const registry_builtins[])(const struct te_api *, char **);

/* registry.c */
void		 registry_init(void);
u_int		 registry_loading(const char *);
void		 registry_list(FILE *);
struct enrichment *registry_configure(struct spec *, char **);
void		 registry_free(struct enrichment *);
void		 registry_cleanup(void);
int		 registry_add(const struct te_enricher *, char **);

/* api.c */
extern const struct te_api api_table;

/* plugin.c */
int		 plugin_load(const char *, char **);
void		 plugin_free(void);

#endif
