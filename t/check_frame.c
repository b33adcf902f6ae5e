/*
 * Unit tests for line framing: every split of the input gives the same lines.
 */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "io/io-int.h"
#include "run.h"

struct collect {
	char	 buf[8192];
	size_t	 len;
	int	 stop_every;	/* ask to stop after every n lines */
	int	 nlines;
	int	 in_long;
};

static void
collect_add(struct collect *c, const char *s, size_t n)
{
	ck_assert(c->len + n < sizeof c->buf);
	memcpy(c->buf + c->len, s, n);
	c->len += n;
	c->buf[c->len] = '\0';
}

static int
on_line(void *arg, const char *line, size_t len, uint64_t lineno)
{
	struct collect	*c = arg;
	char		 num[32];

	snprintf(num, sizeof num, "%llu:", (unsigned long long)lineno);
	collect_add(c, num, strlen(num));
	collect_add(c, line, len);
	collect_add(c, "|", 1);
	c->nlines++;
	return (c->stop_every > 0 && c->nlines % c->stop_every == 0);
}

static void
on_long(void *arg, const char *chunk, size_t len, uint64_t lineno, int end)
{
	struct collect	*c = arg;
	char		 num[32];

	if (!c->in_long) {
		snprintf(num, sizeof num, "%llu#", (unsigned long long)lineno);
		collect_add(c, num, strlen(num));
		c->in_long = 1;
	}
	collect_add(c, chunk, len);
	if (end) {
		collect_add(c, "#|", 2);
		c->in_long = 0;
	}
}

/* Frame input fed in two pieces split at split (0: whole); honour stops. */
static void
frame_all(const char *input, size_t max, size_t split, int stop_every,
    struct collect *c)
{
	struct frame	*f;
	size_t		 len = strlen(input), off = 0, end, used;

	memset(c, 0, sizeof *c);
	c->stop_every = stop_every;
	f = frame_new(max, on_line, on_long, c);
	end = (split == 0 || split > len) ? len : split;
	for (;;) {
		while (off < end) {
			used = frame_feed(f, input + off, end - off);
			ck_assert(used > 0);
			off += used;
		}
		if (end == len)
			break;
		end = len;
	}
	frame_finish(f);
	frame_free(f);
}

static const char *input =
    "{\"a\":1}\n"
    "\r\n"
    "   \n"
    "{\"b\":2}\r\n"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
    "{\"c\":3}\n"
    "last";

static const char *expect =
    "1:{\"a\":1}|4:{\"b\":2}|5#xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx#|6:{\"c\":3}|"
    "7:last|";

START_TEST(test_whole)
{
	struct collect	c;

	frame_all(input, 16, 0, 0, &c);
	ck_assert_str_eq(c.buf, expect);
}
END_TEST

START_TEST(test_every_split)
{
	struct collect	c;
	size_t		i, len = strlen(input);

	for (i = 1; i <= len; i++) {
		frame_all(input, 16, i, 0, &c);
		ck_assert_msg(strcmp(c.buf, expect) == 0,
		    "split at %zu: %s", i, c.buf);
	}
}
END_TEST

START_TEST(test_byte_at_a_time)
{
	struct frame	*f;
	struct collect	 c;
	size_t		 i, len = strlen(input);

	memset(&c, 0, sizeof c);
	f = frame_new(16, on_line, on_long, &c);
	for (i = 0; i < len; i++)
		ck_assert_uint_eq(frame_feed(f, input + i, 1), 1);
	frame_finish(f);
	frame_free(f);
	ck_assert_str_eq(c.buf, expect);
}
END_TEST

START_TEST(test_stop)
{
	struct collect	c;

	/* Stopping after each line must lose and repeat nothing. */
	frame_all(input, 16, 0, 1, &c);
	ck_assert_str_eq(c.buf, expect);
	ck_assert_int_eq(c.nlines, 4);
}
END_TEST

START_TEST(test_exact_limit)
{
	struct collect	c;

	/* A line of exactly the limit is kept, with or without CR. */
	frame_all("0123456789abcdef\n0123456789abcdef\r\n0123456789abcdefg\n",
	    16, 0, 0, &c);
	ck_assert_str_eq(c.buf, "1:0123456789abcdef|2:0123456789abcdef|"
	    "3#0123456789abcdefg#|");
}
END_TEST

START_TEST(test_long_never_held)
{
	struct collect	 c;
	struct frame	*f;
	char		 chunk[1000];
	int		 i;

	/* 1 MB line with limit 100: pieces pass through, buffer stays small. */
	memset(&c, 0, sizeof c);
	f = frame_new(100, on_line, on_long, &c);
	memset(chunk, 'x', sizeof chunk);
	for (i = 0; i < 1000; i++) {
		ck_assert_uint_eq(frame_feed(f, chunk, sizeof chunk),
		    sizeof chunk);
		c.len = 2;	/* keep "1#", drop the pieces */
	}
	frame_feed(f, "\n{\"ok\":1}\n", 10);
	frame_finish(f);
	frame_free(f);
	ck_assert_str_eq(c.buf, "1##|2:{\"ok\":1}|");
}
END_TEST

START_TEST(test_no_final_newline)
{
	struct collect	c;

	frame_all("{}\n{\"x\":1}", 100, 0, 0, &c);
	ck_assert_str_eq(c.buf, "1:{}|2:{\"x\":1}|");
	frame_all("", 100, 0, 0, &c);
	ck_assert_str_eq(c.buf, "");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("frame");
	TCase	*tc = tcase_create("frame");

	tcase_add_test(tc, test_whole);
	tcase_add_test(tc, test_every_split);
	tcase_add_test(tc, test_byte_at_a_time);
	tcase_add_test(tc, test_stop);
	tcase_add_test(tc, test_exact_limit);
	tcase_add_test(tc, test_long_never_held);
	tcase_add_test(tc, test_no_final_newline);
	suite_add_tcase(s, tc);
	return (run_suite(s));
}
