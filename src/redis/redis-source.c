/*
 * A Redis stream as the source of tweets: entries are read through a
 * consumer group (a script of XREADGROUPs, within the free pending slots
 * and RS_READ_BYTES, entries over --max-line left on the server; when
 * there is nothing new, a blocking XREADGROUP of one entry), each entry's
 * field "tweet" taken as one input line. An entry is acknowledged only
 * once the sink has its output (or, with a Redis sink on the same server,
 * by the sink's script together with the write). Entries this consumer
 * holds are kept fresh, so that only a consumer that went away (or froze)
 * loses its entries to the others: those are claimed with XAUTOCLAIM once
 * idle for --claim-idle (redis-claim.c), and an entry delivered more than
 * --max-deliveries times goes to the dead-letter stream STREAM:dead.
 */

#include <sys/time.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "lib/lib.h"
#include "core.h"
#include "io/io.h"
#include "redis/redis-int.h"

/* Longest a read waits on the server for new entries (with drain=yes,
 * the check for the end comes that much sooner). */
#define RS_BLOCK_MS 1000
#define RS_DRAIN_BLOCK_MS 100
/* Most entries asked for at once, and ids kept fresh in one call. */
#define RS_BATCH 1000
/* Tweet bytes a read takes at most, beyond the entry that crosses the line
 * (which --max-line bounds): a read script stops there. */
#define RS_READ_BYTES (16 * 1024 * 1024)
/* Room in a reply for ids, names and counts beside the tweets. */
#define RS_REPLY_SLACK (1024 * 1024)

static struct redis_url	*rs_url;
static struct redis	*rs_read_conn;	/* reads only */
static struct redis	*rs_ctl;	/* acks, claims, scripts */
static char		*rs_group;
static char		*rs_consumer;
static char		*rs_dead;	/* STREAM:dead */
static const char	*rs_start = "$";
static int		 rs_drain;
static u_int		 rs_prefetch;	/* entries held at most; 0: default */
static long		 rs_claim_idle = 60000;
static long		 rs_max_deliveries = 5;
static json_t		*rs_held;	/* ids read, not yet acknowledged */
static int		 rs_group_ok;	/* the group exists */
static int		 rs_reading;	/* a read is out */
static int		 rs_waiting;	/* nothing new: wait for one entry */
static struct redis_claim rs_claims;	/* keep fresh, claim idle */
static char		*rs_history;	/* reading own pending from here */
static int		 rs_stopped;
static int		 rs_is_done;
static int		 rs_drain_check;	/* an XPENDING is out */
static struct event	*rs_tick_ev;
static struct event	*rs_kick_ev;
static struct event	*rs_retry_ev;	/* read again after an error */
static const struct timeval rs_retry_tv = { 1, 0 };
static char		**rs_acks;	/* to acknowledge when ready */
static u_int		 rs_nacks;
static u_int		 rs_acks_out;	/* XACKs unanswered */

struct redis_source_stats redis_source_stats;

static void	rs_read(void);
static void	rs_kick(void);
static void	rs_resume(void *);
static void	rs_stop(void *);
static int	rs_done(void *);
static int	rs_idle(void *);
static void	rs_ack(void *, const char *);
static void	rs_free(void *);

static struct source	*rs_source;
static const struct source_ops rs_ops = {
	.resume = rs_resume,
	.stop = rs_stop,
	.done = rs_done,
	.idle = rs_idle,
	.ack = rs_ack,
	.free = rs_free
};
static void	rs_setup(void);
static void	rs_ack_flush(void);

