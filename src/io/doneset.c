/*
 * The input positions whose output is already in the output file (-o with
 * --continue): loaded by the sink's bookkeeping (journal.c for a file, the
 * SQLite sink's table), asked by the source for each line it takes, which
 * then skips it. Positions count from 1; all below a low mark are done, and
 * the few done above it are bits in a window that moves up as it fills.
 */

#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "io/io.h"

static uint64_t		 doneset_base = 1;	/* bit 0 of words[head] */
static uint64_t		*doneset_words;
static size_t		 doneset_head;		/* first word in use */
static size_t		 doneset_n;		/* words allocated */
static uint64_t		 doneset_count;		/* bits set in the window */

/* Move the low mark over full words, and the window down when half empty. */
static void
doneset_settle(void)
{
	size_t	used;

	while (doneset_head < doneset_n &&
	    doneset_words[doneset_head] == UINT64_MAX) {
		doneset_words[doneset_head++] = 0;
		doneset_base += 64;
		doneset_count -= 64;
	}
	if (doneset_head > 0 && doneset_head >= doneset_n / 2) {
		used = doneset_n - doneset_head;
		memmove(doneset_words, doneset_words + doneset_head,
		    used * sizeof *doneset_words);
		memset(doneset_words + used, 0,
		    doneset_head * sizeof *doneset_words);
		doneset_head = 0;
	}
}

/* Position pos is in the output. */
void
doneset_add(uint64_t pos)
{
	size_t	w, n;

	if (pos < doneset_base)
		return;
	w = doneset_head + (pos - doneset_base) / 64;
	if (w >= doneset_n) {
		n = doneset_n == 0 ? 16 : doneset_n;
		while (n <= w)
			n *= 2;
		doneset_words = xreallocarray(doneset_words, n,
		    sizeof *doneset_words);
		memset(doneset_words + doneset_n, 0,
		    (n - doneset_n) * sizeof *doneset_words);
		doneset_n = n;
	}
	if (doneset_words[w] & (1ULL << ((pos - doneset_base) % 64)))
		return;
	doneset_words[w] |= 1ULL << ((pos - doneset_base) % 64);
	doneset_count++;
	if (w == doneset_head)
		doneset_settle();
}

/* Every position below low is in the output (a compacted journal). */
void
doneset_below(uint64_t low)
{
	uint64_t	pos;

	if (low <= doneset_base)
		return;
	if (low - doneset_base > 64 * (uint64_t)(doneset_n - doneset_head)) {
		/* The whole window is below: start again above it. */
		for (pos = 0; pos < doneset_n; pos++)
			doneset_words[pos] = 0;
		doneset_head = 0;
		doneset_count = 0;
		doneset_base = low;
		return;
	}
	for (pos = doneset_base; pos < low; pos++)
		doneset_add(pos);
}

/* Is position pos in the output? */
int
doneset_has(uint64_t pos)
{
	size_t	w;

	if (pos < doneset_base)
		return (1);
	w = doneset_head + (pos - doneset_base) / 64;
	if (w >= doneset_n)
		return (0);
	return ((doneset_words[w] >> ((pos - doneset_base) % 64)) & 1);
}

/* The lowest position not in the output. */
uint64_t
doneset_low(void)
{
	uint64_t	pos = doneset_base;

	while (doneset_has(pos))
		pos++;
	return (pos);
}

/* The next position in the output at or above pos, or 0. */
uint64_t
doneset_next(uint64_t pos)
{
	uint64_t	end;

	end = doneset_base + 64 * (uint64_t)(doneset_n - doneset_head);
	for (; pos < end; pos++) {
		if (doneset_has(pos))
			return (pos);
	}
	return (0);
}

/* How many positions are in the output. */
uint64_t
doneset_size(void)
{
	return (doneset_base - 1 + doneset_count);
}

/* Forget every position. */
void
doneset_free(void)
{
	free(doneset_words);
	doneset_words = NULL;
	doneset_head = doneset_n = 0;
	doneset_base = 1;
	doneset_count = 0;
}
