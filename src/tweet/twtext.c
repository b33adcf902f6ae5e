/*
 * Tweet text the way twitter-text (v3, Apache-2.0) reads it: hashtags,
 * mentions and lists, cashtags and URLs (with or without a scheme, against
 * twitter-text's TLD list in twtext-tlds.c), and the v3 weighted length.
 *
 * Each extractor follows twitter-text's reference regular expressions and
 * the order in which their matcher tries them (leftmost match, alternatives
 * in order, greedy repetition backtracking), written as plain scans over the
 * text's code points. Character classes come from libutf8proc (categories,
 * NFC, grapheme clusters, Extended_Pictographic), not from tables of ours.
 * Positions are code point indices. Where twitter-text's JavaScript and its
 * conformance suite disagree, the suite wins.
 */

#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "lib/lib.h"
#include "tweet/tweet.h"

extern const char *const	twtext_ascii_tlds[];
extern const size_t		twtext_nascii_tlds;
extern const char *const	twtext_other_tlds[];
extern const size_t		twtext_nother_tlds;

#ifndef nitems
#define nitems(a) (sizeof (a) / sizeof (a)[0])
#endif

/* twitter-text's limits. */
#define TWTEXT_MAX_URL 4096		/* UTF-16 units, with the scheme */
#define TWTEXT_MAX_TCO_SLUG 40
#define TWTEXT_MAX_LABEL 63		/* a domain label, punycode-encoded */
#define TWTEXT_URL_WEIGHT 2300		/* 23 characters, scale 100 */
#define TWTEXT_MAX_WEIGHT 28000

/* Decoded text, entities found, and scratch space, reused between calls. */
struct twtext {
	const char		*s;
	size_t			 len;
	uint32_t		*cp;		/* code points */
	size_t			*off;		/* byte offset of each, and end */
	size_t			 n;
	size_t			 size;

	struct twtext_entity	*e;
	u_int			 ne;
	u_int			 esize;

	/* The run of domain characters last looked at (see twtext_run). */
	size_t			 run_start;
	size_t			 run_end;
	size_t			 run_underscore; /* last '_' in it, or SIZE_MAX */

	char			*nfc;		/* normalised text, utf8proc's */
};

static void	twtext_ascii_init(void);

/* The other TLDs, decoded once. */
static uint32_t	**twtext_tld_cp;
static size_t	 *twtext_tld_n;

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
static void
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

/* Code point at i, or 0 past the end. */
static inline uint32_t
twtext_at(struct twtext *t, size_t i)
{
	return (i < t->n ? t->cp[i] : 0);
}

static inline int
twtext_is_digit(uint32_t c)
{
	return (c >= '0' && c <= '9');
}

