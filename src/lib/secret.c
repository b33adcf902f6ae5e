/*
 * Secrets: ${NAME} in a spec value, an option or a config string is taken
 * from the environment once, at configuration time ($${ is a literal ${),
 * so that tokens stay out of argv. Every value so taken is remembered, and
 * anything we say about a request (an error, a warning, a stats line, a
 * response excerpt, a worker's stderr) is passed through secret_mask, which
 * replaces each one with "***" in whatever encoding it appears: as is,
 * percent-encoded (either case, '+' for a space), JSON- or JS-escaped
 * ("\/", "\u00e9", "\x2f") or as HTML character references, or any mix of
 * these. The text is decoded as it is matched, so no encoded copy of a
 * secret is kept and none can be missing. Callers that cut text mask it
 * first (secret_mask_cut), so that a cut never leaves part of a secret.
 */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/lib.h"

#define SECRET_MASK "***"
#define SECRET_WIDEST 10	/* text bytes for one byte: "&#0000047;" */
#define SECRET_BRANCHES 16	/* ways tried where a match may go two ways */

static char	**secret_values;
static size_t	 *secret_lens;
static u_int	  secret_nvalues;
static size_t	  secret_longest;

/* Remember a value to be masked. */
static void
secret_add(const char *v)
{
	u_int	k;

	if (*v == '\0')
		return;
	for (k = 0; k < secret_nvalues; k++) {
		if (strcmp(secret_values[k], v) == 0)
			return;
	}
	secret_values = xreallocarray(secret_values, secret_nvalues + 1,
	    sizeof *secret_values);
	secret_lens = xreallocarray(secret_lens, secret_nvalues + 1,
	    sizeof *secret_lens);
	secret_values[secret_nvalues] = xstrdup(v);
	secret_lens[secret_nvalues] = strlen(v);
	if (secret_lens[secret_nvalues] > secret_longest)
		secret_longest = secret_lens[secret_nvalues];
	secret_nvalues++;
}

/*
 * Expand ${NAME} from the environment into a new string; -1 with *cause
 * (naming the variable, never a value) if one is unset or malformed.
 */
int
secret_expand(const char *in, char **out, char **cause)
{
	const char	*p, *end, *v;
	char		*s, *name;
	size_t		 len = 0, size, n;

	*out = NULL;
	size = strlen(in) + 1;
	s = xmalloc(size);
	for (p = in; *p != '\0'; p++) {
		v = NULL;
		n = 1;
		if (p[0] == '$' && p[1] == '$' && p[2] == '{') {
			v = "${";
			n = 2;
			p += 2;
		} else if (p[0] == '$' && p[1] == '{') {
			end = p + 2;
			if (isalpha((u_char)*end) || *end == '_') {
				while (isalnum((u_char)*end) || *end == '_')
					end++;
			}
			if (*end != '}' || end == p + 2) {
				xasprintf(cause, "bad variable reference "
				    "(${NAME}, or $${ for a literal ${)");
				free(s);
				return (-1);
			}
			name = xstrndup(p + 2, end - (p + 2));
			if ((v = getenv(name)) == NULL) {
				xasprintf(cause, "environment variable %s is "
				    "not set", name);
				free(name);
				free(s);
				return (-1);
			}
			free(name);
			secret_add(v);
			n = strlen(v);
			p = end;
		} else
			v = p;
		if (len + n + 1 > size) {
			size = (len + n + 1) * 2;
			s = xreallocarray(s, 1, size);
		}
		memcpy(s + len, v, n);
		len += n;
	}
	s[len] = '\0';
	*out = s;
	return (0);
}

/*
 * The first ${NAME} that a string refers to (a new string), or NULL: for
 * values that must not hold a secret, such as a command line.
 */
char *
secret_reference(const char *in)
{
	const char	*p, *end;

	for (p = in; *p != '\0'; p++) {
		if (p[0] == '$' && p[1] == '$' && p[2] == '{') {
			p += 2;
			continue;
		}
		if (p[0] != '$' || p[1] != '{')
			continue;
		for (end = p + 2; isalnum((u_char)*end) || *end == '_'; end++)
			;
		if (*end == '}' && end != p + 2)
			return (xstrndup(p + 2, end - (p + 2)));
	}
	return (NULL);
}

