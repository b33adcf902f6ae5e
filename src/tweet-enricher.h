/*
 * tweet-enricher: private header. Forward declarations, the few shared
 * structures, and every module's prototypes grouped by file.
 */

#ifndef TWEET_ENRICHER_H
#define TWEET_ENRICHER_H

#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

struct event_base;
struct evbuffer;

struct enricher;
struct enrichment;
struct frame;
struct slot;
struct spec;
struct template;
struct tweet;

#ifndef __dead
#define __dead __attribute__((__noreturn__))
#endif
#ifndef __unused
#define __unused __attribute__((__unused__))
#endif
#define printflike(a, b) __attribute__((__format__(__printf__, a, b)))

/* Options shared by the modules; see the table in options.c. */
struct options {
	u_int		 max_pending;	/* tweets held at most */
	int		 keep_order;	/* write in input order */
	size_t		 max_line;	/* longest input line in bytes */
	char		*bad_lines;	/* copy bad lines to this file */
	int		 drop_notices;	/* stream notices are not written */
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
};
extern struct options opts;

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

/* The kinds of enricher. */
enum enricher_kind {
	ENRICHER_INLINE,
	ENRICHER_TIMER,
	ENRICHER_HTTP,
	ENRICHER_CPU
};

/*
 * A built-in enricher: a small table of callbacks. configure turns a parsed
 * spec into the enricher's private state (or fails with *cause set); start
 * begins the work for one tweet and must, now or later, call slot_settle
 * exactly once for the slot it was given. The tweet's JSON (slot_root) may be
 * used only inside start; anything needed later must be copied. uses_tweet
 * says whether start reads the tweet at all (NULL: it does); when no
 * enrichment does, tweets are only checked, never parsed.
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
};

/* One configured enrichment: an enricher, its name in the output and state. */
struct enrichment {
	const struct enricher	*enricher;
	char			*name;
	char			*key_json;	/* "name": ready to write */
	size_t			 key_len;
	void			*data;
};

/* Encodings for template expansion. */
enum template_encoding {
	TEMPLATE_RAW,
	TEMPLATE_URL,
	TEMPLATE_JSON
};

/* A job for the CPU pool: work runs on a worker, done on the loop; cancel
 * frees a job that will not be done (an early exit). */
struct pool_job {
	void		(*work)(struct pool_job *);
	void		(*done)(struct pool_job *);
	void		(*cancel)(struct pool_job *);
	struct pool_job	*next;
};

/* An HTTP request shape, owned by an enrichment for the whole run. */
#define FETCH_FOLLOW 0x1	/* follow redirects */
#define FETCH_NO_BODY 0x2	/* stop once the headers are in */
#define FETCH_MAX_REDIRECTS 10
struct curl_slist;
struct fetch_request {
	const char		*method;
	struct curl_slist	*headers;
	int			 flags;
};

/* What came of a request; valid only during the callback. */
struct fetch_result {
	long		 status;	/* 0 if no HTTP response */
	const char	*body;
	size_t		 len;
	char		*location;	/* redirect target, absolute */
	char		*error;		/* transport failure, or NULL */
	u_int		 attempts;
};
typedef void	(*fetch_cb)(void *, const struct fetch_result *);

/* log.c */
void		 log_progress_line(int);
void		 log_warnx(const char *, ...) printflike(1, 2);
void		 log_warn(const char *, ...) printflike(1, 2);
__dead void	 fatalx(const char *, ...) printflike(1, 2);
__dead void	 fatal(const char *, ...) printflike(1, 2);

/* xmalloc.c */
void		*xmalloc(size_t);
void		*xcalloc(size_t, size_t);
void		*xreallocarray(void *, size_t, size_t);
char		*xstrdup(const char *);
char		*xstrndup(const char *, size_t);
int		 xasprintf(char **, const char *, ...) printflike(2, 3);
int		 xvasprintf(char **, const char *, va_list);

/* cachefile.c */
struct cachefile;
struct cachefile_entry {
	long		 status;
	char		*body;		/* NUL-terminated, allocated */
	size_t		 bodylen;
	char		*location;	/* or NULL */
};
struct cachefile_stats {
	uint64_t	 hits;
	uint64_t	 misses;
	uint64_t	 expired;
	uint64_t	 stored;
	uint64_t	 evicted;
	uint64_t	 corrupt;	/* entries that failed their checksum */
	uint64_t	 errors;
	uint64_t	 write_errors;
	uint64_t	 entries;
	uint64_t	 bytes;
};
struct cachefile *cachefile_open(const char *, size_t, char **);
int		 cachefile_get(struct cachefile *, const char *, size_t, u_int,
		     struct cachefile_entry *);
