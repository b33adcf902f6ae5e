/*
 * tweet-enricher: what an enricher may use, and nothing else. Every file in
 * enrichers/ includes this header only (of the project's): the enricher
 * table, the slot API, specs, JSON pointers, templates, HTTP fetches, the
 * CPU pool, the loop's event base for timers, logging and allocation.
 * Self-contained: it needs only the C library, <sys/types.h> and jansson.
 */

#ifndef ENRICHER_H
#define ENRICHER_H

#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#ifndef __unused
#define __unused __attribute__((__unused__))
#endif

struct event_base;
struct model;
struct slot;
struct spec;
struct template;

/* The kinds of enricher. */
enum enricher_kind {
	ENRICHER_INLINE,	/* settles inside start */
	ENRICHER_TIMER,		/* settles from a timer on the loop */
	ENRICHER_HTTP,		/* settles from a fetch callback */
	ENRICHER_CPU,		/* settles from a pool job's done callback */
	ENRICHER_PROCESS	/* settles from a child process's answer */
};

/*
 * An enricher: a small table of callbacks. configure turns a parsed spec
 * into the enricher's private state (or returns NULL with *cause set);
 * start begins the work for one tweet and must, now or later, call
 * slot_settle exactly once for the slot it was given. The tweet (its raw
 * text, slot_line, read with scan_*; or its JSON tree, slot_root, parsed on
 * first use) may be used only inside start; anything needed later must be
 * copied. uses_tweet says whether start reads the tweet at all (NULL: it
 * does); a tweet is parsed only when an enricher asks for the tree.
 * free frees what configure made; cleanup, if set, runs once at exit
 * whether or not the enricher was used.
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
	void			 (*cleanup)(void);
};

/* The slot of one enrichment of one tweet (tweet.c). */
json_t		*slot_root(struct slot *);
const char	*slot_line(struct slot *, size_t *);
uint64_t	 slot_seq(struct slot *);
struct model	*slot_model(struct slot *);
int		 slot_text(struct slot *, const char *, const char **, size_t *,
		     char **);
void		*slot_data(struct slot *);
void		 slot_set_value(struct slot *, json_t *);
void		 slot_settle(struct slot *, json_t *, const char *, ...)
		     __attribute__((__format__(__printf__, 3, 4)));

/*
 * The tweet model: the text and the links of a tweet in any format (v1.1,
 * Gnip, v2, twarc2), made once when first asked for (slot_model) and, like
 * slot_root, valid only inside start (model.c).
 */
#define MODEL_MAX_LINKS 64
struct model_link {
	const char	*url;		/* as the tweet has it (not NUL-ended) */
	size_t		 len;
	const char	*expanded;	/* the data's expanded_url, or NULL */
	const char	*unwound;	/* its unwound URL, or NULL */
};
const char	*model_text(struct model *, size_t *);
unsigned int	 model_nlinks(struct model *);
const struct model_link *model_link(struct model *, unsigned int);
void		 model_entities(struct model_link *, unsigned int *,
		     unsigned int, json_t *, json_t *);

/* An enrichment's keys (spec.c). */
unsigned int	 spec_count(struct spec *);
const char	*spec_key(struct spec *, unsigned int);
const char	*spec_value(struct spec *, unsigned int);
const char	*spec_get(struct spec *, const char *);
int		 spec_get_number(struct spec *, const char *, long long,
		     long long, long long, long long *, char **);

/* JSON pointers, RFC 6901 (pointer.c). */
int		 pointer_valid(const char *);
json_t		*pointer_get(json_t *, const char *);
int		 pointer_string(json_t *, const char *, const char **, size_t *,
		     char **);

/*
 * Reading a tweet's raw text without a tree (scan.c): a value is a span of
 * the text, quotes and brackets included. The text must be one the
 * validator accepted (slot_line gives it); answers match the tree's.
 */