static inline int
twtext_is_alpha(uint32_t c)
{
	return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

static inline int
twtext_is_alnum(uint32_t c)
{
	return (twtext_is_alpha(c) || twtext_is_digit(c));
}

/* ASCII character classes, one bit each. */
#define TW_PUNCT 0x01		/* twitter-text's punctuation */
#define TW_PATH 0x02		/* in a URL path */
#define TW_PATH_END 0x04	/* may end a URL path */
#define TW_QUERY 0x08		/* in a URL query */
#define TW_QUERY_END 0x10	/* may end a URL query */
static u_char	twtext_ascii[128];

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

/* twitter-text's punctuation: !'#%&'()*+,\-./:;<=>?@[]^_{|}~$ */
static inline int
twtext_is_punct(uint32_t c)
{
	return (c < 0x80 && (twtext_ascii[c] & TW_PUNCT));
}

/* twitter-text's spaces. */
static int
twtext_is_space(uint32_t c)
{
	return ((c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 ||
	    c == 0xa0 || c == 0x1680 || c == 0x180e ||
	    (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
	    c == 0x202f || c == 0x205f || c == 0x3000);
}

/* JavaScript's \s. */
static int
twtext_is_js_space(uint32_t c)
{
	return ((c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0xa0 ||
	    c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 ||
	    c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000 ||
	    c == 0xfeff);
}

/* Characters a tweet may not contain. */
static int
twtext_is_invalid(uint32_t c)
{
	return (c == 0xfffe || c == 0xfeff || c == 0xffff);
}

/* Unicode directional marks. */
static int
twtext_is_directional(uint32_t c)
{
	return ((c >= 0x202a && c <= 0x202e) || c == 0x061c || c == 0x200e ||
	    c == 0x200f || (c >= 0x2066 && c <= 0x2069));
}

/* A character that may be part of a domain label. */
static int
twtext_is_domain(uint32_t c)
{
	return (!twtext_is_punct(c) && !twtext_is_space(c) &&
	    !twtext_is_invalid(c) && !twtext_is_directional(c));
}

/* twitter-text's Latin accented letters. */
static int
twtext_is_accent(uint32_t c)
{
	return ((c >= 0xc0 && c <= 0xd6) || (c >= 0xd8 && c <= 0xf6) ||
	    (c >= 0xf8 && c <= 0x24f) || c == 0x253 || c == 0x254 ||
	    c == 0x256 || c == 0x257 || c == 0x259 || c == 0x25b ||
	    c == 0x263 || c == 0x268 || c == 0x26f || c == 0x272 ||
	    c == 0x289 || c == 0x28b || c == 0x2bb ||
	    (c >= 0x300 && c <= 0x36f) || (c >= 0x1e00 && c <= 0x1eff));
}

/* A letter in a URL path: ASCII, Cyrillic or accented. */
static int
twtext_is_path_letter(uint32_t c)
{
	return (twtext_is_alnum(c) || (c >= 0x400 && c <= 0x4ff) ||
	    twtext_is_accent(c));
}

/* A character of a URL path. */
static int
twtext_is_path(uint32_t c)
{
	if (c < 0x80)
		return (twtext_ascii[c] & TW_PATH);
	return (twtext_is_path_letter(c) || c == 0x2013);
}

/* A character a URL path may end with (besides balanced parentheses). */
static int
twtext_is_path_end(uint32_t c)
{
	if (c < 0x80)
		return (twtext_ascii[c] & TW_PATH_END);
	return (twtext_is_path_letter(c));
}

/* A character of a URL query. */
static inline int
twtext_is_query(uint32_t c)
{
	return (c < 0x80 && (twtext_ascii[c] & TW_QUERY));
}

/* A character a URL query may end with. */
static inline int
twtext_is_query_end(uint32_t c)
{
	return (c < 0x80 && (twtext_ascii[c] & TW_QUERY_END));
}

/* A letter or mark, as hashtags need one. */
static int
twtext_is_hashtag_alpha(uint32_t c)
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
twtext_is_hashtag(uint32_t c)
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
	return (twtext_is_hashtag_alpha(c) ||
	    utf8proc_category(c) == UTF8PROC_CATEGORY_ND);
}

/* Add an entity. */
static struct twtext_entity *
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
static void
twtext_value(struct twtext *t, struct twtext_entity *e, size_t from,
    size_t to)
{
	e->value = t->s + t->off[from];
	e->value_len = t->off[to] - t->off[from];
}

/* Load the non-ASCII TLDs as code points. */
static void
twtext_tld_init(void)
{
	const utf8proc_uint8_t	*p;
	utf8proc_int32_t	 c;
	utf8proc_ssize_t	 k;
	size_t			 i, len;

	if (twtext_tld_cp != NULL)
		return;
	twtext_tld_cp = xcalloc(twtext_nother_tlds, sizeof *twtext_tld_cp);
	twtext_tld_n = xcalloc(twtext_nother_tlds, sizeof *twtext_tld_n);
	for (i = 0; i < twtext_nother_tlds; i++) {
		p = (const utf8proc_uint8_t *)twtext_other_tlds[i];
		len = strlen(twtext_other_tlds[i]);
		twtext_tld_cp[i] = xcalloc(len, sizeof **twtext_tld_cp);
		while (len > 0 && (k = utf8proc_iterate(p, len, &c)) > 0) {
			twtext_tld_cp[i][twtext_tld_n[i]++] = c;
			p += k;
			len -= k;
		}
	}
}

/* Free the decoded TLDs (for leak checkers). */
void
twtext_cleanup(void)
{
	size_t	i;

	if (twtext_tld_cp == NULL)
		return;
	for (i = 0; i < twtext_nother_tlds; i++)
		free(twtext_tld_cp[i]);
	free(twtext_tld_cp);
	free(twtext_tld_n);
	twtext_tld_cp = NULL;
	twtext_tld_n = NULL;
}

static int
twtext_tld_cmp(const void *key, const void *elem)
{
	return (strcmp(key, *(const char *const *)elem));
}

/*
 * May a TLD end at i, given the text ends at limit? Not before a letter, a
 * digit, '@', '+' or '-': "domain.com-typo" and "name.al-lastname@foo.com"
 * hold no URL.
 */
static int
twtext_tld_end_ok(struct twtext *t, size_t i, size_t limit)
{
	uint32_t	c;

	if (i >= limit)
		return (1);
	c = t->cp[i];
	return (!twtext_is_alnum(c) && c != '@' && c != '+' && c != '-');
}

/*
 * Match a top-level domain at i (the text ends at limit): one of the list,
 * or punycode (xn--...). Returns its end, or 0.
 */
static size_t
twtext_tld(struct twtext *t, size_t i, size_t limit)
{
	char		 name[64];
	size_t		 j, k;
	uint32_t	 c;

	if (i >= limit)
		return (0);
	if (twtext_is_alpha(t->cp[i])) {
		for (j = i; j < limit && twtext_is_alnum(t->cp[j]); j++) {
			if (j - i < sizeof name - 1)
				name[j - i] = t->cp[j] | 0x20;
		}
		if (j - i < sizeof name - 1 && twtext_tld_end_ok(t, j, limit)) {
			name[j - i] = '\0';
			if (bsearch(name, twtext_ascii_tlds, twtext_nascii_tlds,
			    sizeof *twtext_ascii_tlds, twtext_tld_cmp) != NULL)
				return (j);
		}
		/* Punycode: xn-- then [-0-9a-z]+. */
		if (limit - i > 4 && (t->cp[i] | 0x20) == 'x' &&
		    (t->cp[i + 1] | 0x20) == 'n' && t->cp[i + 2] == '-' &&
		    t->cp[i + 3] == '-') {
			for (j = i + 4; j < limit && (twtext_is_alnum(t->cp[j]) ||
			    t->cp[j] == '-'); j++)
				;
			if (j > i + 4 && twtext_tld_end_ok(t, j, limit))
				return (j);
		}
		return (0);
	}
	if (t->cp[i] < 0x80)
		return (0);
	twtext_tld_init();
	for (k = 0; k < twtext_nother_tlds; k++) {
		if (i + twtext_tld_n[k] > limit)
			continue;
		for (j = 0; j < twtext_tld_n[k]; j++) {
			c = t->cp[i + j];
			if (c != twtext_tld_cp[k][j] &&
			    (uint32_t)utf8proc_tolower(c) != twtext_tld_cp[k][j])
				break;
		}
		if (j == twtext_tld_n[k] && twtext_tld_end_ok(t, i + j, limit))
			return (i + j);
	}
	return (0);
}

/* A character of a label: a domain character, '-' or '_'. */
static inline int
twtext_is_label(uint32_t c)
{
	return (c == '-' || c == '_' || twtext_is_domain(c));
}

/*
 * The end of the run of label characters containing i, remembered: scans
 * try many starts inside one run.
 */
static size_t
twtext_run(struct twtext *t, size_t i, size_t *underscore)
{
	size_t	j;

	if (t->run_start == SIZE_MAX || i < t->run_start || i >= t->run_end) {
		t->run_start = i;
		t->run_underscore = SIZE_MAX;
		for (j = i; j < t->n && twtext_is_label(t->cp[j]); j++) {
			if (t->cp[j] == '_')
				t->run_underscore = j;
		}
		t->run_end = j;
	}
	*underscore = t->run_underscore;
	return (t->run_end);
}

/*
 * Match a domain at d: subdomains, a name and a TLD, preferring the most
 * subdomains. Returns its end, or 0.
 */
static size_t
twtext_domain(struct twtext *t, size_t d)
{
	size_t	 starts[64], ends[64], us, e, j, end;
	int	 sub_ok[64], name_ok[64];
	u_int	 nl = 0, k, kmax;
	int	 has_us;

	if (d >= t->n || !twtext_is_domain(t->cp[d]))
		return (0);
	/* The first label: its end is that of the run d is in. */
	e = twtext_run(t, d, &us);
	if (e >= t->n || t->cp[e] != '.')
		return (0);
	starts[0] = d;
	ends[0] = e;
	sub_ok[0] = twtext_is_domain(t->cp[e - 1]);
	name_ok[0] = sub_ok[0] && (us == SIZE_MAX || us < d);
	nl = 1;
	/* The labels after it, each followed by a dot. */
	j = e + 1;
	while (nl < nitems(starts)) {
		if (j >= t->n || !twtext_is_domain(t->cp[j]))
			break;
		has_us = 0;
		for (e = j; e < t->n && twtext_is_label(t->cp[e]); e++) {
			if (t->cp[e] == '_')
				has_us = 1;
		}
		if (e >= t->n || t->cp[e] != '.')
			break;
		starts[nl] = j;
		ends[nl] = e;
		sub_ok[nl] = twtext_is_domain(t->cp[e - 1]);
		name_ok[nl] = sub_ok[nl] && !has_us;
		nl++;
		j = e + 1;
	}
	/* Most subdomains first, as the greedy regular expression does. */
	for (kmax = 0; kmax < nl && sub_ok[kmax]; kmax++)
		;
	for (k = kmax < nl ? kmax : nl - 1; ; k--) {
		if (name_ok[k] && (end = twtext_tld(t, ends[k] + 1, t->n)) != 0)
			return (end);
		if (k == 0)
			break;
	}
	return (0);
}

/* Match balanced parentheses of a URL path at i; returns the end or 0. */
static size_t
twtext_parens(struct twtext *t, size_t i)
{
	size_t	j, k;

	if (twtext_at(t, i) != '(')
		return (0);
	for (j = i + 1; j < t->n && twtext_is_path(t->cp[j]); j++)
		;
	if (j > i + 1 && twtext_at(t, j) == ')')
		return (j + 1);
	/* One nested level: ( path* ( path+ ) path* ) */
	if (twtext_at(t, j) != '(')
		return (0);
	for (k = j + 1; k < t->n && twtext_is_path(t->cp[k]); k++)
		;
	if (k == j + 1 || twtext_at(t, k) != ')')
		return (0);
	for (k++; k < t->n && twtext_is_path(t->cp[k]); k++)
		;
	if (twtext_at(t, k) != ')')
		return (0);
	return (k + 1);
}

/*
 * Match a URL path after its slash at i: the longest run of path characters
 * and balanced parentheses that ends with an ending character or a closing
 * parenthesis. Returns the end (i if nothing).
 */
static size_t
twtext_path(struct twtext *t, size_t i)
{
	size_t	j = i, best = i, p;

	for (;;) {
		if (j < t->n && twtext_is_path(t->cp[j])) {
			if (twtext_is_path_end(t->cp[j]))
				best = j + 1;
			j++;
		} else if ((p = twtext_parens(t, j)) != 0) {
			best = j = p;
		} else
			break;
	}
	return (best);
}

/* Match a URL query after its '?' at i; returns its end or 0. */
static size_t
twtext_query(struct twtext *t, size_t i)
{
	size_t	j, best = 0;

	for (j = i; j < t->n && twtext_is_query(t->cp[j]); j++) {
		if (twtext_is_query_end(t->cp[j]))
			best = j + 1;
	}
	return (best);
}

/* Match "http://" or "https://" at i, any case; returns its length. */
static size_t
twtext_scheme(struct twtext *t, size_t i)
{
	static const char	 h[] = "https://";
	size_t			 k, j = i;

	for (k = 0; k < 4; k++, j++) {
		if ((twtext_at(t, j) | 0x20) != (uint32_t)h[k])
			return (0);
	}
	if ((twtext_at(t, j) | 0x20) == 's')
		j++;
	if (twtext_at(t, j) != ':' || twtext_at(t, j + 1) != '/' ||
	    twtext_at(t, j + 2) != '/')
		return (0);
	return (j + 3 - i);
}

/* Length in UTF-16 units of the punycode form of code points [i, j). */
static size_t
twtext_puny_len(const uint32_t *cp, size_t n)
{
	const uint32_t	base = 36, tmin = 1, tmax = 26, skew = 38, damp = 700;
	uint64_t	delta = 0, q, nn = 128, m;
	uint32_t	bias = 72, t, k;
	size_t		h, b = 0, i, out = 0;
	int		first = 1;

	for (i = 0; i < n; i++) {
		if (cp[i] < 0x80)
			b++;
	}
	out = b + (b > 0);
	h = b;
	while (h < n) {
		m = UINT32_MAX;
		for (i = 0; i < n; i++) {
			if (cp[i] >= nn && cp[i] < m)
				m = cp[i];
		}
		delta += (m - nn) * (h + 1);
		nn = m;
		for (i = 0; i < n; i++) {
			if (cp[i] < nn)
				delta++;
			if (cp[i] != nn)
				continue;
			q = delta;
			for (k = base; ; k += base) {
				t = k <= bias ? tmin : (k >= bias + tmax ? tmax :
				    k - bias);
				if (q < t)
					break;
				out++;
				q = (q - t) / (base - t);
			}
			out++;
			/* Adapt the bias. */
			delta = first ? delta / damp : delta / 2;
			delta += delta / (h + 1);
			for (k = 0; delta > ((base - tmin) * tmax) / 2; k += base)
				delta /= base - tmin;
			bias = k + (base - tmin + 1) * delta / (delta + skew);
			first = 0;
			delta = 0;
			h++;
		}
		delta++;
		nn++;
	}
	return (out);
}

/* UTF-16 length of code points [i, j). */
static size_t
twtext_u16(struct twtext *t, size_t i, size_t j)
{
	size_t	n = 0;

	for (; i < j; i++)
		n += t->cp[i] > 0xffff ? 2 : 1;
	return (n);
}

/*
 * twitter-text's check of a domain [i, j): every label 1 to 63 characters
 * once punycode-encoded (with "xn--"). Adds to *grow how much longer the
 * encoded domain is.
 */
static int
twtext_idna(struct twtext *t, size_t i, size_t j, long *grow)
{
	size_t		 a, b, c, len, sub;
	int		 ascii;
	uint32_t	 ch;

	*grow = -(long)twtext_u16(t, i, j);
	for (a = i; a <= j; a = b + 1) {
		for (b = a; b < j && t->cp[b] != '.'; b++)
			;
		/* punycode.toASCII also splits at other full stops. */
		len = 0;
		for (c = a; c <= b; c = sub + 1) {
			ascii = 1;
			for (sub = c; sub < b; sub++) {
				ch = t->cp[sub];
				if (ch == 0x3002 || ch == 0xff0e || ch == 0xff61)
					break;
				if (ch > 0x7e)
					ascii = 0;
			}
			if (c > a)
				len++;
			if (ascii)
				len += sub - c;
			else
				len += 4 + twtext_puny_len(t->cp + c, sub - c);
		}
		if (len < 1 || len > TWTEXT_MAX_LABEL)
			return (0);
		*grow += len + (b < j);
	}
	return (1);
}

/*
 * Find the domains made of ASCII labels (accented letters allowed) inside a
 * domain [i, j) that has no scheme; add each as a URL. Returns how many.
 */
static u_int
twtext_ascii_domains(struct twtext *t, size_t i, size_t j, int add,
    struct twtext_entity **last)
{
	size_t	 q, p, e, ends[64], end;
	u_int	 nl, k, found = 0;

#define ASCII_LABEL(c) (twtext_is_alnum(c) || (c) == '-' || twtext_is_accent(c))
	for (q = i; q < j; ) {
		if (!ASCII_LABEL(t->cp[q])) {
			q++;
			continue;
		}
		/* Labels each followed by a dot, from q. */
		nl = 0;
		for (p = q; nl < nitems(ends); p = e + 1) {
			for (e = p; e < j && ASCII_LABEL(t->cp[e]); e++)
				;
			if (e == p || e >= j || t->cp[e] != '.')
				break;
			ends[nl++] = e;
		}
		end = 0;
		for (k = nl; k > 0; k--) {
			if ((end = twtext_tld(t, ends[k - 1] + 1, j)) != 0)
				break;
		}
		if (end == 0) {
			q++;
			continue;
		}
		found++;
		if (!add)
			return (found);
		*last = twtext_add(t, TWTEXT_URL, q, end);
		twtext_value(t, *last, q, end);
		(*last)->u16 = twtext_u16(t, q, end);
		q = end;
	}
#undef ASCII_LABEL
	return (found);
}

/*
 * Match a URL at u (after an acceptable preceding character, before). Adds
 * the URLs it yields and returns the end of the whole match, or 0.
 */
static size_t
twtext_url_at(struct twtext *t, size_t u, uint32_t before)
{
	struct twtext_entity	*e, *last;
	size_t			 scheme, d, de = 0, end, path = 0, q, slug;
	long			 grow;
	int			 try;

	if (u >= t->n)
		return (0);
	/* With a scheme first, then without. */
	for (try = 0; try < 2; try++) {
		scheme = try == 0 ? twtext_scheme(t, u) : 0;
		if (try == 0 && scheme == 0)
			continue;
		d = u + scheme;
		if ((de = twtext_domain(t, d)) != 0)
			break;
	}
	if (de == 0)
		return (0);
	end = de;
	if (twtext_at(t, end) == ':' && twtext_is_digit(twtext_at(t, end + 1))) {
		for (end++; twtext_is_digit(twtext_at(t, end)); end++)
			;
	}
	if (twtext_at(t, end) == '/') {
		path = end;
		end = twtext_path(t, end + 1);
	}
	if (twtext_at(t, end) == '?' && (q = twtext_query(t, end + 1)) != 0)
		end = q;

	/* twitter-text's checks on what matched. */
	if (!twtext_idna(t, d, de, &grow))
		return (end);
	if (d + 4 <= de && t->cp[d] == 'x' && t->cp[d + 1] == 'n' &&
	    t->cp[d + 2] == '-' && t->cp[d + 3] == '-' &&
	    twtext_ascii_domains(t, d, de, 0, NULL) == 0)
		return (end);	/* punycode, but not an ASCII domain */
	if ((scheme != 0 ? scheme : 8) + twtext_u16(t, d, end) + grow >
	    TWTEXT_MAX_URL)
		return (end);

	if (scheme == 0) {
		if (before == '-' || before == '_' || before == '.' ||
		    before == '/')
			return (end);
		last = NULL;
		if (twtext_ascii_domains(t, d, de, 1, &last) == 0)
			return (end);
		if (path != 0) {
			/* The last ASCII domain takes what follows the
			 * domain; they may not be one piece of the text. */
			last->u16 += twtext_u16(t, de, end);
			if (t->s + t->off[de] == last->value + last->value_len)
				twtext_value(t, last, last->start, end);
			else {
				last->rest = t->s + t->off[de];
				last->rest_len = t->off[end] - t->off[de];
			}
			last->end = end;
		}
		return (end);
	}

	/* A t.co link has no path beyond its slug. */
	q = d + 4;
	if (de == d + 4 && (t->cp[d] | 0x20) == 't' && t->cp[d + 1] == '.' &&
	    (t->cp[d + 2] | 0x20) == 'c' && (t->cp[d + 3] | 0x20) == 'o' &&
	    twtext_at(t, q) == '/' && twtext_is_alnum(twtext_at(t, q + 1))) {
		for (slug = q + 1; twtext_is_alnum(twtext_at(t, slug)); slug++)
			;
		if (slug - (q + 1) > TWTEXT_MAX_TCO_SLUG)
			return (end);
		e = twtext_add(t, TWTEXT_URL, u, slug);
		if (twtext_at(t, slug) == '?' &&
		    (q = twtext_query(t, slug + 1)) != 0)
			e->end = q;
		twtext_value(t, e, u, e->end);
		e->u16 = twtext_u16(t, u, e->end);
		return (end);
	}
	e = twtext_add(t, TWTEXT_URL, u, end);
	twtext_value(t, e, u, end);
	e->u16 = twtext_u16(t, u, end);
	return (end);
}

/* May a URL follow this character? */
static int
twtext_url_preceding(uint32_t c)
{
	if (twtext_is_directional(c))
		return (1);
	return (!twtext_is_alnum(c) && c != '@' && c != 0xff20 && c != '$' &&
	    c != '#' && c != 0xff03 && !twtext_is_invalid(c));
}

/* Extract URLs, in order. */
static void
twtext_urls(struct twtext *t)
{
	size_t	s, end;

	if (memchr(t->s, '.', t->len) == NULL)
		return;
	for (s = 0; s < t->n; s++) {
		end = 0;
		/*
		 * JavaScript sees an astral character as two halves: the
		 * first may precede a URL that starts with the second.
		 */
		if (t->cp[s] > 0xffff)
			end = twtext_url_at(t, s, t->cp[s]);
		if (end == 0 && twtext_url_preceding(t->cp[s]))
			end = twtext_url_at(t, s + 1, t->cp[s]);
		if (end == 0 && s == 0)
			end = twtext_url_at(t, 0, 0);
		if (end != 0)
			s = end - 1;
	}
}

/* Extract hashtags. */
static void
twtext_hashtags(struct twtext *t)
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
			    (twtext_is_hashtag(c) || c == '&'))
				continue;
		}
		c = twtext_at(t, h + 1);
		if (c == 0xfe0f || c == 0x20e3)
			continue;
		alpha = 0;
		for (j = h + 1; j < t->n && twtext_is_hashtag(t->cp[j]); j++) {
			if (twtext_is_hashtag_alpha(t->cp[j]))
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
twtext_mention_preceding(uint32_t c)
{
	return (!twtext_is_alnum(c) && c != '_' && c != '!' && c != '#' &&
	    c != '$' && c != '%' && c != '&' && c != '*' && c != '@' &&
	    c != 0xff20);
}

/* Extract mentions and lists. */
static void
twtext_mentions(struct twtext *t)
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
			ok = twtext_mention_preceding(t->cp[a - 1]);
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
twtext_cashtag_end_ok(struct twtext *t, size_t i)
{
	return (i >= t->n || twtext_is_js_space(t->cp[i]) ||
	    twtext_is_punct(t->cp[i]));
}

/* Extract cashtags. */
static void
twtext_cashtags(struct twtext *t)
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
			    twtext_cashtag_end_ok(t, k))
				end = k;
		}
		if (end == 0 && twtext_cashtag_end_ok(t, j))
			end = j;
		if (end == 0)
			continue;
		e = twtext_add(t, TWTEXT_CASHTAG, d, end);
		twtext_value(t, e, d + 1, end);
		pos = end;
		d = end - 1;
	}
}

