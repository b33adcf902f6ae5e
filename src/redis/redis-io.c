/*
 * hiredis' I/O on the loop: an adapter of our own, as hiredis' libevent
 * one, that also lets its owner look after each read at how large the
 * reply being read has grown (its strings so far, and what is buffered of
 * the rest), so that a connection can refuse a reply before it is whole.
 */

#include <stdlib.h>

#include <event2/event.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "lib/lib.h"
#include "redis/redis-int.h"

struct redis_io {
	redisAsyncContext	*ac;
	struct event		*rev;
	struct event		*wev;
	redis_io_cb		 cb;
	void			*arg;
	size_t			 held;	/* bytes of the reply being read */
};

/* The connection being read: the reply functions count for it. */
static struct redis_io			*redis_io_reading;
static redisReplyObjectFunctions	 redis_io_fn;
static void *(*redis_io_string)(const redisReadTask *, char *, size_t);
static void *(*redis_io_array)(const redisReadTask *, int);

/* hiredis' string of a reply, counted. */
static void *
redis_io_create_string(const redisReadTask *t, char *s, size_t len)
{
	if (redis_io_reading != NULL)
		redis_io_reading->held += len;
	return (redis_io_string(t, s, len));
}

/* hiredis' array of a reply, counted; a new reply starts with its own. */
static void *
redis_io_create_array(const redisReadTask *t, int n)
{
	if (redis_io_reading != NULL) {
		if (t->parent == NULL)
			redis_io_reading->held = 0;
		redis_io_reading->held += (size_t)n * sizeof(void *);
	}
	return (redis_io_array(t, n));
}

/* Readable: let hiredis read, then tell the owner (io may be gone). */
static void
redis_io_read(__unused evutil_socket_t fd, __unused short events, void *arg)
{
	struct redis_io		*io = arg;
	redisAsyncContext	*ac = io->ac;
	redis_io_cb		 cb = io->cb;
	void			*cbarg = io->arg;

	redis_io_reading = io;
	redisAsyncHandleRead(ac);
	redis_io_reading = NULL;
	cb(cbarg, ac);
}

static void
redis_io_write(__unused evutil_socket_t fd, __unused short events,
    void *arg)
{
	struct redis_io	*io = arg;

	redisAsyncHandleWrite(io->ac);
}

static void
redis_io_add_read(void *arg)
{
	struct redis_io	*io = arg;

	event_add(io->rev, NULL);
}

static void
redis_io_del_read(void *arg)
{
	struct redis_io	*io = arg;

	event_del(io->rev);
}

static void
redis_io_add_write(void *arg)
{
	struct redis_io	*io = arg;

	event_add(io->wev, NULL);
}

static void
redis_io_del_write(void *arg)
{
	struct redis_io	*io = arg;

	event_del(io->wev);
}

static void
redis_io_cleanup(void *arg)
{
	struct redis_io	*io = arg;

	event_free(io->rev);
	event_free(io->wev);
	free(io);
}

/*
 * Put a new context on the loop. After each read, cb(arg, ac) is called;
 * ac may have been freed by then (a disconnect): the owner compares it
 * with the context it holds before it uses it.
 */
void
redis_io_attach(redisAsyncContext *ac, redis_io_cb cb, void *arg)
{
	struct redis_io	*io;

	if (ac->ev.data != NULL)
		fatalx("%s: already attached", __func__);
	if (redis_io_string == NULL) {
		redis_io_fn = *ac->c.reader->fn;
		redis_io_string = redis_io_fn.createString;
		redis_io_array = redis_io_fn.createArray;
		redis_io_fn.createString = redis_io_create_string;
		redis_io_fn.createArray = redis_io_create_array;
	}
	ac->c.reader->fn = &redis_io_fn;
	io = xcalloc(1, sizeof *io);
	io->ac = ac;
	io->cb = cb;
	io->arg = arg;
	io->rev = event_new(loop_base(), ac->c.fd, EV_READ, redis_io_read, io);
	io->wev = event_new(loop_base(), ac->c.fd, EV_WRITE, redis_io_write,
	    io);
	if (io->rev == NULL || io->wev == NULL)
		fatalx("%s: event_new failed", __func__);
	ac->ev.addRead = redis_io_add_read;
	ac->ev.delRead = redis_io_del_read;
	ac->ev.addWrite = redis_io_add_write;
	ac->ev.delWrite = redis_io_del_write;
	ac->ev.cleanup = redis_io_cleanup;
	ac->ev.data = io;
	event_add(io->rev, NULL);
	event_add(io->wev, NULL);
}

/* How large the reply being read is so far (0 between replies). */
size_t
redis_io_pending(redisAsyncContext *ac)
{
	struct redis_io	*io = ac->ev.data;
	redisReader	*rd = ac->c.reader;
	size_t		 n = rd->len - rd->pos;

	if (rd->ridx >= 0 && io != NULL)
		n += io->held;
	return (n);
}
