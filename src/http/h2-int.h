/*
 * http/h2-int.h: what h2.c (the native HTTP/2 client: hosts, streams, the
 * seam to fetch) and h2-conn.c (one TLS connection and its nghttp2
 * session on the loop) share, included by them alone.
 */

#ifndef TE_H2_INT_H
#define TE_H2_INT_H

#include <sys/queue.h>

#include <event2/event.h>
#include <event2/event_struct.h>
#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>
#include <zlib.h>

struct fetch_entry;
struct h2_conn;

/* A request on the native path. */
struct h2_stream {
	struct fetch_entry	*fe;		/* NULL: abandoned */
	struct h2_host		*host;
	struct h2_conn		*conn;		/* NULL: waiting for one */
	TAILQ_ENTRY(h2_stream)	 entry;		/* conn's, host's or done */
	int32_t			 id;		/* 0: not submitted */
	int			 head;		/* HEAD: no body */
	const char		*body;		/* the request's, or NULL */
	size_t			 bodylen;
	size_t			 boff;		/* sent of it */
	int			 rc;		/* CURLcode so far */
	long			 status;
	int			 final;		/* its final headers came */
	int			 closed;	/* nghttp2 closed it */
	int			 waiting;	/* on its host's waiting list */
	int			 ending;	/* on the list of those ended */
	u_int			 tries;		/* refused, retried here */
	long long		 clen;		/* content-length, or -1 */
	size_t			 got;		/* body bytes */
	char			*hdrs;		/* "name\0value\0"... */
	size_t			 hlen;
	size_t			 hsize;
	double			 start;
	double			 sent;		/* its headers went */
	double			 end;
	char			 errbuf[256];
	z_stream		*zs;		/* gzip or deflate, decoded */
	nghttp2_nv		*nv;		/* the request, until sent */
	size_t			 nvlen;
	char			*nvbuf;
};
TAILQ_HEAD(h2_streams, h2_stream);

/* A host (its authority) on the native path. */
struct h2_host {
	char			*auth;		/* host[:port] as in the URL */
	char			*name;		/* SNI and name checked, or NULL */
	char			*ipname;	/* an IP literal checked */
	char			 ip[64];	/* connected to */
	int			 port;
	char			*authority;	/* :authority */
	TAILQ_HEAD(, h2_conn)	 conns;
	u_int			 nconns;
	struct h2_streams	 waiting;	/* for a connection */
	u_int			 nwaiting;
	u_int			 max_streams;	/* a connection's, last heard;
						   0: none heard yet */
	double			 failed_until;	/* libcurl's until then */
};

/* h2-conn.c */
#define H2_CONNECTING 0
#define H2_HANDSHAKE 1
#define H2_OPEN 2
#define H2_DEAD 3
struct h2_conn {
	struct h2_host		*host;
	TAILQ_ENTRY(h2_conn)	 entry;		/* host's, then dead */
	TAILQ_ENTRY(h2_conn)	 all;
	struct h2_streams	 streams;	/* on it */
	u_int			 nstreams;
	int			 state;
	int			 fd;
	SSL			*ssl;
	nghttp2_session		*sess;
	struct event		 rev;
	struct event		 wev;
	struct event		 tev;		/* connect, then idle */
	int			 goaway;
	int			 settings;	/* the server's first came */
	u_int			 max_streams;	/* its, once they came */
	int			 flushing;	/* wev made active */
	u_char			*wbuf;
	size_t			 wlen;
	size_t			 woff;
	size_t			 wsize;
};
struct h2_conn	*h2_conn_open(struct h2_host *);
void		 h2_conn_submit(struct h2_conn *, struct h2_stream *);
void		 h2_conn_cancel(struct h2_conn *, struct h2_stream *);
void		 h2_conn_kick(struct h2_conn *);
void		 h2_conn_idle(struct h2_conn *);
void		 h2_conn_close_all(void);
void		 h2_conn_reap(void);
u_int		 h2_conn_streams_max(struct h2_conn *);

/* What h2.c does for h2-conn.c, given once (calls go one way). */
struct h2_conn_ops {
	void	 (*done)(struct h2_stream *);	/* ended: tell it */
	void	 (*retry)(struct h2_stream *);	/* unanswered: again */
	void	 (*fallback)(struct h2_stream *); /* to libcurl */
	void	 (*failed)(struct h2_host *);	/* not open: libcurl's */
	void	 (*more)(struct h2_host *);	/* room: the waiting go */
	int	 (*body)(struct h2_stream *, const uint8_t *, size_t);
	void	 (*finish)(void);		/* tell those ended */
	SSL_CTX	*(*ctx)(void);			/* the TLS context */
};
void		 h2_conn_init(const struct h2_conn_ops *);

#endif
