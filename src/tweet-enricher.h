/*
 * tweet-enricher: private header of the core. Forward declarations, the few
 * shared structures, and every module's prototypes grouped by file. What
 * enrichers may use is in enricher.h (included here), not repeated.
 */

#ifndef TWEET_ENRICHER_H
#define TWEET_ENRICHER_H

#include <sys/types.h>
#include <sys/queue.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "enricher.h"

struct evbuffer;

struct enrichment;
struct frame;
struct split;
struct unpack;
struct tweet;
struct twtext;

#ifndef __dead
#define __dead __attribute__((__noreturn__))
#endif
#define printflike(a, b) __attribute__((__format__(__printf__, a, b)))

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
	char		*from;		/* --from: a Redis stream URL */
	char		*to;		/* --to: a Redis stream URL */
	long		 claim_idle_ms;
	char		*cache_url;	/* --cache-url: a Redis cache tier */
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
	uint64_t	 pool_jobs;
	uint64_t	 pool_max_queued;
};
extern struct stats stats;

/* One configured enrichment: an enricher, its name in the output and state. */
struct enrichment {
	const struct enricher	*enricher;
	char			*name;
	char			*key_json;	/* "name": ready to write */
	size_t			 key_len;
	void			*data;
};

/* log.c (and enricher.h) */
void		 log_progress_line(int);

/* cachefile.c */
struct cachefile;
struct cachefile_entry {
	long		 status;
	char		*body;		/* NUL-terminated, allocated */
	size_t		 bodylen;
	char		*location;	/* or NULL */
};
struct cachefile *cachefile_open(const char *, size_t, char **);
int		 cachefile_get(struct cachefile *, const char *, size_t, u_int,
		     struct cachefile_entry *);
void		 cachefile_put(struct cachefile *, const char *, size_t, long,
		     const char *, size_t, const char *);
void		 cachefile_flush(struct cachefile *);
void		 cachefile_wait(struct cachefile *);
u_int		 cachefile_pending(struct cachefile *);
void		 cachefile_stats(struct cachefile *, struct cachefile_stats *);
void		 cachefile_close(struct cachefile *);
void		 cachefile_tier(const char *, size_t);

/* pace.c */
struct pacer;
struct pace_item {
	TAILQ_ENTRY(pace_item)	 entry;
	struct pacer		*pacer;		/* holding it */
	int			 released;	/* its turn came */
};
typedef void	(*pace_release_cb)(struct pace_item *);
double		 pace_now(void);
void		 pace_init(pace_release_cb);
void		 pace_arm(struct pacer *);
struct pacer	*pace_rate(const char *, double);
void		 pace_host_of(const char *, char *, size_t);
struct pacer	*pace_host(const char *, int);
double		 pace_wait(struct pacer *, double);
int		 pace_paused(struct pacer *, double);
double		 pace_paused_until(struct pacer *);
const char	*pace_name(struct pacer *);
void		 pace_hold(struct pacer *, struct pace_item *);
int		 pace_busy(struct pacer *);
void		 pace_book(struct pacer *, double);
void		 pace_pause(struct pacer *, double, double);
void		 pace_progress(char *, size_t);
json_t		*pace_stats(void);
void		 pace_stop(void);
void		 pace_free(void);

/* secret.c (and enricher.h) */
int		 secret_expand(const char *, char **, char **);
char		*secret_mask(const char *);
int		 secret_any(void);
void		 secret_free(void);

/* fetch.c (and enricher.h) */
void		 fetch_init(void);
void		 fetch_free(void);

/* location.c (and enricher.h) */
#define LOCATION_MAX 8192	/* longest Location followed */
char		*location_resolve(const char *, const char *, char **);
int		 location_same_origin(const char *, const char *);
int		 location_host_port(const char *, char **, char **);

/* netpolicy.c */
struct sockaddr;
int		 netpolicy_global(const struct sockaddr *);
int		 netpolicy_allowed(const struct sockaddr *);
int		 netpolicy_allowed_text(const char *, u_int);
int		 netpolicy_parse_net(const char *, int *, u_char *, u_int *,
		     char **);
