/*
 * The response cache: key bytes (method, URL, headers, body) to a response
 * (status, body, redirect target, when it was stored), in tiers tried in
 * order: the memory LRU here first, then whatever backends are added
 * behind it (a file, a server). Every tier has the same small interface
 * (struct cache_backend): get, put, expire by key, free. A hit in a later
 * tier is copied into the earlier ones, unless that tier is near (a
 * memory-mapped file). Entries older than --cache-ttl are
 * misses. Nothing here knows about HTTP or the network, so it is tested on
 * its own (t/check_cache.c).
 *
 * A tier may answer a get later (a server): it returns CACHE_LATER and
 * calls cache_answer() from the loop; cache_get() then says CACHE_LATER to
 * its caller and calls the caller's callback once the tiers have answered.
 */

#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/lib.h"
#include "core.h"
#include "http/http.h"

#define CACHE_MAX_TIERS 4

struct cache_tier {
	const struct cache_backend	*backend;
	void				*state;
};

/* A get that a tier answers later. */
struct cache_lookup {
	char		*key;
	size_t		 keylen;
	u_int		 tier;		/* the tier asked */
	cache_cb	 cb;
	void		*arg;
};

/* The memory tier: a hash table of entries and an LRU list. */
struct cache_mem_entry {
	char				*key;
	size_t				 keylen;
	struct hash_node		 node;
	TAILQ_ENTRY(cache_mem_entry)	 lru;
	long				 status;
	char				*body;	/* NUL-terminated */
	size_t				 bodylen;
	char				*location;
	double				 stored;
	size_t				 bytes;	/* all of it, counted */
	u_int				 busy;	/* a value given out */
	int				 dead;	/* expired while busy */
};
TAILQ_HEAD(cache_mem_list, cache_mem_entry);

struct cache_mem {
	struct hash		  table;	/* key to entry */
	size_t			  bytes;
	u_int			  max_count;
	size_t			  max_bytes;
	struct cache_mem_list	  lru;		/* least recent first */
};

static struct cache_tier	cache_tiers[CACHE_MAX_TIERS];
static u_int			cache_ntiers;

/*
 * The key a caller of cache_get_hashed or cache_put_hashed gave with its
 * hash_fnv1a, during that call: the memory tier need not hash it again.
 */
static const char		*cache_hashed_key;
static uint32_t			 cache_hashed;

/* A key's hash_fnv1a, the caller's if it gave it. */
static uint32_t
cache_key_hash(const char *key, size_t keylen)
{
	if (key == cache_hashed_key)
		return (cache_hashed);
	return (hash_fnv1a(key, keylen));
}

/* Find a key in the memory tier. */
static struct cache_mem_entry *
cache_mem_find(struct cache_mem *cm, const char *key, size_t keylen)
{
	if (hash_count(&cm->table) == 0)
		return (NULL);
	return (HASH_ENTRY(hash_find_hashed(&cm->table, key, keylen,
	    cache_key_hash(key, keylen)), struct cache_mem_entry, node));
}

/* Take an entry out of the table and the LRU list (not freed). */
static void
cache_mem_unlink(struct cache_mem *cm, struct cache_mem_entry *ce)
{
	hash_remove(&cm->table, &ce->node);
	TAILQ_REMOVE(&cm->lru, ce, lru);
	cm->bytes -= ce->bytes;
}

static void
cache_mem_entry_free(struct cache_mem_entry *ce)
{
	free(ce);	/* its key, body and location with it */
}

/* Drop an entry, or mark it to go when its value is given back. */
static void
cache_mem_drop(struct cache_mem *cm, struct cache_mem_entry *ce)
{
	cache_mem_unlink(cm, ce);
	if (ce->busy > 0)
		ce->dead = 1;
	else
		cache_mem_entry_free(ce);
}

/* Keep the memory tier within its bounds, least recently used out first. */
static void
cache_mem_trim(struct cache_mem *cm)
{
	struct cache_mem_entry	*ce;

	while ((ce = TAILQ_FIRST(&cm->lru)) != NULL &&
	    (hash_count(&cm->table) > cm->max_count || cm->bytes > cm->max_bytes))
		cache_mem_drop(cm, ce);
}

static int
cache_mem_get(void *state, const char *key, size_t keylen,
    struct cache_value *v, __unused struct cache_lookup *later)
{
	struct cache_mem	*cm = state;
	struct cache_mem_entry	*ce;

	if ((ce = cache_mem_find(cm, key, keylen)) == NULL)
		return (CACHE_MISS);
	TAILQ_REMOVE(&cm->lru, ce, lru);
	TAILQ_INSERT_TAIL(&cm->lru, ce, lru);
	ce->busy++;
	v->status = ce->status;
	v->body = ce->body;
	v->bodylen = ce->bodylen;
	v->location = ce->location;
	v->stored = ce->stored;
	v->ref = ce;
	return (CACHE_HIT);
}