enum scan_type {
	SCAN_NONE,
	SCAN_OBJECT,
	SCAN_ARRAY,
	SCAN_STRING,
	SCAN_NUMBER,
	SCAN_TRUE,
	SCAN_FALSE,
	SCAN_NULL
};
struct scan_value {
	enum scan_type	 type;
	const char	*text;		/* the value's JSON text */
	size_t		 len;
};
struct scan_iter {
	const char	*p;
	const char	*end;
	int		 object;
};
int		 scan_root(const char *, size_t, struct scan_value *);
int		 scan_pointer(const struct scan_value *, const char *,
		     struct scan_value *);
int		 scan_member(const struct scan_value *, const char *, size_t,
		     struct scan_value *);
int		 scan_index(const struct scan_value *, size_t,
		     struct scan_value *);
void		 scan_iter_init(struct scan_iter *, const struct scan_value *);
int		 scan_next(struct scan_iter *, struct scan_value *,
		     struct scan_value *);
char		*scan_string(const struct scan_value *, size_t *);
size_t		 scan_string_into(const struct scan_value *, char *);
int		 scan_string_eq(const struct scan_value *, const char *, size_t);
int		 scan_integer(const struct scan_value *, long long *);
int		 scan_real(const struct scan_value *, double *);
json_t		*scan_json(const struct scan_value *);

/* Templates: {/pointer} fields from the tweet (template.c). */
enum template_encoding {
	TEMPLATE_RAW,
	TEMPLATE_URL,		/* percent-encoded */
	TEMPLATE_JSON		/* JSON-escaped */
};
struct template	*template_parse(const char *, char **);
void		 template_free(struct template *);
int		 template_is_constant(struct template *);
int		 template_check_json(struct template *, char **);
char		*template_expand(struct template *, json_t *,
		     enum template_encoding, size_t *, char **);
char		*template_expand_text(struct template *, const char *, size_t,
		     enum template_encoding, size_t *, char **);

/* An HTTP request shape, owned by an enrichment for the whole run. */
#define FETCH_FOLLOW 0x1	/* follow redirects */
#define FETCH_NO_BODY 0x2	/* stop once the headers are in */
#define FETCH_PATH_AS_IS 0x4	/* no dot-segment removal in the path */
#define FETCH_POLICY 0x8	/* tweet-chosen: the destination policy */
#define FETCH_MAX_REDIRECTS 10
#define FETCH_MAX_URL 65536	/* longest URL requested */
#define FETCH_REFUSED "destination not allowed"
struct curl_slist;		/* opaque: made by fetch_headers */
struct pacer;			/* opaque: made by fetch_rate */
struct fetch_request {
	const char		*method;
	struct curl_slist	*headers;
	int			 flags;
	struct pacer		*pacer;		/* rate=, or NULL */
};

/* What came of a request; valid only during the callback. */
struct fetch_result {
	long		 status;	/* 0 if no HTTP response */
	const char	*body;
	size_t		 len;
	char		*location;	/* redirect target, absolute */
	char		*error;		/* transport failure, or NULL */
	unsigned int	 attempts;
};
typedef void	(*fetch_cb)(void *, const struct fetch_result *);

/* HTTP requests on the loop, cached and coalesced (fetch.c). */
void		 fetch_start(const struct fetch_request *, const char *,
		     const char *, size_t, fetch_cb, void *);
void		 fetch_excerpt(const struct fetch_result *, char *, size_t);
char		*fetch_resolve(const char *, const char *);
struct curl_slist *fetch_headers(struct spec *, int);
void		 fetch_headers_free(struct curl_slist *);
int		 fetch_rate(struct spec *, struct fetch_request *, char **);

/* location.c */
char		*location_strip_userinfo(const char *);

/*
 * A job for the CPU pool: work runs on a worker and sees only plain bytes
 * (no jansson, libevent or libcurl object); done runs on the loop; cancel
 * frees a job that will not be done (an early exit) (pool.c).
 */
struct pool_job {
	void		(*work)(struct pool_job *);
	void		(*done)(struct pool_job *);
	void		(*cancel)(struct pool_job *);
	struct pool_job	*next;
};
void		 pool_submit(struct pool_job *);
int		 pool_cancelled(void);

/*
 * Tweet text as twitter-text reads it (twtext.c): entities (code point
 * positions; value and rest point into the text given) and the v3
 * weighted length.
 */
