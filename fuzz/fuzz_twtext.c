/*
 * libFuzzer: twtext.c on any bytes (bad UTF-8 included). Every extraction
 * and the weighted length must finish without a memory error, and the
 * entities must be in order, not overlap, and point into the text.
 */

#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "tweet/tweet.h"

static struct twtext	*fuzz_tw;

/* Check the entities of the last extraction of text s (n code points at
 * most, since every byte is at most one code point). */
static void
fuzz_check(const char *s, size_t len, u_int ne, int sorted)
{
	const struct twtext_entity	*e, *prev = NULL;
	u_int				 i;

	for (i = 0; i < ne; i++) {
		e = twtext_entity(fuzz_tw, i);
		if (e == NULL || e->start >= e->end || e->end > len)
			abort();
		if (e->value < s || e->value + e->value_len > s + len)
			abort();
		if (e->rest != NULL && (e->rest < s ||
		    e->rest + e->rest_len > s + len))
			abort();
		if (sorted && prev != NULL && prev->end > e->start)
			abort();
		prev = e;
	}
	if (twtext_entity(fuzz_tw, ne) != NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*s = (const char *)data;
	static const int kinds[] = {
		TWTEXT_URL, TWTEXT_HASHTAG, TWTEXT_MENTION, TWTEXT_CASHTAG
	};
	u_int		 i, ne;
	int		 valid;
	long		 w;

	if (fuzz_tw == NULL)
		fuzz_tw = twtext_new();
	ne = twtext_extract(fuzz_tw, s, size, TWTEXT_ALL);
	fuzz_check(s, size, ne, 1);
	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		ne = twtext_extract(fuzz_tw, s, size,
		    TWTEXT_ONE_KIND | kinds[i]);
		fuzz_check(s, size, ne, 0);
	}
	w = twtext_weighted_length(fuzz_tw, s, size, &valid);
	if (w < -1 || (size > 0 && w == 0 && valid))
		abort();
	return (0);
}
