/*
 * twtext's entities, as twitter-text's extractors find them: hashtags,
 * mentions and lists, cashtags, and URLs (twtext-url.c), each kind alone
 * (extractHashtags...) or all at once with overlaps removed
 * (extractEntitiesWithIndices).
 */

#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "lib/lib.h"
#include "tweet/twtext-int.h"

/* JavaScript's \s. */
static int
twtext_extract_is_js_space(uint32_t c)
{
	return ((c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0xa0 ||
	    c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 ||
	    c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000 ||
	    c == 0xfeff);
}

/* A letter or mark, as hashtags need one. */
static int
twtext_extract_is_hashtag_alpha(uint32_t c)
{
	if (c < 0x80)
		return (twtext_is_alpha(c));
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC:
	case UTF8PROC_CATEGORY_ME:
		return (1);
	default:
		return (0);
	}
}

/* A character of a hashtag: letter, mark, digit, or one of a few joiners. */
static int
twtext_extract_is_hashtag(uint32_t c)
{
	if (c < 0x80)
		return (twtext_is_alnum(c) || c == '_');
	switch (c) {
	case 0x200c: case 0x200d: case 0xa67e: case 0x05be: case 0x05f3:
	case 0x05f4: case 0xff5e: case 0x301c: case 0x309b: case 0x309c:
	case 0x30a0: case 0x30fb: case 0x3003: case 0x0f0b: case 0x0f0c:
	case 0x00b7:
		return (1);
	}
	return (twtext_extract_is_hashtag_alpha(c) ||
	    utf8proc_category(c) == UTF8PROC_CATEGORY_ND);
}

/* Extract hashtags. */
static void
twtext_extract_hashtags(struct twtext *t)
{
	struct twtext_entity	*e;
	size_t			 pos = 0, h, j;
	uint32_t		 c;
	int			 alpha;

	for (h = 0; h < t->n; h++) {
		if (t->cp[h] != '#' && t->cp[h] != 0xff03)
			continue;
		if (h != 0) {
			if (h - 1 < pos)
				continue;
			c = t->cp[h - 1];
			if (c != 0xfe0e && c != 0xfe0f &&
			    (twtext_extract_is_hashtag(c) || c == '&'))
				continue;
		}
		c = twtext_at(t, h + 1);
		if (c == 0xfe0f || c == 0x20e3)
			continue;
		alpha = 0;
		for (j = h + 1; j < t->n && twtext_extract_is_hashtag(t->cp[j]); j++) {
			if (twtext_extract_is_hashtag_alpha(t->cp[j]))
				alpha = 1;
		}
		if (!alpha)
			continue;
		pos = j;
		c = twtext_at(t, j);
		if (c == '#' || c == 0xff03 || (c == ':' &&
		    twtext_at(t, j + 1) == '/' && twtext_at(t, j + 2) == '/')) {
			h = j - 1;
			continue;
		}
		e = twtext_add(t, TWTEXT_HASHTAG, h, j);
		twtext_value(t, e, h + 1, j);
		h = j - 1;
	}
}

/* May a mention follow this character? */
static int
twtext_extract_mention_preceding(uint32_t c)
{
	return (!twtext_is_alnum(c) && c != '_' && c != '!' && c != '#' &&
	    c != '$' && c != '%' && c != '&' && c != '*' && c != '@' &&
	    c != 0xff20);
}

/* Extract mentions and lists. */
static void
twtext_extract_mentions(struct twtext *t)
{
	struct twtext_entity	*e;
	size_t			 pos = 0, a, j, l;
	uint32_t		 c;
	int			 ok;

	for (a = 0; a < t->n; a++) {
		if (t->cp[a] != '@' && t->cp[a] != 0xff20)
			continue;
		ok = (a == 0);
		if (!ok && a - 1 >= pos)
			ok = twtext_extract_mention_preceding(t->cp[a - 1]);
		/* Or after "RT", which may follow anything but a word. */
		if (!ok && a >= 2 && a - 2 >= pos &&
		    (t->cp[a - 2] | 0x20) == 'r' && (t->cp[a - 1] | 0x20) == 't') {
			if (a == 2)
				ok = 1;
			else if (a - 3 >= pos) {
				c = t->cp[a - 3];
				ok = !twtext_is_alnum(c) && c != '_' &&
				    c != '+' && c != '~' && c != '.' && c != '-';
			}
		}
		if (!ok)
			continue;
		for (j = a + 1; j < t->n && j - a <= 20 &&
		    (twtext_is_alnum(t->cp[j]) || t->cp[j] == '_'); j++)
			;
		if (j == a + 1)
			continue;
		l = j;
		if (twtext_at(t, j) == '/' && twtext_is_alpha(twtext_at(t, j + 1))) {
			for (l = j + 2; l < t->n && l - j <= 25 &&
			    (twtext_is_alnum(t->cp[l]) || t->cp[l] == '_' ||
			    t->cp[l] == '-'); l++)
				;
		}
		pos = l;
		c = twtext_at(t, l);
		if (c == '@' || c == 0xff20 || twtext_is_accent(c) ||
		    (c == ':' && twtext_at(t, l + 1) == '/' &&
		    twtext_at(t, l + 2) == '/')) {
			a = l - 1;
			continue;
		}
		e = twtext_add(t, TWTEXT_MENTION, a, l);
		twtext_value(t, e, a + 1, j);
		if (l != j) {
			e->rest = t->s + t->off[j];
			e->rest_len = t->off[l] - t->off[j];
		}
		a = l - 1;
	}
}

