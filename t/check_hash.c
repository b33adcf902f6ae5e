/*
 * Unit tests for the one hash table (hash.c) that the memory cache and the
 * table of requests in flight share: FNV-1a against its published values,
 * keys that differ only after a NUL, growth through many doublings, removal,
 * and a walk that visits every node once even while removing as it goes.
 */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "run.h"

struct item {
	char			 key[32];
	size_t			 keylen;
	struct hash_node	 node;
	u_int			 n;
	int			 seen;
};

/* A key with a NUL inside, as the cache's keys are. */
static void
item_key(struct item *it, u_int n)
{
	it->n = n;
	it->keylen = snprintf(it->key, sizeof it->key, "GET%c%u", '\0',
	    n) + 1;
}

static struct item *
find(struct hash *ht, u_int n)
{
	struct item	probe;

	item_key(&probe, n);
	return (HASH_ENTRY(hash_find(ht, probe.key, probe.keylen),
	    struct item, node));
}

static u_int	counted_calls;

/* hn, counting the calls (HASH_ENTRY must evaluate its argument once). */
static struct hash_node *
counted(struct hash_node *hn)
{
	counted_calls++;
	return (hn);
}

START_TEST(test_entry_once)
{
	struct item	a;

	counted_calls = 0;
	ck_assert_ptr_eq(HASH_ENTRY(counted(&a.node), struct item, node), &a);
	ck_assert_uint_eq(counted_calls, 1);
	ck_assert_ptr_null(HASH_ENTRY(counted(NULL), struct item, node));
	ck_assert_uint_eq(counted_calls, 2);
}
END_TEST

START_TEST(test_fnv1a)
{
	/* The reference values of the FNV-1a 32-bit test suite. */
	ck_assert_uint_eq(hash_fnv1a("", 0), 0x811c9dc5u);
	ck_assert_uint_eq(hash_fnv1a("a", 1), 0xe40c292cu);
	ck_assert_uint_eq(hash_fnv1a("foobar", 6), 0xbf9cf968u);
	ck_assert_uint_ne(hash_fnv1a("a\0b", 3), hash_fnv1a("a\0c", 3));
}
END_TEST

START_TEST(test_insert_find_remove)
{
	struct hash	 ht;
	struct item	 a, b;

	hash_init(&ht);
	ck_assert_ptr_null(hash_find(&ht, "x", 1));
	ck_assert_ptr_null(hash_first(&ht));
	item_key(&a, 1);
	item_key(&b, 2);
	hash_insert(&ht, &a.node, a.key, a.keylen);
	hash_insert(&ht, &b.node, b.key, b.keylen);
	ck_assert_uint_eq(hash_count(&ht), 2);
	ck_assert_ptr_eq(find(&ht, 1), &a);
	ck_assert_ptr_eq(find(&ht, 2), &b);
	ck_assert_ptr_null(find(&ht, 3));
	ck_assert_ptr_eq(hash_find_hashed(&ht, b.key, b.keylen,
	    hash_fnv1a(b.key, b.keylen)), &b.node);
	/* A prefix of a key, or a key with more bytes, is another key. */
	ck_assert_ptr_null(hash_find(&ht, "GET", 3));
	ck_assert_ptr_null(hash_find(&ht, "GET\0" "1\0" "2", 7));
	hash_remove(&ht, &a.node);
	ck_assert_ptr_null(find(&ht, 1));
	ck_assert_ptr_eq(find(&ht, 2), &b);
	ck_assert_uint_eq(hash_count(&ht), 1);
	hash_free(&ht);
	ck_assert_uint_eq(hash_count(&ht), 0);
	ck_assert_ptr_null(find(&ht, 2));
}
END_TEST

START_TEST(test_grow_and_walk)
{
	struct hash		 ht;
	struct hash_node	*hn, *next;
	struct item		*items, *it;
	u_int			 i, n = 50000, walked = 0;

	items = xcalloc(n, sizeof *items);
	hash_init(&ht);
	for (i = 0; i < n; i++) {
		item_key(&items[i], i);
		hash_insert(&ht, &items[i].node, items[i].key,
		    items[i].keylen);
	}
	ck_assert_uint_eq(hash_count(&ht), n);
	ck_assert_uint_ge(ht.size, n);
	for (i = 0; i < n; i++)
		ck_assert_ptr_eq(find(&ht, i), &items[i]);

	/* Every node once, removing the odd ones on the way. */
	for (hn = hash_first(&ht); hn != NULL; hn = next) {
		next = hash_next(&ht, hn);
		it = HASH_ENTRY(hn, struct item, node);
		ck_assert_int_eq(it->seen, 0);
		it->seen = 1;
		walked++;
		if (it->n % 2)
			hash_remove(&ht, hn);
	}
	ck_assert_uint_eq(walked, n);
	ck_assert_uint_eq(hash_count(&ht), n / 2);
	for (i = 0; i < n; i++) {
		if (i % 2)
			ck_assert_ptr_null(find(&ht, i));
		else
			ck_assert_ptr_eq(find(&ht, i), &items[i]);
	}
	hash_free(&ht);
	free(items);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("hash");
	TCase	*tc = tcase_create("hash");

	tcase_add_test(tc, test_fnv1a);
	tcase_add_test(tc, test_entry_once);
	tcase_add_test(tc, test_insert_find_remove);
	tcase_add_test(tc, test_grow_and_walk);
	suite_add_tcase(s, tc);
	return (run_suite(s));
}
