/*
 * tweet-enricher: reads tweets as JSON lines, adds enrichments, writes one
 * JSON line per tweet. This file configures the enrichments from the
 * options (options.c), wires the source to the tweets and the tweets to the
 * sink, runs the loop and decides when the run is over.
 */

#include <sys/stat.h>

#include <fcntl.h>
#include <stdarg.h>
#include <signal.h>
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

static struct source		 *main_source;
static struct sink		 *main_sink;
static struct enrichment	**main_enrichments;
static u_int			  main_nenrichments;
static int			  main_http;	/* some enrichment uses HTTP */
static int			  main_out_fd = -1;	/* -o FILE */

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
		if (e->enricher->kind == TE_HTTP)
			main_http = 1;
	}
	return (0);
}

/* A usage error: say it, exit 2. */
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

/*
 * A signal (sig), or a configuration error found while running (0): stop
 * reading; what is in flight settles.
 */
static void
main_stop(int sig)
{
	if (sig != 0 && !opts.quiet)
		log_warnx("%s: stopping after %llu tweets in flight (signal "
		    "again to quit now)", strsignal(sig),
		    (unsigned long long)stats.pending);
	source_stop(main_source);
}

/* Is the run over: all read, every tweet settled, written, acknowledged? */
static int
main_done(void)
{
	return (source_done(main_source) && stats.pending == 0 &&
	    sink_idle(main_sink) && source_idle(main_source));
}

/* Check what the options say about the source and the sink. */
static void
main_check(int argc)
{
	char	*cause = NULL;

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
	if (opts.ncolumns > 0 && !table_is_to(opts.to) &&
	    !table_is_to(opts.output))
		main_usage_error("--columns is for csv: or sqlite: output");
	if (opts.to != NULL && !table_is_to(opts.to) &&
	    redis_sink_configure(opts.to, &cause) != 0)
		main_usage_error("%s", cause);
	if (opts.output != NULL && opts.to != NULL)
		main_usage_error("-o and --to: give one output");
	if (opts.cont && opts.output == NULL)
		main_usage_error("--continue finishes the output of -o FILE: "
		    "give it");
	if (opts.cont && opts.from != NULL)
		main_usage_error("--continue is for files: a --from stream "
		    "goes on by itself (its group redelivers what was not "
		    "acknowledged)");
	if (opts.cont && opts.errors != NULL)
		main_usage_error("--errors cannot be continued (the tweets "
		    "skipped would be missing from it)");
	if (opts.output != NULL && (strcmp(opts.output, "-") == 0 ||
	    strcmp(opts.output, "csv:-") == 0))
		main_usage_error("-o names a file (the standard output is the "
		    "default)");
}

/* The file of -o: FILE, csv:FILE or sqlite:FILE[?table=T]. */
static char *
main_output_path(void)
{
	const char	*s = opts.output;
	size_t		 len;

	if (strncmp(s, "csv:", 4) == 0)
		return (xstrdup(s + 4));
	if (strncmp(s, "sqlite:", 7) != 0)
		return (xstrdup(s));
	s += 7;
	len = strcspn(s, "?");
	return (xstrndup(s, len));
}

static struct sink	*main_table_sink(const char *, int);

/*
 * The sink of -o: a JSON-lines or CSV file with its journal opened (with
 * --continue, read, and the file cut where it says), then appended to; an
 * SQLite table, which keeps its positions itself.
 */
static struct sink *
main_output(char **argv, int argc)
{
	struct sink	*sk;
	uint64_t	 cut;
	char		*cause = NULL, *path;

	path = main_output_path();
	if (badlines_check_file("output", path, argv, argc) != 0)
		exit(2);
	if (strncmp(opts.output, "sqlite:", 7) == 0)
		sk = main_table_sink(opts.output, OUTFILE_JOURNAL |
		    (opts.cont ? OUTFILE_APPEND : 0));
	else {
		if (journal_open(path, opts.cont, &cut, &cause) != 0) {
			log_warnx("%s", cause);
			exit(2);
		}
		if (strncmp(opts.output, "csv:", 4) == 0)
			sk = main_table_sink(opts.output, OUTFILE_APPEND);
		else if ((main_out_fd = open(path, O_WRONLY|O_APPEND|
		    O_CLOEXEC)) == -1) {
			log_warn("%s", path);
			exit(2);
		} else
			sk = sink_fd_open(main_out_fd);
	}
	badlines_output(path);
	free(path);
	return (sk);
}