int		 netpolicy_allow_net(const char *, char **);
int		 netpolicy_allow_port(const char *, char **);
void		 netpolicy_check_host(const char *, const char *,
		     void (*)(void *, int), void *);
void		 netpolicy_free(void);

/* proxy.c */
const char	*proxy_for(const char *);

/* fetch-multi.c */
struct fetch_easy {
	void		*curl;		/* CURL * */
	char		 errbuf[256];	/* CURL_ERROR_SIZE */
};
typedef void	(*fetch_multi_done_cb)(void *, int);
void		 fetch_multi_init(fetch_multi_done_cb);
struct fetch_easy *fetch_multi_easy(void);
void		 fetch_multi_add(struct fetch_easy *);
void		 fetch_multi_put(struct fetch_easy *);
void		 fetch_multi_free(void);

/*
 * cache.c: responses by key bytes, in tiers (memory first). A backend's get
 * returns CACHE_HIT with *v filled (valid until its release, if it has one),
 * CACHE_MISS, or, if async is set, CACHE_LATER and calls cache_answer with
 * the lookup it was given, from the loop. A value's body is bodylen bytes
 * and a NUL; stored is wall-clock seconds (see cache_now).
 */
#define CACHE_MISS 0
#define CACHE_HIT 1
#define CACHE_LATER 2
struct cache_lookup;
struct cache_value {
	long		 status;
	const char	*body;
	size_t		 bodylen;
	const char	*location;	/* redirect target, or NULL */
	double		 stored;
	u_int		 tier;		/* cache.c's */
	void		*ref;		/* the backend's */
};
typedef void	(*cache_cb)(void *, const struct cache_value *);
struct cache_backend {
	const char	*name;
	int		 async;
	int		(*get)(void *, const char *, size_t, struct cache_value *,
			    struct cache_lookup *);
	void		(*release)(void *, struct cache_value *);
	void		(*put)(void *, const char *, size_t,
			    const struct cache_value *);
	void		(*expire)(void *, const char *, size_t);
	void		(*free)(void *);
};
double		 cache_now(void);
uint32_t	 cache_hash(const char *, size_t);
void		 cache_init(u_int, size_t);
void		 cache_add(const struct cache_backend *, void *);
int		 cache_get(const char *, size_t, struct cache_value *,
		     struct cache_lookup **);
void		 cache_wait(struct cache_lookup *, cache_cb, void *);
void		 cache_release(struct cache_value *);
void		 cache_answer(struct cache_lookup *, const struct cache_value *);
void		 cache_drop(struct cache_lookup *);
void		 cache_put(const char *, size_t, long, const char *, size_t,
		     const char *);
void		 cache_expire(const char *, size_t);
void		 cache_free(void);

/* frame.c */
typedef int	(*frame_line_cb)(void *, const char *, size_t, uint64_t);
typedef void	(*frame_long_cb)(void *, const char *, size_t, uint64_t, int);
typedef void	(*split_bad_cb)(void *, uint64_t, const char *);
struct frame	*frame_new(size_t, frame_line_cb, frame_long_cb, void *);
void		 frame_free(struct frame *);
size_t		 frame_feed(struct frame *, const char *, size_t);
void		 frame_finish(struct frame *);
void		 frame_reset(struct frame *);
void		 frame_split(struct frame *, const char *, split_bad_cb);

/* spec.c (and enricher.h) */
struct spec	*spec_parse(const char *, char **);
struct spec	*spec_from_json(json_t *, char **);
void		 spec_free(struct spec *);
char		*spec_scalar(json_t *);
const char	*spec_name(struct spec *);

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

/* redis.c */
struct redis;
struct redis_param {
	char	*key;
	char	*value;
};
struct redis_url {
	char			*host;
	int			 port;
	char			*user;
	char			*pass;
	int			 db;
	char			*key;		/* stream name, or NULL */
	struct redis_param	*params;
	u_int			 nparams;
};
typedef void	(*redis_cb)(void *);
typedef void	(*redis_reply_cb)(void *, void *);
struct redis_url *redis_url_parse(const char *, int, char **);
void		 redis_url_free(struct redis_url *);
const char	*redis_url_param(struct redis_url *, const char *);
int		 redis_url_check(struct redis_url *, const char *,
		     const char *const *, char **);
