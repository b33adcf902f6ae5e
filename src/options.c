/*
 * Options: one table says, for every option, its long and short name, its
 * type and range, its default, the field of struct options it sets and its
 * help. The command line, -c config files, the defaults and --help all go
 * through it. Adding an option is one entry here plus its field.
 */

#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "core.h"
#include "json/json.h"
#include "http/http.h"
#include "redis/redis.h"
#include "enrich/enrich.h"

struct options opts;

/* An OPTION_LIST field is followed by its count. */
_Static_assert(offsetof(struct options, nheaders) ==
    offsetof(struct options, headers) + sizeof (char **), "list count");

enum option_type {
	OPTION_FLAG,	/* int, 1 when given; true or false in a config file */
	OPTION_UINT,	/* u_int within [min, max] */
	OPTION_LONG,	/* long within [min, max] */
	OPTION_BYTES,	/* size_t within [min, max]; k, M, G allowed */
	OPTION_REAL,	/* double within [min, max] */
	OPTION_STRING,	/* char *, the last one given */
	OPTION_LIST,	/* char **, repeatable; the u_int count is field + 1 */
	OPTION_CALL	/* a function does it */
};

/* Only on the command line, never in a config file. */
#define OPTION_CMDLINE 0x1
/* --help names it on the closing "Also" lines only. */
#define OPTION_MORE 0x2

struct option_def {
	const char		*name;
	int			 flag;	/* short option, or 0 */
	enum option_type	 type;
	size_t			 off;	/* field in struct options */
	double			 min;
	double			 max;
	const char		*dflt;	/* as typed; NULL: zero */
	const char		*arg;	/* argument in --help; NULL: none */
	const char		*help;
	int			(*call)(const char *, char **);	/* or a check */
	int			 how;	/* OPTION_CMDLINE, OPTION_MORE */
};

static int	options_enrich(const char *, char **);
static int	options_cache_url(const char *, char **);
static int	options_pace_url(const char *, char **);
static int	options_config(const char *, char **);
static int	options_list(const char *, char **);
static int	options_plugin(const char *, char **);
static int	options_help(const char *, char **);
static int	options_version(const char *, char **);
static int	options_header(const char *, char **);
static int	options_user_agent(const char *, char **);
static int	options_error_rate(const char *, char **);
static int	options_host_rate(const char *, char **);
static int	options_jobs(const char *, char **);
static int	options_host_concurrency(const char *, char **);
static int	options_split(const char *, char **);

