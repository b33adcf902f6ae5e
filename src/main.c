/*
 * tweet-enricher: reads tweets as JSON lines, adds enrichments, writes one
 * JSON line per tweet. This file parses the command line and config files
 * and runs the loop.
 */

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "tweet-enricher.h"

/* Specs are configured once every option is known (--header, say). */
static struct spec		**main_specs;
static u_int			  main_nspecs;

static struct enrichment	**main_enrichments;
static u_int			  main_nenrichments;
static int			  main_http;	/* some enrichment uses HTTP */

static const char main_usage[] =
"usage: tweet-enricher [OPTION]... [FILE]...\n"
"Read tweets as JSON lines from FILEs (or stdin, or '-'), add enrichments,\n"
"write one JSON line per tweet to stdout.\n"
"\n"
"  -e, --enrich SPEC       add an enrichment: NAME[:KEY=VALUE[,KEY=VALUE]...]\n"
"  -c, --config FILE       read enrichments and options from a JSON file\n"
"  -L, --list-enrichers    list the built-in enrichers and their keys\n"
"  -p, --max-pending N     tweets held in memory at most (10000)\n"
"  -k, --keep-order        write tweets in input order\n"
"  -T, --threads N         CPU pool threads (default: online processors)\n"
"  -j, --max-in-flight N   concurrent HTTP requests (100)\n"
"      --timeout MS        per HTTP request (10000); --connect-timeout MS\n"
"      --retries N         on connection errors, 429, 5xx (2)\n"
"      --max-retry-wait MS longest backoff or Retry-After wait (30000)\n"
"      --max-response B    largest response body (1M)\n"
"      --cache-size N      responses cached (10000); --cache-ttl SECONDS,\n"
"                          --cache-memory BYTES (3600, 64M)\n"
"      --rate N            start at most N requests a second\n"
"      --max-host-connections N   connections per host (no cap)\n"
"      --header 'K: V'     add a request header; --user-agent STRING\n"
"      --max-line BYTES    longest input line (16M); longer ones are bad\n"
"      --bad-lines FILE    copy input lines that are not tweets to FILE\n"
"      --stats             print a JSON summary of counters on stderr\n"
"      --progress          live progress on stderr (default if only stderr is\n"
"                          a terminal)\n"
"  -q, --quiet             no progress, no per-line warnings\n"
"  -h, --help              show this help;  -V, --version  show the version\n"
"\n"
"Example: tweet-enricher -e test -e length -e sleep:ms=200 < tweets.jsonl\n"
"See tweet-enricher(1) for the enrichers, the output and the exit status.\n";

static const struct option main_longopts[] = {
	{ "enrich",		required_argument,	NULL, 'e' },
	{ "config",		required_argument,	NULL, 'c' },
	{ "list-enrichers",	no_argument,		NULL, 'L' },
	{ "max-pending",	required_argument,	NULL, 'p' },
	{ "threads",		required_argument,	NULL, 'T' },
	{ "max-in-flight",	required_argument,	NULL, 'j' },
	{ "timeout",		required_argument,	NULL, 0 },
	{ "connect-timeout",	required_argument,	NULL, 0 },
	{ "retries",		required_argument,	NULL, 0 },
	{ "max-retry-wait",	required_argument,	NULL, 0 },
	{ "max-response",	required_argument,	NULL, 0 },
	{ "cache-size",		required_argument,	NULL, 0 },
	{ "cache-ttl",		required_argument,	NULL, 0 },
	{ "cache-memory",	required_argument,	NULL, 0 },
	{ "rate",		required_argument,	NULL, 0 },
	{ "max-host-connections", required_argument,	NULL, 0 },
	{ "header",		required_argument,	NULL, 0 },
	{ "user-agent",		required_argument,	NULL, 0 },
	{ "keep-order",		no_argument,		NULL, 'k' },
	{ "max-line",		required_argument,	NULL, 0 },
	{ "bad-lines",		required_argument,	NULL, 0 },
	{ "stats",		no_argument,		NULL, 0 },
	{ "progress",		no_argument,		NULL, 0 },
	{ "quiet",		no_argument,		NULL, 'q' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "version",		no_argument,		NULL, 'V' },
	{ NULL,			0,			NULL, 0 }
};

