/*
 * tweet-enricher plugin API: what a plugin (a shared object loaded with
 * --plugin) may use, installed as <tweet-enricher/enricher.h>.
 *
 * A plugin defines two symbols:
 *
 *	TE_PLUGIN_ABI_DEFINE;
 *	int tweet_enricher_plugin(const struct te_api *te, char **cause);
 *
 * The first records the ABI the plugin was built for; a plugin built for
 * another ABI is refused (exit 2) before any of its code runs. The second
 * is called once, at start-up: it registers one or more enrichers with
 * te->register_enricher and returns 0, or returns -1 with *cause set (a
 * string from malloc, which tweet-enricher frees) to refuse to load.
 *
 * The program reaches the plugin only through the struct te_enricher
 * callbacks; the plugin reaches the program only through the te_api
 * function table it is given (keep the pointer). Nothing else of the
 * program is exported. Every callback runs on the loop thread, except a
 * CPU job's work, which runs on a pool thread and may touch nothing but
 * the job's own plain bytes. JSON values are jansson's (json_t): link
 * with jansson, and libevent for timers (pkg-config --libs tweet-enricher).
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

#define TE_PLUGIN_ABI 1

/* Put this at file scope in exactly one source file of the plugin. */
#define TE_PLUGIN_ABI_DEFINE \
	const unsigned int tweet_enricher_plugin_abi = TE_PLUGIN_ABI

struct event_base;
struct slot;		/* one enrichment of one tweet */
struct spec;		/* an enrichment's keys, as given with -e */
struct te_api;

/* How an enricher settles its slots; -L shows it. */
enum te_kind {
	TE_INLINE,	/* inside start */
	TE_TIMER,	/* from a libevent timer on te->loop_base() */
	TE_HTTP,	/* from a te->fetch callback */
	TE_CPU		/* from a te->pool_submit job's done callback */
};

/*
 * An enricher, registered with te->register_enricher (the struct must live
 * as long as the program: make it static). configure turns an enrichment's
 * keys into private state (or returns NULL with *cause set, from malloc);
 * start begins the work for one tweet and must, now or later, call
 * te->slot_settle exactly once for the slot it was given. The tweet's JSON
 * (te->slot_root) may be used only inside start. uses_tweet says whether
 * start reads the tweet at all (NULL: it does). free frees what configure
 * made; cleanup, if set, runs once at exit. keys lists the keys the
 * enricher takes and their help, "key", "help", ..., NULL ("as" is always
 * allowed); a key not listed is a configuration error.
 */
struct te_enricher {
	const char		*name;
	enum te_kind		 kind;
	const char		*help;
	const char *const	*keys;
	void			*(*configure)(struct spec *, char **);
	void			 (*start)(void *, struct slot *);
	void			 (*free)(void *);
	int			 (*uses_tweet)(void *);
	void			 (*cleanup)(void);
};

/* A CPU job: work on a pool thread (plain bytes only), then done on the
 * loop; cancel instead of done if the program exits first. */
struct te_pool_job {
	void		(*work)(struct te_pool_job *);
	void		(*done)(struct te_pool_job *);
	void		(*cancel)(struct te_pool_job *);
};

/* te->fetch flags. */
#define TE_FETCH_FOLLOW 0x1	/* follow redirects (at most 10) */
#define TE_FETCH_POLICY 0x2	/* a tweet chose the URL: apply the
				   destination policy (--allow-net) */

/* What came of a fetch; valid only during the callback. */
struct te_fetch_result {
	long		 status;	/* 0 if no HTTP response */
	const char	*body;
	size_t		 len;
	const char	*error;		/* transport failure, or NULL */
};
typedef void	(*te_fetch_cb)(void *, const struct te_fetch_result *);

/* The program's side, handed to tweet_enricher_plugin. */
struct te_api {
	unsigned int	 abi;		/* TE_PLUGIN_ABI of the program */
	size_t		 size;		/* sizeof (struct te_api) there */

	/* Add an enricher; -1 (and *cause, from malloc) if it cannot be. */
	int		 (*register_enricher)(const struct te_enricher *,
			     char **);

	/* Slots: the tweet (inside start only), settling with a value
	 * (stolen; NULL for null) or an error message (printf format). */
	json_t		*(*slot_root)(struct slot *);
	void		 (*slot_set_value)(struct slot *, json_t *);
	void		 (*slot_settle)(struct slot *, json_t *, const char *,
			     ...) __attribute__((__format__(__printf__, 3, 4)));

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
	int		 (*pointer_string)(json_t *, const char *, const char **,
			     size_t *, char **);

	/* The loop's event base: libevent timers and events of your own. */
	struct event_base *(*loop_base)(void);

	/* The CPU pool: the job must live until done or cancel is called. */
	void		 (*pool_submit)(struct te_pool_job *);

	/* HTTP on the loop, under -j, --timeout, --retries, the cache and
	 * coalescing: GET, or POST when body is not NULL (body is copied).
	 * No --header and no credentials are sent. */
	void		 (*fetch)(const char *, const char *, size_t, int,
			     te_fetch_cb, void *);

	/* A warning on stderr, prefixed with the program's name. */
	void		 (*log_warnx)(const char *, ...)
			     __attribute__((__format__(__printf__, 1, 2)));
};

/* The entry point a plugin defines. */
int	tweet_enricher_plugin(const struct te_api *, char **);
extern const unsigned int tweet_enricher_plugin_abi;

#ifdef __cplusplus
}
#endif

#endif
