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

#include "tweet-enricher.h"

struct options opts = {
	.max_pending = 10000,
	.max_line = 16 * 1024 * 1024,
	.progress = -1,
};

static struct enrichment	**main_enrichments;
static u_int			  main_nenrichments;

static const char main_usage[] =
"usage: tweet-enricher [OPTION]... [FILE]...\n"
"Read tweets as JSON lines from FILEs (or stdin, or '-'), add enrichments,\n"
"write one JSON line per tweet to stdout.\n"
"\n"
"  -e, --enrich SPEC       add an enrichment: NAME[:KEY=VALUE[,KEY=VALUE]...]\n"
"  -c, --config FILE       read enrichments and options from a JSON file\n"
"  -L, --list-enrichers    list the built-in enrichers and their keys\n"
"  -p, --max-pending N     tweets held in memory at most (10000)\n"
"  -T, --threads N         CPU pool threads (default: online processors)\n"
"  -k, --keep-order        write tweets in input order\n"
"      --max-line BYTES    longest input line (16M); longer ones are bad\n"
"      --bad-lines FILE    copy input lines that are not tweets to FILE\n"
"      --stats             print a JSON summary of counters on stderr\n"
"      --progress          live progress on stderr (default on a terminal)\n"
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
main_enrich(struct spec *sp, char **cause)
{
	struct enrichment	*e;
	u_int			 i;

	e = registry_configure(sp, cause);
	spec_free(sp);
	if (e == NULL)
		return (-1);
	for (i = 0; i < main_nenrichments; i++) {
		if (strcmp(main_enrichments[i]->name, e->name) == 0) {
			xasprintf(cause, "two enrichments named \"%s\" (give "
			    "one another name with as=)", e->name);
			registry_free(e);
			return (-1);
		}
	}
	main_enrichments = xreallocarray(main_enrichments,
	    main_nenrichments + 1, sizeof *main_enrichments);
	main_enrichments[main_nenrichments++] = e;
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
	unsigned long long	 n;
	struct spec		*sp;

	if (strcmp(name, "enrich") == 0) {
		if ((sp = spec_parse(arg, cause)) == NULL)
			return (-1);
		return (main_enrich(sp, cause));
	}
	if (strcmp(name, "config") == 0)
		return (config_load(arg, main_config_option, main_enrich,
		    cause));
	if (strcmp(name, "max-pending") == 0) {
		if (main_number(name, arg, 1, 10000000, 0, &n, cause) != 0)
			return (-1);
		opts.max_pending = n;
		return (0);
	}
	if (strcmp(name, "threads") == 0) {
		if (main_number(name, arg, 1, 256, 0, &n, cause) != 0)
			return (-1);
		opts.threads = n;
		return (0);
	}
	if (strcmp(name, "max-line") == 0) {
		if (main_number(name, arg, 2, 1ULL << 32, 1, &n, cause) != 0)
			return (-1);
		opts.max_line = n;
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

	while ((ch = getopt_long(argc, argv, "e:c:Lp:T:kqhV", main_longopts,
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
	if (main_nenrichments == 0)
		main_usage_error("no enrichments: give at least one -e");

	if (opts.threads == 0) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		opts.threads = ncpu < 1 ? 1 : (ncpu > 256 ? 256 : ncpu);
	}

	loop_init();
	tweet_configure(main_enrichments, main_nenrichments);
	if (opts.bad_lines != NULL && tweet_open_bad_lines(opts.bad_lines) != 0)
		exit(2);
	output_init(STDOUT_FILENO, opts.keep_order, opts.max_pending);
	input_open(argv, argc);

	status = loop_run();

	input_close();
	pool_free();
	output_free();
	tweet_free_all();
	loop_free();
	if (tweet_close_bad_lines() != 0 && status == 0)
		status = 1;
	if (opts.stats)
		stats_print(stderr);
	for (i = 0; i < main_nenrichments; i++)
		registry_free(main_enrichments[i]);
	free(main_enrichments);
	free(opts.bad_lines);
	sha256_cleanup();
	return (status);
}
