/*
 * tweet-enricher's enricher contract, installed as
 * <tweet-enricher/enricher.h>: the one definition of an enricher, its
 * kinds, a fetch's request and result and a pool job, and of the table of
 * functions (struct te_api) through which an enricher reaches the program.
 * The built-in enrichers (enrichers/, but exec) are written against this
 * header alone, so a plugin can do all that a built-in does.
 *
 * An enricher's file (built in or a plugin) defines an entry point that is
 * given the table and registers one or more enrichers with it:
 *
 *	TE_PLUGIN_ABI_DEFINE;
 *	int tweet_enricher_plugin(const struct te_api *te, char **cause);
 *
 * The first records the ABI a plugin was built for; a plugin built for
 * another ABI is refused (exit 2) before any of its code runs. The second
 * is called once, at start-up: it keeps the table, registers enrichers with
 * te->register_enricher and returns 0, or returns -1 with *cause set (a
 * string from malloc, which tweet-enricher frees) to refuse to load.
 *
 * The program reaches an enricher only through its struct te_enricher
 * callbacks; the enricher reaches the program only through the te_api
 * table. Nothing else of the program is exported. Every callback runs on
 * the loop thread, except a pool job's work, which runs on a pool thread
 * and may touch nothing but the job's own plain bytes. JSON values are
 * jansson's (json_t): link with jansson, and libevent for timers and
 * events (pkg-config --libs tweet-enricher).
 *
 * The ABI changes (TE_PLUGIN_ABI grows) whenever a struct here changes
 * layout or meaning or a member of struct te_api moves or changes type;
 * new members are only ever added at the end of struct te_api, and its
 * size member says how many the running program has.
 */

#ifndef TWEET_ENRICHER_PLUGIN_H
#define TWEET_ENRICHER_PLUGIN_H

#include <stdarg.h>
#include <stddef.h>

#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TE_PLUGIN_ABI 2

/* Put this at file scope in exactly one source file of the plugin. */
#define TE_PLUGIN_ABI_DEFINE \
	const unsigned int tweet_enricher_plugin_abi = TE_PLUGIN_ABI

/* For callback arguments an enricher does not use. */
#ifndef TE_UNUSED
#define TE_UNUSED __attribute__((__unused__))
#endif

struct curl_slist;	/* request headers, from te->headers */
struct event_base;
struct pacer;		/* a rate, from te->rate */
struct slot;		/* one enrichment of one tweet */
struct spec;		/* an enrichment's keys, as given with -e */
struct template;	/* a {/pointer} template, from te->template_parse */
struct twtext;		/* twitter-text's reader, from te->text_new */
struct te_api;

/* How an enricher settles its slots; -L shows it. */
enum te_kind {
	TE_INLINE,	/* inside start */
	TE_TIMER,	/* from a libevent timer on te->loop_base() */
	TE_HTTP,	/* from a te->fetch callback */
	TE_CPU,		/* from a te->pool_submit job's done callback */
	TE_PROCESS	/* from a child process's answer, read on the loop */
};

/*
 * An enricher, registered with te->register_enricher (the struct must live
 * as long as the program: make it static). configure turns an enrichment's
 * keys into private state (or returns NULL with *cause set, from malloc);
 * start begins the work for one tweet and must, now or later, call
 * te->slot_settle exactly once for the slot it was given. The tweet (its
 * text, te->slot_line, and what is read from it: te->field, te->tweet_*;
 * or its JSON tree, te->slot_root, parsed on first use) may be used only
 * inside start; anything needed later must be copied. A tweet is parsed
 * only when an enricher asks for its tree. free frees what configure
 * made; cleanup, if set, runs once at exit whether or not the enricher was
 * used. keys
 * lists the keys the enricher takes and their help, "key", "help", ...,
 * NULL ("as" is always allowed); a key not listed is a configuration error.
 */
struct te_enricher {
	const char		*name;
	enum te_kind		 kind;
	const char		*help;
	const char *const	*keys;
	void			*(*configure)(struct spec *, char **);
	void			 (*start)(void *, struct slot *);
	void			 (*free)(void *);
	void			 (*cleanup)(void);
};

/*
 * A job for the CPU pool (te->pool_submit): work runs on a pool thread and
 * sees only plain bytes (no jansson, libevent or libcurl object); done
 * runs on the loop; cancel, instead of done, frees a job that will not be
 * done (the program exits first). Embed it first in a struct of your own;
 * it must live until done or cancel is called. next is the pool's.
 */
struct te_pool_job {
	void			 (*work)(struct te_pool_job *);
	void			 (*done)(struct te_pool_job *);
	void			 (*cancel)(struct te_pool_job *);
	struct te_pool_job	*next;
};

/* A request's flags. */
#define TE_FETCH_FOLLOW 0x1	/* follow redirects */
#define TE_FETCH_NO_BODY 0x2	/* stop once the headers are in */
#define TE_FETCH_PATH_AS_IS 0x4	/* no dot-segment removal in the path */
#define TE_FETCH_POLICY 0x8	/* a tweet chose the URL: apply the
				   destination policy (--allow-net) */
