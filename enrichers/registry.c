/*
 * The built-in enrichers: each file's entry point, in the order -L shows
 * them. Adding one: write enrichers/NAME.c against the installed
 * <tweet-enricher/enricher.h> alone, with an entry point NAME_register
 * that keeps the table and registers its struct te_enricher (as a
 * plugin's tweet_enricher_plugin does), declare it here and add it to
 * the list, and add the file to Makefile.am.
 */

#include <stddef.h>

#include <tweet-enricher/enricher.h>

int	test_register(const struct te_api *, char **);
int	length_register(const struct te_api *, char **);
int	sleep_register(const struct te_api *, char **);
int	sha256_register(const struct te_api *, char **);
int	http_register(const struct te_api *, char **);
int	unshorten_register(const struct te_api *, char **);
int	type_register(const struct te_api *, char **);
int	entities_register(const struct te_api *, char **);
int	exec_register(const struct te_api *, char **);

int (*const registry_builtins[])(const struct te_api *, char **) = {
	test_register,
	length_register,
	sleep_register,
	sha256_register,
	http_register,
	unshorten_register,
	type_register,
	entities_register,
	exec_register,
	NULL
};
