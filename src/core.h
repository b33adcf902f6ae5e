/*
 * core: the options every module reads (options.c, config.c) and the
 * counters every module adds to (stats.c).
 */

#ifndef TE_CORE_H
#define TE_CORE_H

#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

struct spec;
struct te_enricher;

/* Options shared by the modules; see the table in options.c. */
struct options {
	u_int		 max_pending;	/* tweets held at most */
	int		 keep_order;	/* write in input order */
	size_t		 max_line;	/* longest input line in bytes */
	char		*bad_lines;	/* copy bad lines to this file */
	int		 drop_notices;	/* stream notices are not written */
	char		*split;		/* --split: the array of tweets */
	int		 stats;		/* JSON counters on stderr at exit */
	int		 progress;	/* -1 auto, 0 off, 1 on */
	int		 quiet;		/* no progress, no per-line warnings */
	u_int		 threads;	/* CPU pool workers */
	u_int		 max_in_flight;	/* concurrent HTTP requests */
	u_int		 host_concurrency; /* a fixed cap per host, 0: none */
	int		 host_auto;	/* per host, adapted within -j */
	u_int		 max_host_connections;
	long		 timeout_ms;
	long		 connect_timeout_ms;
	u_int		 retries;
	long		 retry_max_ms;	/* cap on a backoff or Retry-After wait */
	size_t		 max_response;
	u_int		 cache_size;	/* entries */
	size_t		 cache_bytes;
	u_int		 cache_ttl;	/* seconds */
	double		 rate;		/* requests started per second, 0 = any */
	char		*user_agent;
	char		**headers;	/* "K: V" added to http requests */
	u_int		 nheaders;
	struct spec	**specs;	/* -e, in order */
	u_int		 nspecs;
	char		*errors;	/* --errors: tweets with errors */
	int		 resume;	/* keep values of an earlier run */
	double		 max_error_rate; /* exit 1 above it, if set */
	int		 max_error_set;
	char		*proxy;		/* --proxy, over the environment */
	int		 http1_1;	/* --http1.1: no HTTP/2 */
	char		*cacert;	/* --cacert: CAs trusted instead */
	char		*capath;	/* --capath: a directory of CAs */
	char		*from;		/* --from: a Redis stream URL */
	char		*to;		/* --to: a Redis stream URL, csv:, sqlite: */
	char		*output;	/* -o FILE */
	int		 cont;		/* --continue a run into -o FILE */
	char		**columns;	/* --columns NAME=POINTER,-NAME */
	u_int		 ncolumns;
	long		 claim_idle_ms;
	char		*cache_url;	/* --cache-url: a Redis cache tier */
	char		*pace_url;	/* --pace-url: shared rates, or none */
	u_int		 max_deliveries;
	long		 tweet_timeout_ms; /* 0: none */
	char		**host_rates;	/* --host-rate HOST=N */
	u_int		 nhost_rates;
	u_int		 max_quota_wait; /* seconds */
	char		*cache_file;	/* --cache-file */
	size_t		 cache_file_size;
};
extern struct options opts;

/* The cache file's counters (cachefile.c). */
struct cachefile_stats {
	uint64_t	 hits;
	uint64_t	 misses;
	uint64_t	 expired;
	uint64_t	 stored;
	uint64_t	 evicted;
	uint64_t	 corrupt;	/* entries that failed their checksum */
	uint64_t	 errors;
	uint64_t	 write_errors;
	uint64_t	 dropped;	/* the writer was too far behind */
	uint64_t	 entries;
	uint64_t	 bytes;
	uint64_t	 commits;
	double		 write_ms;	/* the loop's time in commits */
	double		 write_ms_max;
};

/* Counters for --stats and --progress. */
struct stats {
	uint64_t	 read;		/* non-empty lines read */
	uint64_t	 tweets;	/* lines that were JSON objects */
	uint64_t	 notices;	/* stream notices, not enriched */
	uint64_t	 written;
	uint64_t	 bad;
	uint64_t	 skipped;	/* --continue: in the output already */
	uint64_t	 enrichment_errors;
	uint64_t	 enrichments;	/* enrichments settled this run */
	uint64_t	 enrichments_kept; /* --resume: from the input */
	struct cachefile_stats cache_file;	/* at the end of the run */
	int		 cache_file_used;
	uint64_t	 pending;	/* tweets read, not yet written */
	uint64_t	 max_pending;
	uint64_t	 http_requests;	/* requests sent on the network */
	uint64_t	 http_retries;
	uint64_t	 http_cache_hits;
	uint64_t	 http_coalesced;
	uint64_t	 http_failures;
	uint64_t	 http_fail_timeout;
	uint64_t	 http_fail_connect;
	uint64_t	 http_fail_status;
	uint64_t	 http_fail_size;
	uint64_t	 http_fail_other;
	uint64_t	 http_max_in_flight;
	uint64_t	 http_sockets;	/* socket records held */
	uint64_t	 http_max_sockets;
	uint64_t	 http_connections;	/* opened */
	uint64_t	 http_versions[4];	/* responses in 1.0, 1.1, 2, 3 */
	uint64_t	 http_native;	/* responses on the native HTTP/2 path */
	uint64_t	 pool_jobs;
	uint64_t	 pool_max_queued;
};
extern struct stats stats;

/* One configured enrichment: an enricher, its name in the output and state. */
struct enrichment {
	const struct te_enricher	*enricher;
	char			*name;
	char			*key_json;	/* "name": ready to write */
	size_t			 key_len;
	void			*data;
};

/* Defaults an enrichment may take: --timeout, --max-response (options.c). */
long		 options_timeout_ms(void);
size_t		 options_max_response(void);

/* options.c */
void		 options_init(void);
int		 options_parse(int, char **, char **);
int		 options_set(const char *, const char *, char **);
void		 options_usage(FILE *);
const char	*options_name(u_int);
const char	*options_default(const char *);
void		 options_free(void);

/* config.c */
typedef int	(*config_option_cb)(const char *, const char *, char **);
typedef int	(*config_enrich_cb)(struct spec *, char **);
int		 config_load(const char *, config_option_cb, config_enrich_cb,
		     char **);

/* stats.c */
struct source;
void		 stats_progress_start(struct source *);
void		 stats_progress_stop(void);
void		 stats_print(FILE *);
void		 stats_pending(int);

#endif
