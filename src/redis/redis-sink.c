/*
 * A Redis stream as the sink: each enriched tweet becomes an entry (field
 * "tweet") of the output stream, in the order the output hands them over.
 * Writes are pipelined; what a lost connection left unanswered is sent again
 * once it is back. When the source is a stream on the same server, the
 * write and the source's acknowledgement are one server-side script that
 * first checks the entry is still pending to this consumer: both happen or
 * neither, and an entry another consumer has claimed is not written twice
 * (exactly once). Otherwise the source's entry is acknowledged after the
 * write was (at least once).
 */

#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "lib/lib.h"
#include "io/io.h"
#include "redis/redis-int.h"

struct rsk_item {
	struct source		*source;	/* where it came from */
	char			*id;	/* the source entry, or NULL */
	char			*text;
	size_t			 len;
	int			 sent;
	TAILQ_ENTRY(rsk_item)	 entry;
};
TAILQ_HEAD(rsk_items, rsk_item);

static struct redis_url	*rsk_url;
static struct redis	*rsk_conn;
static char		*rsk_maxlen;
static int		 rsk_together;	/* script with the source */
static struct rsk_items	 rsk_queue = TAILQ_HEAD_INITIALIZER(rsk_queue);
static size_t		 rsk_bytes;	/* queued, not yet confirmed */
static u_int		 rsk_count;

struct redis_sink_stats redis_sink_stats;

static struct event	*rsk_retry_ev;
static const struct timeval rsk_retry_tv = { 1, 0 };

static void		 rsk_send_all(void);
static struct evbuffer	*rsk_begin(void *);
static void		 rsk_commit(void *, struct source *, const char *,
			     uint64_t);
static void		 rsk_put(const char *, size_t, struct source *,
			     const char *);
static size_t		 rsk_backlog(void *);
static int		 rsk_idle(void *);
static void		 rsk_free(void *);

static struct sink	*rsk_sink;
static struct evbuffer	*rsk_scratch;	/* one line, then an entry */
static const struct sink_ops rsk_ops = {
	.begin = rsk_begin,
	.commit = rsk_commit,
	.backlog = rsk_backlog,
	.idle = rsk_idle,
	.free = rsk_free
};

/* Is this error reply one that goes away by itself? */
static int
rsk_transient(const char *err)
{
	static const char *const codes[] = { "OOM", "LOADING", "BUSY",
	    "TRYAGAIN", "MASTERDOWN", "READONLY", "CLUSTERDOWN", NULL };
	size_t	n;
	u_int	i;

	for (i = 0; codes[i] != NULL; i++) {
		n = strlen(codes[i]);
		if (strncmp(err, codes[i], n) == 0 &&
		    (err[n] == ' ' || err[n] == '\0'))
			return (1);
	}
	return (0);
}

static void
rsk_retry_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	rsk_send_all();
}

/* Parse --to URL; -1 with *cause on error. */
int
redis_sink_configure(const char *url, char **cause)
{
	static const char *const known[] = { "maxlen", NULL };
	const char	*v;
	char		*end;
	long long	 n;

	if ((rsk_url = redis_url_parse(url, 1, cause)) == NULL)
		return (-1);
	if (redis_url_check(rsk_url, "--to", known, cause) != 0)
		return (-1);
	if ((v = redis_url_param(rsk_url, "maxlen")) != NULL) {
		n = strtoll(v, &end, 10);
		if (*v == '\0' || *end != '\0' || n < 1) {
			xasprintf(cause, "--to: maxlen is a number of entries, "
			    "not \"%s\"", v);
			return (-1);
		}
		rsk_maxlen = xstrdup(v);
	}
	return (0);
}

/* Does the sink write and acknowledge in one script (exactly once)? */
int
redis_sink_exactly_once(void)
{
	return (rsk_together);
}

static void
rsk_item_free(struct rsk_item *it)
{
	free(it->id);
	free(it->text);
	free(it);
}

static void
rsk_reply(void *arg, void *reply)
{
	struct rsk_item	*it = arg;
	redisReply	*r = reply;

	if (r == NULL) {
		it->sent = 0;	/* again once reconnected, in order */
		return;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		redis_sink_stats.errors++;
		it->sent = 0;
		if (rsk_transient(r->str)) {
			/* Out of memory, loading, a replica: try again in a
			 * while rather than lose the tweet. */
			if (!evtimer_pending(rsk_retry_ev, NULL)) {
				log_warnx("redis %s: %s: %s; trying again",
				    redis_name(rsk_conn), rsk_url->key, r->str);
				evtimer_add(rsk_retry_ev, &rsk_retry_tv);
			}
			return;
		}
		/* A wrong type, a script error: no point in trying again. */
		log_warnx("redis %s: cannot write to %s: %s",
		    redis_name(rsk_conn), rsk_url->key, r->str);
		loop_fail(1);
		return;
	}
	TAILQ_REMOVE(&rsk_queue, it, entry);
	rsk_bytes -= it->len;
	rsk_count--;
	if (rsk_together) {
		if (r->type == REDIS_REPLY_INTEGER && r->integer == 1)
			redis_sink_stats.written++;
		else
			redis_sink_stats.not_ours++;
		redis_source_forget(it->id);
	} else {
		redis_sink_stats.written++;
		if (it->id != NULL)
			source_ack(it->source, it->id);
	}
	rsk_item_free(it);
	sink_drained(rsk_sink);
}