/* The options that take a number: name, range, k/M/G allowed, where. */
static const struct main_num {
	const char		*name;
	unsigned long long	 min;
	unsigned long long	 max;
	int			 bytes;
	u_int			*u;
	long			*l;
	size_t			*z;
} main_nums[] = {
	{ "max-pending", 1, 10000000, 0, &opts.max_pending, NULL, NULL },
	{ "threads", 1, 256, 0, &opts.threads, NULL, NULL },
	{ "max-in-flight", 1, 100000, 0, &opts.max_in_flight, NULL, NULL },
	{ "max-host-connections", 0, 100000, 0, &opts.max_host_connections,
	  NULL, NULL },
	{ "timeout", 1, 86400000, 0, NULL, &opts.timeout_ms, NULL },
	{ "connect-timeout", 1, 86400000, 0, NULL, &opts.connect_timeout_ms,
	  NULL },
	{ "retries", 0, 100, 0, &opts.retries, NULL, NULL },
	{ "max-retry-wait", 0, 86400000, 0, NULL, &opts.retry_max_ms, NULL },
	{ "max-response", 1, 1ULL << 31, 1, NULL, NULL, &opts.max_response },
	{ "cache-size", 0, 100000000, 0, &opts.cache_size, NULL, NULL },
	{ "cache-ttl", 0, 100000000, 0, &opts.cache_ttl, NULL, NULL },
	{ "cache-memory", 0, 1ULL << 40, 1, NULL, NULL, &opts.cache_bytes },
	{ "max-line", 2, 1ULL << 32, 1, NULL, NULL, &opts.max_line },
};

/* Parse a number within [min, max]; with bytes, allow a k/M/G suffix. */
static int
main_number(const char *name, const char *arg, unsigned long long min,
    unsigned long long max, int bytes, unsigned long long *out, char **cause)
{
	unsigned long long	 n, mult = 1;
	char			*end;

	errno = 0;
	n = strtoull(arg, &end, 10);
	if (bytes && *end != '\0' && end[1] == '\0') {
		switch (*end) {
		case 'k': case 'K':
			mult = 1024;
			break;
		case 'm': case 'M':
			mult = 1024 * 1024;
			break;
		case 'g': case 'G':
			mult = 1024 * 1024 * 1024;
			break;
		default:
			mult = 0;
			break;
		}
		if (mult != 0)
			end++;
	}
	if (*arg == '\0' || *arg == '-' || *end != '\0' || errno != 0 ||
	    mult == 0 || n > max / mult || n * mult < min) {
		xasprintf(cause, "--%s must be a whole number from %llu to "
		    "%llu%s, not \"%s\"", name, min, max,
		    bytes ? " (k, M, G allowed)" : "", arg);
		return (-1);
	}
	*out = n * mult;
	return (0);
}

/* A boolean from a config file ("true"/"false") or a flag (NULL). */
static int
main_bool(const char *name, const char *arg, int *out, char **cause)
{
	if (arg == NULL || strcmp(arg, "true") == 0)
		*out = 1;
	else if (strcmp(arg, "false") == 0)
		*out = 0;
	else {
		xasprintf(cause, "%s is true or false, not \"%s\"", name, arg);
		return (-1);
	}
	return (0);
}

static int
main_enrich(struct spec *sp, __unused char **cause)
{
	main_specs = xreallocarray(main_specs, main_nspecs + 1,
	    sizeof *main_specs);
	main_specs[main_nspecs++] = sp;
	return (0);
}

