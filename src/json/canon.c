/*
 * Is a JSON text already written the way the writer would write it? An
 * answer that is lets the writer splice its bytes into the output instead
 * of parsing them into a tree and dumping the tree again: json_canonical()
 * is 1 only if the text is exactly what
 * json_dump(json_loadb(text, JSON_DECODE_ANY|JSON_ALLOW_NUL),
 * JSON_COMPACT|JSON_ENCODE_ANY) writes. It is strict and errs towards 0
 * (the caller then parses and dumps): no whitespace; integers of at most
 * 18 digits, no "-0"; no reals (their text rarely survives %.17g); strings
 * of valid UTF-8 whose escapes are those jansson writes (\" \\ \b \f \n \r
 * \t, \u00XX in upper case for the other control characters) and no other;
 * objects of at most CANON_MAX_KEYS members with distinct keys that have
 * no escape (jansson keeps the first place and the last value of a key
 * given twice); at most CANON_MAX_DEPTH levels.
 */

#include <string.h>

#include "lib/lib.h"
#include "json/json-int.h"

#define CANON_MAX_DEPTH 32
#define CANON_MAX_KEYS 64
#define CANON_MAX_DIGITS 18

struct canon {
	const u_char	*p;
	const u_char	*end;
};

static int	canon_value(struct canon *, int);

/* The control character an escape \u00XX may name (those without \X). */
static int
canon_hex(u_char c, u_int *v)
{
	if (c >= '0' && c <= '9')
		*v = *v * 16 + (c - '0');
	else if (c >= 'A' && c <= 'F')
		*v = *v * 16 + (c - 'A' + 10);
	else
		return (0);
	return (1);
}

/* A string, from its opening quote; *escaped if it had an escape. */
static int
canon_string(struct canon *c, int *escaped)
{
	const u_char	*p = c->p + 1, *end = c->end;
	u_int		 v, n, i;

	*escaped = 0;
	for (;;) {
		if (p >= end)
			return (0);
		if (*p == '"')
			break;
		if (*p < 0x20)
			return (0);
		if (*p == '\\') {
			*escaped = 1;
			if (++p >= end)
				return (0);
			switch (*p) {
			case '"': case '\\': case 'b': case 'f': case 'n':
			case 'r': case 't':
				p++;
				continue;
			case 'u':
				break;
			default:
				return (0);
			}
			if (end - p < 5 || p[1] != '0' || p[2] != '0')
				return (0);
			v = 0;
			if (!canon_hex(p[3], &v) || !canon_hex(p[4], &v))
				return (0);
			if (v >= 0x20 || v == '\b' || v == '\f' ||
			    v == '\n' || v == '\r' || v == '\t')
				return (0);
			p += 5;
			continue;
		}
		if (*p < 0x80) {
			p++;
			continue;
		}
		/* UTF-8 as jansson checks it: no overlong, no surrogate. */
		if (*p >= 0xc2 && *p <= 0xdf)
			n = 1;
		else if (*p >= 0xe0 && *p <= 0xef)
			n = 2;
		else if (*p >= 0xf0 && *p <= 0xf4)
			n = 3;
		else
			return (0);
		if ((size_t)(end - p) <= n)
			return (0);
		for (i = 1; i <= n; i++)
			if ((p[i] & 0xc0) != 0x80)
				return (0);
		if ((*p == 0xe0 && p[1] < 0xa0) ||
		    (*p == 0xed && p[1] > 0x9f) ||
		    (*p == 0xf0 && p[1] < 0x90) ||
		    (*p == 0xf4 && p[1] > 0x8f))
			return (0);
		p += n + 1;
	}
	c->p = p + 1;
	return (1);
}

/* An integer of at most CANON_MAX_DIGITS digits, no "-0"; no real. */
static int
canon_number(struct canon *c)
{
	const u_char	*p = c->p, *digits;

	if (*p == '-')
		p++;
	digits = p;
	if (p >= c->end || *p < '0' || *p > '9')
		return (0);
	if (*p == '0') {
		if (digits != c->p)
			return (0);		/* -0 is written 0 */
		p++;
	} else {
		while (p < c->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p - digits > CANON_MAX_DIGITS)
		return (0);
	if (p < c->end && (*p == '.' || *p == 'e' || *p == 'E' ||
	    (*p >= '0' && *p <= '9')))
		return (0);
	c->p = p;
	return (1);
}

/* A literal. */
static int
canon_word(struct canon *c, const char *w, size_t len)
{
	if ((size_t)(c->end - c->p) < len || memcmp(c->p, w, len) != 0)
		return (0);
	c->p += len;
	return (1);
}

/* An object, from its brace: distinct keys without escapes. */
static int
canon_object(struct canon *c, int depth)
{
	const u_char	*key[CANON_MAX_KEYS];
	size_t		 len[CANON_MAX_KEYS];
	u_int		 n = 0, i;
	int		 escaped;

	if (++c->p < c->end && *c->p == '}') {
		c->p++;
		return (1);
	}
	for (;;) {
		if (c->p >= c->end || *c->p != '"' || n == CANON_MAX_KEYS)
			return (0);
		key[n] = c->p;
		if (!canon_string(c, &escaped) || escaped)
			return (0);
		len[n] = c->p - key[n];
		for (i = 0; i < n; i++)
			if (len[i] == len[n] &&
			    memcmp(key[i], key[n], len[n]) == 0)
				return (0);
		n++;
		if (c->p >= c->end || *c->p++ != ':')
			return (0);
		if (!canon_value(c, depth + 1))
			return (0);
		if (c->p >= c->end)
			return (0);
		if (*c->p == '}') {
			c->p++;
			return (1);
		}
		if (*c->p++ != ',')
			return (0);
	}
}

/* An array, from its bracket. */
static int
canon_array(struct canon *c, int depth)
{
	if (++c->p < c->end && *c->p == ']') {
		c->p++;
		return (1);
	}
	for (;;) {
		if (!canon_value(c, depth + 1))
			return (0);
		if (c->p >= c->end)
			return (0);
		if (*c->p == ']') {
			c->p++;
			return (1);
		}
		if (*c->p++ != ',')
			return (0);
	}
}

static int
canon_value(struct canon *c, int depth)
{
	int	escaped;

	if (depth > CANON_MAX_DEPTH || c->p >= c->end)
		return (0);
	switch (*c->p) {
	case '{':
		return (canon_object(c, depth));
	case '[':
		return (canon_array(c, depth));
	case '"':
		return (canon_string(c, &escaped));
	case 't':
		return (canon_word(c, "true", 4));
	case 'f':
		return (canon_word(c, "false", 5));
	case 'n':
		return (canon_word(c, "null", 4));
	default:
		return (canon_number(c));
	}
}

/* 1 if the text is one JSON value exactly as the writer writes it. */
int
json_canonical(const char *text, size_t len)
{
	struct canon	c;

	c.p = (const u_char *)text;
	c.end = c.p + len;
	if (!canon_value(&c, 1))
		return (0);
	return (c.p == c.end);
}