static int
twtext_entity_cmp(const void *a, const void *b)
{
	const struct twtext_entity	*ea = a, *eb = b;

	if (ea->start != eb->start)
		return (ea->start < eb->start ? -1 : 1);
	return (ea->order < eb->order ? -1 : ea->order > eb->order);
}

/* Sort entities by position and drop any that overlaps an earlier one. */
static void
twtext_remove_overlaps(struct twtext *t)
{
	u_int	i, n;

	if (t->ne < 2)
		return;
	for (i = 0; i < t->ne; i++)
		t->e[i].order = i;
	qsort(t->e, t->ne, sizeof *t->e, twtext_entity_cmp);
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
			twtext_mentions(t);
			for (i = n = 0; i < t->ne; i++) {
				if (t->e[i].rest == NULL)
					t->e[n++] = t->e[i];
			}
			t->ne = n;
		} else if (what & TWTEXT_CASHTAG)
			twtext_cashtags(t);
		else if (what & TWTEXT_HASHTAG) {
			twtext_hashtags(t);
			if (t->ne == 0)
				return (0);
			twtext_urls(t);
			twtext_remove_overlaps(t);
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
		twtext_mentions(t);
	if (what & TWTEXT_HASHTAG)
		twtext_hashtags(t);
	if (what & TWTEXT_CASHTAG)
		twtext_cashtags(t);
	twtext_remove_overlaps(t);
	return (t->ne);
}

