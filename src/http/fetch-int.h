/*
 * http/fetch-int.h: what the fetch files share, included by them alone. A
 * request in flight (struct fetch_entry) goes through fetch.c (the API, the
 * table of requests in flight, the queue, what a transfer's end leads to),
 * fetch-key.c (its key), fetch-transfer.c (one transfer on a curl handle),
 * fetch-policy.c (its headers, retries and quota), fetch-redirect.c (its
 * redirects) and fetch-multi.c (the multi handles on the loop), with
 * conn.c (how a transfer connects: HTTP version, CAs, connection counts).
 * Calls go that way down: none of the others calls fetch.c but through a
 * callback.
 */

#ifndef TE_FETCH_INT_H
#define TE_FETCH_INT_H

#include <sys/queue.h>

#include <curl/curl.h>

struct fetch_waiter;
struct h2_stream;

enum fetch_state {
	FETCH_LOOKUP,		/* a cache tier answers later */
	FETCH_QUEUED,		/* waiting for a transfer slot */
	FETCH_RUNNING,
	FETCH_BACKOFF,		/* waiting to retry */
	FETCH_HELD,		/* on a pacer, waiting for its turn */
	FETCH_DONE		/* answered, about to go */
};

struct fetch_entry {
	char				*key;
	size_t				 keylen;
	struct hash_node		 node;		/* in fetch_table */
	enum fetch_state		 state;
	TAILQ_HEAD(, fetch_waiter)	 waiters;
	TAILQ_ENTRY(fetch_entry)	 qentry;	/* queue */

	/* The request; url and body point into key. */
	const struct te_fetch_request	*req;		/* while waiters wait */
	const char			*url;
	const char			*body;
	size_t				 bodylen;
	u_int				 attempts;
	struct event			*retry_ev;
	struct event			*watchdog;
	struct fetch_easy		*easy;
	struct h2_stream		*h2;		/* native: h2.c */
	struct pace_item		 pitem;		/* FETCH_HELD */
	struct pacer			*host;		/* counts it in flight */
	double				 host_since;	/* started there */
	u_int				 host_epoch;	/* its limit then */
	double				 quota_since;	/* first stopped */
	char				*pace_key;	/* host:port, see fetch_pace_id */
	uint32_t			 creds;		/* 0: none sent */
	int				 pace_known;	/* both set for this hop */

	/* Redirects followed here (FETCH_FOLLOW). */
	char				*hop_url;	/* NULL: url */
	u_int				 redirects;
	int				 cross;		/* left the origin */
	int				 as_get;	/* 303: GET, no body */
	int				 policed;	/* the policy applies */
	int				 proxied;	/* through a proxy */
	int				 dest_checked;	/* resolved by us */
	int				 refused;	/* by the policy */

	/* The response. */
	struct te_fetch_result		 res;
	char				*data;
	size_t				 size;
	int				 too_big;
	int				 got_headers;	/* FETCH_NO_BODY */
};
TAILQ_HEAD(fetch_list, fetch_entry);

/* fetch-multi.c */
struct fetch_multi;
struct fetch_easy {
	void		*curl;		/* CURL * */
	char		 errbuf[256];	/* CURL_ERROR_SIZE */
	int		 mux;		/* may multiplex (conn_setopt) */
	int		 state;		/* FETCH_EASY_* */
	int		 waits;		/* for its host's version (conn.c) */
	int		 connected;	/* has its connection */
	struct fetch_multi *added;	/* the multi handle it is on */
	TAILQ_ENTRY(fetch_easy) entry;	/* on the multiplexing one */
};
#define FETCH_EASY_NEW 0	/* no options set */
#define FETCH_EASY_PLAIN 1	/* the common options, a GET's own */
#define FETCH_EASY_DIRTY 2	/* more: reset it before the next */
typedef void	(*fetch_multi_done_cb)(void *, int);
typedef int	(*fetch_multi_native_cb)(void *);
void		 fetch_multi_init(fetch_multi_done_cb, fetch_multi_native_cb);
struct fetch_easy *fetch_multi_easy(void);
void		 fetch_multi_add(struct fetch_easy *);
void		 fetch_multi_put(struct fetch_easy *);
void		 fetch_multi_unmux(void);
void		 fetch_multi_free(void);

/* fetch-printf.c */
void		 fetch_printf_init(void);
u_long		 fetch_printf_calls(void);

/* conn.c (its option checks in http.h) */
#define CONN_H2 1		/* a host multiplexes */
#define CONN_H1 2		/* a host answers https in HTTP/1 */
int		 conn_version(const char *);
u_int		 conn_learnt_count(void);
void		 conn_setopt(struct fetch_easy *, const char *, int);
int		 conn_recheck(struct fetch_easy *, const char *);
void		 conn_done(struct fetch_easy *);
void		 conn_free(void);

int		 conn_native(const char *, char *, size_t, int *);

/* h2.c */
typedef void	(*h2_fallback_cb)(struct fetch_entry *);
typedef int	(*h2_body_cb)(struct fetch_entry *, const char *, size_t);
void		 h2_init(fetch_multi_done_cb, h2_fallback_cb, h2_body_cb);
void		 h2_free(void);
int		 h2_start(struct fetch_entry *, const char *);
void		 h2_end(struct fetch_entry *);
void		 h2_timeout(struct fetch_entry *, long);
long		 h2_status(struct fetch_entry *);
const char	*h2_header(struct fetch_entry *, const char *);
long long	 h2_retry_after(struct fetch_entry *);
void		 h2_times(struct fetch_entry *, curl_off_t *, curl_off_t *);
const char	*h2_error(struct fetch_entry *);

/* fetch-key.c */
struct fetch_key {
	char	*buf;
	size_t	 len;
	size_t	 size;
	size_t	 url_off;
	size_t	 body_off;
};
void		 fetch_key(struct fetch_key *, const struct te_fetch_request *,
		     const char *, const char *, size_t);

/* fetch-transfer.c */
typedef void	(*fetch_refused_cb)(struct fetch_entry *);
void		 fetch_transfer_init(fetch_multi_done_cb, fetch_refused_cb);
void		 fetch_transfer_free(void);
void		 fetch_transfer_start(struct fetch_entry *);
void		 fetch_transfer_end(struct fetch_entry *);
void		 fetch_transfer_forget(struct fetch_entry *);
u_int		 fetch_transfer_count(void);
long		 fetch_transfer_status(struct fetch_entry *);
curl_off_t	 fetch_transfer_retry_after(struct fetch_entry *);

/* fetch-policy.c */
#define FETCH_GO 1		/* fetch_gate: start it */
#define FETCH_HOLD 0		/* on a pacer */
#define FETCH_FAILED -1		/* answered with an error */
const char	*fetch_cur_url(struct fetch_entry *);
int		 fetch_policed(struct fetch_entry *);
const char	*fetch_header(struct fetch_entry *, const char *);
int		 fetch_gate(struct fetch_entry *, double, int);
void		 fetch_cancel(struct fetch_entry *);
void		 fetch_host_done(struct fetch_entry *, int, int);
int		 fetch_quota(struct fetch_entry *, CURLcode, long, curl_off_t);
int		 fetch_should_retry(struct fetch_entry *, CURLcode, long, int,
		     int);
long		 fetch_backoff_ms(struct fetch_entry *, curl_off_t);
void		 fetch_fail(struct fetch_entry *, CURLcode);

/* fetch-redirect.c */
int		 fetch_is_redirect(long);
int		 fetch_location(struct fetch_entry *, char **, char **);
int		 fetch_redirect(struct fetch_entry *, long);

/* fetch-spec.c */
int		 fetch_paced(void);

#endif