#define O(f) offsetof(struct options, f)
#define TIB (1024.0 * 1024 * 1024 * 1024)
#define OPTIONS_AUTO_JOBS 1000	/* -j auto: the most in flight */
static const struct option_def options_table[] = {
	/* name, short, type, field, min, max, default, arg, help, call, how */
	{ "enrich", 'e', OPTION_CALL, 0, 0, 0, NULL, "SPEC",
	  "add an enrichment: NAME[:KEY=VALUE[,KEY=VALUE]...]",
	  options_enrich, 0 },
	{ "config", 'c', OPTION_CALL, 0, 0, 0, NULL, "FILE",
	  "read enrichments and options from a JSON file", options_config,
	  OPTION_CMDLINE },
	{ "list-enrichers", 'L', OPTION_CALL, 0, 0, 0, NULL, NULL,
	  "list the built-in enrichers and their keys", options_list,
	  OPTION_CMDLINE },
	{ "plugin", 0, OPTION_CALL, 0, 0, 0, NULL, "SO",
	  "load enrichers from a plugin (repeatable; before -L)",
	  options_plugin, OPTION_MORE },
	{ "max-pending", 'p', OPTION_UINT, O(max_pending), 1, 1e7, "10000",
	  "N", "tweets held in memory at most", NULL, 0 },
	{ "keep-order", 'k', OPTION_FLAG, O(keep_order), 0, 0, NULL, NULL,
	  "write tweets in input order", NULL, 0 },
	{ "threads", 'T', OPTION_UINT, O(threads), 1, 256, NULL, "N",
	  "CPU pool threads (default: online processors)", NULL, 0 },
	{ "max-in-flight", 'j', OPTION_CALL, 0, 1, 1e5, "100",
	  "N", "concurrent HTTP requests, or auto per host", options_jobs,
	  0 },
	{ "timeout", 0, OPTION_LONG, O(timeout_ms), 1, 864e5, "10000", "MS",
	  "per HTTP request", NULL, 0 },
	{ "connect-timeout", 0, OPTION_LONG, O(connect_timeout_ms), 1, 864e5,
	  "5000", "MS", "per connection", NULL, OPTION_MORE },
	{ "retries", 0, OPTION_UINT, O(retries), 0, 100, "2", "N",
	  "on connection errors, 429, 5xx", NULL, 0 },
	{ "max-retry-wait", 0, OPTION_LONG, O(retry_max_ms), 0, 864e5,
	  "30000", "MS", "longest backoff or Retry-After wait", NULL,
	  OPTION_MORE },
	{ "max-response", 0, OPTION_BYTES, O(max_response), 1, 2147483648.0,
	  "1M", "B", "largest response body", NULL, 0 },
	{ "cache-size", 0, OPTION_UINT, O(cache_size), 0, 1e8, "10000", "N",
	  "responses cached, 0 for none", NULL, 0 },
	{ "cache-ttl", 0, OPTION_UINT, O(cache_ttl), 0, 1e8, "3600", "S",
	  "seconds a response is cached", NULL, OPTION_MORE },
	{ "cache-memory", 0, OPTION_BYTES, O(cache_bytes), 0, TIB, "64M",
	  "B", "bytes the cache holds at most", NULL, OPTION_MORE },
	{ "rate", 0, OPTION_REAL, O(rate), 0, 1e7, NULL, "N",
	  "start at most N requests a second", NULL, 0 },
	{ "host-rate", 0, OPTION_LIST, O(host_rates), 0, 0, NULL, "HOST=N",
	  "at most N requests a second to HOST (repeatable)",
	  options_host_rate, 0 },
	{ "host-concurrency", 0, OPTION_CALL, 0, 1, 1e5, NULL, "N",
	  "requests in flight to one host at most, or adapted",
	  options_host_concurrency, OPTION_MORE },
	{ "max-quota-wait", 0, OPTION_UINT, O(max_quota_wait), 0, 1e7, "900",
	  "S", "longest wait for a host's quota window", NULL, OPTION_MORE },
	{ "cache-file", 0, OPTION_STRING, O(cache_file), 0, 0, NULL, "PATH",
	  "keep responses in an LMDB file across runs", NULL, 0 },
	{ "cache-url", 0, OPTION_STRING, O(cache_url), 0, 0, NULL, "URL",
	  "keep responses in Redis, shared by every instance",
	  options_cache_url, OPTION_MORE },
	{ "cache-file-size", 0, OPTION_BYTES, O(cache_file_size), 1048576,
	  TIB, "1G", "B", "largest cache file", NULL, OPTION_MORE },
	{ "max-host-connections", 0, OPTION_UINT, O(max_host_connections), 0,
	  1e5, NULL, "N", "connections per host (0: no cap)", NULL,
	  OPTION_MORE },
	{ "header", 0, OPTION_LIST, O(headers), 0, 0, NULL, "'K: V'",
	  "add a header to http requests (repeatable)", options_header, 0 },
	{ "user-agent", 0, OPTION_STRING, O(user_agent), 0, 0,
	  "tweet-enricher/" PACKAGE_VERSION, "S", "User-Agent header",
	  options_user_agent, OPTION_MORE },
	{ "max-line", 0, OPTION_BYTES, O(max_line), 2, 4294967296.0, "16M",
	  "B", "longest input line; longer ones are bad", NULL, OPTION_MORE },
	{ "bad-lines", 0, OPTION_STRING, O(bad_lines), 0, 0, NULL, "FILE",
	  "copy input lines that are not tweets to FILE", NULL, 0 },
	{ "errors", 0, OPTION_STRING, O(errors), 0, 0, NULL, "FILE",
	  "copy tweets with an enrichment error to FILE", NULL, OPTION_MORE },
	{ "resume", 0, OPTION_FLAG, O(resume), 0, 0, NULL, NULL,
	  "keep what an earlier run wrote, redo its errors", NULL, 0 },
	{ "max-error-rate", 0, OPTION_REAL, O(max_error_rate), 0, 1, NULL,
	  "R", "exit 1 if more than fraction R of enrichments fail",
	  options_error_rate, OPTION_MORE },
	{ "allow-net", 0, OPTION_CALL, 0, 0, 0, NULL, "CIDR",
	  "links and redirects may reach these addresses", netpolicy_allow_net,
	  0 },
	{ "allow-port", 0, OPTION_CALL, 0, 0, 0, NULL, "N",
	  "a port beside 80 and 443 for global addresses",
	  netpolicy_allow_port, OPTION_MORE },
	{ "tweet-timeout", 0, OPTION_LONG, O(tweet_timeout_ms), 0, 864e5, NULL,
	  "MS", "fail what a tweet still waits for at that age", NULL, 0 },
	{ "proxy", 0, OPTION_STRING, O(proxy), 0, 0, NULL, "URL",
	  "proxy for every request (over http_proxy, ...)", NULL,
	  OPTION_MORE },
	{ "http1.1", 0, OPTION_FLAG, O(http1_1), 0, 0, NULL, NULL,
	  "HTTP/1.1 only (by default HTTP/2 where TLS offers it)", NULL,
	  OPTION_MORE },
	{ "cacert", 0, OPTION_STRING, O(cacert), 0, 0, NULL, "FILE",
	  "trust the CAs in FILE (PEM), in place of the CA bundle",
	  conn_check_cacert, OPTION_MORE },
	{ "capath", 0, OPTION_STRING, O(capath), 0, 0, NULL, "DIR",
	  "trust the CAs in DIR (openssl rehash), in place of /etc/ssl/certs",
	  conn_check_capath, OPTION_MORE },
	{ "split", 0, OPTION_STRING, O(split), 0, 0, NULL, "PTR",
	  "read JSON documents; the array at PTR holds the tweets",
	  options_split, OPTION_MORE },
	{ "drop-notices", 0, OPTION_FLAG, O(drop_notices), 0, 0, NULL, NULL,
	  "do not write stream notices (delete, limit, ...)", NULL,
	  OPTION_MORE },
	{ "from", 0, OPTION_STRING, O(from), 0, 0, NULL, "URL",
	  "read a Redis stream through a consumer group", NULL, 0 },
	{ "output", 'o', OPTION_STRING, O(output), 0, 0, NULL, "FILE",
	  "write FILE, csv:FILE or sqlite:FILE (--continue)", NULL, 0 },
	{ "to", 0, OPTION_STRING, O(to), 0, 0, NULL, "URL",
	  "write to a Redis stream, csv:PATH or sqlite:PATH", NULL, 0 },
	{ "columns", 0, OPTION_LIST, O(columns), 0, 0, NULL, "LIST",
	  "table columns: NAME=POINTER adds, -NAME drops", NULL,
	  OPTION_MORE },
	{ "claim-idle", 0, OPTION_LONG, O(claim_idle_ms), 1, 864e5, "60000",
	  "MS", "claim stream entries idle this long elsewhere", NULL,
	  OPTION_MORE },
	{ "max-deliveries", 0, OPTION_UINT, O(max_deliveries), 1, 1e6, "5",
	  "N", "dead-letter a stream entry delivered more often", NULL,
	  OPTION_MORE },
	{ "stats", 0, OPTION_FLAG, O(stats), 0, 0, NULL, NULL,
	  "print a JSON summary of counters on stderr", NULL, 0 },
	{ "progress", 0, OPTION_FLAG, O(progress), 0, 0, NULL, NULL,
	  "live progress on stderr (default: stderr alone a tty)",
	  NULL, OPTION_MORE },
	{ "continue", 0, OPTION_FLAG, O(cont), 0, 0, NULL, NULL,
	  "finish the killed run that wrote -o FILE", NULL, OPTION_MORE },
	{ "pace-url", 0, OPTION_STRING, O(pace_url), 0, 0, NULL, "URL",
	  "share rates and quota windows through Redis (or none)",
	  options_pace_url, OPTION_MORE },
	{ "quiet", 'q', OPTION_FLAG, O(quiet), 0, 0, NULL, NULL,
	  "no progress, no per-line warnings", NULL, 0 },
	{ "help", 'h', OPTION_CALL, 0, 0, 0, NULL, NULL,
	  "show this help", options_help, OPTION_CMDLINE },
	{ "version", 'V', OPTION_CALL, 0, 0, 0, NULL, NULL,
	  "show the version", options_version, OPTION_CMDLINE },
};
#define OPTIONS_COUNT (sizeof options_table / sizeof options_table[0])