/* Parse --from URL and its parameters; -1 with *cause on error. */
int
redis_source_configure(const char *url, char **cause)
{
	static const char *const known[] = { "group", "consumer", "start",
	    "drain", "prefetch", NULL };
	const char	*v;
	char		 host[256];
	long long	 n;

	if ((rs_url = redis_url_parse(url, 1, cause)) == NULL)
		return (-1);
	if (redis_url_check(rs_url, "--from", known, cause) != 0)
		return (-1);
	if ((v = redis_url_param(rs_url, "group")) == NULL || *v == '\0') {
		xasprintf(cause, "--from needs a consumer group (?group=G)");
		return (-1);
	}
	rs_group = xstrdup(v);
	if ((v = redis_url_param(rs_url, "consumer")) != NULL && *v != '\0')
		rs_consumer = xstrdup(v);
	else {
		if (gethostname(host, sizeof host) != 0)
			snprintf(host, sizeof host, "localhost");
		host[sizeof host - 1] = '\0';
		xasprintf(&rs_consumer, "%s-%ld", host, (long)getpid());
	}
	if ((v = redis_url_param(rs_url, "start")) != NULL) {
		if (strcmp(v, "0") == 0)
			rs_start = "0";
		else if (strcmp(v, "$") != 0 && strcmp(v, "new") != 0) {
			xasprintf(cause, "--from: start is 0 (the whole stream)"
			    " or $ (new entries), not \"%s\"", v);
			return (-1);
		}
	}
	if ((rs_drain = redis_url_flag(rs_url, "--from", "drain", cause)) < 0 ||
	    (n = redis_url_number(rs_url, "--from", "prefetch", 10000000,
	    cause)) < 0)
		return (-1);
	rs_prefetch = n;
	xasprintf(&rs_dead, "%s:dead", rs_url->key);
	return (0);
}

/* Options that apply to the source; from main.c. */
void
redis_source_set(long claim_idle, long max_deliveries)
{
	rs_claim_idle = claim_idle;
	rs_max_deliveries = max_deliveries;
}

/* The source's URL (for a sink on the same server), or NULL. */
struct redis_url *
redis_source_url(void)
{
	return (rs_url);
}

/* The group and consumer names, for the sink's script. */
const char *
redis_source_group(void)
{
	return (rs_group);
}

const char *
redis_source_consumer(void)
{
	return (rs_consumer);
}

/* Is this reply an array of n or more elements? */
static int
rs_is_array(redisReply *r, size_t n)
{
	return (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements >= n);
}

static void
rs_warn_reply(const char *what, redisReply *r)
{
	if (r != NULL && r->type == REDIS_REPLY_ERROR)
		log_warnx("redis %s: %s: %s", redis_name(rs_ctl), what, r->str);
}

/* A bad entry is done: dead-letter it with its reason. */
static void
rs_dead_cb(void *arg, void *reply)
{
	char	*id = arg;

	rs_warn_reply("dead letter", reply);
	if (reply != NULL)
		json_object_del(rs_held, id);
	free(id);
	loop_check_done();
}

/* Put entry id on the dead-letter stream with its reason, acknowledged. */
static void
rs_dead_letter(const char *id, const char *reason)
{
	const char	*args[] = { rs_group, id, reason };
	char		*copy = xstrdup(id);

	redis_source_stats.dead++;
	json_object_set_new(rs_held, id, json_true());
	if (redis_eval(rs_ctl, rs_dead_cb, copy, redis_lua_dead, rs_url->key,
	    rs_dead, 3, args) != 0) {
		json_object_del(rs_held, id);	/* redelivered later */
		free(copy);
	}
}

/* "STREAM entry ID", for messages. */
static const char *
rs_name(const char *id)
{
	static char	buf[512];

	snprintf(buf, sizeof buf, "%s entry %s", rs_url->key, id);
	return (buf);
}

