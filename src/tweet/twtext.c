/*
 * Tweet text the way twitter-text (v3, Apache-2.0) reads it: the decoded
 * text, twitter-text's character classes and the entities found here;
 * hashtags, mentions and lists and cashtags in twtext-extract.c, URLs in
 * twtext-url.c (against twitter-text's TLD list in twtext-tlds.c), the v3
 * weighted length in twtext-weight.c.
 *
 * Each extractor follows twitter-text's reference regular expressions and
 * the order in which their matcher tries them (leftmost match, alternatives
 * in order, greedy repetition backtracking), written as plain scans over the
 * text's code points. Character classes come from libutf8proc (categories,
 * NFC, Extended_Pictographic), not from tables of ours. Positions are code
 * point indices. Where twitter-text's JavaScript and its conformance suite
 * disagree, the suite wins.
 */

#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "lib/lib.h"
#include "tweet/twtext-int.h"

u_char	twtext_ascii[128];

static void	twtext_ascii_init(void);
/* Create a reusable extractor. */
struct twtext *
twtext_new(void)
{
	return (xcalloc(1, sizeof (struct twtext)));
}

/* Free an extractor. */
void
twtext_free(struct twtext *t)
{
	if (t == NULL)
		return;
	free(t->cp);
	free(t->off);
	free(t->e);
	free(t->nfc);
	free(t);
}

/* Decode UTF-8 into code points (a bad byte becomes U+FFFD). */
void
twtext_decode(struct twtext *t, const char *s, size_t len)
{
	const utf8proc_uint8_t	*p = (const utf8proc_uint8_t *)s;
	utf8proc_int32_t	 c;
	utf8proc_ssize_t	 k;
	size_t			 i = 0, n = 0;

	twtext_ascii_init();
	if (len + 1 > t->size) {
		t->size = len + 1;
		t->cp = xreallocarray(t->cp, t->size, sizeof *t->cp);
		t->off = xreallocarray(t->off, t->size, sizeof *t->off);
	}
	while (i < len) {
		if (p[i] < 0x80) {
			c = p[i];
			k = 1;
		} else if ((k = utf8proc_iterate(p + i, len - i, &c)) < 1) {
			c = 0xfffd;
			k = 1;
		}
		t->cp[n] = c;
		t->off[n++] = i;
		i += k;
	}
	t->off[n] = len;
	t->s = s;
	t->len = len;
	t->n = n;
	t->ne = 0;
	t->run_start = t->run_end = SIZE_MAX;
}

/* Fill the ASCII class table. */
static void
twtext_ascii_init(void)
{
	static const char *const sets[] = {
		"!'#%&()*+,\\-./:;<=>?@[]^_{|}~$",
		"!*';:=+,.$/%#[]-_~@|&",
		"+-=_#/",
		"!?*'@();:&=+$/%#[]-_.,~|",
		"-_&=#/"
	};
	const char	*p;
	u_int		 i, c;

	if (twtext_ascii['a'] != 0)
		return;
	for (i = 0; i < nitems(sets); i++) {
		for (p = sets[i]; *p != '\0'; p++)
			twtext_ascii[(u_char)*p] |= 1 << i;
	}
	for (c = 0; c < 128; c++) {
		if ((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' &&
		    (c | 0x20) <= 'z'))
			twtext_ascii[c] |= TW_PATH|TW_PATH_END|TW_QUERY|
			    TW_QUERY_END;
	}
}

/* twitter-text's spaces. */
int
twtext_is_space(uint32_t c)
{
	return ((c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 ||
	    c == 0xa0 || c == 0x1680 || c == 0x180e ||
	    (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
	    c == 0x202f || c == 0x205f || c == 0x3000);
}

/* Unicode directional marks. */
int
twtext_is_directional(uint32_t c)
{
	return ((c >= 0x202a && c <= 0x202e) || c == 0x061c || c == 0x200e ||
	    c == 0x200f || (c >= 0x2066 && c <= 0x2069));
}

/* twitter-text's Latin accented letters. */
int
twtext_is_accent(uint32_t c)
{
	return ((c >= 0xc0 && c <= 0xd6) || (c >= 0xd8 && c <= 0xf6) ||
	    (c >= 0xf8 && c <= 0x24f) || c == 0x253 || c == 0x254 ||
	    c == 0x256 || c == 0x257 || c == 0x259 || c == 0x25b ||
	    c == 0x263 || c == 0x268 || c == 0x26f || c == 0x272 ||
	    c == 0x289 || c == 0x28b || c == 0x2bb ||
	    (c >= 0x300 && c <= 0x36f) || (c >= 0x1e00 && c <= 0x1eff));
}

/* Add an entity. */
struct twtext_entity *
twtext_add(struct twtext *t, int type, size_t start, size_t end)
{
	struct twtext_entity	*e;

	if (t->ne == t->esize) {
		t->esize = t->esize == 0 ? 16 : t->esize * 2;
		t->e = xreallocarray(t->e, t->esize, sizeof *t->e);
	}
	e = &t->e[t->ne++];
	memset(e, 0, sizeof *e);
	e->type = type;
	e->start = start;
	e->end = end;
	return (e);
}

/* Set an entity's value to code points [from, to) of the text. */
void
twtext_value(struct twtext *t, struct twtext_entity *e, size_t from,
    size_t to)
{
	e->value = t->s + t->off[from];
	e->value_len = t->off[to] - t->off[from];
}

/* The i-th entity of the last extraction. */
const struct twtext_entity *
twtext_entity(struct twtext *t, u_int i)
{
	return (i < t->ne ? &t->e[i] : NULL);
}
