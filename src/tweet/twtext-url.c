/*
 * twtext's URLs, as twitter-text's extractUrlsWithIndices finds them: with
 * or without a scheme, a domain whose top-level domain is in twitter-text's
 * list (twtext-tlds.c) or punycode, then a port, a path and a query, with
 * twitter-text's limits on length, labels and t.co slugs.
 */

#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "lib/lib.h"
#include "tweet/twtext-int.h"

extern const char *const	twtext_ascii_tlds[];
extern const size_t		twtext_nascii_tlds;
extern const char *const	twtext_other_tlds[];
extern const size_t		twtext_nother_tlds;

/* The other TLDs, decoded once. */
static uint32_t	**twtext_url_tld_cp;
static size_t	 *twtext_url_tld_n;

/* Load the non-ASCII TLDs as code points. */
static void
twtext_url_tld_init(void)
{
	const utf8proc_uint8_t	*p;
	utf8proc_int32_t	 c;
	utf8proc_ssize_t	 k;
	size_t			 i, len;

	if (twtext_url_tld_cp != NULL)
		return;
	twtext_url_tld_cp = xcalloc(twtext_nother_tlds, sizeof *twtext_url_tld_cp);
	twtext_url_tld_n = xcalloc(twtext_nother_tlds, sizeof *twtext_url_tld_n);
	for (i = 0; i < twtext_nother_tlds; i++) {
		p = (const utf8proc_uint8_t *)twtext_other_tlds[i];
		len = strlen(twtext_other_tlds[i]);
		twtext_url_tld_cp[i] = xcalloc(len, sizeof **twtext_url_tld_cp);
		while (len > 0 && (k = utf8proc_iterate(p, len, &c)) > 0) {
			twtext_url_tld_cp[i][twtext_url_tld_n[i]++] = c;
			p += k;
			len -= k;
		}
	}
}

/* bsearch's comparison of a TLD with an entry of the list. */
static int
twtext_url_tld_cmp(const void *key, const void *elem)
{
	return (strcmp(key, *(const char *const *)elem));
}

/*
 * May a TLD end at i, given the text ends at limit? Not before a letter, a
 * digit, '@', '+' or '-': "domain.com-typo" and "name.al-lastname@foo.com"
 * hold no URL.
 */
static int
twtext_url_tld_end_ok(struct twtext *t, size_t i, size_t limit)
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
twtext_url_tld(struct twtext *t, size_t i, size_t limit)
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
		if (j - i < sizeof name - 1 && twtext_url_tld_end_ok(t, j, limit)) {
			name[j - i] = '\0';
			if (bsearch(name, twtext_ascii_tlds, twtext_nascii_tlds,
			    sizeof *twtext_ascii_tlds, twtext_url_tld_cmp) != NULL)
				return (j);
		}
		/* Punycode: xn-- then [-0-9a-z]+. */
		if (limit - i > 4 && (t->cp[i] | 0x20) == 'x' &&
		    (t->cp[i + 1] | 0x20) == 'n' && t->cp[i + 2] == '-' &&
		    t->cp[i + 3] == '-') {
			for (j = i + 4; j < limit && (twtext_is_alnum(t->cp[j]) ||
			    t->cp[j] == '-'); j++)
				;
			if (j > i + 4 && twtext_url_tld_end_ok(t, j, limit))
				return (j);
		}
		return (0);
	}
	if (t->cp[i] < 0x80)
		return (0);
	twtext_url_tld_init();
	for (k = 0; k < twtext_nother_tlds; k++) {
		if (i + twtext_url_tld_n[k] > limit)
			continue;
		for (j = 0; j < twtext_url_tld_n[k]; j++) {
			c = t->cp[i + j];
			if (c != twtext_url_tld_cp[k][j] &&
			    (uint32_t)utf8proc_tolower(c) != twtext_url_tld_cp[k][j])
				break;
		}
		if (j == twtext_url_tld_n[k] && twtext_url_tld_end_ok(t, i + j, limit))
			return (i + j);
	}
	return (0);
}

/* A character that may be part of a domain label. */
static int
twtext_url_is_domain(uint32_t c)
{
	return (!twtext_is_punct(c) && !twtext_is_space(c) &&
	    !twtext_is_invalid(c) && !twtext_is_directional(c));
}

/* A letter in a URL path: ASCII, Cyrillic or accented. */
static int
twtext_url_is_path_letter(uint32_t c)
{
	return (twtext_is_alnum(c) || (c >= 0x400 && c <= 0x4ff) ||
	    twtext_is_accent(c));
}

