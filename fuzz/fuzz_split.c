/*
 * libFuzzer: --split fed in random chunks (and stopped now and then) hands
 * on the same elements, bad pieces and errors as the whole input fed at
 * once, and no element spans two lines. The first byte picks the pointer
 * and the limit, the next bytes the chunk sizes.
 */

#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "io/io-int.h"

struct out {
	char	*s;
	size_t	 len;
	int	 in_long;
};

static void
add(struct out *o, const char *s, size_t n)
{
	o->s = xreallocarray(o->s, 1, o->len + n + 1);
	memcpy(o->s + o->len, s, n);
	o->len += n;
}

static int
on_line(void *arg, const char *line, size_t len, uint64_t lineno)
{
	if (memchr(line, '\n', len) != NULL)
		abort();
	add(arg, "L", 1);
	add(arg, (char *)&lineno, sizeof lineno);
	add(arg, line, len);
	add(arg, "\n", 1);
	return (len % 3 == 0);	/* stop now and then */
}

static void
on_long(void *arg, const char *chunk, size_t len, uint64_t lineno, int end)
{
	struct out	*o = arg;

	if (!o->in_long) {
		add(o, "B", 1);
		add(o, (char *)&lineno, sizeof lineno);
		o->in_long = 1;
	}
	add(o, chunk, len);
	if (end) {
		add(o, "\n", 1);
		o->in_long = 0;
	}
}

static void
on_bad(void *arg, uint64_t lineno, const char *why)
{
	add(arg, "E", 1);
	add(arg, (char *)&lineno, sizeof lineno);
	add(arg, why, strlen(why));
	add(arg, "\n", 1);
}

/* Feed all of data, resuming where a stop left off. */
static void
feed(struct split *sp, const char *data, size_t len)
{
	size_t	used;

	while (len > 0) {
		used = split_feed(sp, data, len);
		data += used;
		len -= used;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char	*pointers[] = { "", "/data", "/a/0", "/st~1x" };
	struct out		 whole, parts;
	struct split		*sp;
	const char		*p;
	size_t			 max, n, k;

	if (size < 2)
		return (0);
	p = pointers[data[0] & 3];
	max = 2 + (data[0] >> 2) * 4;
	data++;
	size--;

	memset(&whole, 0, sizeof whole);
	sp = split_new(p, max, on_line, on_long, on_bad, &whole);
	feed(sp, (const char *)data, size);
	split_finish(sp);
	split_free(sp);

	memset(&parts, 0, sizeof parts);
	sp = split_new(p, max, on_line, on_long, on_bad, &parts);
	for (k = 0; k < size; k += n) {
		n = 1 + data[k] % 7;
		if (n > size - k)
			n = size - k;
		feed(sp, (const char *)data + k, n);
	}
	split_finish(sp);
	split_free(sp);

	if (whole.len != parts.len || (whole.len > 0 &&
	    memcmp(whole.s, parts.s, whole.len) != 0))
		abort();
	free(whole.s);
	free(parts.s);
	return (0);
}