int		 redis_url_same_server(struct redis_url *, struct redis_url *);
#define REDIS_OPTIONAL 0x1	/* never fatal: a cache may be away */
struct redis	*redis_open(struct redis_url *, int, redis_cb, redis_cb,
		     void *);
void		 redis_close(struct redis *);
void		 redis_flush(struct redis *, int);
const char	*redis_name(struct redis *);
int		 redis_ready(struct redis *);
int		 redis_starting(struct redis *);
int		 redis_command(struct redis *, redis_reply_cb, void *, int,
		     const char **, const size_t *);
void		 redis_set_block(struct redis *, long);
void		 redis_set_stall(struct redis *, long);

/* redis-source.c */
struct redis_source_stats {
	uint64_t	 read;		/* entries read */
	uint64_t	 acked;		/* acknowledged after the output */
	uint64_t	 claimed;	/* taken over from idle consumers */
	uint64_t	 dead;		/* sent to the dead-letter stream */
	uint64_t	 lost_to_others; /* claimed from us while we held them */
};
extern struct redis_source_stats redis_source_stats;
int		 redis_source_configure(const char *, char **);
void		 redis_source_set(long, long);
struct redis_url *redis_source_url(void);
const char	*redis_source_group(void);
const char	*redis_source_consumer(void);
void		 redis_source_start(void);
void		 redis_source_kick(void);
void		 redis_source_stop(void);
int		 redis_source_done(void);
int		 redis_source_idle(void);
void		 redis_source_ack(const char *);
void		 redis_source_forget(const char *);
void		 redis_source_free(void);

/* redis-cache.c */
struct redis_cache_stats {
	uint64_t	 hits;
	uint64_t	 misses;
	uint64_t	 stored;
	uint64_t	 errors;	/* down, refused or unanswered: misses */
};
extern struct redis_cache_stats redis_cache_stats;
int		 redis_cache_check(const char *, char **);
void		 redis_cache_tier(const char *);

/* redis-sink.c */
struct redis_sink_stats {
	uint64_t	 written;	/* entries added */
	uint64_t	 not_ours;	/* claimed by another consumer meanwhile */
	uint64_t	 errors;	/* writes the server refused (retried) */
};
extern struct redis_sink_stats redis_sink_stats;
int		 redis_sink_configure(const char *, char **);
int		 redis_sink_exactly_once(void);
void		 redis_sink_start(void);
void		 redis_sink_put(const char *, size_t, const char *);
size_t		 redis_sink_backlog(void);
int		 redis_sink_idle(void);
void		 redis_sink_free(void);

struct event_base *loop_base(void);
/* child.c (and enricher.h) */
void		 child_shutdown(void);

/* loop.c (and enricher.h) */
void		 loop_init(void);
int		 loop_run(void);
void		 loop_free(void);
void		 loop_check_done(void);
void		 loop_fail(int);
double		 loop_elapsed(void);

/* hint.c */
#define HINT_UTF16 0x1
#define HINT_COMPRESSED 0x2
#define HINT_GZIP 0x4
#define HINT_PAGE 0x8
#define HINT_ARRAY 0x10
#define HINT_PRETTY 0x20
void		 hint_note(int);
void		 hint_page(const char *);
void		 hint_bad(const char *, size_t);
int		 hint_report(void);

/* split.c */
struct split	*split_new(const char *, size_t, frame_line_cb, frame_long_cb,
		     split_bad_cb, void *);
void		 split_reset(struct split *);
void		 split_free(struct split *);
size_t		 split_feed(struct split *, const char *, size_t);
void		 split_finish(struct split *);

/* unpack.c */
struct unpack	*unpack_new(void);
void		 unpack_reset(struct unpack *);
void		 unpack_free(struct unpack *);
int		 unpack_pending(struct unpack *);
ssize_t		 unpack_read(struct unpack *, int, char *, size_t,
		     const char *);

