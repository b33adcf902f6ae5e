/*
 * The cache file (--cache-file) as a tier of the response cache (cache.c),
 * behind the memory LRU: it keeps 2xx and 3xx answers, has what it gathered
 * flushed a little later from the loop, and leaves its counters in stats at
 * the end. The file itself is cachefile.c.
 */

#include <stdlib.h>

#include <event2/event.h>

#include "lib/lib.h"
#include "core.h"
#include "http/http.h"

/* The tier's state: the file and its flush timer. */
struct cachefile_tier {
	struct cachefile	*cf;
	struct event		*flush_ev;
};
#define CACHEFILE_FLUSH_MS 100

/*
 * The flush timer: hand what was gathered to the writer thread, and let go
 * of the read snapshot that look-ups share (so that it is never held for
 * longer than CACHEFILE_FLUSH_MS, busy or idle).
 */
static void
cachefile_tier_flush_cb(__unused evutil_socket_t fd, __unused short events,
    void *arg)
{
	struct cachefile_tier	*ct = arg;

	cachefile_flush(ct->cf);
}

/*
 * A look-up in the file (the entry's age was judged there); the flush
 * timer ends the read snapshot it may leave.
 */
static int
cachefile_tier_get(void *state, const char *key, size_t keylen,
    struct cache_value *v, __unused struct cache_lookup *later)
{
	struct cachefile_tier	*ct = state;
	struct cachefile_entry	 ce;
	struct timeval		 tv = { 0, CACHEFILE_FLUSH_MS * 1000 };
	int			 r;

	r = cachefile_get(ct->cf, key, keylen, opts.cache_ttl, &ce);
	if (!evtimer_pending(ct->flush_ev, NULL))
		evtimer_add(ct->flush_ev, &tv);
	if (r != 1)
		return (CACHE_MISS);
	v->status = ce.status;
	v->body = ce.body;
	v->bodylen = ce.bodylen;
	v->location = ce.location;
	v->stored = ce.stored;	/* young enough, as cachefile_get judged */
	return (CACHE_HIT);
}

/* Free a value that a look-up gave. */
static void
cachefile_tier_release(__unused void *state, struct cache_value *v)
{
	free((char *)v->body);
	free((char *)v->location);
	v->body = v->location = NULL;
}

/* Keep a 2xx or 3xx answer; flushed within CACHEFILE_FLUSH_MS. */
static void
cachefile_tier_put(void *state, const char *key, size_t keylen,
    const struct cache_value *v)
{
	struct cachefile_tier	*ct = state;
	struct timeval		 tv = { 0, CACHEFILE_FLUSH_MS * 1000 };

	if (v->status < 200 || v->status > 399)
		return;
	cachefile_put(ct->cf, key, keylen, v->status, v->body, v->bodylen,
	    v->location);
	if (cachefile_pending(ct->cf) > 0 &&
	    !evtimer_pending(ct->flush_ev, NULL))
		evtimer_add(ct->flush_ev, &tv);
}

/* At the end: write what is left, keep the counters, close. */
static void
cachefile_tier_free(void *state)
{
	struct cachefile_tier	*ct = state;

	cachefile_flush(ct->cf);
	cachefile_wait(ct->cf);
	cachefile_stats(ct->cf, &stats.cache_file);
	stats.cache_file_used = 1;
	cachefile_close(ct->cf);
	event_free(ct->flush_ev);
	free(ct);
}

static const struct cache_backend cachefile_backend = {
	.name = "file",
	.near = 1,		/* memory-mapped: hits are not copied */
	.get = cachefile_tier_get,
	.release = cachefile_tier_release,
	.put = cachefile_tier_put,
	.free = cachefile_tier_free,
};

/* Open --cache-file and add it behind the memory cache; exit 2 if not. */
void
cachefile_tier(const char *path, size_t size)
{
	struct cachefile_tier	*ct;
	char			*cause = NULL;

	ct = xcalloc(1, sizeof *ct);
	if ((ct->cf = cachefile_open(path, size, &cause)) == NULL) {
		log_warnx("%s", cause);
		exit(2);
	}
	ct->flush_ev = evtimer_new(loop_base(), cachefile_tier_flush_cb, ct);
	if (ct->flush_ev == NULL)
		fatalx("%s: evtimer_new failed", __func__);
	cache_add(&cachefile_backend, ct);
}