#define TE_FETCH_MAX_REDIRECTS 10

/*
 * The shape of an enrichment's requests, kept for the whole run: the
 * method, headers (te->headers: --header and header= keys), the flags and
 * a rate (te->rate: rate=, or NULL). Requests run on the loop, under -j,
 * --timeout, --retries, --max-response, the cache and coalescing.
 */
struct te_fetch_request {
	const char		*method;
	struct curl_slist	*headers;
	int			 flags;
	struct pacer		*pacer;
};

/* What came of a request; valid only during the callback. */
struct te_fetch_result {
	long		 status;	/* 0 if no HTTP response */
	const char	*body;
	size_t		 len;
	char		*location;	/* redirect target, absolute, or NULL */
	char		*error;		/* transport failure, or NULL */
	unsigned int	 attempts;
};
typedef void	(*te_fetch_cb)(void *, const struct te_fetch_result *);

/* A link of a tweet and where its data says it leads. */
struct te_link {
	const char	*url;		/* as the tweet has it, not NUL-ended */
	size_t		 len;
	const char	*expanded;	/* the data's expanded_url, or NULL */
	const char	*unwound;	/* its unwound URL, or NULL */
};

/* The kinds of entity twitter-text finds in a text (te->text_extract). */
#define TE_TEXT_URL 0x1
#define TE_TEXT_HASHTAG 0x2
#define TE_TEXT_MENTION 0x4
#define TE_TEXT_CASHTAG 0x8
#define TE_TEXT_ALL 0xf

/* How te->template_expand encodes the values it fills in. */
enum te_template_encoding {
	TE_TEMPLATE_RAW,
	TE_TEMPLATE_URL,	/* percent-encoded */
	TE_TEMPLATE_JSON	/* JSON-escaped */
};

/* The program's side, handed to the entry point. */
struct te_api {
	unsigned int	 abi;		/* TE_PLUGIN_ABI of the program */
	size_t		 size;		/* sizeof (struct te_api) there */

	/* Add an enricher; -1 (and *cause, from malloc) if it cannot be. */
	int		 (*register_enricher)(const struct te_enricher *,
			     char **);

	/*
	 * Slots: the tweet's JSON tree (parsed on first use) or its text
	 * (inside start only), the enrichment's configured state, and
	 * settling with a value (stolen; NULL for null) or an error message
	 * (printf format); slot_set_value sets the value to be settled later.
	 */
	json_t		*(*slot_root)(struct slot *);
	const char	*(*slot_line)(struct slot *, size_t *);
	void		*(*slot_data)(struct slot *);
	void		 (*slot_set_value)(struct slot *, json_t *);
	void		 (*slot_settle)(struct slot *, json_t *, const char *,
			     ...) __attribute__((__format__(__printf__, 3, 4)));

	/*
	 * The tweet, read from its text without a parse (inside start only).
	 * field: the value at a JSON pointer (a new reference), or NULL with
	 * *cause. slot_text: the string at a pointer (from the tree), or with
	 * no pointer the tweet's own full text. tweet_type: "original",
	 * "retweet", "quote" or "reply"; tweet_text: its full text (not
	 * NUL-ended); tweet_entities: its entity lists {"hashtags",
	 * "mentions", "urls", "cashtags"}; each NULL or -1 with *cause.
	 * tweet_links: its links (retweeted and quoted tweets' too), at most
	 * max into links; links_of: the links a JSON value names (URL
	 * entities or a URL), added to links[*n] up to max.
	 */
	json_t		*(*field)(struct slot *, const char *, char **);
	int		 (*slot_text)(struct slot *, const char *,
			     const char **, size_t *, char **);
	const char	*(*tweet_type)(struct slot *, char **);
	int		 (*tweet_text)(struct slot *, const char **, size_t *,
			     char **);
	json_t		*(*tweet_entities)(struct slot *, char **);
	unsigned int	 (*tweet_links)(struct slot *, struct te_link *,
			     unsigned int);
	void		 (*links_of)(json_t *, struct te_link *,
			     unsigned int *, unsigned int);

	/* An enrichment's keys. spec_number: key within [min, max], dflt if
	 * absent; -1 with *cause on a bad value. */
	unsigned int	 (*spec_count)(struct spec *);
	const char	*(*spec_key)(struct spec *, unsigned int);
	const char	*(*spec_value)(struct spec *, unsigned int);
	const char	*(*spec_get)(struct spec *, const char *);
	int		 (*spec_number)(struct spec *, const char *, long long,
			     long long, long long, long long *, char **);

	/* JSON pointers (RFC 6901). pointer_string: the string at a pointer
	 * (0), or -1 with *cause ("no field /x", "not a string"). */
	int		 (*pointer_valid)(const char *);
	json_t		*(*pointer_get)(json_t *, const char *);
	int		 (*pointer_string)(json_t *, const char *,
			     const char **, size_t *, char **);