/* Take one entry [id, [field, value, ...]] (checked) as a tweet. */
static void
rs_entry(redisReply *e)
{
	redisReply	*id, *f;
	const char	*tweet, *why;
	char		 reason[64];
	size_t		 len;

	id = e->element[0];
	f = e->element[1];
	if (json_object_get(rs_held, id->str) != NULL)
		return;		/* already ours, in flight */
	if (f->type == REDIS_REPLY_NIL) {
		/* Deleted from the stream while pending: nothing to do. */
		rs_ack(NULL, id->str);
		return;
	}
	tweet = redis_entry_tweet(f, &len, &why);
	redis_source_stats.read++;
	if (tweet != NULL && len > opts.max_line) {
		snprintf(reason, sizeof reason, "longer than %zu bytes",
		    opts.max_line);
		tweet = NULL;
		why = reason;
	}
	if (tweet == NULL) {
		badlines_add(rs_name(id->str), 0, "", 0, why);
		rs_dead_letter(id->str, why);
		return;
	}
	json_object_set_new(rs_held, id->str, json_true());
	switch (source_take(rs_source, tweet, len, rs_name(id->str), 0,
	    id->str)) {
	case LINE_BAD:
	case LINE_PAGE_V11:
	case LINE_PAGE_V2:
		/* Not a tweet: counted and reported as bad. */
		json_object_del(rs_held, id->str);
		rs_dead_letter(id->str, "not a JSON object");
		break;
	case LINE_DROPPED:
		/* A notice left out (--drop-notices): done with it. */
		rs_ack(NULL, id->str);
		break;
	default:
		break;
	}
}

/* Take the entries of a checked list (or none); how many there were. */
static size_t
rs_entries(redisReply *list)
{
	size_t	i;

	if (list == NULL)
		return (0);
	for (i = 0; i < list->elements; i++)
		rs_entry(list->element[i]);
	return (list->elements);
}

/*
 * Take what a read or claim script brought (checked): its entries, and
 * those it put on the dead-letter stream as too long, which count as bad
 * lines. How many entries there were.
 */
static size_t
rs_batch(redisReply *r)
{
	redisReply	*too_long = r->element[3];
	char		 reason[64];
	size_t		 i;

	redis_source_stats.dead += r->element[1]->integer;
	snprintf(reason, sizeof reason, "longer than %zu bytes", opts.max_line);
	for (i = 0; i < too_long->elements; i++) {
		redis_source_stats.read++;
		badlines_add(rs_name(too_long->element[i]->element[0]->str), 0,
		    "", 0, reason);
	}
	return (rs_entries(r->element[0]));
}

/* Reading has stopped (a signal) and no reply is awaited: done. */
static void
rs_stop_check(void)
{
	if (!rs_stopped || rs_reading || rs_drain_check)
		return;
	rs_is_done = 1;
	loop_check_done();
}

/* Is everything in the group processed? Then, with drain, we are done. */
static void
rs_drain_cb(void *arg, void *reply)
{
	redisReply	*r = reply;

	(void)arg;
	rs_drain_check = 0;
	if (rs_stopped) {
		rs_stop_check();
		return;
	}
	if (rs_is_array(r, 1) && r->element[0]->type == REDIS_REPLY_INTEGER &&
	    r->element[0]->integer == 0 && json_object_size(rs_held) == 0 &&
	    stats.pending == 0) {
		rs_is_done = 1;
		loop_check_done();
		return;
	}
	rs_read();
}

/* With drain=yes, nothing new: ask whether the group has anything left. */
static int
rs_drain_ask(void)
{
	const char	*argv[3];

	argv[0] = "XPENDING";
	argv[1] = rs_url->key;
	argv[2] = rs_group;
	if (redis_command(rs_ctl, rs_drain_cb, NULL, 3, argv, NULL) != 0)
		return (-1);
	rs_drain_check = 1;
	return (0);
}

/* A read's reply: 0 to take it; otherwise what ended the read is dealt with. */
static int
rs_read_reply(redisReply *r)
{
	rs_reading = 0;
	if (r == NULL) {
		rs_stop_check();	/* else read again once reconnected */
		return (-1);
	}
	if (r->type != REDIS_REPLY_ERROR)
		return (0);
	log_warnx("redis %s: read: %s", redis_name(rs_read_conn), r->str);
	if (strncmp(r->str, "NOGROUP", 7) == 0) {
		/* The group (or stream) went away: make it again. */
		rs_group_ok = 0;
		rs_setup();
	} else
		evtimer_add(rs_retry_ev, &rs_retry_tv);	/* not a spin */
	rs_stop_check();
	return (-1);
}

