/*
 * twtext's weighted length, twitter-text v3's parseTweet: the text
 * NFC-normalised, each code point weighed by its range, a URL as 23, an
 * emoji sequence as 2.
 */

#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "lib/lib.h"
#include "tweet/twtext-int.h"

/* v3's weight of one code point, scale 100. */
static int
twtext_weight(uint32_t c)
{
	if (c <= 4351 || (c >= 8192 && c <= 8205) ||
	    (c >= 8208 && c <= 8223) || (c >= 8242 && c <= 8247))
		return (100);
	return (200);
}

/* Does code point c start an emoji? */
static int
twtext_weight_emoji_start(uint32_t c)
{
	switch (utf8proc_get_property(c)->boundclass) {
	case UTF8PROC_BOUNDCLASS_EXTENDED_PICTOGRAPHIC:
	case UTF8PROC_BOUNDCLASS_E_BASE:
	case UTF8PROC_BOUNDCLASS_E_BASE_GAZ:
	case UTF8PROC_BOUNDCLASS_GLUE_AFTER_ZWJ:
	case UTF8PROC_BOUNDCLASS_REGIONAL_INDICATOR:
		return (1);
	}
	return (0);
}

/*
 * The end of the emoji element at i (not beyond limit), or i: a keycap
 * (digit, '#' or '*', U+FE0F optional, U+20E3), a flag (two regional
 * indicators), or an emoji followed by U+FE0F, a skin tone, or a tag
 * sequence. A text presentation selector (U+FE0E) is no part of one, nor
 * is U+FE0F after a skin tone: twitter-text counts each on its own.
 */
static size_t
twtext_weight_element(struct twtext *t, size_t i, size_t limit)
{
	uint32_t	c = t->cp[i];
	size_t		k = i + 1;

	if (twtext_is_digit(c) || c == '#' || c == '*') {
		if (k < limit && t->cp[k] == 0xfe0f)
			k++;
		return (k < limit && t->cp[k] == 0x20e3 ? k + 1 : i);
	}
	if (c >= 0x1f1e6 && c <= 0x1f1ff) {
		/* A flag is a pair. */
		if (k < limit && t->cp[k] >= 0x1f1e6 && t->cp[k] <= 0x1f1ff)
			k++;
		return (k);
	}
	if (!twtext_weight_emoji_start(c))
		return (i);
	if (k >= limit)
		return (k);
	c = t->cp[k];
	if (c == 0xfe0f || (c >= 0x1f3fb && c <= 0x1f3ff))
		return (k + 1);
	if (c >= 0xe0020 && c <= 0xe007e) {
		while (k < limit && t->cp[k] >= 0xe0020 && t->cp[k] <= 0xe007e)
			k++;
		if (k < limit && t->cp[k] == 0xe007f)
			return (k + 1);
		return (i + 1);
	}
	return (k);
}

/*
 * The end of the emoji sequence at i (not beyond limit): elements joined
 * by zero width joiners. i if there is none.
 */
static size_t
twtext_weight_emoji(struct twtext *t, size_t i, size_t limit)
{
	size_t	k, m;

	if ((k = twtext_weight_element(t, i, limit)) == i)
		return (i);
	while (k + 1 < limit && t->cp[k] == 0x200d &&
	    (m = twtext_weight_element(t, k + 1, limit)) > k + 1)
		k = m;
	return (k);
}

/*
 * Could NFC change the text? Conservatively: a mark, a character with a
 * canonical decomposition, or a Hangul vowel or final jamo.
 */
static int
twtext_weight_needs_nfc(const char *s, size_t len)
{
	const utf8proc_uint8_t		*p = (const utf8proc_uint8_t *)s;
	const utf8proc_property_t	*pr;
	utf8proc_int32_t		 c;
	utf8proc_ssize_t		 k;
	size_t				 i;

	for (i = 0; i < len; i += k) {
		/* Nothing below U+0300 changes. */
		if (p[i] < 0xcc) {
			k = 1;
			continue;
		}
		if ((k = utf8proc_iterate(p + i, len - i, &c)) < 1)
			return (1);
		pr = utf8proc_get_property(c);
		if (pr->combining_class != 0 ||
		    pr->category == UTF8PROC_CATEGORY_MN ||
		    pr->category == UTF8PROC_CATEGORY_MC ||
		    pr->category == UTF8PROC_CATEGORY_ME ||
		    (pr->decomp_seqindex != UINT16_MAX &&
		    pr->decomp_type == 0) ||
		    (c >= 0x1160 && c <= 0x11ff))
			return (1);
	}
	return (0);
}