void		 cachefile_put(struct cachefile *, const char *, size_t, long,
		     const char *, size_t, const char *);
void		 cachefile_flush(struct cachefile *);
u_int		 cachefile_pending(struct cachefile *);
void		 cachefile_stats(struct cachefile *, struct cachefile_stats *);
void		 cachefile_close(struct cachefile *);

/* secret.c */
int		 secret_expand(const char *, char **, char **);
int		 secret_in(const char *);
char		*secret_mask(const char *);
int		 secret_any(void);
void		 secret_free(void);

/* fetch.c */
void		 fetch_init(void);
void		 fetch_start(const struct fetch_request *, const char *,
		     const char *, size_t, fetch_cb, void *);
void		 fetch_free(void);
void		 fetch_excerpt(const struct fetch_result *, char *, size_t);
struct curl_slist *fetch_headers(struct spec *, int);
char		*fetch_resolve(const char *, const char *);

/* http.c */
json_t		*http_value(const char *, const struct fetch_result *,
		     char **);

/* unshorten.c */
#define UNSHORTEN_MAX_LINKS 32
u_int		 unshorten_links(json_t *, char **);

/* frame.c */
typedef int	(*frame_line_cb)(void *, const char *, size_t, uint64_t);
typedef void	(*frame_long_cb)(void *, const char *, size_t, uint64_t, int);
struct frame	*frame_new(size_t, frame_line_cb, frame_long_cb, void *);
void		 frame_free(struct frame *);
size_t		 frame_feed(struct frame *, const char *, size_t);
void		 frame_finish(struct frame *);
void		 frame_reset(struct frame *);

/* pointer.c */
int		 pointer_valid(const char *);
json_t		*pointer_get(json_t *, const char *);
int		 pointer_string(json_t *, const char *, const char **, size_t *,
		     char **);

/* template.c */
struct template	*template_parse(const char *, char **);
void		 template_free(struct template *);
int		 template_is_constant(struct template *);
char		*template_expand(struct template *, json_t *,
		     enum template_encoding, size_t *, char **);

/* spec.c */
struct spec	*spec_parse(const char *, char **);
struct spec	*spec_from_json(json_t *, char **);
void		 spec_free(struct spec *);
char		*spec_scalar(json_t *);
const char	*spec_name(struct spec *);
u_int		 spec_count(struct spec *);
const char	*spec_key(struct spec *, u_int);
const char	*spec_value(struct spec *, u_int);
const char	*spec_get(struct spec *, const char *);
int		 spec_get_number(struct spec *, const char *, long long,
		     long long, long long, long long *, char **);

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

/* registry.c */
void		 registry_list(FILE *);
struct enrichment *registry_configure(struct spec *, char **);
void		 registry_free(struct enrichment *);

/* loop.c */
struct event_base *loop_base(void);
void		 loop_init(void);
int		 loop_run(void);
void		 loop_free(void);
void		 loop_check_done(void);
void		 loop_fail(int);
double		 loop_elapsed(void);

/* input.c */
int		 input_open(char **, int);
void		 input_pause(int);
void		 input_resume(int);
void		 input_stop(void);
int		 input_done(void);
int		 input_paused(void);
int		 input_failed(void);
void		 input_close(void);

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

/* badlines.c */
int		 badlines_open(const char *);
int		 badlines_close(void);
void		 badlines_add(const char *, uint64_t, const char *, size_t,
		     const char *);
void		 badlines_long(const char *, uint64_t, const char *, size_t,
		     int);
void		 badlines_report(void);

/* tweet.c */
#define TWEET_PAUSE_PENDING 0x1
#define TWEET_PAUSE_OUTPUT 0x2
void		 tweet_configure(struct enrichment **, u_int);
int		 tweet_line(const char *, size_t, const char *, uint64_t);
json_t		*tweet_parse(const char *, size_t, char *, size_t);
int		 tweet_open_errors(const char *);
int		 tweet_close_errors(void);
void		 tweet_free_all(void);
json_t		*slot_root(struct slot *);
void		*slot_data(struct slot *);
void		 slot_set_value(struct slot *, json_t *);
void		 slot_settle(struct slot *, json_t *, const char *, ...)
		     printflike(3, 4);
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

/* output.c */
void		 output_init(int, int, u_int);
void		 output_tweet(struct tweet *);
int		 output_idle(void);
void		 output_flush_now(void);
void		 output_free(void);

/* pool.c */
void		 pool_submit(struct pool_job *);
int		 pool_cancelled(void);
void		 pool_free(void);

/* sha256.c */
void		 sha256_cleanup(void);

/* stats.c */
void		 stats_progress_start(void);
void		 stats_progress_stop(void);
void		 stats_print(FILE *);
void		 stats_pending(int);

#endif