/* input.c */
void		 input_open_stream(void);
u_int		 input_room(void);
int		 input_open(char **, int);
enum input_gauge {
	INPUT_PENDING,		/* tweets held (stats.pending) */
	INPUT_OUTPUT		/* bytes of output not yet taken */
};
void		 input_fill(enum input_gauge, size_t);
void		 input_stop(void);
int		 input_done(void);
int		 input_failed(void);
void		 input_close(void);

/* pointer.c (the rest is in enricher.h) */
#define POINTER_TOKEN_MAX 1024
const char	*pointer_token(const char *, char *, size_t, size_t *);

/* rawjson.c */
struct rawjson_member {
	size_t		 key;		/* its opening quote */
	size_t		 value;		/* the value's first byte */
	size_t		 end;		/* just after the value */
};
size_t		 rawjson_ws(const char *, size_t, size_t);
size_t		 rawjson_skip(const char *, size_t, size_t);
ssize_t		 rawjson_decode(const char *, size_t, size_t, char *, size_t);
int		 rawjson_key_is(const char *, size_t, size_t, const char *);
int		 rawjson_open(const char *, size_t, size_t, size_t *);
int		 rawjson_next(const char *, size_t, size_t *,
		     struct rawjson_member *);

/* validate.c */
#define VALIDATE_EMPTY 0x1
#define VALIDATE_RESERVED 0x2
int		 validate_tweet(const char *, size_t, char *, size_t);
#define VALIDATE_MAX_MEMBERS 256
int		 validate_members(const struct rawjson_member **);

/* badlines.c */
int		 badlines_check(const char *, char **, int);
int		 badlines_check_file(const char *, const char *, char **, int);
int		 badlines_close(void);
void		 badlines_add(const char *, uint64_t, const char *, size_t,
		     const char *);
void		 badlines_long(const char *, uint64_t, const char *, size_t,
		     int);
void		 badlines_report(void);

/* tweet.c */
int		 slot_members(struct slot *, const struct rawjson_member **);
void		 tweet_configure(struct enrichment **, u_int);
void		 tweet_line(const char *, size_t, const char *, uint64_t);
int		 tweet_entry(const char *, size_t, const char *, const char *);
const char	*tweet_origin(struct tweet *);
json_t		*tweet_parse(const char *, size_t, char *, size_t);
int		 tweet_open_errors(const char *);
int		 tweet_close_errors(void);
void		 tweet_close(void);
void		 tweet_free_all(void);
void		 tweet_write(struct tweet *, struct evbuffer *);
uint64_t	 tweet_seq(struct tweet *);
void		 tweet_free(struct tweet *);

/* merge.c */
struct merge_item {
	const char	*name;
	const char	*key_json;	/* "name": */
	size_t		 key_len;
	json_t		*value;		/* NULL for null */
	const char	*error;		/* or NULL */
	int		 keep;		/* --resume: leave the input's value */
};
void		 merge_write(const char *, size_t, const struct merge_item *,
		     u_int, struct evbuffer *);

/* model.c (what enrichers use of it is in enricher.h) */
#define MODEL_UNKNOWN 0
#define MODEL_V11 1
#define MODEL_GNIP 2
#define MODEL_V2 3
#define MODEL_TWARC2 4
struct model	*model_new(json_t *);
void		 model_free(struct model *);
int		 model_format(struct model *);
const char	*model_format_name(int);
int		 model_same_url(const char *, size_t, const char *, size_t);
void		 model_add(struct model_link *, u_int *, u_int, const char *,
		     size_t, const char *, const char *);

/* output.c */
void		 output_init(int, int, u_int);
void		 output_tweet(struct tweet *);
int		 output_idle(void);
void		 output_flush_now(void);
void		 output_free(void);
void		 output_sink_drained(void);

/* pool.c (and enricher.h) */
void		 pool_free(void);

/* stats.c */
void		 stats_progress_start(void);
void		 stats_progress_stop(void);
void		 stats_print(FILE *);
void		 stats_pending(int);

#endif