/* Width of the option column in --help. */
#define OPTIONS_HELP_COLUMN 26

static const char options_usage_head[] =
"usage: tweet-enricher [OPTION]... [FILE]...\n"
"Read tweets as JSON lines from FILEs (or stdin, or '-'), write each enriched.\n"
"\n";
static const char options_usage_tail[] =
"\n"
"Example: tweet-enricher -e test -e length -e sleep:ms=200 < tweets.jsonl\n"
"See tweet-enricher(1) for the enrichers, the output and the exit status.\n";

/* Find an option by its long name. */
static const struct option_def *
options_find(const char *name)
{
	u_int	i;

	for (i = 0; i < OPTIONS_COUNT; i++) {
		if (strcmp(options_table[i].name, name) == 0)
			return (&options_table[i]);
	}
	return (NULL);
}

/* Parse a number within [min, max]; with bytes, allow a k/M/G suffix. */
static int
options_number(const struct option_def *o, const char *arg,
    unsigned long long *out, char **cause)
{
	unsigned long long	 n, mult = 1, min = o->min, max = o->max;
	int			 bytes = o->type == OPTION_BYTES;
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
		    "%llu%s, not \"%s\"", o->name, min, max,
		    bytes ? " (k, M, G allowed)" : "", arg);
		return (-1);
	}
	*out = n * mult;
	return (0);
}