static void
cache_mem_release(__unused void *state, struct cache_value *v)
{
	struct cache_mem_entry	*ce = v->ref;

	if (--ce->busy == 0 && ce->dead)
		cache_mem_entry_free(ce);
}

static void
cache_mem_put(void *state, const char *key, size_t keylen,
    const struct cache_value *v)
{
	struct cache_mem	*cm = state;
	struct cache_mem_entry	*ce;
	size_t			 loclen;
	uint32_t		 h = cache_key_hash(key, keylen);

	if ((ce = HASH_ENTRY(hash_find_hashed(&cm->table, key, keylen, h),
	    struct cache_mem_entry, node)) != NULL)
		cache_mem_drop(cm, ce);
	loclen = v->location != NULL ? strlen(v->location) + 1 : 0;
	/* One allocation: the entry, then its key, body and location. */
	ce = xmalloc(sizeof *ce + keylen + v->bodylen + 1 + loclen);
	memset(ce, 0, sizeof *ce);
	ce->key = (char *)(ce + 1);
	memcpy(ce->key, key, keylen);
	ce->keylen = keylen;
	ce->status = v->status;
	ce->body = ce->key + keylen;
	memcpy(ce->body, v->body, v->bodylen);
	ce->body[v->bodylen] = '\0';
	ce->bodylen = v->bodylen;
	if (v->location != NULL) {
		ce->location = ce->body + v->bodylen + 1;
		memcpy(ce->location, v->location, loclen);
	}
	ce->stored = v->stored;
	ce->bytes = sizeof *ce + keylen + v->bodylen + 1 + loclen;

	hash_insert_hashed(&cm->table, &ce->node, ce->key, keylen, h);
	TAILQ_INSERT_TAIL(&cm->lru, ce, lru);
	cm->bytes += ce->bytes;
	cache_mem_trim(cm);
}

static void
cache_mem_expire(void *state, const char *key, size_t keylen)
{
	struct cache_mem	*cm = state;
	struct cache_mem_entry	*ce;

	if ((ce = cache_mem_find(cm, key, keylen)) != NULL)
		cache_mem_drop(cm, ce);
}

static void
cache_mem_free(void *state)
{
	struct cache_mem	*cm = state;
	struct cache_mem_entry	*ce;

	while ((ce = TAILQ_FIRST(&cm->lru)) != NULL) {
		cache_mem_unlink(cm, ce);
		if (ce->busy > 0)
			ce->dead = 1;
		else
			cache_mem_entry_free(ce);
	}
	hash_free(&cm->table);
	free(cm);
}

/* The memory tier: an LRU of at most --cache-size entries, --cache-memory. */
static const struct cache_backend cache_mem_backend = {
	.name = "memory",
	.get = cache_mem_get,
	.release = cache_mem_release,
	.put = cache_mem_put,
	.expire = cache_mem_expire,
	.free = cache_mem_free,
};

/* Set up the cache: the memory tier if it holds anything. */
void
cache_init(u_int max_count, size_t max_bytes)
{
	struct cache_mem	*cm;

	cache_free();
	if (max_count == 0)
		return;
	cm = xcalloc(1, sizeof *cm);
	cm->max_count = max_count;
	cm->max_bytes = max_bytes;
	hash_init(&cm->table);
	TAILQ_INIT(&cm->lru);
	cache_add(&cache_mem_backend, cm);
}

/* Add a tier behind those there are (it is freed by cache_free). */
void
cache_add(const struct cache_backend *backend, void *state)
{
	if (cache_ntiers == CACHE_MAX_TIERS)
		fatalx("%s: too many cache tiers", __func__);
	cache_tiers[cache_ntiers].backend = backend;
	cache_tiers[cache_ntiers].state = state;
	cache_ntiers++;
}

/* Give back a value that cache_get returned. */
void
cache_release(struct cache_value *v)
{
	const struct cache_tier	*ct;

	if (v->tier >= cache_ntiers)
		return;
	ct = &cache_tiers[v->tier];
	if (ct->backend->release != NULL)
		ct->backend->release(ct->state, v);
	v->tier = CACHE_MAX_TIERS;
}

/* Store a response in tiers first to last-1. */
static void
cache_put_tiers(const char *key, size_t keylen, const struct cache_value *v,
    u_int last)
{
	u_int	i;

	for (i = 0; i < last; i++)
		cache_tiers[i].backend->put(cache_tiers[i].state, key, keylen, v);
}

/*
 * Ask the tiers from the first-th on. A hit in a later tier is stored in
 * the earlier ones and given as that tier gave it.
 */
static int
cache_ask(const char *key, size_t keylen, u_int first, struct cache_value *v,
    struct cache_lookup **later)
{
	const struct cache_tier	*ct;
	struct cache_lookup	*cl = NULL;
	u_int			 i;
	int			 r;

