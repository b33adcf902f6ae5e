/*
 * One hash table for the whole program: a chained table of nodes embedded
 * in their owners' structs (struct hash_node, found back with HASH_ENTRY),
 * keyed by byte strings that the owners keep, hashed with the one FNV-1a
 * here (also the cache file's checksum). The table doubles as it fills; it
 * allocates only its bucket array, never a node or a key.
 */

#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"

#define HASH_FIRST_SIZE 1024	/* buckets at the first insert */

/* FNV-1a (32 bits) of n bytes. */
uint32_t
hash_fnv1a(const void *p, size_t n)
{
	const u_char	*s = p;
	uint32_t	 h = 2166136261u;
	size_t		 i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= 16777619u;
	}
	return (h);
}

/* Set up an empty table (it allocates nothing until the first insert). */
void
hash_init(struct hash *ht)
{
	memset(ht, 0, sizeof *ht);
}

/* Double the table, or make its first buckets. */
static void
hash_grow(struct hash *ht)
{
	struct hash_node	**old = ht->table, *hn, *next;
	u_int			  oldsize = ht->size, i, b;

	ht->size = oldsize == 0 ? HASH_FIRST_SIZE : oldsize * 2;
	ht->table = xcalloc(ht->size, sizeof *ht->table);
	for (i = 0; i < oldsize; i++) {
		for (hn = old[i]; hn != NULL; hn = next) {
			next = hn->next;
			b = hn->hash & (ht->size - 1);
			hn->next = ht->table[b];
			ht->table[b] = hn;
		}
	}
	free(old);
}

/* The node with these key bytes, or NULL (not hashed if it is empty). */
struct hash_node *
hash_find(struct hash *ht, const void *key, size_t keylen)
{
	if (ht->count == 0)
		return (NULL);
	return (hash_find_hashed(ht, key, keylen, hash_fnv1a(key, keylen)));
}

/* The same, given the key's hash_fnv1a (for a caller that has it). */
struct hash_node *
hash_find_hashed(struct hash *ht, const void *key, size_t keylen, uint32_t h)
{
	struct hash_node	*hn;

	if (ht->count == 0)
		return (NULL);
	for (hn = ht->table[h & (ht->size - 1)]; hn != NULL; hn = hn->next) {
		if (hn->hash == h && hn->keylen == keylen &&
		    memcmp(hn->key, key, keylen) == 0)
			return (hn);
	}
	return (NULL);
}

/*
 * Add a node under key (which must live as long as the node is in the
 * table). The caller makes sure the key is not there already.
 */
void
hash_insert(struct hash *ht, struct hash_node *hn, const void *key,
    size_t keylen)
{
	hash_insert_hashed(ht, hn, key, keylen, hash_fnv1a(key, keylen));
}

/* The same, given the key's hash_fnv1a. */
void
hash_insert_hashed(struct hash *ht, struct hash_node *hn, const void *key,
    size_t keylen, uint32_t h)
{
	u_int	b;

	if (ht->count + 1 > ht->size)
		hash_grow(ht);
	hn->key = key;
	hn->keylen = keylen;
	hn->hash = h;
	b = h & (ht->size - 1);
	hn->next = ht->table[b];
	ht->table[b] = hn;
	ht->count++;
}

/* Take a node out of the table (it is not freed). */
void
hash_remove(struct hash *ht, struct hash_node *hn)
{
	struct hash_node	**pp;

	pp = &ht->table[hn->hash & (ht->size - 1)];
	while (*pp != hn)
		pp = &(*pp)->next;
	*pp = hn->next;
	ht->count--;
}

/* The first node of the buckets from b on, or NULL. */
static struct hash_node *
hash_scan(struct hash *ht, u_int b)
{
	for (; b < ht->size; b++) {
		if (ht->table[b] != NULL)
			return (ht->table[b]);
	}
	return (NULL);
}

/* Some node of the table, to walk it with hash_next; NULL if empty. */
struct hash_node *
hash_first(struct hash *ht)
{
	return (hash_scan(ht, 0));
}

/* The node after hn in a walk (hn may be removed once this returned). */
struct hash_node *
hash_next(struct hash *ht, struct hash_node *hn)
{
	if (hn->next != NULL)
		return (hn->next);
	return (hash_scan(ht, (hn->hash & (ht->size - 1)) + 1));
}

/* How many nodes are in the table. */
u_int
hash_count(const struct hash *ht)
{
	return (ht->count);
}

/* Free the buckets (the nodes are their owners'); the table is empty. */
void
hash_free(struct hash *ht)
{
	free(ht->table);
	hash_init(ht);
}