static int	options_apply_value(const struct option_def *, const char *,
		    char **);

/*
 * Set an option from its table entry; arg is NULL for a flag. ${NAME} in
 * arg is taken from the environment (a spec expands its own values).
 */
static int
options_apply(const struct option_def *o, const char *arg, char **cause)
{
	char	*expanded, *why;
	int	 r;

	if (arg == NULL || o->call == options_enrich)
		return (options_apply_value(o, arg, cause));
	if (secret_expand(arg, &expanded, &why) != 0) {
		xasprintf(cause, "--%s: %s", o->name, why);
		free(why);
		return (-1);
	}
	r = options_apply_value(o, expanded, cause);
	free(expanded);
	return (r);
}

/* Set an option from its table entry, its argument expanded. */
static int
options_apply_value(const struct option_def *o, const char *arg,
    char **cause)
{
	unsigned long long	  n;
	double			  d;
	char			 *p = (char *)&opts + o->off, *end, ***list;
	u_int			 *count;

	if (o->call != NULL && (arg != NULL || o->type == OPTION_CALL) &&
	    o->call(arg, cause) != 0)
		return (-1);
	switch (o->type) {
	case OPTION_CALL:
		break;
	case OPTION_FLAG:
		if (arg == NULL || strcmp(arg, "true") == 0)
			*(int *)p = 1;
		else if (strcmp(arg, "false") == 0)
			*(int *)p = 0;
		else {
			xasprintf(cause, "%s is true or false, not \"%s\"",
			    o->name, arg);
			return (-1);
		}
		break;
	case OPTION_UINT:
	case OPTION_LONG:
	case OPTION_BYTES:
		if (options_number(o, arg, &n, cause) != 0)
			return (-1);
		if (o->type == OPTION_UINT)
			*(u_int *)p = n;
		else if (o->type == OPTION_LONG)
			*(long *)p = n;
		else
			*(size_t *)p = n;
		break;
	case OPTION_REAL:
		errno = 0;
		d = strtod(arg, &end);
		if (*arg == '\0' || *end != '\0' || errno != 0 ||
		    !(d >= o->min && d <= o->max)) {
			xasprintf(cause, "--%s must be a number from %g to %g, "
			    "not \"%s\"", o->name, o->min, o->max, arg);
			return (-1);
		}
		*(double *)p = d;
		break;
	case OPTION_STRING:
		free(*(char **)p);
		*(char **)p = xstrdup(arg);
		break;
	case OPTION_LIST:
		list = (char ***)p;
		count = (u_int *)(p + sizeof (char **));
		*list = xreallocarray(*list, *count + 1, sizeof **list);
		(*list)[(*count)++] = xstrdup(arg);
		break;
	}
	return (0);
}

