/*
 * Raw JSON text: find members and values in text already known to be valid
 * JSON, without building anything, so that an input can be edited in place
 * (merging enrichments) and copied byte for byte. Offsets are into the text.
 */

#include <string.h>

#include "json/json.h"

/* Skip white space from i. */
size_t
rawjson_ws(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
	    s[i] == '\r'))
		i++;
	return (i);
}

/* Skip the string that opens at i; return the offset after its quote. */
static size_t
rawjson_string_end(const char *s, size_t len, size_t i)
{
	const char	*q;
	size_t		 b;

	/* The next quote not escaped: an even run of backslashes before. */
	for (i++; i < len; i = q - s + 1) {
		if ((q = memchr(s + i, '"', len - i)) == NULL)
			break;
		for (b = 0; q - b > s + i && q[-1 - (ssize_t)b] == '\\'; b++)
			;
		if (b % 2 == 0)
			return (q - s + 1);
	}
	return (len);
}

/* Skip the value that starts at i (after white space); return its end. */
size_t
rawjson_skip(const char *s, size_t len, size_t i)
{
	size_t	depth = 0;

	i = rawjson_ws(s, len, i);
	if (i >= len)
		return (len);
	if (s[i] == '"')
		return (rawjson_string_end(s, len, i));
	if (s[i] != '{' && s[i] != '[') {
		while (i < len && strchr(",]} \t\r\n", s[i]) == NULL)
			i++;
		return (i);
	}
	while (i < len) {
		switch (s[i]) {
		case '"':
			i = rawjson_string_end(s, len, i);
			continue;
		case '{':
		case '[':
			depth++;
			break;
		case '}':
		case ']':
			if (--depth == 0)
				return (i + 1);
			break;
		}
		i++;
	}
	return (len);
}

static int
rawjson_hex4(const char *s, size_t len, size_t i, u_int *out)
{
	u_int	n = 0, k;
	char	c;

	if (i + 4 > len)
		return (-1);
	for (k = 0; k < 4; k++) {
		c = s[i + k];
		n <<= 4;
		if (c >= '0' && c <= '9')
			n |= c - '0';
		else if (c >= 'a' && c <= 'f')
			n |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			n |= c - 'A' + 10;
		else
			return (-1);
	}
	*out = n;
	return (0);
}

/*
 * Decode the string that opens at i into buf (UTF-8, at most size bytes);
 * return its decoded length, or -1 if it does not fit.
 */
ssize_t
rawjson_decode(const char *s, size_t len, size_t i, char *buf, size_t size)
{
	size_t	n = 0;
	u_int	cp, lo;
	char	c, enc[4];
	size_t	k, m;

	for (i++; i < len && s[i] != '"'; i++) {
		c = s[i];
		if (c != '\\') {
			if (n == size)
				return (-1);
			buf[n++] = c;
			continue;
		}
		if (++i >= len)
			return (-1);
		switch (c = s[i]) {
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		case 'u':
			if (rawjson_hex4(s, len, i + 1, &cp) != 0)
				return (-1);
			i += 4;
			if (cp >= 0xd800 && cp <= 0xdbff && i + 6 < len &&
			    s[i + 1] == '\\' && s[i + 2] == 'u' &&
			    rawjson_hex4(s, len, i + 3, &lo) == 0) {
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
				i += 6;
			}
			if (cp < 0x80) {
				enc[0] = cp;
				m = 1;
			} else if (cp < 0x800) {
				enc[0] = 0xc0 | (cp >> 6);
				enc[1] = 0x80 | (cp & 0x3f);
				m = 2;
			} else if (cp < 0x10000) {
				enc[0] = 0xe0 | (cp >> 12);
				enc[1] = 0x80 | ((cp >> 6) & 0x3f);
				enc[2] = 0x80 | (cp & 0x3f);
				m = 3;
			} else {
				enc[0] = 0xf0 | (cp >> 18);
				enc[1] = 0x80 | ((cp >> 12) & 0x3f);
				enc[2] = 0x80 | ((cp >> 6) & 0x3f);
				enc[3] = 0x80 | (cp & 0x3f);
				m = 4;
			}
			if (n + m > size)
				return (-1);
			for (k = 0; k < m; k++)
				buf[n++] = enc[k];
			continue;
		}
		if (n == size)
			return (-1);
		buf[n++] = c;
	}
	return (n);
}

/* Is the string that opens at i equal to name once decoded? */
int
rawjson_key_is(const char *s, size_t len, size_t i, const char *name)
{
	char	buf[256];
	ssize_t	n;
	size_t	want = strlen(name);

	if (want > sizeof buf)
		return (0);
	n = rawjson_decode(s, len, i, buf, sizeof buf);
	return (n >= 0 && (size_t)n == want && memcmp(buf, name, want) == 0);
}

/* Start reading the members of the object at i; -1 if it is no object. */
int
rawjson_open(const char *s, size_t len, size_t i, size_t *pos)
{
	i = rawjson_ws(s, len, i);
	if (i >= len || s[i] != '{')
		return (-1);
	*pos = rawjson_ws(s, len, i + 1);
	return (0);
}

/*
 * Read the next member at *pos into m; 0 at the end of the object, where
 * *pos is then the offset of its closing brace.
 */
int
rawjson_next(const char *s, size_t len, size_t *pos, struct rawjson_member *m)
{
	size_t	i = *pos;

	if (i >= len || s[i] != '"')
		return (0);
	m->key = i;
	i = rawjson_ws(s, len, rawjson_string_end(s, len, i));
	m->value = rawjson_ws(s, len, i + 1);
	m->end = rawjson_skip(s, len, m->value);
	i = rawjson_ws(s, len, m->end);
	if (i < len && s[i] == ',')
		i = rawjson_ws(s, len, i + 1);
	*pos = i;
	return (1);
}
