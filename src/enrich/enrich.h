/*
 * enrich: enrichers and their configuration: the enricher table and kinds,
 * specs (spec.c), the registry of built-ins and plugins (registry.c,
 * plugin.c).
 */

#ifndef TE_ENRICH_H
#define TE_ENRICH_H

#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

struct spec;
struct slot;

/* The kinds of enricher. */
enum enricher_kind {
	ENRICHER_INLINE,	/* settles inside start */
	ENRICHER_TIMER,		/* settles from a timer on the loop */
	ENRICHER_HTTP,		/* settles from a fetch callback */
	ENRICHER_CPU,		/* settles from a pool job's done callback */
	ENRICHER_PROCESS	/* settles from a child process's answer */
};

/*
 * An enricher: a small table of callbacks. configure turns a parsed spec
 * into the enricher's private state (or returns NULL with *cause set);
 * start begins the work for one tweet and must, now or later, call
 * slot_settle exactly once for the slot it was given. The tweet (its raw
 * text, slot_line, read with scan_*; or its JSON tree, slot_root, parsed on
 * first use) may be used only inside start; anything needed later must be
 * copied. uses_tweet says whether start reads the tweet at all (NULL: it
 * does); a tweet is parsed only when an enricher asks for the tree.
 * free frees what configure made; cleanup, if set, runs once at exit
 * whether or not the enricher was used.
 */
struct enricher {
	const char		*name;
	enum enricher_kind	 kind;
	const char		*help;
	const char *const	*keys;	/* "key", "help", ..., NULL */
	void			*(*configure)(struct spec *, char **);
	void			 (*start)(void *, struct slot *);
	void			 (*free)(void *);
	int			 (*uses_tweet)(void *);
	void			 (*cleanup)(void);
};

/* An enrichment's keys (spec.c). */
unsigned int	 spec_count(struct spec *);
const char	*spec_key(struct spec *, unsigned int);
const char	*spec_value(struct spec *, unsigned int);
const char	*spec_get(struct spec *, const char *);
const char	*spec_get_secret(struct spec *, const char *);
int		 spec_get_number(struct spec *, const char *, long long,
		     long long, long long, long long *, char **);

/* spec.c (and enricher.h) */
struct spec	*spec_parse(const char *, char **);
struct spec	*spec_from_json(json_t *, char **);
void		 spec_free(struct spec *);
char		*spec_scalar(json_t *);
const char	*spec_name(struct spec *);

/* enrichers/registry.c */
extern const struct enricher *const registry_enrichers[];

/* registry.c */
void		 registry_list(FILE *);
struct enrichment *registry_configure(struct spec *, char **);
void		 registry_free(struct enrichment *);
void		 registry_cleanup(void);
int		 registry_add(const struct enricher *, char **);

/* plugin.c */
int		 plugin_load(const char *, char **);
void		 plugin_free(void);

#endif