/* Set every option to its default. */
void
options_init(void)
{
	const struct option_def	*o;
	char			*cause = NULL;
	u_int			 i;

	options_free();
	memset(&opts, 0, sizeof opts);
	opts.progress = -1;	/* on only where it cannot garble output */
	for (i = 0; i < OPTIONS_COUNT; i++) {
		o = &options_table[i];
		if (o->dflt != NULL && options_apply(o, o->dflt, &cause) != 0)
			fatalx("%s: %s", __func__, cause);
	}
}

/* Set one option by its long name; arg is NULL for a flag. */
int
options_set(const char *name, const char *arg, char **cause)
{
	const struct option_def	*o;

	if ((o = options_find(name)) == NULL) {
		xasprintf(cause, "unknown option \"%s\"", name);
		return (-1);
	}
	if (arg == NULL && o->arg != NULL) {
		xasprintf(cause, "--%s needs a value", name);
		return (-1);
	}
	return (options_apply(o, arg, cause));
}

/* Set an option from a config file: _ may stand for -. */
static int
options_config_option(const char *name, const char *arg, char **cause)
{
	const struct option_def	*o;
	char			*n, *p;
	int			 r = -1;

	n = xstrdup(name);
	for (p = n; *p != '\0'; p++) {
		if (*p == '_')
			*p = '-';
	}
	/* "plugins": ["a.so", "b.so"] is --plugin, repeated. */
	if (strcmp(n, "plugins") == 0) {
		free(n);
		n = xstrdup("plugin");
	}
	if ((o = options_find(n)) != NULL && (o->how & OPTION_CMDLINE))
		xasprintf(cause, "\"%s\" cannot be set in a config file", name);
	else
		r = options_set(n, arg, cause);
	free(n);
	return (r);
}

/* Keep a parsed spec; enrichments are configured once all options are. */
static int
options_add_spec(struct spec *sp, __unused char **cause)
{
	opts.specs = xreallocarray(opts.specs, opts.nspecs + 1,
	    sizeof *opts.specs);
	opts.specs[opts.nspecs++] = sp;
	return (0);
}

/* -e: an enrichment spec. */
static int
options_enrich(const char *arg, char **cause)
{
	struct spec	*sp;

	if ((sp = spec_parse(arg, cause)) == NULL)
		return (-1);
	return (options_add_spec(sp, cause));
}

/* -c: a config file. */
static int
options_config(const char *arg, char **cause)
{
	return (config_load(arg, options_config_option, options_add_spec,
	    cause));
}

/* -L: list the enrichers and exit. */
static int
options_list(__unused const char *arg, __unused char **cause)
{
	registry_list(stdout);
	exit(0);
}

/* --plugin: load it now, so that -L and -e see its enrichers. */
static int
options_plugin(const char *arg, char **cause)
{
	return (plugin_load(arg, cause));
}

/* -h: help and exit. */
static int
options_help(__unused const char *arg, __unused char **cause)
{
	options_usage(stdout);
	exit(0);
}

/* -V: the version and exit. */
static int
options_version(__unused const char *arg, __unused char **cause)
{
	printf("tweet-enricher %s\n", PACKAGE_VERSION);
	exit(0);
}

