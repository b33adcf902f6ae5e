/*
 * What a stream consumer does on each tick, several times per --claim-idle:
 * keep the entries it holds fresh, so that nobody claims them from it, and
 * claim those that other consumers left idle (redis_lua_fresh and
 * redis_lua_claim on the server). The source gives what this needs in a
 * struct redis_claim and takes the entries a claim brings through take.
 */

#include <string.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "lib/lib.h"
#include "core.h"
#include "redis/redis-int.h"

/* Ids kept fresh in one call. */
#define REDIS_CLAIM_IDS 1000

/* A keep-fresh call answered: entries no longer ours were claimed by others. */
static void
redis_claim_fresh_cb(void *arg, void *reply)
{
	struct redis_claim	*c = arg;
	redisReply		*r = reply;

	if (c->freshening > 0)
		c->freshening--;
	if (r != NULL && r->type == REDIS_REPLY_ERROR)
		log_warnx("redis %s: keep fresh: %s", redis_name(c->conn),
		    r->str);
	else if (r != NULL && r->type == REDIS_REPLY_ARRAY)
		redis_source_stats.lost_to_others += r->elements;
}

/* Touch the entries held, so that nobody claims them from us. */
void
redis_claim_fresh(struct redis_claim *c)
{
	const char	*args[2 + REDIS_CLAIM_IDS];
	const char	*id;
	json_t		*v;
	int		 n = 2;

	if (c->freshening > 0 || json_object_size(c->held) == 0)
		return;
	args[0] = c->group;
	args[1] = c->consumer;
	json_object_foreach(c->held, id, v) {
		args[n++] = id;
		if (n < 2 + REDIS_CLAIM_IDS)
			continue;
		if (redis_eval(c->conn, redis_claim_fresh_cb, c,
		    redis_lua_fresh, c->key, c->dead, n, args) == 0)
			c->freshening++;
		n = 2;
	}
	(void)v;
	if (n > 2 && redis_eval(c->conn, redis_claim_fresh_cb, c,
	    redis_lua_fresh, c->key, c->dead, n, args) == 0)
		c->freshening++;
}

/* What a claim brought: the source takes it (a bad reply: reconnect). */
static void
redis_claim_cb(void *arg, void *reply)
{
	struct redis_claim	*c = arg;
	redisReply		*r = reply;
	size_t			 n;

	c->claiming = 0;
	if (r == NULL)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		log_warnx("redis %s: claim: %s", redis_name(c->conn), r->str);
		return;
	}
	if (!redis_entry_batch_ok(r)) {
		redis_drop(c->conn, "malformed claim reply");
		return;
	}
	n = c->take(r);
	redis_source_stats.claimed += n;
	if (n > 0 && !opts.quiet)
		log_warnx("redis %s: claimed %zu entries idle for %ld ms or "
		    "more", redis_name(c->conn), n, c->idle);
}

/* Claim what other consumers left idle, up to room entries. */
void
redis_claim_idle(struct redis_claim *c, u_int room)
{
	char		 idle[32], count[16], max[32], maxline[32], budget[32];
	const char	*args[] = { c->group, c->consumer, idle, count, max,
	    maxline, budget };

	if (c->claiming || room == 0)
		return;
	snprintf(idle, sizeof idle, "%ld", c->idle);
	snprintf(count, sizeof count, "%u", room);
	snprintf(max, sizeof max, "%ld", c->max_deliveries);
	snprintf(maxline, sizeof maxline, "%zu", c->max_line);
	snprintf(budget, sizeof budget, "%zu", c->budget);
	if (redis_eval(c->conn, redis_claim_cb, c, redis_lua_claim, c->key,
	    c->dead, 7, args) == 0)
		c->claiming = 1;
}

/* The connection went down: nothing that was out will be answered. */
void
redis_claim_down(struct redis_claim *c)
{
	c->claiming = 0;
	c->freshening = 0;
}