#define TWTEXT_URL 0x1
#define TWTEXT_HASHTAG 0x2
#define TWTEXT_MENTION 0x4
#define TWTEXT_CASHTAG 0x8
#define TWTEXT_ALL 0xf
#define TWTEXT_ONE_KIND 0x10	/* as extractUrls, extractHashtags... */
struct twtext;
struct twtext_entity {
	int		 type;		/* TWTEXT_URL, ... */
	size_t		 start;		/* code points, end excluded */
	size_t		 end;
	const char	*value;		/* URL; tag or name without its sign */
	size_t		 value_len;
	const char	*rest;		/* a list's "/slug"; a URL's 2nd piece */
	size_t		 rest_len;
	size_t		 u16;		/* URL length in UTF-16 units */
	unsigned int	 order;
};
struct twtext	*twtext_new(void);
void		 twtext_free(struct twtext *);
void		 twtext_cleanup(void);
unsigned int	 twtext_extract(struct twtext *, const char *, size_t, int);
const struct twtext_entity *twtext_entity(struct twtext *, unsigned int);
long		 twtext_weighted_length(struct twtext *, const char *, size_t,
		     int *);

/*
 * What the tweet-aware enrichers read of a tweet straight from its text,
 * without parsing it (tweetraw.c): its type, its own full text, and its own
 * entity lists as {"hashtags", "mentions", "urls", "cashtags"} arrays of
 * strings (NULL if it has none). Valid only inside start.
 */
const char	*tweetraw_type(struct slot *, char **);
int		 tweetraw_text(struct slot *, const char **, size_t *, char **);
json_t		*tweetraw_entities(struct slot *, char **);
void		 tweetraw_cleanup(void);

/* Does a string hold the value of a ${NAME} secret? (secret.c) */
int		 secret_in(const char *);

/* The loop's event base, for timers (loop.c). */
struct event_base *loop_base(void);

/*
 * A configuration error found while running (an exec command that cannot
 * run): reading stops, what is in flight settles, the exit status is 2.
 */
void		 loop_config_error(void);

/* Defaults an enrichment may take: --timeout, --max-response (options.c). */
long		 options_timeout_ms(void);
size_t		 options_max_response(void);

/*
 * Child processes: "/bin/sh -c CMD" in a process group of its own, its
 * stdin, stdout and stderr on pipes whose ends we keep nonblocking (fds[0]
 * to write, [1] and [2] to read). exit_cb runs on the loop once it has
 * exited (with the wait status); stop_cb at the end of the run, to close
 * its input; then it is waited for, a bounded time (child.c).
 */
struct child;
typedef void	(*child_exit_cb)(struct child *, int, void *);
typedef void	(*child_stop_cb)(struct child *, void *);
struct child	*child_start(const char *, int [3], child_exit_cb,
		     child_stop_cb, void *, char **);
void		 child_kill(struct child *);
void		 child_forget(struct child *);
void		 child_status(int, char *, size_t);
int		 child_stopping(void);

/* Diagnostics (log.c) and allocation that dies on failure (xmalloc.c). */
void		 log_warnx(const char *, ...)
		     __attribute__((__format__(__printf__, 1, 2)));
void		 log_warn(const char *, ...)
		     __attribute__((__format__(__printf__, 1, 2)));
void		 log_raw(const char *, ...)
		     __attribute__((__format__(__printf__, 1, 2)));
void		 fatalx(const char *, ...)
		     __attribute__((__noreturn__, __format__(__printf__, 1, 2)));
void		 fatal(const char *, ...)
		     __attribute__((__noreturn__, __format__(__printf__, 1, 2)));
void		*xmalloc(size_t);
void		*xcalloc(size_t, size_t);
void		*xreallocarray(void *, size_t, size_t);
char		*xstrdup(const char *);
char		*xstrndup(const char *, size_t);
int		 xasprintf(char **, const char *, ...)
		     __attribute__((__format__(__printf__, 2, 3)));
int		 xvasprintf(char **, const char *, va_list);

#endif