static int
rsk_send(struct rsk_item *it)
{
	const char	*argv[12];
	size_t		 lens[12];
	int		 argc = 0;

#define RSK_ARG(s, l) do { argv[argc] = (s); lens[argc++] = (l); } while (0)
	if (rsk_together && it->id != NULL) {
		struct redis_url	*src = redis_source_url();

		RSK_ARG("EVAL", 4);
		RSK_ARG(redis_lua_write, strlen(redis_lua_write));
		RSK_ARG("2", 1);
		RSK_ARG(src->key, strlen(src->key));
		RSK_ARG(rsk_url->key, strlen(rsk_url->key));
		RSK_ARG(redis_source_group(), strlen(redis_source_group()));
		RSK_ARG(redis_source_consumer(),
		    strlen(redis_source_consumer()));
		RSK_ARG(it->id, strlen(it->id));
		RSK_ARG(it->text, it->len);
		RSK_ARG(rsk_maxlen != NULL ? rsk_maxlen : "",
		    rsk_maxlen != NULL ? strlen(rsk_maxlen) : 0);
	} else {
		RSK_ARG("XADD", 4);
		RSK_ARG(rsk_url->key, strlen(rsk_url->key));
		if (rsk_maxlen != NULL) {
			RSK_ARG("MAXLEN", 6);
			RSK_ARG("~", 1);
			RSK_ARG(rsk_maxlen, strlen(rsk_maxlen));
		}
		RSK_ARG("*", 1);
		RSK_ARG("tweet", 5);
		RSK_ARG(it->text, it->len);
	}
#undef RSK_ARG
	if (redis_command(rsk_conn, rsk_reply, it, argc, argv, lens) != 0)
		return (-1);
	it->sent = 1;
	return (0);
}

/* Send everything not yet sent, in order. */
static void
rsk_send_all(void)
{
	struct rsk_item	*it;

	TAILQ_FOREACH(it, &rsk_queue, entry) {
		if (!it->sent && rsk_send(it) != 0)
			break;
	}
}

static void
rsk_ready_cb(void *arg)
{
	(void)arg;
	rsk_send_all();
}

static void
rsk_down_cb(void *arg)
{
	struct rsk_item	*it;

	(void)arg;
	TAILQ_FOREACH(it, &rsk_queue, entry)
		it->sent = 0;
}

/* Connect (after the source is configured, to see if they share it). */
struct sink *
redis_sink_open(void)
{
	struct redis_url	*src = redis_source_url();

	rsk_together = src != NULL && redis_url_same_server(src, rsk_url);
	rsk_conn = redis_open(rsk_url, 0, rsk_ready_cb, rsk_down_cb, NULL);
	if ((rsk_retry_ev = evtimer_new(loop_base(), rsk_retry_cb,
	    NULL)) == NULL)
		fatalx("%s: evtimer_new failed", __func__);
	if ((rsk_scratch = evbuffer_new()) == NULL)
		fatalx("%s: evbuffer_new failed", __func__);
	rsk_sink = sink_new(&rsk_ops, NULL);
	return (rsk_sink);
}

/* A line is written into a buffer of its own, then queued (rsk_commit). */
static struct evbuffer *
rsk_begin(__unused void *arg)
{
	return (rsk_scratch);
}

/* The line from entry id of src is written: queue it as an entry. */
static void
rsk_commit(__unused void *arg, struct source *src, const char *id,
    __unused uint64_t pos)
{
	size_t	len = evbuffer_get_length(rsk_scratch);

	rsk_put((char *)evbuffer_pullup(rsk_scratch, -1), len - 1, src, id);
	evbuffer_drain(rsk_scratch, len);
}

/*
 * Write one enriched tweet (text without its newline, copied) that came
 * from entry id (or NULL) of src.
 */
static void
rsk_put(const char *text, size_t len, struct source *src, const char *id)
{
	struct rsk_item	*it;

	it = xcalloc(1, sizeof *it);
	it->source = src;
	it->id = id != NULL ? xstrdup(id) : NULL;
	it->text = xmalloc(len + 1);
	memcpy(it->text, text, len);
	it->text[len] = '\0';
	it->len = len;
	TAILQ_INSERT_TAIL(&rsk_queue, it, entry);
	rsk_bytes += len;
	rsk_count++;
	/* Send now unless earlier ones wait for a connection (order). */
	if (TAILQ_FIRST(&rsk_queue) == it || TAILQ_PREV(it, rsk_items,
	    entry)->sent)
		rsk_send(it);
}

/* Bytes written and not yet confirmed. */
static size_t
rsk_backlog(__unused void *arg)
{
	return (rsk_bytes);
}

/* Is nothing waiting for the server? */
static int
rsk_idle(__unused void *arg)
{
	return (rsk_count == 0);
}

/* Close; anything unconfirmed is left to the source's redelivery. */
static void
rsk_free(__unused void *arg)
{
	struct rsk_item	*it;

	if (rsk_url == NULL)
		return;
	if (rsk_scratch != NULL)
		evbuffer_free(rsk_scratch);
	rsk_scratch = NULL;
	rsk_sink = NULL;
	redis_close(rsk_conn);
	rsk_conn = NULL;
	if (rsk_retry_ev != NULL)
		event_free(rsk_retry_ev);
	rsk_retry_ev = NULL;
	while ((it = TAILQ_FIRST(&rsk_queue)) != NULL) {
		TAILQ_REMOVE(&rsk_queue, it, entry);
		rsk_item_free(it);
	}
	free(rsk_maxlen);
	redis_url_free(rsk_url);
	rsk_url = NULL;
}
