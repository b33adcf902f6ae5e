/*
 * A fast JSON checker for the pass-through path: decides, without building
 * anything, whether a line is a JSON object that tweet_parse() would accept
 * (valid UTF-8, no raw NUL byte, no \u0000 in a key, 64-bit integers, finite
 * reals of any length, nesting within jansson's limit, where a scalar counts
 * as a level too), and notes what the writer needs to know: whether the
 * object is empty and whether it already has an "enrichments" or
 * "enrichment_errors" member. Its top-level members go to the caller, who
 * keeps them for the tweet's readers (the tweet model). It checks a
 * response the same way (any JSON value), so that the part of it that
 * select= names is read from the text without a tree (validate_select).
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "json/json-int.h"

/* jansson's JSON_PARSER_MAX_DEPTH: every value counts, scalars too. */
#define VALIDATE_MAX_DEPTH 2048

struct validate {
	const u_char	*start;
	const u_char	*p;
	const u_char	*end;
	const char		*error;
	int			 depth;
	struct validate_members	*top;	/* or NULL */
};

static int	validate_value(struct validate *);

static int
validate_fail(struct validate *v, const char *error)
{
	if (v->error == NULL)
		v->error = error;
	return (-1);
}

static void
validate_ws(struct validate *v)
{
	while (v->p < v->end && (*v->p == ' ' || *v->p == '\t' ||
	    *v->p == '\n' || *v->p == '\r'))
		v->p++;
}

/*
 * Past the bytes a string holds as they are (printable ASCII but the quote
 * and the backslash): most of every tweet. A local pointer, not v->p, so
 * that the loop keeps it in a register.
 */
static const u_char *
validate_plain(const u_char *p, const u_char *end)
{
	while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
		p++;
	return (p);
}

