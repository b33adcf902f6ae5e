/*
 * Reading JSON text without building a tree: the one reader of JSON text.
 * Given text that the validator (validate.c) accepted, scan_pointer finds
 * the value a JSON pointer (RFC 6901) names, scan_next walks an object's
 * members or an array's elements (spans of the text, so that a caller may
 * edit the text in place), and scan_string, scan_integer, scan_real and
 * scan_json decode a value. scan_unicode reads \u escapes for the checker
 * too.
 * Each answer is the one the parsing path (tweet_parse: jansson) gives on
 * the same text: of duplicate keys the last one counts, as jansson keeps the
 * last; keys compare decoded (escapes and surrogate pairs); a pointer token
 * is read as pointer_get() reads it. Nothing is allocated but what
 * scan_string and scan_json return.
 *
 * A value is a span of the text: its type and its bytes, quotes and
 * brackets included. Only the spans on the way to a value are looked at, a
 * byte at a time, and nested values are skipped by counting brackets.
 *
 * On text the validator refused no byte outside the text is read, but the
 * answers mean nothing.
 */

#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "lib/lib.h"
#include "json/json-int.h"

/* Where whitespace ends. */
static const char *
scan_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return (p);
}

/* The end of a string that starts at p (its opening quote). */
static const char *
scan_skip_string(const char *p, const char *end)
{
	const char	*q, *b;

	p++;
	for (;;) {
		if ((q = memchr(p, '"', end - p)) == NULL)
			return (end);
		/* Escaped if an odd number of backslashes come before it. */
		for (b = q; b > p && b[-1] == '\\'; b--)
			;
		if (((q - b) & 1) == 0)
			return (q + 1);
		p = q + 1;
	}
}

/* The end of an object or array that starts at p. */
static const char *
scan_skip_nested(const char *p, const char *end)
{
	size_t	depth = 0;

	while (p < end) {
		switch (*p) {
		case '"':
			p = scan_skip_string(p, end);
			continue;
		case '{':
		case '[':
			depth++;
			break;
		case '}':
		case ']':
			if (--depth == 0)
				return (p + 1);
			break;
		}
		p++;
	}
	return (end);
}

/* The type of the value whose first byte is at p. */
enum scan_type
scan_type_at(const char *p)
{
	switch (*p) {
	case '"':
		return (SCAN_STRING);
	case '{':
		return (SCAN_OBJECT);
	case '[':
		return (SCAN_ARRAY);
	case 't':
		return (SCAN_TRUE);
	case 'f':
		return (SCAN_FALSE);
	case 'n':
		return (SCAN_NULL);
	default:
		return (SCAN_NUMBER);
	}
}

/* The value that starts at p (after any whitespace); where it ends. */
static const char *
scan_value_at(const char *p, const char *end, struct scan_value *v)
{
	const char	*q;

	v->text = p;
	if (p >= end) {
		v->type = SCAN_NONE;
		v->len = 0;
		return (end);
	}
	switch ((v->type = scan_type_at(p))) {
	case SCAN_STRING:
		q = scan_skip_string(p, end);
		break;
	case SCAN_OBJECT:
	case SCAN_ARRAY:
		q = scan_skip_nested(p, end);
		break;
	default:
		/* At least one byte: the walk always moves on. */
		for (q = p + 1; q < end && *q != ',' && *q != '}' &&
		    *q != ']' && *q != ' ' && *q != '\t' && *q != '\n' &&
		    *q != '\r'; q++)
			;
		break;
	}
	v->len = q - p;
	return (q);
}

/* The value that is the whole of a text (whitespace around it allowed). */
int
scan_root(const char *text, size_t len, struct scan_value *v)
{
	const char	*end = text + len;

	scan_value_at(scan_ws(text, end), end, v);
	return (v->type == SCAN_NONE ? -1 : 0);
}

/*
 * The object that is the whole of a checked line (one the validator
 * accepted), found from its two ends without reading what is between.
 */