/* The i-th entity of the last extraction. */
const struct twtext_entity *
twtext_entity(struct twtext *t, u_int i)
{
	return (i < t->ne ? &t->e[i] : NULL);
}

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
twtext_emoji_start(uint32_t c)
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
twtext_emoji_element(struct twtext *t, size_t i, size_t limit)
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
	if (!twtext_emoji_start(c))
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
twtext_emoji(struct twtext *t, size_t i, size_t limit)
{
	size_t	k, m;

	if ((k = twtext_emoji_element(t, i, limit)) == i)
		return (i);
	while (k + 1 < limit && t->cp[k] == 0x200d &&
	    (m = twtext_emoji_element(t, k + 1, limit)) > k + 1)
		k = m;
	return (k);
}

/*
 * Could NFC change the text? Conservatively: a mark, a character with a
 * canonical decomposition, or a Hangul vowel or final jamo.
 */
static int
twtext_needs_nfc(const char *s, size_t len)
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

/*
 * The weighted length of UTF-8 text as twitter-text v3 counts it
 * (parseTweet's weightedLength), in characters; *valid as its valid (not
 * empty, not over 280, no invalid character). -1 if the text cannot be
 * normalised.
 */
long
twtext_weighted_length(struct twtext *t, const char *s, size_t len,
    int *valid)
{
	utf8proc_uint8_t	*nfc;
	utf8proc_ssize_t	 nlen;
	size_t			 i, j, next, u;
	long			 w = 0;
	int			 bad = 0;
	u_int			 k;

	if (twtext_needs_nfc(s, len)) {
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
	k = 0;
	for (i = 0; i < t->n; ) {
		next = k < t->ne ? t->e[k].start : t->n;
		if (i == next) {
			/* A URL counts 23; twitter-text then skips as many
			 * UTF-16 units as its URL string has. */
			w += TWTEXT_URL_WEIGHT;
			u = t->e[k].u16;
			for (j = i; j < t->n && u > 0; j++)
				u -= (t->cp[j] > 0xffff && u > 1) ? 2 : 1;
			i = j;
			while (k < t->ne && t->e[k].start < i)
				k++;
			continue;
		}
		/* Below U+0300, a character alone is no emoji. */
		if (t->cp[i] < 0x300 && (i + 1 == next || t->cp[i + 1] < 0x300)) {
			w += 100;
			i++;
			continue;
		}
		/* An emoji sequence counts as one emoji. */
		if ((j = twtext_emoji(t, i, next)) - i > 1) {
			w += 200;
			i = j;
			continue;
		}
		if (twtext_is_invalid(t->cp[i]))
			bad = 1;
		w += twtext_weight(t->cp[i]);
		i++;
	}
	if (valid != NULL)
		*valid = !bad && w > 0 && w <= TWTEXT_MAX_WEIGHT;
	return (w / 100);
}