/* --header: "Name: value"; a line break would start another header. */
static int
options_header(const char *arg, char **cause)
{
	if (strpbrk(arg, "\r\n") != NULL) {
		xasprintf(cause, "--header must not contain CR or LF");
		return (-1);
	}
	if (strchr(arg, ':') == NULL || *arg == ':') {
		xasprintf(cause, "--header must be 'Name: value', not \"%s\"",
		    arg);
		return (-1);
	}
	return (0);
}

/* --cache-url: a redis:// URL we can use. */
static int
options_cache_url(const char *arg, char **cause)
{
	return (redis_cache_check(arg, cause));
}

/* --pace-url: none, or a redis:// URL we can use. */
static int
options_pace_url(const char *arg, char **cause)
{
	return (redis_pace_check(arg, cause));
}

/* --user-agent: one header line, no line break. */
static int
options_user_agent(const char *arg, char **cause)
{
	if (strpbrk(arg, "\r\n") != NULL) {
		xasprintf(cause, "--user-agent must not contain CR or LF");
		return (-1);
	}
	return (0);
}

/* --split: a JSON pointer ('' for the top level). */
static int
options_split(const char *arg, char **cause)
{
	if (!pointer_valid(arg)) {
		xasprintf(cause, "--split needs a JSON pointer such as /data, "
		    "or '' for a top-level array, not \"%s\"", arg);
		return (-1);
	}
	return (0);
}

/* -j N, or -j auto: up to 1000, each host's share adapted. */
static int
options_jobs(const char *arg, char **cause)
{
	unsigned long long	n;

	if (strcmp(arg, "auto") == 0) {
		opts.max_in_flight = OPTIONS_AUTO_JOBS;
		opts.host_auto = 1;
		return (0);
	}
	if (options_number(options_find("max-in-flight"), arg, &n, cause) != 0)
		return (-1);
	opts.max_in_flight = n;
	return (0);
}

/* --host-concurrency N (a fixed cap per host) or auto (adapted). */
static int
options_host_concurrency(const char *arg, char **cause)
{
	unsigned long long	n;

	opts.host_auto = strcmp(arg, "auto") == 0;
	opts.host_concurrency = 0;
	if (opts.host_auto)
		return (0);
	if (options_number(options_find("host-concurrency"), arg, &n,
	    cause) != 0) {
		free(*cause);
		xasprintf(cause, "--host-concurrency must be auto or a whole "
		    "number from 1 to 100000, not \"%s\"", arg);
		return (-1);
	}
	opts.host_concurrency = n;
	return (0);
}

/* --host-rate: HOST=N, N a positive number of requests a second. */
static int
options_host_rate(const char *arg, char **cause)
{
	const char	*eq = strrchr(arg, '=');
	char		*end;
	double		 n;

	if (eq == NULL || eq == arg)
		goto bad;
	errno = 0;
	n = strtod(eq + 1, &end);
	if (eq[1] == '\0' || *end != '\0' || errno != 0 || !(n > 0 &&
	    n <= 1e7))
		goto bad;
	return (0);
bad:
	xasprintf(cause, "--host-rate must be HOST=N (N requests a second, "
	    "more than 0), not \"%s\"", arg);
	return (-1);
}

/* --max-error-rate: note that it was given (0 is a rate too). */
static int
options_error_rate(__unused const char *arg, __unused char **cause)
{
	opts.max_error_set = 1;
	return (0);
}