/* May a cashtag end before i? */
static int
twtext_extract_cashtag_end_ok(struct twtext *t, size_t i)
{
	return (i >= t->n || twtext_extract_is_js_space(t->cp[i]) ||
	    twtext_is_punct(t->cp[i]));
}

/* Extract cashtags. */
static void
twtext_extract_cashtags(struct twtext *t)
{
	struct twtext_entity	*e;
	size_t			 pos = 0, d, j, k, end;

	for (d = 0; d < t->n; d++) {
		if (t->cp[d] != '$')
			continue;
		if (d != 0 && (d - 1 < pos || !twtext_is_space(t->cp[d - 1])))
			continue;
		for (j = d + 1; j < t->n && twtext_is_alpha(t->cp[j]); j++)
			;
		if (j == d + 1 || j - d - 1 > 6)
			continue;
		end = 0;
		if ((twtext_at(t, j) == '.' || twtext_at(t, j) == '_')) {
			for (k = j + 1; k < t->n && twtext_is_alpha(t->cp[k]); k++)
				;
			if (k > j + 1 && k - j - 1 <= 2 &&
			    twtext_extract_cashtag_end_ok(t, k))
				end = k;
		}
		if (end == 0 && twtext_extract_cashtag_end_ok(t, j))
			end = j;
		if (end == 0)
			continue;
		e = twtext_add(t, TWTEXT_CASHTAG, d, end);
		twtext_value(t, e, d + 1, end);
		pos = end;
		d = end - 1;
	}
}

/* qsort's order of entities: by start, then as found. */
static int
twtext_extract_cmp(const void *a, const void *b)
{
	const struct twtext_entity	*ea = a, *eb = b;

	if (ea->start != eb->start)
		return (ea->start < eb->start ? -1 : 1);
	return (ea->order < eb->order ? -1 : ea->order > eb->order);
}

/* Sort entities by position and drop any that overlaps an earlier one. */
static void
twtext_extract_overlaps(struct twtext *t)
{
	u_int	i, n;

	if (t->ne < 2)
		return;
	for (i = 0; i < t->ne; i++)
		t->e[i].order = i;
	qsort(t->e, t->ne, sizeof *t->e, twtext_extract_cmp);
	for (i = 1, n = 1; i < t->ne; i++) {
		if (t->e[n - 1].end > t->e[i].start)
			continue;
		t->e[n++] = t->e[i];
	}
	t->ne = n;
}

/*
 * Extract entities from UTF-8 text: what is a mask of TWTEXT_URL,
 * TWTEXT_HASHTAG, TWTEXT_MENTION, TWTEXT_CASHTAG. As twitter-text's
 * extractEntitiesWithIndices: each kind found on its own, then overlaps
 * removed, earlier first. With TWTEXT_ONE_KIND, only the kind asked for,
 * as extractHashtags and the like do it (hashtags inside URLs dropped,
 * lists not mentions). Returns how many.
 */
u_int
twtext_extract(struct twtext *t, const char *s, size_t len, int what)
{
	u_int	i, n;

	twtext_decode(t, s, len);
	if (what & TWTEXT_ONE_KIND) {
		if (what & TWTEXT_URL)
			twtext_urls(t);
		else if (what & TWTEXT_MENTION) {
			twtext_extract_mentions(t);
			for (i = n = 0; i < t->ne; i++) {
				if (t->e[i].rest == NULL)
					t->e[n++] = t->e[i];
			}
			t->ne = n;
		} else if (what & TWTEXT_CASHTAG)
			twtext_extract_cashtags(t);
		else if (what & TWTEXT_HASHTAG) {
			twtext_extract_hashtags(t);
			if (t->ne == 0)
				return (0);
			twtext_urls(t);
			twtext_extract_overlaps(t);
			for (i = n = 0; i < t->ne; i++) {
				if (t->e[i].type == TWTEXT_HASHTAG)
					t->e[n++] = t->e[i];
			}
			t->ne = n;
		}
		return (t->ne);
	}
	if (what & TWTEXT_URL)
		twtext_urls(t);
	if (what & TWTEXT_MENTION)
		twtext_extract_mentions(t);
	if (what & TWTEXT_HASHTAG)
		twtext_extract_hashtags(t);
	if (what & TWTEXT_CASHTAG)
		twtext_extract_cashtags(t);
	twtext_extract_overlaps(t);
	return (t->ne);
}