/* A read took n entries: read on, or see if the group is done, or stop. */
static void
rs_read_on(size_t n, int was_history)
{
	if (n == 0 && !was_history && rs_drain && !rs_stopped &&
	    json_object_size(rs_held) == 0 && rs_drain_ask() == 0)
		return;
	if (rs_stopped) {
		rs_stop_check();
		return;
	}
	rs_read();
}

/*
 * What a read script brought: our own pending entries after an id (go on
 * after the last one seen, or switch to new ones), or new ones (if there
 * were none, the next read waits for one). A reply of the wrong shape is a
 * protocol error: the connection is made again.
 */
static void
rs_take_cb(void *arg, void *reply)
{
	redisReply	*r = reply;
	size_t		 n;
	int		 was_history = rs_history != NULL;

	(void)arg;
	if (rs_read_reply(r) != 0)
		return;
	if (!redis_entry_batch_ok(r)) {
		redis_drop(rs_read_conn, "malformed read reply");
		return;
	}
	n = rs_batch(r) + r->element[1]->integer;
	free(rs_history);
	rs_history = NULL;
	if (was_history && r->element[2]->len > 0)
		rs_history = xstrdup(r->element[2]->str);
	rs_waiting = !was_history && r->element[2]->len == 0;
	rs_read_on(n, was_history);
}

/* What a read that waited for a new entry brought (one at most). */
static void
rs_wait_cb(void *arg, void *reply)
{
	redisReply	*r = reply, *list;
	size_t		 n;

	(void)arg;
	if (rs_read_reply(r) != 0)
		return;
	if (!redis_entry_read_ok(r, &list)) {
		redis_drop(rs_read_conn, "malformed XREADGROUP reply");
		return;
	}
	n = rs_entries(list);
	rs_waiting = n == 0;
	rs_read_on(n, 0);
}

/*
 * Free slots: entries we hold (in flight, or written and not yet
 * acknowledged) count against -p as much as the tweets in flight do, and
 * against prefetch, so that one consumer does not take a backlog that
 * others of the group could be working on.
 */
static u_int
rs_room(void)
{
	u_int	room = source_room(rs_source), most = rs_prefetch;
	size_t	held = json_object_size(rs_held);

	if (most == 0)
		most = opts.max_in_flight * 2 < 100 ? 100 :
		    opts.max_in_flight * 2;
	if (most > opts.max_pending)
		most = opts.max_pending;
	if (held >= most)
		return (0);
	if (room > most - held)
		room = most - held;
	return (room);
}

/*
 * Wait on the server for a new entry: one, since its size is not known
 * before it comes (rs_entry still refuses it if too long).
 */
static int
rs_wait(void)
{
	char		 block[16];
	const char	*argv[] = { "XREADGROUP", "GROUP", rs_group,
	    rs_consumer, "COUNT", "1", "BLOCK", block, "STREAMS", rs_url->key,
	    ">" };

	snprintf(block, sizeof block, "%d", rs_drain ? RS_DRAIN_BLOCK_MS :
	    RS_BLOCK_MS);
	return (redis_command(rs_read_conn, rs_wait_cb, NULL, 11, argv, NULL));
}

/*
 * Read as many entries as there are free slots, if any, through the read
 * script: within RS_READ_BYTES, entries longer than --max-line left on the
 * server (dead letters). When there was nothing new, wait for an entry.
 */
static void
rs_read(void)
{
	char		 count[16], maxline[32], budget[32];
	const char	*args[] = { rs_group, rs_consumer, rs_history, count,
	    "0", maxline, budget };
	u_int		 room;
	int		 r;

	if (rs_reading || rs_drain_check || rs_is_done || rs_stopped ||
	    !rs_group_ok || !redis_ready(rs_read_conn))
		return;
	if ((room = rs_room()) == 0)
		return;
	if (room > RS_BATCH)
		room = RS_BATCH;
	if (rs_history == NULL && rs_waiting)
		r = rs_wait();
	else {
		snprintf(count, sizeof count, "%u", room);
		snprintf(maxline, sizeof maxline, "%zu", opts.max_line);
		snprintf(budget, sizeof budget, "%d", RS_READ_BYTES);
		if (rs_history == NULL)
			args[2] = ">";
		r = redis_eval(rs_read_conn, rs_take_cb, NULL, redis_lua_read,
		    rs_url->key, rs_dead, 7, args);
	}
	if (r == 0)
		rs_reading = 1;
}