/* The end of -o FILE: make it durable, then its journal. 0, or -1. */
static int
main_output_close(void)
{
	int	rc = 0;

	if (main_out_fd != -1) {
		if (fsync(main_out_fd) != 0) {
			log_warn("%s: fsync", opts.output);
			rc = -1;
		}
		close(main_out_fd);
		main_out_fd = -1;
	}
	if (journal_close() != 0)
		rc = -1;
	doneset_free();
	return (rc);
}

/*
 * The table sink of spec (csv:PATH or sqlite:PATH, of --to or -o), opened
 * with flags (outfile.c's), with its columns.
 */
static struct sink *
main_table_sink(const char *spec, int flags)
{
	const char	**names, **enrichers;
	struct sink	 *sk;
	char		 *cause = NULL;
	u_int		  i;

	names = xcalloc(main_nenrichments + 1, sizeof *names);
	enrichers = xcalloc(main_nenrichments + 1, sizeof *enrichers);
	for (i = 0; i < main_nenrichments; i++) {
		names[i] = main_enrichments[i]->name;
		enrichers[i] = main_enrichments[i]->enricher->name;
	}
	if (table_configure(names, enrichers, main_nenrichments,
	    opts.columns, opts.ncolumns, &cause) != 0) {
		free(names);	/* exit(2), not LeakSanitizer's 1 */
		free(enrichers);
		main_usage_error("%s", cause);
	}
	free(names);
	free(enrichers);
	if (strncmp(spec, "csv:", 4) == 0)
		sk = sink_csv_open(spec + 4, flags, &cause);
	else
		sk = sink_sqlite_open(spec + 7, flags, &cause);
	if (sk == NULL) {
		log_warnx("%s", cause);
		exit(2);
	}
	return (sk);
}

/* The files beside the output, then source -> tweet -> sink. */
static void
main_wire(char **argv, int argc)
{
	if (opts.output != NULL)
		main_sink = main_output(argv, argc);
	if (opts.bad_lines != NULL &&
	    badlines_check(opts.bad_lines, argv, argc) != 0)
		exit(2);
	if (opts.errors != NULL && (badlines_check_file("errors", opts.errors,
	    argv, argc) != 0 || tweet_errors_open(opts.errors) != 0))
		exit(2);
	if (table_is_to(opts.to))
		main_sink = main_table_sink(opts.to, 0);
	else if (opts.to != NULL)
		main_sink = redis_sink_open();
	else if (main_sink == NULL)
		main_sink = sink_fd_open(STDOUT_FILENO);
	tweet_set_sink(main_sink, opts.keep_order ? opts.max_pending : 0);
	if (opts.from != NULL)
		main_source = redis_source_open(tweet_line);
	else
		main_source = source_file_open(argv, argc, tweet_line);
	/* It may have ended already: no input could be opened. */
	loop_check_done();
}

/* Run the loop; then write what is left. The loop's exit status. */
static int
main_run(void)
{
	stats_progress_start(main_source);
	loop_run();
	if (!loop_broke())
		sink_flush(main_sink);
	child_shutdown();
	stats_progress_stop();
	badlines_report();
	return (loop_status(source_failed(main_source)));
}

/* Free what lives on the loop, then the loop. */
static void
main_free_loop(void)
{
	u_int	i;

	source_free(main_source);
	tweet_close();
	pool_free();
	fetch_free();
	sink_free(main_sink);
	table_free();
	tweet_free_all();
	/* Enrichments may hold events (exec): free them before the base. */
	for (i = 0; i < main_nenrichments; i++)
		registry_free(main_enrichments[i]);
	free(main_enrichments);
	loop_free();
}

/* The exit status, once the files beside the output are closed. */
static int
main_status(int status)
{
	if (main_output_close() != 0 && status == 0)
		status = 1;
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
	return (status);
}

/* Configure, wire source -> tweet -> sink, run, report; the exit status. */
int
main(int argc, char **argv)
{
	char		*cause = NULL;
	int		 n, status;
	long		 ncpu;

	options_init();
	if ((n = options_parse(argc, argv, &cause)) == -1) {
		if (cause == NULL)
			exit(2);
		main_usage_error("%s", cause);
	}
	argc -= n;
	argv += n;
	main_check(argc);
	/* The loop first: exec workers start as they are configured. */
	loop_init(main_stop, main_done);
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
	main_wire(argv, argc);

	status = main_run();
	main_free_loop();
	status = main_status(status);
	if (opts.stats)
		stats_print(stderr);
	tweet_latency_free();
	hostlat_free();
	options_free();
	pace_free();
	curl_global_cleanup();
	secret_free();
	registry_cleanup();
	plugin_free();
	twtext_cleanup();
	return (status);
}