	/*
	 * Templates: text with {/pointer} fields, filled in from a tweet's
	 * text (te->slot_line) without a parse. template_check_json: -1 with
	 * *cause if the template cannot make JSON whatever the values.
	 */
	struct template	*(*template_parse)(const char *, char **);
	void		 (*template_free)(struct template *);
	int		 (*template_is_constant)(struct template *);
	int		 (*template_check_json)(struct template *, char **);
	char		*(*template_expand)(struct template *, const char *,
			     size_t, enum te_template_encoding, size_t *,
			     char **);

	/*
	 * HTTP. headers: the header= keys of a spec (and --header if the
	 * second argument is set), NULL if none; rate: a pacer for rate=
	 * into the request, -1 with *cause on a bad value. fetch: GET, HEAD,
	 * POST... of a URL (body, if not NULL, is copied). fetch_excerpt: a
	 * short printable excerpt of a response, for error messages.
	 */
	struct curl_slist *(*headers)(struct spec *, int);
	void		 (*headers_free)(struct curl_slist *);
	int		 (*rate)(struct spec *, struct te_fetch_request *,
			     char **);
	void		 (*fetch)(const struct te_fetch_request *, const char *,
			     const char *, size_t, te_fetch_cb, void *);
	void		 (*fetch_excerpt)(const struct te_fetch_result *,
			     char *, size_t);

	/*
	 * URLs and secrets: url_host: the host (lower case, from malloc)
	 * and port of an http(s) URL (NULL if not wanted), -1 if it has
	 * none; url_strip_userinfo: the URL without credentials (from
	 * malloc), or NULL if it has none; secret_in: does a value hold a
	 * ${NAME} secret?
	 */
	int		 (*url_host)(const char *, char **, char **);
	char		*(*url_strip_userinfo)(const char *);
	int		 (*secret_in)(const char *);

	/*
	 * Text as twitter-text reads it: text_extract finds the entities of
	 * the given kinds (TE_TEXT_*) and returns how many; text_entity gives
	 * the i-th one's kind, its value (a URL; a tag or name without its
	 * sign) and the rest of it (a list's "/slug", a URL's second piece;
	 * NULL if none), pointing into the text; text_weighted_length is the
	 * v3 weighted length (-1 if the text cannot be normalised), with
	 * whether it is a valid tweet.
	 */
	struct twtext	*(*text_new)(void);
	void		 (*text_free)(struct twtext *);
	unsigned int	 (*text_extract)(struct twtext *, const char *, size_t,
			     int);
	int		 (*text_entity)(struct twtext *, unsigned int,
			     const char **, size_t *, const char **, size_t *);
	long		 (*text_weighted_length)(struct twtext *, const char *,
			     size_t, int *);

	/* The loop's event base: libevent timers and events of your own. */
	struct event_base *(*loop_base)(void);

	/* The CPU pool; pool_cancelled, from work: is the program quitting? */
	void		 (*pool_submit)(struct te_pool_job *);
	int		 (*pool_cancelled)(void);

	/* A warning on stderr, prefixed with the program's name; fatalx
	 * exits. Allocation that cannot fail (it exits if memory is out). */
	void		 (*log_warnx)(const char *, ...)
			     __attribute__((__format__(__printf__, 1, 2)));
	void		 (*fatalx)(const char *, ...)
			     __attribute__((__format__(__printf__, 1, 2)))
			     __attribute__((__noreturn__));
	void		*(*xmalloc)(size_t);
	void		*(*xcalloc)(size_t, size_t);
	void		*(*xreallocarray)(void *, size_t, size_t);
	char		*(*xstrdup)(const char *);
	char		*(*xstrndup)(const char *, size_t);
	int		 (*xasprintf)(char **, const char *, ...)
			     __attribute__((__format__(__printf__, 2, 3)));

	/*
	 * Added later (a program too old for them has a smaller size).
	 * slot_expand is template_expand on the slot's tweet (inside start
	 * only), its fields found through the top-level members the checker
	 * already found rather than by a scan of the whole text.
	 */
	char		*(*slot_expand)(struct slot *, struct template *,
			     enum te_template_encoding, size_t *, char **);

	/*
	 * json_select: the value at a JSON pointer in a JSON text (a
	 * response, of any type): 1 and a new reference in *out, 0 if the
	 * pointer names nothing there, -1 if the text is not JSON as
	 * json_loadb(JSON_DECODE_ANY|JSON_ALLOW_NUL) reads it. Only the
	 * value named is built, not the whole tree.
	 */
	int		 (*json_select)(const char *, size_t, const char *,
			     json_t **);

	/*
	 * slot_settle_text: settle with the value a JSON text reads as
	 * (json_loadb, JSON_DECODE_ANY|JSON_ALLOW_NUL), kept as the text and
	 * written as it is when it is already written as the output writes
	 * it (compact, jansson's escapes, integers, no key twice): 1. 0, and
	 * the slot left unsettled, when it is not (parse it yourself).
	 */
	int		 (*slot_settle_text)(struct slot *, const char *,
			     size_t);
};

/* The entry point a plugin defines. */
int	tweet_enricher_plugin(const struct te_api *, char **);
extern const unsigned int tweet_enricher_plugin_abi;

#ifdef __cplusplus
}
#endif

#endif
