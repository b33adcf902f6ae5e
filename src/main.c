/*
 * tweet-enricher: reads tweets as JSON lines, adds enrichments, writes one
 * JSON line per tweet. This file configures the enrichments from the
 * options (options.c) and runs the loop.
 */

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "lib/lib.h"
#include "core.h"
#include "tweet/tweet.h"
#include "http/http.h"
#include "io/io.h"
#include "redis/redis.h"
#include "enrich/enrich.h"

static struct enrichment	**main_enrichments;
static u_int			  main_nenrichments;
static int			  main_http;	/* some enrichment uses HTTP */

/* Configure every enrichment, in the order given. */
static int
main_configure(char **cause)
{
	struct enrichment	*e;
	u_int			 i, k;

	main_enrichments = xcalloc(opts.nspecs, sizeof *main_enrichments);
	for (i = 0; i < opts.nspecs; i++) {
		if ((e = registry_configure(opts.specs[i], cause)) == NULL)
			return (-1);
		for (k = 0; k < main_nenrichments; k++) {
			if (strcmp(main_enrichments[k]->name, e->name) == 0) {
				xasprintf(cause, "two enrichments named \"%s\" "
				    "(give one another name with as=)",
				    e->name);
				registry_free(e);
				return (-1);
			}
		}
		main_enrichments[main_nenrichments++] = e;
		if (e->enricher->kind == ENRICHER_HTTP)
			main_http = 1;
	}
	return (0);
}

static __dead void
main_usage_error(const char *fmt, ...)
{
	va_list	ap;
	char	*msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	log_warnx("%s (try --help)", msg);
	free(msg);
	exit(2);
}

int
main(int argc, char **argv)
{
	char		*cause = NULL;
	int		 n, status;
	long		 ncpu;
	u_int		 i;

	options_init();
	if ((n = options_parse(argc, argv, &cause)) == -1) {
		if (cause == NULL)
			exit(2);
		main_usage_error("%s", cause);
	}
	argc -= n;
	argv += n;
	if (opts.nspecs == 0 && opts.from == NULL && opts.to == NULL)
		main_usage_error("no enrichments: give at least one -e");
	if (opts.from != NULL) {
		if (argc > 0)
			main_usage_error("--from reads a stream: no FILE "
			    "arguments");
		if (opts.split != NULL)
			main_usage_error("--split reads files or the standard "
			    "input, not --from");
		if (redis_source_configure(opts.from, &cause) != 0)
			main_usage_error("%s", cause);
		redis_source_set(opts.claim_idle_ms, opts.max_deliveries);
	}
	if (opts.to != NULL && redis_sink_configure(opts.to, &cause) != 0)
		main_usage_error("%s", cause);
	/* The loop first: exec workers start as they are configured. */
	loop_init();
	if (main_configure(&cause) != 0)
		main_usage_error("%s", cause);

	if (opts.threads == 0) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		opts.threads = ncpu < 1 ? 1 : (ncpu > 256 ? 256 : ncpu);
	}

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("curl_global_init failed");
	if (main_http)
		fetch_init();
	tweet_configure(main_enrichments, main_nenrichments);
	if (opts.bad_lines != NULL &&
	    badlines_check(opts.bad_lines, argv, argc) != 0)
		exit(2);
	if (opts.errors != NULL && (badlines_check_file("errors", opts.errors,
	    argv, argc) != 0 || tweet_errors_open(opts.errors) != 0))
		exit(2);
	if (opts.to != NULL)
		redis_sink_start();
	output_init(opts.to != NULL ? -1 : STDOUT_FILENO, opts.keep_order,
	    opts.max_pending);
	if (opts.from != NULL)
		input_open_stream();
	else
		input_open(argv, argc);

	status = loop_run();

	input_close();
	tweet_close();
	pool_free();
	fetch_free();
	output_free();
	redis_sink_free();
	tweet_free_all();
	/* Enrichments may hold events (exec): free them before the base. */
	for (i = 0; i < main_nenrichments; i++)
		registry_free(main_enrichments[i]);
	free(main_enrichments);
	loop_free();
	if (badlines_close() != 0 && status == 0)
		status = 1;
	if (tweet_errors_close() != 0 && status == 0)
		status = 1;
	if (opts.max_error_set && stats.enrichments > 0 &&
	    stats.enrichment_errors > opts.max_error_rate * stats.enrichments) {
		log_warnx("%llu of %llu enrichments failed, more than "
		    "--max-error-rate %g", (unsigned long long)
		    stats.enrichment_errors, (unsigned long long)
		    stats.enrichments, opts.max_error_rate);
		if (status == 0)
			status = 1;
	}
	if (hint_report() && status == 0)
		status = 1;
	if (opts.stats)
		stats_print(stderr);
	options_free();
	pace_free();
	curl_global_cleanup();
	secret_free();
	registry_cleanup();
	plugin_free();
	twtext_cleanup();
	return (status);
}