	for (i = first; i < cache_ntiers; i++) {
		ct = &cache_tiers[i];
		if (ct->backend->async) {
			cl = xcalloc(1, sizeof *cl);
			cl->key = xmalloc(keylen);
			memcpy(cl->key, key, keylen);
			cl->keylen = keylen;
			cl->tier = i;
		}
		memset(v, 0, sizeof *v);
		v->tier = CACHE_MAX_TIERS;
		r = ct->backend->get(ct->state, key, keylen, v, cl);
		if (r == CACHE_LATER) {
			*later = cl;
			return (CACHE_LATER);
		}
		if (cl != NULL) {
			free(cl->key);
			free(cl);
			cl = NULL;
		}
		if (r != CACHE_HIT)
			continue;
		v->tier = i;
		if (clock_wall() - v->stored > opts.cache_ttl) {
			cache_release(v);
			if (ct->backend->expire != NULL)
				ct->backend->expire(ct->state, key, keylen);
			continue;
		}
		/*
		 * A near tier (a memory-mapped file) is as quick to ask
		 * again as memory is to fill: its hits are not copied, so
		 * that a warm rerun neither copies every answer nor, once
		 * memory is full, evicts an entry for each.
		 */
		if (i == 0 || ct->backend->near)
			return (CACHE_HIT);
		/*
		 * Copy it into the earlier tiers and give it as this tier
		 * gave it (valid until cache_release): asking memory again
		 * for what was just put there cost a warm rerun a lookup.
		 */
		cache_put_tiers(key, keylen, v, i);
		return (CACHE_HIT);
	}
	return (CACHE_MISS);
}

/*
 * Look a key up. CACHE_HIT: *v is the response, valid until cache_release.
 * CACHE_MISS: none. CACHE_LATER: a tier answers later; give *later to
 * cache_wait at once.
 */
int
cache_get(const char *key, size_t keylen, struct cache_value *v,
    struct cache_lookup **later)
{
	v->tier = CACHE_MAX_TIERS;
	*later = NULL;
	return (cache_ask(key, keylen, 0, v, later));
}

/* The same, given the key's hash_fnv1a (a caller that has it). */
int
cache_get_hashed(const char *key, size_t keylen, uint32_t h,
    struct cache_value *v, struct cache_lookup **later)
{
	int	r;

	cache_hashed_key = key;
	cache_hashed = h;
	r = cache_get(key, keylen, v, later);
	cache_hashed_key = NULL;
	return (r);
}

/*
 * Say who waits for a lookup that cache_get left for later: cb is called
 * once, from the loop, with the value (valid during the call) or NULL.
 */
void
cache_wait(struct cache_lookup *cl, cache_cb cb, void *arg)
{
	cl->cb = cb;
	cl->arg = arg;
}

/*
 * A tier that said CACHE_LATER answers (v NULL: a miss, or a failure,
 * which is a miss too). The later tiers are asked in turn.
 */
void
cache_answer(struct cache_lookup *cl, const struct cache_value *v)
{
	struct cache_value	 mine;
	struct cache_lookup	*next = NULL;
	int			 r;

	if (v != NULL && clock_wall() - v->stored <= opts.cache_ttl) {
		cache_put_tiers(cl->key, cl->keylen, v, cl->tier);
		cl->cb(cl->arg, v);
		goto done;
	}
	r = cache_ask(cl->key, cl->keylen, cl->tier + 1, &mine, &next);
	if (r == CACHE_LATER)
		cache_wait(next, cl->cb, cl->arg);
	else if (r == CACHE_HIT) {
		cl->cb(cl->arg, &mine);
		cache_release(&mine);
	} else
		cl->cb(cl->arg, NULL);
done:
	free(cl->key);
	free(cl);
}

/* Forget a lookup that will never be answered (its tier is closing). */
void
cache_drop(struct cache_lookup *cl)
{
	free(cl->key);
	free(cl);
}

/* Store a response in every tier (stored now). */
void
cache_put(const char *key, size_t keylen, long status, const char *body,
    size_t bodylen, const char *location)
{
	struct cache_value	v;

	memset(&v, 0, sizeof v);
	v.status = status;
	v.body = body;
	v.bodylen = bodylen;
	v.location = location;
	v.stored = clock_wall();
	cache_put_tiers(key, keylen, &v, cache_ntiers);
}

/* The same, given the key's hash_fnv1a. */
void
cache_put_hashed(const char *key, size_t keylen, uint32_t h, long status,
    const char *body, size_t bodylen, const char *location)
{
	cache_hashed_key = key;
	cache_hashed = h;
	cache_put(key, keylen, status, body, bodylen, location);
	cache_hashed_key = NULL;
}

/* Forget a key in every tier. */
void
cache_expire(const char *key, size_t keylen)
{
	u_int	i;

	for (i = 0; i < cache_ntiers; i++) {
		if (cache_tiers[i].backend->expire != NULL)
			cache_tiers[i].backend->expire(cache_tiers[i].state,
			    key, keylen);
	}
}

/* Free every tier. */
void
cache_free(void)
{
	u_int	i;

	for (i = 0; i < cache_ntiers; i++) {
		if (cache_tiers[i].backend->free != NULL)
			cache_tiers[i].backend->free(cache_tiers[i].state);
	}
	cache_ntiers = 0;
}