static void
rs_group_cb(void *arg, void *reply)
{
	redisReply	*r = reply;

	(void)arg;
	if (r == NULL)
		return;
	if (r->type == REDIS_REPLY_ERROR &&
	    strncmp(r->str, "BUSYGROUP", 9) != 0)
		fatalx("redis %s: cannot create group %s on %s: %s",
		    redis_name(rs_ctl), rs_group, rs_url->key, r->str);
	rs_group_ok = 1;
	/* First what this consumer was given and never acknowledged. */
	free(rs_history);
	rs_history = xstrdup("0");
	rs_read();
}

/* Create the group (and the stream) if need be, then read. */
static void
rs_setup(void)
{
	const char	*argv[6];

	if (!redis_ready(rs_ctl) || !redis_ready(rs_read_conn))
		return;
	argv[0] = "XGROUP";
	argv[1] = "CREATE";
	argv[2] = rs_url->key;
	argv[3] = rs_group;
	argv[4] = rs_start;
	argv[5] = "MKSTREAM";
	redis_command(rs_ctl, rs_group_cb, NULL, 6, argv, NULL);
}

static void
rs_ready_cb(void *arg)
{
	(void)arg;
	rs_group_ok = 0;
	rs_reading = rs_waiting = 0;
	rs_setup();
	rs_ack_flush();
}

static void
rs_down_cb(void *arg)
{
	(void)arg;
	rs_reading = rs_drain_check = 0;
	rs_acks_out = 0;
	redis_claim_down(&rs_claims);
	rs_stop_check();
}

/* Several times per --claim-idle: keep ours fresh, take the abandoned. */
static void
rs_tick(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	if (!redis_ready(rs_ctl))
		return;
	redis_claim_fresh(&rs_claims);
	if (!rs_stopped && rs_group_ok)
		redis_claim_idle(&rs_claims, rs_room() > RS_BATCH ? RS_BATCH :
		    rs_room());
}

/* Read again soon (from the loop, not inside the caller). */
static void
rs_kick_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	rs_read();
}

/* Connect and start reading; the entries' tweets go to line. */
struct source *
redis_source_open(source_line_cb line)
{
	struct timeval	tv;
	long		ms;

	rs_held = json_object();
	rs_read_conn = redis_open(rs_url, 0, rs_ready_cb, rs_down_cb, NULL);
	rs_ctl = redis_open(rs_url, 0, rs_ready_cb, rs_down_cb, NULL);
	redis_set_block(rs_read_conn, RS_BLOCK_MS);
	/* A read or claim brings RS_READ_BYTES and one entry at most; a reply
	 * larger (a waiting read's entry) is refused before it is whole, and
	 * read again after the reconnect by the script, which refuses it on
	 * the server. */
	redis_set_max_reply(rs_read_conn, RS_READ_BYTES + opts.max_line +
	    RS_REPLY_SLACK);
	redis_set_max_reply(rs_ctl, RS_READ_BYTES + opts.max_line +
	    RS_REPLY_SLACK);
	rs_claims.conn = rs_ctl;
	rs_claims.key = rs_url->key;
	rs_claims.dead = rs_dead;
	rs_claims.group = rs_group;
	rs_claims.consumer = rs_consumer;
	rs_claims.held = rs_held;
	rs_claims.idle = rs_claim_idle;
	rs_claims.max_deliveries = rs_max_deliveries;
	rs_claims.max_line = opts.max_line;
	rs_claims.budget = RS_READ_BYTES;
	rs_claims.take = rs_batch;
	ms = rs_claim_idle / 4;
	if (ms < 20)
		ms = 20;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	rs_tick_ev = event_new(loop_base(), -1, EV_PERSIST, rs_tick, NULL);
	rs_kick_ev = event_new(loop_base(), -1, 0, rs_kick_cb, NULL);
	rs_retry_ev = evtimer_new(loop_base(), rs_kick_cb, NULL);
	if (rs_tick_ev == NULL || rs_kick_ev == NULL || rs_retry_ev == NULL)
		fatalx("%s: event_new failed", __func__);
	event_add(rs_tick_ev, &tv);
	rs_source = source_new(&rs_ops, NULL, line);
	return (rs_source);
}

