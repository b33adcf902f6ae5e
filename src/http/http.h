/*
 * http: requests on the loop (fetch.c and the fetch-*.c files, which share
 * fetch-int.h), redirects (location.c), the destination policy (netpolicy.c,
 * proxy.c), pacing and quotas (pace.c) and the response cache in tiers
 * (cache.c, cachefile.c and cachefile-write.c, cachefile-tier.c).
 */

#ifndef TE_HTTP_H
#define TE_HTTP_H

#include <sys/types.h>
#include <sys/queue.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "core.h"
#include "tweet-enricher/enricher.h"

struct spec;

/*
 * A request's shape (struct te_fetch_request, owned by an enrichment for
 * the whole run), its flags and its result (struct te_fetch_result, valid
 * only during the callback) are the enricher contract's
 * (<tweet-enricher/enricher.h>).
 */
#define FETCH_FOLLOW TE_FETCH_FOLLOW
#define FETCH_NO_BODY TE_FETCH_NO_BODY
#define FETCH_PATH_AS_IS TE_FETCH_PATH_AS_IS
#define FETCH_POLICY TE_FETCH_POLICY
#define FETCH_MAX_REDIRECTS TE_FETCH_MAX_REDIRECTS
#define FETCH_MAX_URL 65536	/* longest URL requested */
#define FETCH_REFUSED "destination not allowed"
struct curl_slist;		/* opaque: made by fetch_headers */
struct pacer;			/* opaque: made by fetch_rate */

/* HTTP requests on the loop, cached and coalesced (fetch.c). */
void		 fetch_start(const struct te_fetch_request *, const char *,
		     const char *, size_t, te_fetch_cb, void *);
void		 fetch_excerpt(const struct te_fetch_result *, char *, size_t);
char		*fetch_resolve(const char *, const char *);
struct curl_slist *fetch_headers(struct spec *, int);
void		 fetch_headers_free(struct curl_slist *);
int		 fetch_rate(struct spec *, struct te_fetch_request *, char **);

/* location.c */
char		*location_strip_userinfo(const char *);

/* cachefile.c */
struct cachefile;
struct cachefile_entry {
	long		 status;
	char		*body;		/* NUL-terminated, allocated */
	size_t		 bodylen;
	char		*location;	/* or NULL */
	int64_t		 stored;	/* epoch seconds */
};
struct cachefile *cachefile_open(const char *, size_t, char **);
int		 cachefile_get(struct cachefile *, const char *, size_t, u_int,
		     struct cachefile_entry *);
void		 cachefile_put(struct cachefile *, const char *, size_t, long,
		     const char *, size_t, const char *);
void		 cachefile_idle(struct cachefile *);
void		 cachefile_flush(struct cachefile *);
void		 cachefile_wait(struct cachefile *);
u_int		 cachefile_pending(struct cachefile *);
void		 cachefile_stats(struct cachefile *, struct cachefile_stats *);
void		 cachefile_close(struct cachefile *);

/* cachefile-tier.c */
void		 cachefile_tier(const char *, size_t);

/* hostlimit.c */
struct hostlimit;
struct hostlimit *hostlimit_new(const char *, u_int, int);
void		 hostlimit_free(struct hostlimit *);
u_int		 hostlimit_limit(struct hostlimit *);
u_int		 hostlimit_inflight(struct hostlimit *);
int		 hostlimit_room(struct hostlimit *);
u_int		 hostlimit_start(struct hostlimit *);
void		 hostlimit_end(struct hostlimit *, u_int, double, int, double);
void		 hostlimit_progress(char *, size_t);
json_t		*hostlimit_stats(void);

/* pace.c */
struct pacer;
struct pace_item {
	TAILQ_ENTRY(pace_item)	 entry;
	struct pacer		*pacer;		/* holding it */
	int			 released;	/* its turn came */
	u_int			 grants;	/* shared pacers passed */
};
typedef void	(*pace_release_cb)(struct pace_item *);
void		 pace_init(pace_release_cb);
void		 pace_arm(struct pacer *);
struct pacer	*pace_rate(const char *, double);
char		*pace_key(const char *);
struct pacer	*pace_host(const char *);
int		 pace_hosts_any(void);
struct pacer	*pace_quota(const char *, uint32_t, int);
double		 pace_wait(struct pacer *, double);
int		 pace_paused(struct pacer *, double);
double		 pace_paused_until(struct pacer *);
const char	*pace_name(struct pacer *);
void		 pace_hold(struct pacer *, struct pace_item *);
int		 pace_busy(struct pacer *);
void		 pace_release_all(void);
void		 pace_book(struct pacer *, double);
void		 pace_book_times(struct pacer *, double, double);
double		 pace_interval(struct pacer *, const char **);
int		 pace_asking(struct pacer *);
void		 pace_ask_hold(struct pacer *, struct pace_item *);
void		 pace_ask_done(struct pacer *, double, u_int);
int		 pace_full(struct pacer *);
u_int		 pace_begin(struct pacer *);
void		 pace_done(struct pacer *, u_int, double, int);
void		 pace_delay(struct pacer *, double);
void		 pace_pause(struct pacer *, double, double);
void		 pace_progress(char *, size_t);
json_t		*pace_stats(void);
json_t		*pace_counts(void);
void		 pace_stop(void);
void		 pace_free(void);

