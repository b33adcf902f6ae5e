/*
 * Unit tests for the response cache, without a network: the memory tier's
 * LRU and bounds, the TTL, values kept alive while given out, and tiers
 * behind it (one answering at once, one answering later) through the
 * backend interface.
 */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "core.h"
#include "http/http.h"
#include "run.h"

/* A key with a NUL inside, as fetch.c makes them. */
static size_t
key(char *buf, u_int n)
{
	return (snprintf(buf, 64, "GET%c/url/%u", '\0', n) + 1);
}

static void
put(u_int n, const char *body)
{
	char	k[64];
	size_t	len = key(k, n);

	cache_put(k, len, 200, body, strlen(body), n % 2 ? "http://x/" : NULL);
}

/* 1 and the body on a hit. */
static int
get(u_int n, char *body, size_t size)
{
	struct cache_value	 v;
	struct cache_lookup	*later;
	char			 k[64];
	size_t			 len = key(k, n);

	if (cache_get(k, len, &v, &later) != CACHE_HIT)
		return (0);
	ck_assert_int_eq(v.status, 200);
	ck_assert_int_eq(v.body[v.bodylen], '\0');
	snprintf(body, size, "%s", v.body);
	if (n % 2)
		ck_assert_str_eq(v.location, "http://x/");
	else
		ck_assert_ptr_null(v.location);
	cache_release(&v);
	return (1);
}

START_TEST(test_hit_miss)
{
	char	body[64];

	options_init();
	cache_init(10, 1 << 20);
	put(1, "one");
	put(2, "two");
	ck_assert(get(1, body, sizeof body));
	ck_assert_str_eq(body, "one");
	ck_assert(get(2, body, sizeof body));
	ck_assert_str_eq(body, "two");
	ck_assert(!get(3, body, sizeof body));
	put(1, "uno");		/* a new answer replaces the old */
	ck_assert(get(1, body, sizeof body));
	ck_assert_str_eq(body, "uno");
	cache_expire("GET\0/url/1", 11);
	ck_assert(!get(1, body, sizeof body));
	cache_free();
	options_free();
}
END_TEST