/* One UTF-8 sequence starting at a byte >= 0x80 (RFC 3629). */
static int
validate_utf8(struct validate *v)
{
	const u_char	*p = v->p;
	u_char		 c = *p;
	u_int		 n, i, cp;

	if (c >= 0xc2 && c <= 0xdf) {
		n = 1;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 2;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 3;
		cp = c & 0x07;
	} else
		return (validate_fail(v, "invalid UTF-8"));
	if ((size_t)(v->end - p) <= n)
		return (validate_fail(v, "invalid UTF-8"));
	for (i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return (validate_fail(v, "invalid UTF-8"));
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
		return (validate_fail(v, "invalid UTF-8"));
	v->p += n + 1;
	return (0);
}

/*
 * A string; *escaped is set if it holds any escape. A key may not hold
 * \u0000 (jansson refuses it even with JSON_ALLOW_NUL).
 */
static int
validate_string(struct validate *v, int *escaped, int key)
{
	u_int	cp;
	u_char	c;
	int	error;

	v->p++;		/* the opening quote */
	for (;;) {
		v->p = validate_plain(v->p, v->end);
		if (v->p >= v->end)
			return (validate_fail(v, "unterminated string"));
		c = *v->p;
		if (c == '"') {
			v->p++;
			return (0);
		}
		if (c < 0x20)
			return (validate_fail(v, "control character in "
			    "string"));
		if (c >= 0x80) {
			if (validate_utf8(v) != 0)
				return (-1);
			continue;
		}
		/* A backslash. */
		*escaped = 1;
		if (++v->p >= v->end)
			return (validate_fail(v, "unterminated string"));
		c = *v->p++;
		if (strchr("\"\\/bfnrt", c) != NULL && c != '\0')
			continue;
		if (c != 'u')
			return (validate_fail(v, "bad escape in string"));
		/* From its backslash. */
		v->p = (const u_char *)scan_unicode((const char *)v->p - 2,
		    (const char *)v->end, &cp, &error);
		if (error == SCAN_U_HEX)
			return (validate_fail(v, "bad \\u escape"));
		if (error == SCAN_U_SURROGATE)
			return (validate_fail(v, "invalid Unicode escape"));
		if (cp == 0 && key)
			return (validate_fail(v, "NUL byte in object key not "
			    "supported"));
	}
}

static int
validate_digits(struct validate *v)
{
	const u_char	*start = v->p;

	while (v->p < v->end && *v->p >= '0' && *v->p <= '9')
		v->p++;
	return (v->p > start ? 0 : validate_fail(v, "bad number"));
}

/* A number, with jansson's limits: integers fit 64 bits, reals are finite. */
static int
validate_number(struct validate *v)
{
	const u_char	*start = v->p, *digits;
	char		 buf[64], *big = NULL, *s;
	size_t		 n;
	int		 real = 0, neg = 0;
	double		 d;

	if (*v->p == '-') {
		v->p++;
		neg = 1;
	}
	digits = v->p;
	if (v->p < v->end && *v->p == '0')
		v->p++;
	else if (validate_digits(v) != 0)
		return (-1);
	if (v->p < v->end && *v->p == '.') {
		v->p++;
		real = 1;
		if (validate_digits(v) != 0)
			return (-1);
	}
	if (v->p < v->end && (*v->p == 'e' || *v->p == 'E')) {
		v->p++;
		real = 1;
		if (v->p < v->end && (*v->p == '+' || *v->p == '-'))
			v->p++;
		if (validate_digits(v) != 0)
			return (-1);
	}
	n = v->p - start;
	if (!real) {
		n = v->p - digits;
		if (n > 19 || (n == 19 && memcmp(digits, neg ?
		    "9223372036854775808" : "9223372036854775807", 19) > 0))
			return (validate_fail(v, "too big integer"));
		return (0);
	}
	/* Long forms are rare, but "1" and 400 zeros overflows too. */
	s = n < sizeof buf ? buf : (big = xmalloc(n + 1));
	memcpy(s, start, n);
	s[n] = '\0';
	d = strtod(s, NULL);
	free(big);
	if (isinf(d))
		return (validate_fail(v, "real number overflow"));
	return (0);
}

static int
validate_literal(struct validate *v, const char *word, size_t n)
{
	if ((size_t)(v->end - v->p) < n || memcmp(v->p, word, n) != 0)
		return (validate_fail(v, "invalid token"));
	v->p += n;
	return (0);
}

/* An object; at the top level, note an empty one and reserved keys. */
/* Keep a top-level member: its key runs from k to kend, its value v to end. */
static void
validate_member(struct validate_members *top, const u_char *k,
    const u_char *kend, const u_char *v, const u_char *end)
{
	struct scan_member	*m;

	if (top->n >= VALIDATE_MAX_MEMBERS) {
		top->n = VALIDATE_MAX_MEMBERS + 1;
		return;
	}
	m = &top->m[top->n++];
	m->key.type = SCAN_STRING;
	m->key.text = (const char *)k;
	m->key.len = kend - k;
	m->value.type = scan_type_at((const char *)v);
	m->value.text = (const char *)v;
	m->value.len = end - v;
}

static int
validate_object(struct validate *v, int *flags)
{
	const u_char	*key, *key_end, *value = NULL;
	int		 escaped;
	size_t		 n;

	if (++v->depth > VALIDATE_MAX_DEPTH)
		return (validate_fail(v, "maximum parsing depth reached"));
	v->p++;
	validate_ws(v);
	if (v->p < v->end && *v->p == '}') {
		v->p++;
		v->depth--;
		if (flags != NULL)
			*flags |= VALIDATE_EMPTY;
		return (0);
	}
	for (;;) {
		if (v->p >= v->end || *v->p != '"')
			return (validate_fail(v, "string or '}' expected"));
		key = v->p + 1;
		escaped = 0;
		if (validate_string(v, &escaped, 1) != 0)
			return (-1);
		key_end = v->p;
		if (flags != NULL) {
			n = v->p - 1 - key;
			if (escaped || (n == 11 && memcmp(key, "enrichments",
			    11) == 0) || (n == 17 && memcmp(key,
			    "enrichment_errors", 17) == 0))
				*flags |= VALIDATE_RESERVED;
		}
		validate_ws(v);
		if (v->p >= v->end || *v->p != ':')
			return (validate_fail(v, "':' expected"));
		v->p++;
		if (flags != NULL && v->top != NULL) {
			validate_ws(v);
			value = v->p;
		}
		if (validate_value(v) != 0)
			return (-1);
		if (flags != NULL && v->top != NULL)
			validate_member(v->top, key - 1, key_end, value, v->p);
		validate_ws(v);
		if (v->p < v->end && *v->p == ',') {
			v->p++;
			validate_ws(v);
			continue;
		}
		if (v->p < v->end && *v->p == '}') {
			v->p++;
			v->depth--;
			return (0);
		}
		return (validate_fail(v, "',' or '}' expected"));
	}
}

static int
validate_array(struct validate *v)
{
	if (++v->depth > VALIDATE_MAX_DEPTH)
		return (validate_fail(v, "maximum parsing depth reached"));
	v->p++;
	validate_ws(v);
	if (v->p < v->end && *v->p == ']') {
		v->p++;
		v->depth--;
		return (0);
	}
	for (;;) {
		if (validate_value(v) != 0)
			return (-1);
		validate_ws(v);
		if (v->p < v->end && *v->p == ',') {
			v->p++;
			continue;
		}
		if (v->p < v->end && *v->p == ']') {
			v->p++;
			v->depth--;
			return (0);
		}
		return (validate_fail(v, "',' or ']' expected"));
	}
}

static int
validate_value(struct validate *v)
{
	int	escaped;

	validate_ws(v);
	if (v->p >= v->end)
		return (validate_fail(v, "unexpected end of line"));
	if (*v->p != '{' && *v->p != '[' && v->depth >= VALIDATE_MAX_DEPTH)
		return (validate_fail(v, "maximum parsing depth reached"));
	switch (*v->p) {
	case '{':
		return (validate_object(v, NULL));
	case '[':
		return (validate_array(v));
	case '"':
		return (validate_string(v, &escaped, 0));
	case 't':
		return (validate_literal(v, "true", 4));
	case 'f':
		return (validate_literal(v, "false", 5));
	case 'n':
		return (validate_literal(v, "null", 4));
	default:
		if (*v->p == '-' || (*v->p >= '0' && *v->p <= '9'))
			return (validate_number(v));
		return (validate_fail(v, "invalid token"));
	}
}

/*
 * Is this line a JSON object? Returns VALIDATE_* flags, or -1 with a reason
 * (and the column) in why. Its top-level members go to top (if not NULL;
 * spans of line, meaningful only if the line is one).
 */
int
validate_tweet(const char *line, size_t len, struct validate_members *top,
    char *why, size_t whylen)
{
	struct validate	 v;
	const char	*nul;
	int		 flags = 0;

	if (top != NULL)
		top->n = 0;
	/* Said as tweet_parse says it. */
	if ((nul = memchr(line, '\0', len)) != NULL) {
		snprintf(why, whylen, "invalid JSON: NUL byte (column %zu)",
		    (size_t)(nul - line) + 1);
		return (-1);
	}
	v.start = v.p = (const u_char *)line;
	v.end = v.p + len;
	v.error = NULL;
	v.depth = 0;
	v.top = top;
	validate_ws(&v);
	if (v.p >= v.end || *v.p != '{') {
		if (v.p < v.end && (*v.p == '[' || *v.p == '"' || *v.p == '-' ||
		    (*v.p >= '0' && *v.p <= '9') || *v.p == 't' ||
		    *v.p == 'f' || *v.p == 'n') && validate_value(&v) == 0) {
			validate_ws(&v);
			if (v.p == v.end) {
				snprintf(why, whylen, "not a JSON object");
				return (-1);
			}
		}
		validate_fail(&v, "'{' expected");
	} else if (validate_object(&v, &flags) == 0) {
		validate_ws(&v);
		if (v.p == v.end)
			return (flags);
		validate_fail(&v, "end of line expected");
	}
	snprintf(why, whylen, "invalid JSON: %s (column %zu)", v.error,
	    (size_t)(v.p - v.start) + 1);
	return (-1);
}

/*
 * Is this text one JSON value (of any type, with white space around) that
 * json_loadb(JSON_DECODE_ANY|JSON_ALLOW_NUL) would accept? 0 or -1.
 */
int
validate_json(const char *text, size_t len)
{
	struct validate	 v;

	if (memchr(text, '\0', len) != NULL)
		return (-1);
	v.start = v.p = (const u_char *)text;
	v.end = v.p + len;
	v.error = NULL;
	v.depth = 0;
	v.top = NULL;
	if (validate_value(&v) != 0)
		return (-1);
	validate_ws(&v);
	return (v.p == v.end ? 0 : -1);
}

/*
 * The value at a pointer in a JSON text that nothing has checked yet (a
 * response): 1 and a new reference in *out, 0 if the pointer names
 * nothing there, -1 if the text is not what json_loadb(JSON_DECODE_ANY|
 * JSON_ALLOW_NUL) accepts. Only the value named is built, not the tree.
 */
int
validate_select(const char *text, size_t len, const char *pointer, json_t **out)
{
	struct scan_value	root, v;

	*out = NULL;
	if (validate_json(text, len) != 0)
		return (-1);
	/* An object is found from its two ends, not by a walk through it. */
	if (scan_line(text, len, &root) != 0 && scan_root(text, len,
	    &root) != 0)
		return (-1);
	if (scan_pointer(&root, pointer, &v) != 0)
		return (0);
	return ((*out = scan_json(&v)) != NULL ? 1 : -1);
}