int
scan_line(const char *text, size_t len, struct scan_value *v)
{
	const char	*end = text + len, *p = scan_ws(text, end);

	while (end > p && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\n' || end[-1] == '\r'))
		end--;
	v->text = p;
	v->len = end - p;
	if (v->len < 2 || *p != '{' || end[-1] != '}') {
		v->type = SCAN_NONE;
		return (-1);
	}
	v->type = SCAN_OBJECT;
	return (0);
}

/* Start walking an object or an array (anything else has nothing in it). */
void
scan_iter_init(struct scan_iter *it, const struct scan_value *v)
{
	it->object = v->type == SCAN_OBJECT;
	if ((v->type == SCAN_OBJECT || v->type == SCAN_ARRAY) && v->len >= 2) {
		it->p = v->text + 1;
		it->end = v->text + v->len - 1;	/* the closing bracket */
	} else
		it->p = it->end = v->text;
}

/*
 * The next member of an object (its key in *key, if key is not NULL) or
 * element of an array; 0 at the end. Duplicate keys come as they are
 * written: it is for the caller to let the last one count.
 */
int
scan_next(struct scan_iter *it, struct scan_value *key,
    struct scan_value *value)
{
	struct scan_value	 k;
	const char		*p;

	p = scan_ws(it->p, it->end);
	if (p < it->end && *p == ',')
		p = scan_ws(p + 1, it->end);
	if (p >= it->end) {
		it->p = it->end;
		return (0);
	}
	if (it->object) {
		p = scan_value_at(p, it->end, &k);
		if (key != NULL)
			*key = k;
		p = scan_ws(p, it->end);
		if (p < it->end && *p == ':')
			p++;
		p = scan_ws(p, it->end);
	}
	it->p = scan_value_at(p, it->end, value);
	if (value->type == SCAN_NONE)
		return (0);
	return (1);
}

/*
 * Four hex digits at p: 0 and their value, or -1 and *stop where the
 * fault shows (p if fewer than four bytes are left, else just past the
 * first byte that is not a hex digit).
 */
static int
scan_hex4(const char *p, const char *end, u_int *out, const char **stop)
{
	u_int	n = 0, i;
	u_char	c;

	if (end - p < 4) {
		*stop = p;
		return (-1);
	}
	for (i = 0; i < 4; i++) {
		c = p[i];
		n <<= 4;
		if (c >= '0' && c <= '9')
			n |= c - '0';
		else if (c >= 'a' && c <= 'f')
			n |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			n |= c - 'A' + 10;
		else {
			*stop = p + i + 1;
			return (-1);
		}
	}
	*out = n;
	return (0);
}

/*
 * Read the \u escape at p (its backslash; "\u" is there), a surrogate
 * pair as one code point: *cp, *error 0, and where the escape ends. On a
 * fault, *error is SCAN_U_HEX or SCAN_U_SURROGATE and the return is where
 * the fault shows (the checker's column); it is past p + 1 and not past
 * end. The one reader of \u for the checker and the scanner.
 */
const char *
scan_unicode(const char *p, const char *end, u_int *cp, int *error)
{
	const char	*stop;
	u_int		 lo;

	*error = SCAN_U_HEX;
	if (scan_hex4(p + 2, end, cp, &stop) != 0)
		return (stop);
	*error = SCAN_U_SURROGATE;
	if (*cp >= 0xdc00 && *cp <= 0xdfff)
		return (p + 6);
	if (*cp >= 0xd800 && *cp <= 0xdbff) {
		if (end - p < 8 || p[6] != '\\' || p[7] != 'u')
			return (p + 6);
		*error = SCAN_U_HEX;
		if (scan_hex4(p + 8, end, &lo, &stop) != 0)
			return (stop);
		*error = SCAN_U_SURROGATE;
		if (lo < 0xdc00 || lo > 0xdfff)
			return (p + 12);
		*cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
		*error = 0;
		return (p + 12);
	}
	*error = 0;
	return (p + 6);
}

/*
 * Decode one unit of a string's contents at *pp (a byte, or an escape) into
 * out (up to 4 bytes); return how many bytes, and move *pp past it. A bad
 * \u escape (never in checked text) gives -1.
 */
static ssize_t
scan_unescape(const char **pp, const char *end, char *out)
{
	const char	*p = *pp;
	u_int		 cp;
	int		 error;

	if (*p != '\\' || end - p < 2) {
		*out = *p;
		*pp = p + 1;
		return (1);
	}
	*pp = p + 2;
	switch (p[1]) {
	case 'b':
		*out = '\b';
		return (1);
	case 'f':
		*out = '\f';
		return (1);
	case 'n':
		*out = '\n';
		return (1);
	case 'r':
		*out = '\r';
		return (1);
	case 't':
		*out = '\t';
		return (1);
	case 'u':
		break;
	default:
		*out = p[1];	/* " \ / */
		return (1);
	}
	*pp = scan_unicode(p, end, &cp, &error);
	if (error != 0)
		return (-1);
	return (utf8proc_encode_char(cp, (utf8proc_uint8_t *)out));
}

/*
 * Decode a string value into buf, which has room for at least v->len bytes
 * (a string never decodes longer than its text); return the length. The
 * result may hold NUL bytes (\u0000) and is not NUL-terminated.
 */
size_t
scan_string_into(const struct scan_value *v, char *buf)
{
	const char	*p, *end, *bs;
	size_t		 n = 0;
	ssize_t		 k;

	if (v->type != SCAN_STRING || v->len < 2)
		return (0);
	p = v->text + 1;
	end = v->text + v->len - 1;	/* the closing quote */
	while (p < end) {
		if ((bs = memchr(p, '\\', end - p)) == NULL)
			bs = end;
		memcpy(buf + n, p, bs - p);
		n += bs - p;
		p = bs;
		if (p < end && (k = scan_unescape(&p, end, buf + n)) > 0)
			n += k;
	}
	return (n);
}

/*
 * A string value decoded, NUL-terminated, in memory the caller frees;
 * *lenp (if not NULL) is its length, NUL bytes within it included. NULL if
 * the value is not a string.
 */
char *
scan_string(const struct scan_value *v, size_t *lenp)
{
	char	*s;
	size_t	 n;

	if (v->type != SCAN_STRING)
		return (NULL);
	s = xmalloc(v->len);	/* at least 2: the quotes */
	n = scan_string_into(v, s);
	s[n] = '\0';
	if (lenp != NULL)
		*lenp = n;
	return (s);
}

/* Does a string value (such as a key) decode to exactly these bytes? */
int
scan_string_eq(const struct scan_value *v, const char *s, size_t n)
{
	const char	*p, *end;
	char		 u[4];
	ssize_t		 k;

	if (v->type != SCAN_STRING || v->len < 2)
		return (0);
	p = v->text + 1;
	end = v->text + v->len - 1;
	/* Most keys have no escape: their bytes are their text. */
	if ((size_t)(end - p) == n && memcmp(p, s, n) == 0)
		return (1);
	if (memchr(p, '\\', end - p) == NULL)
		return (0);
	while (p < end) {
		k = scan_unescape(&p, end, u);
		if (k < 0 || (size_t)k > n || memcmp(u, s, k) != 0)
			return (0);
		s += k;
		n -= k;
	}
	return (n == 0);
}

/* Copy a number's text into buf (or a larger allocation, in *big). */
static const char *
scan_number_text(const struct scan_value *v, char *buf, size_t size,
    char **big)
{
	char	*s = buf;

	*big = NULL;
	if (v->len >= size)
		s = *big = xmalloc(v->len + 1);
	memcpy(s, v->text, v->len);
	s[v->len] = '\0';
	return (s);
}

/*
 * A number written without fraction or exponent, as a 64-bit integer (as
 * jansson makes it a JSON integer); -1 for any other value.
 */
int
scan_integer(const struct scan_value *v, long long *out)
{
	char	 buf[32];

	if (v->type != SCAN_NUMBER || v->len == 0 || v->len >= sizeof buf ||
	    memchr(v->text, '.', v->len) != NULL ||
	    memchr(v->text, 'e', v->len) != NULL ||
	    memchr(v->text, 'E', v->len) != NULL)
		return (-1);
	memcpy(buf, v->text, v->len);
	buf[v->len] = '\0';
	*out = strtoll(buf, NULL, 10);
	return (0);
}

/* A number as a double (as strtod reads it); -1 if not a number. */
int
scan_real(const struct scan_value *v, double *out)
{
	char		 buf[64], *big;
	const char	*s;

	if (v->type != SCAN_NUMBER || v->len == 0)
		return (-1);
	s = scan_number_text(v, buf, sizeof buf, &big);
	*out = strtod(s, NULL);
	free(big);
	return (0);
}

/*
 * The value as the parsing path would have built it: a new reference,
 * NULL for SCAN_NONE. A scalar is made directly; an object or array is
 * parsed from its own text only.
 */
json_t *
scan_json(const struct scan_value *v)
{
	json_t		*j;
	long long	 ll;
	double		 d;
	char		*s;
	size_t		 n;

	switch (v->type) {
	case SCAN_STRING:
		s = scan_string(v, &n);
		j = json_stringn(s, n);	/* NULL if not UTF-8 */
		free(s);
		return (j);
	case SCAN_NUMBER:
		if (scan_integer(v, &ll) == 0)
			return (json_integer(ll));
		if (scan_real(v, &d) != 0)
			return (NULL);
		return (json_real(d));
	case SCAN_TRUE:
		return (json_true());
	case SCAN_FALSE:
		return (json_false());
	case SCAN_NULL:
		return (json_null());
	case SCAN_OBJECT:
	case SCAN_ARRAY:
		return (json_loadb(v->text, v->len, JSON_ALLOW_NUL, NULL));
	default:
		return (NULL);
	}
}

/* The member of an object with this (decoded) key; the last if repeated. */
int
scan_member(const struct scan_value *obj, const char *key, size_t keylen,
    struct scan_value *out)
{
	struct scan_iter	it;
	struct scan_value	k, v;
	int			found = 0;

	if (obj->type != SCAN_OBJECT)
		return (-1);
	scan_iter_init(&it, obj);
	while (scan_next(&it, &k, &v)) {
		if (scan_string_eq(&k, key, keylen)) {
			*out = v;
			found = 1;
		}
	}
	return (found ? 0 : -1);
}

/* The element of an array at an index. */
int
scan_index(const struct scan_value *arr, size_t idx, struct scan_value *out)
{
	struct scan_iter	it;
	struct scan_value	v;

	if (arr->type != SCAN_ARRAY)
		return (-1);
	scan_iter_init(&it, arr);
	while (scan_next(&it, NULL, &v)) {
		if (idx-- == 0) {
			*out = v;
			return (0);
		}
	}
	return (-1);
}

/*
 * The value a JSON pointer names inside v (as pointer_get() finds it in
 * the tree): 0 and *out, or -1 if there is none.
 */
int
scan_pointer(const struct scan_value *v, const char *p,
    struct scan_value *out)
{
	struct scan_value	 cur = *v;
	char			 token[POINTER_TOKEN_MAX], *end;
	size_t			 len;
	unsigned long		 idx;

	if (*p == '\0') {
		*out = cur;
		return (0);
	}
	if (*p != '/')
		return (-1);
	while (*p == '/') {
		if ((p = pointer_token(p + 1, token, sizeof token, &len)) ==
		    NULL)
			return (-1);
		if (cur.type == SCAN_OBJECT) {
			if (scan_member(&cur, token, len, &cur) != 0)
				return (-1);
		} else if (cur.type == SCAN_ARRAY) {
			if (len == 0 || (len > 1 && token[0] == '0') ||
			    token[0] < '0' || token[0] > '9')
				return (-1);
			idx = strtoul(token, &end, 10);
			if (*end != '\0')
				return (-1);
			if (scan_index(&cur, idx, &cur) != 0)
				return (-1);
		} else
			return (-1);
	}
	*out = cur;
	return (0);
}