/* There is room again: read (deferred to the loop). */
static void
rs_kick(void)
{
	if (rs_kick_ev != NULL && !rs_reading && !rs_is_done)
		event_active(rs_kick_ev, 0, 0);
}

/* Below the caps again (source.c): read. */
static void
rs_resume(__unused void *arg)
{
	rs_kick();
}

/* Stop reading new entries (a signal); what is out is still taken. */
static void
rs_stop(__unused void *arg)
{
	rs_stopped = 1;
	if (!rs_reading && !rs_drain_check)
		rs_is_done = 1;
}

/* Has reading ended for good? */
static int
rs_done(__unused void *arg)
{
	return (rs_is_done);
}

/* Is nothing still to be acknowledged? */
static int
rs_idle(__unused void *arg)
{
	return (rs_nacks == 0 && rs_acks_out == 0 &&
	    (rs_held == NULL || json_object_size(rs_held) == 0));
}

static void
rs_ack_cb(void *arg, void *reply)
{
	char	*id = arg;

	if (rs_acks_out > 0)
		rs_acks_out--;
	if (reply == NULL) {
		/* Lost: acknowledge once reconnected. */
		rs_acks = xreallocarray(rs_acks, rs_nacks + 1,
		    sizeof *rs_acks);
		rs_acks[rs_nacks++] = id;
		return;
	}
	rs_warn_reply("XACK", reply);
	redis_source_stats.acked++;
	json_object_del(rs_held, id);
	free(id);
	rs_kick();
	loop_check_done();
}

/* Send the acknowledgements that waited for a connection. */
static void
rs_ack_flush(void)
{
	const char	*argv[4];
	u_int		 i, k = 0;

	for (i = 0; i < rs_nacks; i++) {
		argv[0] = "XACK";
		argv[1] = rs_url->key;
		argv[2] = rs_group;
		argv[3] = rs_acks[i];
		if (redis_command(rs_ctl, rs_ack_cb, rs_acks[i], 4, argv,
		    NULL) == 0)
			rs_acks_out++;
		else
			rs_acks[k++] = rs_acks[i];
	}
	rs_nacks = k;
}

/* The output of entry id is safe in the sink: acknowledge it. */
static void
rs_ack(__unused void *arg, const char *id)
{
	rs_acks = xreallocarray(rs_acks, rs_nacks + 1, sizeof *rs_acks);
	rs_acks[rs_nacks++] = xstrdup(id);
	if (!json_object_get(rs_held, id))
		json_object_set_new(rs_held, id, json_true());
	rs_ack_flush();
}

/* Entry id was acknowledged by the sink's script (or is not ours now). */
void
redis_source_forget(const char *id)
{
	json_object_del(rs_held, id);
	rs_kick();
	loop_check_done();
}

/* Close the connections. */
static void
rs_free(__unused void *arg)
{
	u_int	i;

	if (rs_url == NULL)
		return;
	if (rs_tick_ev != NULL)
		event_free(rs_tick_ev);
	if (rs_kick_ev != NULL)
		event_free(rs_kick_ev);
	if (rs_retry_ev != NULL)
		event_free(rs_retry_ev);
	rs_tick_ev = rs_kick_ev = rs_retry_ev = NULL;
	redis_close(rs_read_conn);
	redis_close(rs_ctl);
	rs_read_conn = rs_ctl = NULL;
	for (i = 0; i < rs_nacks; i++)
		free(rs_acks[i]);
	free(rs_acks);
	rs_acks = NULL;
	rs_nacks = 0;
	json_decref(rs_held);
	rs_held = NULL;
	free(rs_history);
	free(rs_group);
	free(rs_consumer);
	free(rs_dead);
	redis_url_free(rs_url);
	rs_url = NULL;
}
