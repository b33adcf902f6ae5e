/*
 * The list of built-in enrichers. Adding one: write enrichers/NAME.c
 * (including only enricher.h) with a const struct enricher NAME_enricher,
 * declare it here and add it to the list; -L shows them in this order.
 */

#include "enrich/enricher.h"

extern const struct enricher test_enricher;
extern const struct enricher length_enricher;
extern const struct enricher sleep_enricher;
extern const struct enricher sha256_enricher;
extern const struct enricher http_enricher;
extern const struct enricher unshorten_enricher;
extern const struct enricher type_enricher;
extern const struct enricher entities_enricher;
extern const struct enricher exec_enricher;

const struct enricher *const registry_enrichers[] = {
	&test_enricher,
	&length_enricher,
	&sleep_enricher,
	&sha256_enricher,
	&http_enricher,
	&unshorten_enricher,
	&type_enricher,
	&entities_enricher,
	&exec_enricher,
	NULL
};
