/*
 * Line framing: turns arbitrary chunks of input into LF-terminated lines.
 * CR before LF is dropped, lines of only white space are skipped, a UTF-8
 * byte order mark at the start of an input is skipped, and a line longer
 * than the limit is never held whole: it is handed on in pieces to the
 * "long" callback and the next line is framed normally.
 */

#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "io/io-int.h"

struct frame {
	size_t		 max_line;
	frame_line_cb	 on_line;
	frame_long_cb	 on_long;
	void		*arg;

	char		*buf;		/* start of a line split across chunks */
	size_t		 len;
	size_t		 size;
	int		 skipping;	/* inside an over-long line */
	uint64_t	 lineno;	/* number of the line being framed */
	struct split	*split;		/* --split: documents, not lines */
};

/* Create a framer. */
struct frame *
frame_new(size_t max_line, frame_line_cb on_line, frame_long_cb on_long,
    void *arg)
{
	struct frame	*f;

	f = xcalloc(1, sizeof *f);
	f->max_line = max_line;
	f->on_line = on_line;
	f->on_long = on_long;
	f->arg = arg;
	f->lineno = 1;
	return (f);
}

/* Frame JSON documents instead, handing on the elements of the array at
 * pointer (--split); text that is not JSON goes to on_bad. */
void
frame_split(struct frame *f, const char *pointer, split_bad_cb on_bad)
{
	f->split = split_new(pointer, f->max_line, f->on_line, f->on_long,
	    on_bad, f->arg);
}

/* Free a framer. */
void
frame_free(struct frame *f)
{
	if (f == NULL)
		return;
	split_free(f->split);
	free(f->buf);
	free(f);
}

/* Forget any partial line and start numbering again (a new input). */
void
frame_reset(struct frame *f)
{
	f->len = 0;
	f->skipping = 0;
	f->lineno = 1;
	if (f->split != NULL)
		split_reset(f->split);
}

static int
frame_blank(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return (0);
	}
	return (1);
}

/* Hand on one complete line; return the line callback's answer. */
static int
frame_deliver(struct frame *f, const char *line, size_t n)
{
	uint64_t	lineno = f->lineno++;

	/* A UTF-8 byte order mark at the start of an input is not text. */
	if (lineno == 1 && n >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
		line += 3;
		n -= 3;
	}
	if (n > 0 && line[n - 1] == '\r')
		n--;
	if (n > f->max_line) {
		f->on_long(f->arg, line, n, lineno, 1);
		return (0);
	}
	if (frame_blank(line, n))
		return (0);
	return (f->on_line(f->arg, line, n, lineno));
}

static void
frame_append(struct frame *f, const char *data, size_t n)
{
	if (f->len + n > f->size) {
		/* Double, up to the most a line may need (max_line + CR). */
		f->size = f->size < 4096 ? 4096 : f->size * 2;
		if (f->size < f->len + n)
			f->size = f->len + n;
		if (f->size > f->max_line + 1 && f->len + n <= f->max_line + 1)
			f->size = f->max_line + 1;
		f->buf = xreallocarray(f->buf, 1, f->size);
	}
	memcpy(f->buf + f->len, data, n);
	f->len += n;
}

/*
 * Feed a chunk. Returns how many bytes were used: less than len when the line
 * callback asked to stop; the caller feeds the rest later.
 */
size_t
frame_feed(struct frame *f, const char *data, size_t len)
{
	const char	*p, *start = data;
	size_t		 n, total;
	int		 stop;

	if (f->split != NULL)
		return (split_feed(f->split, data, len));
	while (len > 0) {
		p = memchr(data, '\n', len);
		n = (p == NULL) ? len : (size_t)(p - data);

		if (f->skipping) {
			f->on_long(f->arg, data, n, f->lineno, p != NULL);
			if (p == NULL)
				break;
			f->skipping = 0;
			f->lineno++;
			data += n + 1;
			len -= n + 1;
			continue;
		}

		/* One byte of slack for a CR before the LF. */
		if (f->len + n > f->max_line + 1) {
			if (f->len > 0)
				f->on_long(f->arg, f->buf, f->len, f->lineno, 0);
			f->len = 0;
			f->on_long(f->arg, data, n, f->lineno, p != NULL);
			if (p == NULL) {
				f->skipping = 1;
				break;
			}
			f->lineno++;
			data += n + 1;
			len -= n + 1;
			continue;
		}

		if (p == NULL) {
			frame_append(f, data, n);
			break;
		}
		if (f->len == 0)
			stop = frame_deliver(f, data, n);
		else {
			frame_append(f, data, n);
			total = f->len;
			f->len = 0;
			stop = frame_deliver(f, f->buf, total);
		}
		data += n + 1;
		len -= n + 1;
		if (stop)
			return (data - start);
	}
	return (data - start + len);
}

/* End of input: a last line without a newline is still a line. */
void
frame_finish(struct frame *f)
{
	size_t	n = f->len;

	if (f->split != NULL) {
		split_finish(f->split);
		return;
	}
	if (f->skipping)
		f->on_long(f->arg, "", 0, f->lineno, 1);
	else if (n > 0) {
		f->len = 0;
		frame_deliver(f, f->buf, n);
	}
	f->skipping = 0;
}