/*
 * pace-shared.c: --host-rate and rate= as totals for every instance using
 * one server, and quota windows seen by one pausing all, through a
 * backend (redis-pace.c). The backend's ask answers through the callback
 * it is given: PACE_SAID_GO, _WAIT or _QUOTA (paused) with seconds to
 * wait, or _ERROR; it reports itself up or down with the instances it
 * last saw through pace_shared_state.
 */
#define PACE_SAID_ERROR -1
#define PACE_SAID_GO 0
#define PACE_SAID_WAIT 1
#define PACE_SAID_QUOTA 2
typedef void	(*pace_answer_cb)(void *, int, double);
struct pace_backend {
	int		(*ask)(void *, const char *, const char *, double,
			    pace_answer_cb, void *);
	void		(*pause)(void *, const char *, double);
	void		(*free)(void *);
};
void		 pace_shared_set(const struct pace_backend *, void *,
		     const char *);
void		 pace_shared_state(int, u_int);
void		 pace_shared_rates(int);
void		 pace_shared_started(void);
int		 pace_shared_gate(struct pacer **, u_int, struct pace_item *,
		     const char *, uint32_t);
void		 pace_shared_book(struct pacer *, double);
void		 pace_shared_pause(const char *, uint32_t, double);
void		 pace_shared_heard(const char *, double);
json_t		*pace_shared_stats(void);
void		 pace_shared_free(void);

/* fetch.c (and the enricher contract, api.c) */
void		 fetch_init(void);
void		 fetch_free(void);

/* location.c (and the enricher contract, api.c) */
#define LOCATION_MAX 8192	/* longest Location followed */
char		*location_resolve(const char *, const char *, char **);
int		 location_same_origin(const char *, const char *);
char		*location_userinfo(const char *);
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

/* hostlat.c: lookups' latency per host, for --stats. */
struct latency	*hostlat_of(const char *);
void		 hostlat_done(const char *, double, u_int, int);
void		 hostlat_hit(const char *);
json_t		*hostlat_json(void);
void		 hostlat_free(void);

/* proxy.c */
const char	*proxy_for(const char *);

/* conn.c (the rest in fetch-int.h) */
int		 conn_check_cacert(const char *, char **);
int		 conn_check_capath(const char *, char **);

/*
 * cache.c: responses by key bytes, in tiers (memory first). A backend's get
 * returns CACHE_HIT with *v filled (valid until its release, if it has one),
 * CACHE_MISS, or, if async is set, CACHE_LATER and calls cache_answer with
 * the lookup it was given, from the loop. A value's body is bodylen bytes
 * and a NUL; stored is wall-clock seconds (clock_wall).
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
	int		 near;		/* hits not copied into earlier tiers */
	int		(*get)(void *, const char *, size_t, struct cache_value *,
			    struct cache_lookup *);
	void		(*release)(void *, struct cache_value *);
	void		(*put)(void *, const char *, size_t,
			    const struct cache_value *);
	void		(*expire)(void *, const char *, size_t);
	void		(*free)(void *);
};
void		 cache_init(u_int, size_t);
void		 cache_add(const struct cache_backend *, void *);
int		 cache_get(const char *, size_t, struct cache_value *,
		     struct cache_lookup **);
int		 cache_get_hashed(const char *, size_t, uint32_t,
		     struct cache_value *, struct cache_lookup **);
void		 cache_wait(struct cache_lookup *, cache_cb, void *);
void		 cache_release(struct cache_value *);
void		 cache_answer(struct cache_lookup *, const struct cache_value *);
void		 cache_drop(struct cache_lookup *);
void		 cache_put(const char *, size_t, long, const char *, size_t,
		     const char *);
void		 cache_put_hashed(const char *, size_t, uint32_t, long,
		     const char *, size_t, const char *);
void		 cache_expire(const char *, size_t);
void		 cache_free(void);

#endif