/* The UTF-16 length of the decoded text. */
static size_t
twtext_weight_u16(struct twtext *t)
{
	size_t	i, u = t->n;

	for (i = 0; i < t->n; i++) {
		if (t->cp[i] > 0xffff)
			u++;
	}
	return (u);
}

/*
 * Weigh the decoded text, its URLs found, as parseTweet's loop does: each
 * URL, emoji sequence or other character in turn, and the UTF-16 index of
 * the last unit of the last one that leaves the text valid and within 280
 * (*end), or 0. Returns the weight, scale 100; *bad if an invalid
 * character ends one.
 */
static long
twtext_weight_count(struct twtext *t, int *bad, size_t *end)
{
	size_t	i, j, next, u, pos = 0, units;
	long	w = 0;
	u_int	k = 0;

	*bad = 0;
	*end = 0;
	for (i = 0; i < t->n; i = j, pos += units) {
		next = k < t->ne ? t->e[k].start : t->n;
		if (i == next) {
			/* A URL counts 23; twitter-text then skips as many
			 * UTF-16 units as its URL string has. */
			w += TWTEXT_URL_WEIGHT;
			u = t->e[k].u16;
			for (j = i; j < t->n && u > 0; j++)
				u -= (t->cp[j] > 0xffff && u > 1) ? 2 : 1;
			while (k < t->ne && t->e[k].start < j)
				k++;
		} else if ((t->cp[i] >= 0x300 || (i + 1 < next &&
		    t->cp[i + 1] >= 0x300)) &&
		    (j = twtext_weight_emoji(t, i, next)) - i > 1) {
			/* An emoji sequence counts as one emoji (below
			 * U+0300, only a keycap's digit starts one). */
			w += 200;
		} else {
			j = i + 1;
			w += t->cp[i] < 0x300 ? 100 : twtext_weight(t->cp[i]);
		}
		for (units = 0, u = i; u < j; u++)
			units += t->cp[u] > 0xffff ? 2 : 1;
		/* twitter-text looks at the last UTF-16 unit only. */
		if (t->cp[j - 1] <= 0xffff && twtext_is_invalid(t->cp[j - 1]))
			*bad = 1;
		if (!*bad && w <= TWTEXT_MAX_WEIGHT)
			*end = pos + units - 1;
	}
	return (w);
}

/*
 * twitter-text v3's parseTweet of UTF-8 text: the weighted length in
 * characters, valid (not empty, not over 280, no invalid character),
 * permillage, and the ends of the valid and display ranges in UTF-16 units
 * of the text as given. -1 if the text cannot be normalised.
 */
int
twtext_parse(struct twtext *t, const char *s, size_t len,
    struct twtext_parsed *p)
{
	utf8proc_uint8_t	*nfc;
	utf8proc_ssize_t	 nlen;
	size_t			 u16 = SIZE_MAX, end;
	long			 w;
	int			 bad;

	if (twtext_weight_needs_nfc(s, len)) {
		/* The ranges count the text before normalisation. */
		twtext_decode(t, s, len);
		u16 = twtext_weight_u16(t);
		nlen = utf8proc_map((const utf8proc_uint8_t *)s, len, &nfc,
		    UTF8PROC_STABLE|UTF8PROC_COMPOSE);
		if (nlen < 0)
			return (-1);
		free(t->nfc);
		t->nfc = (char *)nfc;
		s = t->nfc;
		len = nlen;
	}
	twtext_decode(t, s, len);
	twtext_urls(t);
	w = twtext_weight_count(t, &bad, &end);
	if (u16 == SIZE_MAX)
		u16 = twtext_weight_u16(t);
	p->weighted = w / 100;
	p->valid = !bad && w > 0 && w <= TWTEXT_MAX_WEIGHT;
	/* As JavaScript computes it, in doubles. */
	p->permillage = (long)((double)p->weighted / 280 * 1000);
	p->valid_end = end + u16 - twtext_weight_u16(t);
	p->display_end = u16 > 0 ? u16 - 1 : 0;
	return (0);
}

/*
 * The weighted length of UTF-8 text as twitter-text v3 counts it
 * (parseTweet's weightedLength), in characters; *valid as its valid. -1 if
 * the text cannot be normalised.
 */
long
twtext_weighted_length(struct twtext *t, const char *s, size_t len,
    int *valid)
{
	struct twtext_parsed	p;

	if (twtext_parse(t, s, len, &p) == -1)
		return (-1);
	if (valid != NULL)
		*valid = p.valid;
	return (p.weighted);
}