START_TEST(test_lru_count_and_bytes)
{
	char	body[64], big[5000];
	u_int	i;

	options_init();
	cache_init(3, 1 << 20);
	for (i = 1; i <= 3; i++)
		put(i, "x");
	ck_assert(get(1, body, sizeof body));	/* 1 is now the newest */
	put(4, "x");				/* so 2 goes */
	ck_assert(!get(2, body, sizeof body));
	ck_assert(get(1, body, sizeof body));
	ck_assert(get(3, body, sizeof body));
	ck_assert(get(4, body, sizeof body));
	cache_free();

	/* By bytes: two bodies of 5000 do not fit in 8000. */
	memset(big, 'b', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	cache_init(100, 8000);
	put(1, big);
	ck_assert(get(1, body, sizeof body));
	put(2, big);
	ck_assert(!get(1, body, sizeof body));
	ck_assert(get(2, body, sizeof body));
	put(3, "small");
	cache_free();

	/* Nothing at all with no tier. */
	cache_init(0, 0);
	put(1, "x");
	ck_assert(!get(1, body, sizeof body));
	cache_free();
	options_free();
}
END_TEST

START_TEST(test_ttl)
{
	char	body[64];

	options_init();
	cache_init(10, 1 << 20);
	opts.cache_ttl = 3600;
	put(1, "fresh");
	ck_assert(get(1, body, sizeof body));
	opts.cache_ttl = 0;	/* everything stored before now is too old */
	ck_assert(!get(1, body, sizeof body));
	opts.cache_ttl = 3600;	/* and it was dropped */
	ck_assert(!get(1, body, sizeof body));
	cache_free();
	options_free();
}
END_TEST

START_TEST(test_value_outlives_eviction)
{
	struct cache_value	 v;
	struct cache_lookup	*later;
	char			 k[64];
	size_t			 len = key(k, 1);
	u_int			 i;

	options_init();
	cache_init(2, 1 << 20);
	put(1, "kept while given out");
	ck_assert_int_eq(cache_get(k, len, &v, &later), CACHE_HIT);
	for (i = 2; i < 10; i++)	/* evicts 1 */
		put(i, "x");
	cache_expire(k, len);
	/* Still readable (ASan and valgrind would say otherwise). */
	ck_assert_str_eq(v.body, "kept while given out");
	cache_release(&v);
	cache_free();
	options_free();
}
END_TEST

/* A second tier: a one-entry store that counts what it is asked. */
struct fake {
	int			 async;
	char			 key[64];
	size_t			 keylen;
	char			 body[64];
	double			 stored;
	u_int			 gets;
	u_int			 puts;
	u_int			 expires;
	struct cache_lookup	*later;
};

static int
fake_get(void *state, const char *k, size_t len, struct cache_value *v,
    struct cache_lookup *later)
{
	struct fake	*f = state;

	f->gets++;
	if (f->async) {
		ck_assert_ptr_nonnull(later);
		f->later = later;
		return (CACHE_LATER);
	}
	if (len != f->keylen || memcmp(k, f->key, len) != 0)
		return (CACHE_MISS);
	v->status = 200;
	v->body = f->body;
	v->bodylen = strlen(f->body);
	v->stored = f->stored;
	return (CACHE_HIT);
}

static void
fake_put(void *state, const char *k, size_t len,
    const struct cache_value *v)
{
	struct fake	*f = state;

	f->puts++;
	memcpy(f->key, k, len);
	f->keylen = len;
	snprintf(f->body, sizeof f->body, "%.*s", (int)v->bodylen, v->body);
	f->stored = v->stored;
}

static void
fake_expire(void *state, __unused const char *k, __unused size_t len)
{
	struct fake	*f = state;

	f->expires++;
	f->keylen = 0;
}

static const struct cache_backend fake_backend = {
	.name = "fake",
	.get = fake_get,
	.put = fake_put,
	.expire = fake_expire,
};
static const struct cache_backend fake_near_backend = {
	.name = "fake-near",
	.near = 1,
	.get = fake_get,
	.put = fake_put,
	.expire = fake_expire,
};
static const struct cache_backend fake_async_backend = {
	.name = "fake-async",
	.async = 1,
	.get = fake_get,
	.put = fake_put,
	.expire = fake_expire,
};

/* A fake tier holding key n's "from the file", behind a memory of entries. */
static void
fake_open(struct fake *f, const struct cache_backend *b, u_int entries, u_int n)
{
	memset(f, 0, sizeof *f);
	f->keylen = key(f->key, n);
	snprintf(f->body, sizeof f->body, "from the file");
	f->stored = clock_wall();
	options_init();
	cache_init(entries, 1 << 20);
	cache_add(b, f);
}

START_TEST(test_second_tier)
{
	struct fake	f;
	char		body[64];

	fake_open(&f, &fake_backend, 10, 6);

	/* A miss in memory, a hit behind it: copied into memory. */
	ck_assert(get(6, body, sizeof body));
	ck_assert_str_eq(body, "from the file");
	ck_assert_uint_eq(f.gets, 1);
	ck_assert(get(6, body, sizeof body));
	ck_assert_str_eq(body, "from the file");
	ck_assert_uint_eq(f.gets, 1);	/* memory answered */

	/* A put reaches every tier. */
	put(8, "new");
	ck_assert_uint_eq(f.puts, 1);
	ck_assert_str_eq(f.body, "new");

	/* Too old behind: a miss, and that tier is told to drop it. */
	f.keylen = key(f.key, 10);
	f.stored = clock_wall() - 7200;
	opts.cache_ttl = 3600;
	ck_assert(!get(10, body, sizeof body));
	ck_assert_uint_eq(f.expires, 1);
	cache_free();	/* the fake has no free: nothing to do */
	options_free();
}
END_TEST

/*
 * A near tier (the memory-mapped file): its hits are given but not copied
 * into memory, which neither grows nor loses an entry for them.
 */
START_TEST(test_near_tier)
{
	struct fake	f;
	char		body[64];

	fake_open(&f, &fake_near_backend, 1, 6);
	put(1, "in memory");
	ck_assert_uint_eq(f.puts, 1);
	f.keylen = key(f.key, 6);
	snprintf(f.body, sizeof f.body, "from the file");

	ck_assert(get(6, body, sizeof body));
	ck_assert_str_eq(body, "from the file");
	ck_assert(get(6, body, sizeof body));
	ck_assert_str_eq(body, "from the file");
	ck_assert_uint_eq(f.gets, 2);	/* asked again, not memory */
	ck_assert_uint_eq(f.puts, 1);	/* nothing put back either */
	/* The one memory entry is still there: not evicted for a hit. */
	ck_assert(get(1, body, sizeof body));
	ck_assert_str_eq(body, "in memory");
	ck_assert_uint_eq(f.gets, 2);
	cache_free();
	options_free();
}
END_TEST

static u_int		 answered;
static char		 answer[64];

static void
answer_cb(__unused void *arg, const struct cache_value *v)
{
	answered++;
	if (v != NULL)
		snprintf(answer, sizeof answer, "%.*s", (int)v->bodylen,
		    v->body);
	else
		snprintf(answer, sizeof answer, "(miss)");
}

START_TEST(test_async_tier)
{
	struct fake		 f;
	struct cache_value	 v;
	struct cache_lookup	*later;
	char			 k[64], body[64];
	size_t			 len = key(k, 5);

	memset(&f, 0, sizeof f);
	f.async = 1;
	options_init();
	cache_init(10, 1 << 20);
	cache_add(&fake_async_backend, &f);

	/* A later hit: the waiter gets it, and memory keeps it. */
	ck_assert_int_eq(cache_get(k, len, &v, &later), CACHE_LATER);
	ck_assert_ptr_nonnull(later);
	cache_wait(later, answer_cb, NULL);
	ck_assert_uint_eq(answered, 0);
	memset(&v, 0, sizeof v);
	v.status = 200;
	v.body = "from the server";
	v.bodylen = strlen(v.body);
	v.location = "http://x/";
	v.stored = clock_wall();
	cache_answer(f.later, &v);
	ck_assert_uint_eq(answered, 1);
	ck_assert_str_eq(answer, "from the server");
	ck_assert(get(5, body, sizeof body));
	ck_assert_str_eq(body, "from the server");

	/* A later miss (or failure): NULL. */
	len = key(k, 6);
	ck_assert_int_eq(cache_get(k, len, &v, &later), CACHE_LATER);
	cache_wait(later, answer_cb, NULL);
	cache_answer(f.later, NULL);
	ck_assert_uint_eq(answered, 2);
	ck_assert_str_eq(answer, "(miss)");
	cache_free();
	options_free();
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("cache");
	TCase	*tc = tcase_create("cache");

	tcase_add_test(tc, test_hit_miss);
	tcase_add_test(tc, test_lru_count_and_bytes);
	tcase_add_test(tc, test_ttl);
	tcase_add_test(tc, test_value_outlives_eviction);
	tcase_add_test(tc, test_second_tier);
	tcase_add_test(tc, test_near_tier);
	tcase_add_test(tc, test_async_tier);
	suite_add_tcase(s, tc);
	return (run_suite(s));
}
