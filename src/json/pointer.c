/*
 * JSON pointers (RFC 6901): "/a/b/0" names a value inside a tweet.
 */

#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "json/json.h"

/* Is this a syntactically valid pointer? */
int
pointer_valid(const char *p)
{
	if (*p == '\0')
		return (1);
	if (*p != '/')
		return (0);
	for (; *p != '\0'; p++) {
		if (*p == '~' && p[1] != '0' && p[1] != '1')
			return (0);
	}
	return (1);
}

/*
 * Decode one reference token into buf (of POINTER_TOKEN_MAX bytes: a longer
 * token names nothing); return its end in the pointer, or NULL.
 */
const char *
pointer_token(const char *p, char *buf, size_t size, size_t *len)
{
	size_t	n = 0;

	for (; *p != '\0' && *p != '/'; p++) {
		if (n + 1 >= size)
			return (NULL);
		if (*p == '~') {
			p++;
			if (*p == '0')
				buf[n++] = '~';
			else if (*p == '1')
				buf[n++] = '/';
			else
				return (NULL);
		} else
			buf[n++] = *p;
	}
	buf[n] = '\0';
	*len = n;
	return (p);
}

/* Find the value a pointer names, or NULL. The value is borrowed. */
json_t *
pointer_get(json_t *root, const char *p)
{
	char		 token[POINTER_TOKEN_MAX], *end;
	size_t		 len;
	unsigned long	 idx;

	if (*p == '\0')
		return (root);
	if (*p != '/')
		return (NULL);
	while (root != NULL && *p == '/') {
		p = pointer_token(p + 1, token, sizeof token, &len);
		if (p == NULL)
			return (NULL);
		if (json_is_object(root))
			root = json_object_getn(root, token, len);
		else if (json_is_array(root)) {
			if (len == 0 || (len > 1 && token[0] == '0') ||
			    token[0] < '0' || token[0] > '9')
				return (NULL);
			idx = strtoul(token, &end, 10);
			if (*end != '\0')
				return (NULL);
			root = json_array_get(root, idx);
		} else
			return (NULL);
	}
	return (root);
}

/* Find a string field; on failure set *cause to why. */
int
pointer_string(json_t *root, const char *p, const char **s, size_t *len,
    char **cause)
{
	json_t	*v;

	if ((v = pointer_get(root, p)) == NULL) {
		xasprintf(cause, "no field %s", p);
		return (-1);
	}
	if (!json_is_string(v)) {
		xasprintf(cause, "%s is not a string", p);
		return (-1);
	}
	*s = json_string_value(v);
	*len = json_string_length(v);
	return (0);
}
