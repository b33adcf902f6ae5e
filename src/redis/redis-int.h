/*
 * redis-int.h: what the files of src/redis/ share and nobody else uses:
 * redis:// URLs (redis-url.c), connections through hiredis on the loop
 * (redis.c, with an adapter of our own, redis-io.c), stream entries as a
 * server sends them (redis-entry.c), keeping them and claiming others'
 * (redis-claim.c), the server-side scripts (redis-lua.c)
 * and what the sink needs of the source to write and acknowledge together
 * (redis-source.c). Included only by src/redis/ (and its tests).
 */

#ifndef TE_REDIS_INT_H
#define TE_REDIS_INT_H

#include "redis/redis.h"

/* redis-url.c */
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
struct redis_url *redis_url_parse(const char *, int, char **);
void		 redis_url_free(struct redis_url *);
char		*redis_url_mask(const char *);
const char	*redis_url_param(struct redis_url *, const char *);
int		 redis_url_flag(struct redis_url *, const char *, const char *,
		     char **);
long long	 redis_url_number(struct redis_url *, const char *,
		     const char *, long long, char **);
int		 redis_url_check(struct redis_url *, const char *,
		     const char *const *, char **);
int		 redis_url_same_server(struct redis_url *, struct redis_url *);

/* redis-io.c */
struct redisAsyncContext;
typedef void	(*redis_io_cb)(void *, struct redisAsyncContext *);
void		 redis_io_attach(struct redisAsyncContext *, redis_io_cb,
		     void *);
size_t		 redis_io_pending(struct redisAsyncContext *);

/* redis.c */
struct redis;
typedef void	(*redis_cb)(void *);
typedef void	(*redis_reply_cb)(void *, void *);
#define REDIS_OPTIONAL 0x1	/* never fatal: a cache may be away */
#define REDIS_QUIET 0x2		/* its owner says when it is away */
struct redis	*redis_open(struct redis_url *, int, redis_cb, redis_cb,
		     void *);
void		 redis_close(struct redis *);
void		 redis_drop(struct redis *, const char *);
void		 redis_flush(struct redis *, int);
const char	*redis_name(struct redis *);
int		 redis_ready(struct redis *);
int		 redis_starting(struct redis *);
int		 redis_command(struct redis *, redis_reply_cb, void *, int,
		     const char **, const size_t *);
int		 redis_eval(struct redis *, redis_reply_cb, void *, const char *,
		     const char *, const char *, int, const char **);
int		 redis_subscribe(struct redis *, const char *,
		     redis_reply_cb, void *);
void		 redis_set_block(struct redis *, long);
void		 redis_set_stall(struct redis *, long);
void		 redis_set_max_reply(struct redis *, size_t);

/* redis-claim.c */
struct redisReply;
struct redis_claim {
	struct redis	*conn;
	const char	*key;		/* the stream */
	const char	*dead;		/* STREAM:dead */
	const char	*group;
	const char	*consumer;
	json_t		*held;		/* ids this consumer holds */
	long		 idle;		/* --claim-idle */
	long		 max_deliveries;
	size_t		 max_line;
	size_t		 budget;	/* bytes a claim brings at most */
	size_t		(*take)(struct redisReply *);	/* a checked batch */
	int		 claiming;	/* a claim is out */
	int		 freshening;	/* keep-fresh calls out */
};
void		 redis_claim_fresh(struct redis_claim *);
void		 redis_claim_idle(struct redis_claim *, u_int);
void		 redis_claim_down(struct redis_claim *);

/* redis-entry.c */
int		 redis_entry_list_ok(struct redisReply *);
int		 redis_entry_read_ok(struct redisReply *, struct redisReply **);
int		 redis_entry_batch_ok(struct redisReply *);
const char	*redis_entry_tweet(struct redisReply *, size_t *,
		     const char **);

/* redis-lua.c */
extern const char redis_lua_fresh[];
extern const char redis_lua_read[];
extern const char redis_lua_claim[];
extern const char redis_lua_dead[];
extern const char redis_lua_write[];

/* redis-source.c */
struct redis_url *redis_source_url(void);
const char	*redis_source_group(void);
const char	*redis_source_consumer(void);
void		 redis_source_forget(const char *);

#endif