/* Hex digit value, or -1. */
static int
secret_hex(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* A number of at most max digits in base at t; its length, or 0. */
static size_t
secret_number(const char *t, size_t len, int base, size_t max, u_long *out)
{
	size_t	i;
	int	d;

	*out = 0;
	for (i = 0; i < len && i < max; i++) {
		d = secret_hex((u_char)t[i]);
		if (d < 0 || d >= base)
			break;
		*out = *out * base + d;
	}
	if (i < len && i == max && secret_hex((u_char)t[i]) >= 0 &&
	    secret_hex((u_char)t[i]) < base)
		return (0);
	return (i);
}

/* A code point as UTF-8 into out; its length, or 0 if not one. */
static size_t
secret_utf8(u_long cp, u_char *out)
{
	if (cp < 0x80) {
		out[0] = cp;
		return (1);
	}
	if (cp < 0x800) {
		out[0] = 0xc0 | (cp >> 6);
		out[1] = 0x80 | (cp & 0x3f);
		return (2);
	}
	if (cp >= 0xd800 && cp <= 0xdfff)
		return (0);
	if (cp < 0x10000) {
		out[0] = 0xe0 | (cp >> 12);
		out[1] = 0x80 | ((cp >> 6) & 0x3f);
		out[2] = 0x80 | (cp & 0x3f);
		return (3);
	}
	if (cp > 0x10ffff)
		return (0);
	out[0] = 0xf0 | (cp >> 18);
	out[1] = 0x80 | ((cp >> 12) & 0x3f);
	out[2] = 0x80 | ((cp >> 6) & 0x3f);
	out[3] = 0x80 | (cp & 0x3f);
	return (4);
}

/* A JSON "\uXXXX" escape (a surrogate pair too) at t, as UTF-8. */
static size_t
secret_unicode(const char *t, size_t len, u_char *out, size_t *outlen)
{
	u_long	hi, lo;

	if (len < 6 || secret_number(t + 2, 4, 16, 4, &hi) != 4)
		return (0);
	if (hi >= 0xd800 && hi <= 0xdbff) {
		if (len < 12 || t[6] != '\\' || t[7] != 'u' ||
		    secret_number(t + 8, 4, 16, 4, &lo) != 4 ||
		    lo < 0xdc00 || lo > 0xdfff)
			return (0);
		*outlen = secret_utf8(0x10000 + ((hi - 0xd800) << 10) +
		    (lo - 0xdc00), out);
		return (12);
	}
	*outlen = secret_utf8(hi, out);
	return (*outlen == 0 ? 0 : 6);
}

/* An HTML character reference at t ("&amp;", "&#47;", "&#x2F;"). */
static size_t
secret_entity(const char *t, size_t len, u_char *out, size_t *outlen)
{
	static const struct {
		const char	*name;
		char		 c;
	} named[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
		{ "&quot;", '"' }, { "&apos;", '\'' }
	};
	u_long	cp;
	size_t	n, i;

	for (i = 0; i < sizeof named / sizeof named[0]; i++) {
		n = strlen(named[i].name);
		if (len >= n && strncasecmp(t, named[i].name, n) == 0) {
			out[0] = named[i].c;
			*outlen = 1;
			return (n);
		}
	}
	if (len < 4 || t[1] != '#')
		return (0);
	if (t[2] == 'x' || t[2] == 'X')
		n = 3 + secret_number(t + 3, len - 3, 16, 6, &cp);
	else
		n = 2 + secret_number(t + 2, len - 2, 10, 7, &cp);
	if (n == 2 || n == 3 || n >= len || t[n] != ';')
		return (0);
	*outlen = secret_utf8(cp, out);
	return (*outlen == 0 ? 0 : n + 1);
}

/*
 * Decode one escape at t (percent, backslash or HTML); the text bytes it
 * takes, or 0 if there is none. The bytes it stands for go to out.
 */
static size_t
secret_decode(const char *t, size_t len, u_char *out, size_t *outlen)
{
	static const char	 simple[] = "/\"\\'bfnrt", meant[] =
				     "/\"\\'\b\f\n\r\t";
	const char		*c;
	int			 h1, h2;

	*outlen = 1;
	if (t[0] == '%' || (t[0] == '\\' && len > 1 && t[1] == 'x')) {
		c = t[0] == '%' ? t + 1 : t + 2;
		if ((size_t)(c - t) + 2 > len)
			return (0);
		if ((h1 = secret_hex((u_char)c[0])) < 0 ||
		    (h2 = secret_hex((u_char)c[1])) < 0)
			return (0);
		out[0] = h1 * 16 + h2;
		return ((c - t) + 2);
	}
	if (t[0] == '&')
		return (secret_entity(t, len, out, outlen));
	if (t[0] != '\\' || len < 2)
		return (0);
	if (t[1] == 'u')
		return (secret_unicode(t, len, out, outlen));
	if (t[1] != '\0' && (c = strchr(simple, t[1])) != NULL) {
		out[0] = meant[c - simple];
		return (2);
	}
	return (0);
}

/*
 * Does secret s (n bytes, n > 0) appear at t[q] in any encoding? Where it
 * ends in t, or 0. Where a byte may be read two ways ("%25" as one '%' or
 * as three bytes), both are tried, up to SECRET_BRANCHES times, and the
 * longer match wins.
 */
static size_t
secret_match(const char *t, size_t len, size_t q, const char *s, size_t n,
    int *branches)
{
	u_char	dec[4];
	size_t	k, dlen, r1, r2;
	int	raw, decoded;

	while (n > 0) {
		if (q >= len)
			return (0);
		raw = (t[q] == *s || (t[q] == '+' && *s == ' '));
		if (!raw && t[q] != '%' && t[q] != '\\' && t[q] != '&')
			return (0);	/* no escape starts here */
		k = secret_decode(t + q, len - q, dec, &dlen);
		decoded = (k > 0 && dlen <= n && memcmp(dec, s, dlen) == 0);
		if (raw && decoded && (*branches)++ < SECRET_BRANCHES) {
			r1 = n == 1 ? q + 1 : secret_match(t, len, q + 1, s + 1,
			    n - 1, branches);
			r2 = n == dlen ? q + k : secret_match(t, len, q + k,
			    s + dlen, n - dlen, branches);
			return (r1 > r2 ? r1 : r2);
		}
		if (decoded) {
			q += k;
			s += dlen;
			n -= dlen;
		} else if (raw) {
			q++;
			s++;
			n--;
		} else
			return (0);
	}
	return (q);
}

/* Which secret, if any, starts at t[0]; the text bytes it takes. */
static size_t
secret_at(const char *t, size_t len)
{
	u_int	k;
	size_t	r;
	int	branches;

	for (k = 0; k < secret_nvalues; k++) {
		branches = 0;
		r = secret_match(t, len, 0, secret_values[k], secret_lens[k],
		    &branches);
		if (r != 0)
			return (r);
	}
	return (0);
}

/*
 * Mask len bytes of text (which may hold NUL bytes) into a new buffer,
 * NUL-terminated; its length goes to *outlen.
 */
static char *
secret_mask_len(const char *t, size_t len, size_t *outlen)
{
	char	*out;
	size_t	 i, n = 0, r;

	out = xmalloc(len * (sizeof SECRET_MASK - 1) + 1);
	for (i = 0; i < len; ) {
		if (secret_nvalues > 0 && (r = secret_at(t + i, len - i)) != 0) {
			memcpy(out + n, SECRET_MASK, sizeof SECRET_MASK - 1);
			n += sizeof SECRET_MASK - 1;
			i += r;
		} else
			out[n++] = t[i++];
	}
	out[n] = '\0';
	*outlen = n;
	return (out);
}

/* Does s contain a secret (in any encoding)? */
int
secret_in(const char *s)
{
	size_t	len = strlen(s), i;

	for (i = 0; secret_nvalues > 0 && i < len; i++) {
		if (secret_at(s + i, len - i) != 0)
			return (1);
	}
	return (0);
}

/* A copy of s with every secret replaced by "***". */
char *
secret_mask(const char *s)
{
	size_t	len;

	return (secret_mask_len(s, strlen(s), &len));
}

/*
 * The most text that can show one secret: whoever cuts text must mask at
 * least this much beyond the cut.
 */
size_t
secret_span(void)
{
	return (secret_longest * SECRET_WIDEST);
}

/*
 * Mask len bytes of text, then cut: at most size - 1 bytes of the masked
 * text go to out, NUL-terminated (NUL bytes in the text stay, so use the
 * count). Returns the whole masked length (more than size - 1: it was cut).
 * Text past the cut matters: give at least secret_span() bytes more.
 */
size_t
secret_mask_cut(const char *t, size_t len, char *out, size_t size)
{
	char	*masked;
	size_t	 mlen, n;

	masked = secret_mask_len(t, len, &mlen);
	n = mlen < size - 1 ? mlen : size - 1;
	memcpy(out, masked, n);
	out[n] = '\0';
	free(masked);
	return (mlen);
}

/* Is there any secret at all? */
int
secret_any(void)
{
	return (secret_nvalues > 0);
}

/* Forget every secret. */
void
secret_free(void)
{
	u_int	k;

	for (k = 0; k < secret_nvalues; k++)
		free(secret_values[k]);
	free(secret_values);
	free(secret_lens);
	secret_values = NULL;
	secret_lens = NULL;
	secret_nvalues = 0;
	secret_longest = 0;
}
