/*
 * libFuzzer: line framing fed in random chunks gives the same lines as the
 * whole input fed at once. The first byte picks the line limit, the next
 * bytes the chunk sizes.
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
frame_all(const uint8_t *data, size_t size, size_t max, const uint8_t *cuts,
    size_t ncuts, struct out *o)
{
	struct frame	*f = frame_new(max, on_line, on_long, o);
	size_t		 off = 0, end, k = 0, used;

	while (off < size) {
		end = size;
		if (cuts != NULL && k < ncuts)
			end = off + 1 + cuts[k++] % 16;
		if (end > size)
			end = size;
		while (off < end) {
			used = frame_feed(f, (const char *)data + off, end - off);
			if (used == 0)
				abort();
			off += used;
		}
	}
	frame_finish(f);
	frame_free(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct out	a = { NULL, 0, 0 }, b = { NULL, 0, 0 };
	size_t		max, ncuts;

	if (size < 2)
		return (0);
	max = 1 + data[0] % 32;
	ncuts = data[1] % 32;
	if (ncuts + 2 > size)
		return (0);
	frame_all(data + 2 + ncuts, size - 2 - ncuts, max, NULL, 0, &a);
	frame_all(data + 2 + ncuts, size - 2 - ncuts, max, data + 2, ncuts, &b);
	if (a.len != b.len || (a.len > 0 && memcmp(a.s, b.s, a.len) != 0))
		abort();
	free(a.s);
	free(b.s);
	return (0);
}