/* A character of a URL path. */
static int
twtext_url_is_path(uint32_t c)
{
	if (c < 0x80)
		return (twtext_ascii[c] & TW_PATH);
	return (twtext_url_is_path_letter(c) || c == 0x2013);
}

/* A character a URL path may end with (besides balanced parentheses). */
static int
twtext_url_is_path_end(uint32_t c)
{
	if (c < 0x80)
		return (twtext_ascii[c] & TW_PATH_END);
	return (twtext_url_is_path_letter(c));
}

/* A character of a URL query. */
static inline int
twtext_url_is_query(uint32_t c)
{
	return (c < 0x80 && (twtext_ascii[c] & TW_QUERY));
}

/* A character a URL query may end with. */
static inline int
twtext_url_is_query_end(uint32_t c)
{
	return (c < 0x80 && (twtext_ascii[c] & TW_QUERY_END));
}

/* A character of a label: a domain character, '-' or '_'. */
static inline int
twtext_url_is_label(uint32_t c)
{
	return (c == '-' || c == '_' || twtext_url_is_domain(c));
}

/*
 * The end of the run of label characters containing i, remembered: scans
 * try many starts inside one run.
 */
static size_t
twtext_url_run(struct twtext *t, size_t i, size_t *underscore)
{
	size_t	j;

	if (t->run_start == SIZE_MAX || i < t->run_start || i >= t->run_end) {
		t->run_start = i;
		t->run_underscore = SIZE_MAX;
		for (j = i; j < t->n && twtext_url_is_label(t->cp[j]); j++) {
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
twtext_url_domain(struct twtext *t, size_t d)
{
	size_t	 starts[64], ends[64], us, e, j, end;
	int	 sub_ok[64], name_ok[64];
	u_int	 nl = 0, k, kmax;
	int	 has_us;

	if (d >= t->n || !twtext_url_is_domain(t->cp[d]))
		return (0);
	/* The first label: its end is that of the run d is in. */
	e = twtext_url_run(t, d, &us);
	if (e >= t->n || t->cp[e] != '.')
		return (0);
	starts[0] = d;
	ends[0] = e;
	sub_ok[0] = twtext_url_is_domain(t->cp[e - 1]);
	name_ok[0] = sub_ok[0] && (us == SIZE_MAX || us < d);
	nl = 1;
	/* The labels after it, each followed by a dot. */
	j = e + 1;
	while (nl < nitems(starts)) {
		if (j >= t->n || !twtext_url_is_domain(t->cp[j]))
			break;
		has_us = 0;
		for (e = j; e < t->n && twtext_url_is_label(t->cp[e]); e++) {
			if (t->cp[e] == '_')
				has_us = 1;
		}
		if (e >= t->n || t->cp[e] != '.')
			break;
		starts[nl] = j;
		ends[nl] = e;
		sub_ok[nl] = twtext_url_is_domain(t->cp[e - 1]);
		name_ok[nl] = sub_ok[nl] && !has_us;
		nl++;
		j = e + 1;
	}
	/* Most subdomains first, as the greedy regular expression does. */
	for (kmax = 0; kmax < nl && sub_ok[kmax]; kmax++)
		;
	for (k = kmax < nl ? kmax : nl - 1; ; k--) {
		if (name_ok[k] && (end = twtext_url_tld(t, ends[k] + 1, t->n)) != 0)
			return (end);
		if (k == 0)
			break;
	}
	return (0);
}

/* Match balanced parentheses of a URL path at i; returns the end or 0. */
static size_t
twtext_url_parens(struct twtext *t, size_t i)
{
	size_t	j, k;

	if (twtext_at(t, i) != '(')
		return (0);
	for (j = i + 1; j < t->n && twtext_url_is_path(t->cp[j]); j++)
		;
	if (j > i + 1 && twtext_at(t, j) == ')')
		return (j + 1);
	/* One nested level: ( path* ( path+ ) path* ) */
	if (twtext_at(t, j) != '(')
		return (0);
	for (k = j + 1; k < t->n && twtext_url_is_path(t->cp[k]); k++)
		;
	if (k == j + 1 || twtext_at(t, k) != ')')
		return (0);
	for (k++; k < t->n && twtext_url_is_path(t->cp[k]); k++)
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
twtext_url_path(struct twtext *t, size_t i)
{
	size_t	j = i, best = i, p;

	for (;;) {
		if (j < t->n && twtext_url_is_path(t->cp[j])) {
			if (twtext_url_is_path_end(t->cp[j]))
				best = j + 1;
			j++;
		} else if ((p = twtext_url_parens(t, j)) != 0) {
			best = j = p;
		} else
			break;
	}
	return (best);
}

/* Match a URL query after its '?' at i; returns its end or 0. */
static size_t
twtext_url_query(struct twtext *t, size_t i)
{
	size_t	j, best = 0;

	for (j = i; j < t->n && twtext_url_is_query(t->cp[j]); j++) {
		if (twtext_url_is_query_end(t->cp[j]))
			best = j + 1;
	}
	return (best);
}

/* Match "http://" or "https://" at i, any case; returns its length. */
static size_t
twtext_url_scheme(struct twtext *t, size_t i)
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
twtext_url_puny_len(const uint32_t *cp, size_t n)
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
twtext_url_u16(struct twtext *t, size_t i, size_t j)
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
twtext_url_idna(struct twtext *t, size_t i, size_t j, long *grow)
{
	size_t		 a, b, c, len, sub;
	int		 ascii;
	uint32_t	 ch;

	*grow = -(long)twtext_url_u16(t, i, j);
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
				len += 4 + twtext_url_puny_len(t->cp + c, sub - c);
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
twtext_url_ascii_domains(struct twtext *t, size_t i, size_t j, int add,
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
			if ((end = twtext_url_tld(t, ends[k - 1] + 1, j)) != 0)
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
		(*last)->u16 = twtext_url_u16(t, q, end);
		q = end;
	}
#undef ASCII_LABEL
	return (found);
}

/*
 * A URL without a scheme, domain [d, de) and what follows up to end: each
 * ASCII domain in it is one, the last taking the path and query.
 */
static void
twtext_url_bare(struct twtext *t, size_t d, size_t de, size_t end)
{
	struct twtext_entity	*last = NULL;

	if (twtext_url_ascii_domains(t, d, de, 1, &last) == 0 || end == de)
		return;
	/* The last ASCII domain takes what follows the domain; they may
	 * not be one piece of the text. */
	last->u16 += twtext_url_u16(t, de, end);
	if (t->s + t->off[de] == last->value + last->value_len)
		twtext_value(t, last, last->start, end);
	else {
		last->rest = t->s + t->off[de];
		last->rest_len = t->off[end] - t->off[de];
	}
	last->end = end;
}

/*
 * Match a URL at u (after an acceptable preceding character, before). Adds
 * the URLs it yields and returns the end of the whole match, or 0.
 */
static size_t
twtext_url_at(struct twtext *t, size_t u, uint32_t before)
{
	struct twtext_entity	*e;
	size_t			 scheme, d, de = 0, end, path = 0, q, slug;
	long			 grow;
	int			 try;

	if (u >= t->n)
		return (0);
	/* With a scheme first, then without. */
	for (try = 0; try < 2; try++) {
		scheme = try == 0 ? twtext_url_scheme(t, u) : 0;
		if (try == 0 && scheme == 0)
			continue;
		d = u + scheme;
		if ((de = twtext_url_domain(t, d)) != 0)
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
		end = twtext_url_path(t, end + 1);
	}
	if (twtext_at(t, end) == '?' && (q = twtext_url_query(t, end + 1)) != 0)
		end = q;

	/* twitter-text's checks on what matched. */
	if (!twtext_url_idna(t, d, de, &grow))
		return (end);
	if (d + 4 <= de && t->cp[d] == 'x' && t->cp[d + 1] == 'n' &&
	    t->cp[d + 2] == '-' && t->cp[d + 3] == '-' &&
	    twtext_url_ascii_domains(t, d, de, 0, NULL) == 0)
		return (end);	/* punycode, but not an ASCII domain */
	if ((scheme != 0 ? scheme : 8) + twtext_url_u16(t, d, end) + grow >
	    TWTEXT_MAX_URL)
		return (end);

	if (scheme == 0) {
		if (before != '-' && before != '_' && before != '.' &&
		    before != '/')
			twtext_url_bare(t, d, de, path != 0 ? end : de);
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
		    (q = twtext_url_query(t, slug + 1)) != 0)
			e->end = q;
		twtext_value(t, e, u, e->end);
		e->u16 = twtext_url_u16(t, u, e->end);
		return (end);
	}
	e = twtext_add(t, TWTEXT_URL, u, end);
	twtext_value(t, e, u, end);
	e->u16 = twtext_url_u16(t, u, end);
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
void
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

/*
 * Free what twtext keeps between extractors, the decoded TLDs (twtext's
 * only state outside a struct twtext is this file's).
 */
void
twtext_cleanup(void)
{
	size_t	i;

	if (twtext_url_tld_cp == NULL)
		return;
	for (i = 0; i < twtext_nother_tlds; i++)
		free(twtext_url_tld_cp[i]);
	free(twtext_url_tld_cp);
	free(twtext_url_tld_n);
	twtext_url_tld_cp = NULL;
	twtext_url_tld_n = NULL;
}