/* Print the --help text, generated from the table. */
void
options_usage(FILE *f)
{
	const struct option_def	*o;
	char			 left[64], item[128];
	u_int			 i;
	int			 n, col = 0;

	fputs(options_usage_head, f);
	for (i = 0; i < OPTIONS_COUNT; i++) {
		o = &options_table[i];
		if (o->how & OPTION_MORE)
			continue;
		if (o->flag != 0)
			n = snprintf(left, sizeof left, "  -%c, --%s", o->flag,
			    o->name);
		else
			n = snprintf(left, sizeof left, "      --%s", o->name);
		if (o->arg != NULL)
			snprintf(left + n, sizeof left - n, " %s", o->arg);
		fprintf(f, "%-*s %s", OPTIONS_HELP_COLUMN - 1, left, o->help);
		if (o->dflt != NULL && o->type != OPTION_FLAG)
			fprintf(f, " (%s)", o->dflt);
		fputc('\n', f);
	}
	for (i = 0; i < OPTIONS_COUNT; i++) {
		o = &options_table[i];
		if (~o->how & OPTION_MORE)
			continue;
		n = snprintf(item, sizeof item, "--%s%s%s", o->name,
		    o->arg != NULL ? " " : "", o->arg != NULL ? o->arg : "");
		if (o->dflt != NULL && o->type != OPTION_FLAG)
			n += snprintf(item + n, sizeof item - n, " (%s)",
			    o->dflt);
		if (col == 0) {
			fputs("Also:", f);
			col = 5;
		} else if (col + 2 + n > 78) {
			fputs(",\n     ", f);
			col = 5;
		} else {
			fputc(',', f);
			col++;
		}
		fprintf(f, " %s", item);
		col += 1 + n;
	}
	if (col != 0)
		fputc('\n', f);
	fputs(options_usage_tail, f);
}

/*
 * Parse the command line into opts (after the defaults); return the index
 * of the first operand, or -1 with *cause set (NULL if getopt said why).
 * -h, -V and -L exit here.
 */
int
options_parse(int argc, char **argv, char **cause)
{
	const struct option_def	*o;
	struct option		 longopts[OPTIONS_COUNT + 1];
	char			 shortopts[OPTIONS_COUNT * 2 + 2], *sp;
	u_int			 i;
	int			 ch, idx;

	sp = shortopts;
	for (i = 0; i < OPTIONS_COUNT; i++) {
		o = &options_table[i];
		longopts[i].name = o->name;
		longopts[i].has_arg = o->arg != NULL ? required_argument :
		    no_argument;
		longopts[i].flag = NULL;
		longopts[i].val = o->flag;
		if (o->flag != 0) {
			*sp++ = o->flag;
			if (o->arg != NULL)
				*sp++ = ':';
		}
	}
	*sp = '\0';
	memset(&longopts[i], 0, sizeof longopts[i]);

	while ((ch = getopt_long(argc, argv, shortopts, longopts, &idx)) !=
	    -1) {
		if (ch == '?') {
			*cause = NULL;	/* getopt has said why */
			return (-1);
		}
		if (ch != 0) {
			for (idx = 0; options_table[idx].flag != ch; idx++)
				;
		}
		if (options_apply(&options_table[idx], optarg, cause) != 0)
			return (-1);
	}
	return (optind);
}

/* The long name of the i-th option, NULL past the last. */
const char *
options_name(u_int i)
{
	return (i < OPTIONS_COUNT ? options_table[i].name : NULL);
}

/* An option's default as typed (NULL: none, or not a value). */
const char *
options_default(const char *name)
{
	const struct option_def	*o;

	if ((o = options_find(name)) == NULL || o->type == OPTION_FLAG)
		return (NULL);
	return (o->dflt);
}

/* Free what the options hold. */
void
options_free(void)
{
	const struct option_def	*o;
	char			 *p, ***list;
	u_int			 i, *count;

	for (i = 0; i < OPTIONS_COUNT; i++) {
		o = &options_table[i];
		p = (char *)&opts + o->off;
		if (o->type == OPTION_STRING) {
			free(*(char **)p);
			*(char **)p = NULL;
		} else if (o->type == OPTION_LIST) {
			list = (char ***)p;
			count = (u_int *)(p + sizeof (char **));
			while (*count > 0)
				free((*list)[--*count]);
			free(*list);
			*list = NULL;
		}
	}
	for (i = 0; i < opts.nspecs; i++)
		spec_free(opts.specs[i]);
	free(opts.specs);
	opts.specs = NULL;
	opts.nspecs = 0;
	netpolicy_free();
}

/* The --timeout default of an enrichment that takes its own (exec). */
long
options_timeout_ms(void)
{
	return (opts.timeout_ms);
}

/* The --max-response bound, for an enrichment that reads answers (exec). */
size_t
options_max_response(void)
{
	return (opts.max_response);
}