/* Configure every enrichment, in the order given. */
static int
main_configure(char **cause)
{
	struct enrichment	*e;
	u_int			 i, k;

	main_enrichments = xcalloc(main_nspecs, sizeof *main_enrichments);
	for (i = 0; i < main_nspecs; i++) {
		if ((e = registry_configure(main_specs[i], cause)) == NULL)
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

static int	main_option(const char *, const char *, char **);

static int
main_config_option(const char *name, const char *arg, char **cause)
{
	char	*n, *p;
	int	 r;

	/* Config keys may use _ for -, as JSON keys often do. */
	n = xstrdup(name);
	for (p = n; *p != '\0'; p++) {
		if (*p == '_')
			*p = '-';
	}
	if (strcmp(n, "config") == 0 || strcmp(n, "help") == 0 ||
	    strcmp(n, "version") == 0 || strcmp(n, "list-enrichers") == 0) {
		xasprintf(cause, "\"%s\" cannot be set in a config file", name);
		free(n);
		return (-1);
	}
	r = main_option(n, arg, cause);
	free(n);
	return (r);
}

/* Set one option by its long name; arg is NULL for a flag. */
static int
main_option(const char *name, const char *arg, char **cause)
{
	const struct main_num	*num;
	unsigned long long	 n;
	struct spec		*sp;
	char			*end;
	size_t			 i;

	for (i = 0; i < sizeof main_nums / sizeof main_nums[0]; i++) {
		num = &main_nums[i];
		if (strcmp(name, num->name) != 0)
			continue;
		if (main_number(name, arg, num->min, num->max, num->bytes, &n,
		    cause) != 0)
			return (-1);
		if (num->u != NULL)
			*num->u = n;
		else if (num->l != NULL)
			*num->l = n;
		else
			*num->z = n;
		return (0);
	}
	if (strcmp(name, "enrich") == 0) {
		if ((sp = spec_parse(arg, cause)) == NULL)
			return (-1);
		return (main_enrich(sp, cause));
	}
	if (strcmp(name, "config") == 0)
		return (config_load(arg, main_config_option, main_enrich,
		    cause));
	if (strcmp(name, "rate") == 0) {
		errno = 0;
		opts.rate = strtod(arg, &end);
		if (*arg == '\0' || *end != '\0' || errno != 0 ||
		    !(opts.rate >= 0 && opts.rate <= 1e7)) {
			xasprintf(cause, "--rate must be a number of requests a "
			    "second, not \"%s\"", arg);
			return (-1);
		}
		return (0);
	}
	if (strcmp(name, "header") == 0) {
		if (strchr(arg, ':') == NULL || *arg == ':') {
			xasprintf(cause, "--header must be 'Name: value', not "
			    "\"%s\"", arg);
			return (-1);
		}
		opts.headers = xreallocarray(opts.headers, opts.nheaders + 1,
		    sizeof *opts.headers);
		opts.headers[opts.nheaders++] = xstrdup(arg);
		return (0);
	}
	if (strcmp(name, "user-agent") == 0) {
		free(opts.user_agent);
		opts.user_agent = xstrdup(arg);
		return (0);
	}
	if (strcmp(name, "keep-order") == 0)
		return (main_bool(name, arg, &opts.keep_order, cause));
	if (strcmp(name, "stats") == 0)
		return (main_bool(name, arg, &opts.stats, cause));
	if (strcmp(name, "progress") == 0)
		return (main_bool(name, arg, &opts.progress, cause));
	if (strcmp(name, "quiet") == 0)
		return (main_bool(name, arg, &opts.quiet, cause));
	if (strcmp(name, "bad-lines") == 0) {
		free(opts.bad_lines);
		opts.bad_lines = xstrdup(arg);
		return (0);
	}
	xasprintf(cause, "unknown option \"%s\"", name);
	return (-1);
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
	const char	*name;
	char		*cause = NULL;
	int		 ch, idx, status;
	long		 ncpu;
	u_int		 i;

	while ((ch = getopt_long(argc, argv, "e:c:Lp:T:j:kqhV", main_longopts,
	    &idx)) != -1) {
		switch (ch) {
		case 'L':
			registry_list(stdout);
			exit(0);
		case 'h':
			fputs(main_usage, stdout);
			exit(0);
		case 'V':
			printf("tweet-enricher %s\n", PACKAGE_VERSION);
			exit(0);
		case '?':
			exit(2);
		case 0:
			name = main_longopts[idx].name;
			break;
		default:
			for (idx = 0; main_longopts[idx].val != ch; idx++)
				;
			name = main_longopts[idx].name;
			break;
		}
		if (main_option(name, optarg, &cause) != 0)
			main_usage_error("%s", cause);
	}
	argc -= optind;
	argv += optind;
	if (main_nspecs == 0)
		main_usage_error("no enrichments: give at least one -e");
	if (opts.user_agent == NULL)
		opts.user_agent = xstrdup("tweet-enricher/" PACKAGE_VERSION);
	if (main_configure(&cause) != 0)
		main_usage_error("%s", cause);

	if (opts.threads == 0) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		opts.threads = ncpu < 1 ? 1 : (ncpu > 256 ? 256 : ncpu);
	}

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("curl_global_init failed");
	loop_init();
	if (main_http)
		fetch_init();
	tweet_configure(main_enrichments, main_nenrichments);
	if (opts.bad_lines != NULL && badlines_open(opts.bad_lines) != 0)
		exit(2);
	output_init(STDOUT_FILENO, opts.keep_order, opts.max_pending);
	input_open(argv, argc);

	status = loop_run();

	input_close();
	pool_free();
	fetch_free();
	output_free();
	tweet_free_all();
	loop_free();
	if (badlines_close() != 0 && status == 0)
		status = 1;
	if (opts.stats)
		stats_print(stderr);
	for (i = 0; i < main_nenrichments; i++)
		registry_free(main_enrichments[i]);
	free(main_enrichments);
	for (i = 0; i < main_nspecs; i++)
		spec_free(main_specs[i]);
	free(main_specs);
	for (i = 0; i < opts.nheaders; i++)
		free(opts.headers[i]);
	free(opts.headers);
	free(opts.user_agent);
	free(opts.bad_lines);
	curl_global_cleanup();
	sha256_cleanup();
	return (status);
}
