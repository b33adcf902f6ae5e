/*
 * Secrets: ${NAME} in a spec value, an option or a config string is taken
 * from the environment once, at configuration time ($${ is a literal ${),
 * so that tokens stay out of argv. Every value so taken is remembered, and
 * anything we say about a request (an error, a warning, a stats line) is
 * passed through secret_mask, which replaces each one with "***".
 */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"

#define SECRET_MASK "***"

static char	**secret_values;
static u_int	  secret_nvalues;

/* Remember a value (and its percent-encoded form) to be masked. */
static void
secret_add(const char *v)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			*enc;
	size_t			 i, n;
	u_int			 k;

	if (*v == '\0')
		return;
	for (k = 0; k < secret_nvalues; k++) {
		if (strcmp(secret_values[k], v) == 0)
			return;
	}
	secret_values = xreallocarray(secret_values, secret_nvalues + 2,
	    sizeof *secret_values);
	secret_values[secret_nvalues++] = xstrdup(v);

	enc = xmalloc(strlen(v) * 3 + 1);
	for (i = n = 0; v[i] != '\0'; i++) {
		if (isalnum((u_char)v[i]) || strchr("-._~", v[i]) != NULL)
			enc[n++] = v[i];
		else {
			enc[n++] = '%';
			enc[n++] = hex[(u_char)v[i] >> 4];
			enc[n++] = hex[(u_char)v[i] & 15];
		}
	}
	enc[n] = '\0';
	if (strcmp(enc, v) != 0)
		secret_values[secret_nvalues++] = enc;
	else
		free(enc);
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

/* Does s contain a secret? */
int
secret_in(const char *s)
{
	u_int	k;

	for (k = 0; k < secret_nvalues; k++) {
		if (strstr(s, secret_values[k]) != NULL)
			return (1);
	}
	return (0);
}

/* A copy of s with every secret replaced by "***". */
char *
secret_mask(const char *s)
{
	char		*out, *tmp, *hit;
	size_t		 vlen, off;
	u_int		 k;

	out = xstrdup(s);
	for (k = 0; k < secret_nvalues; k++) {
		vlen = strlen(secret_values[k]);
		off = 0;
		while ((hit = strstr(out + off, secret_values[k])) != NULL) {
			off = hit - out;
			xasprintf(&tmp, "%.*s%s%s", (int)off, out, SECRET_MASK,
			    hit + vlen);
			free(out);
			out = tmp;
			off += strlen(SECRET_MASK);
		}
	}
	return (out);
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
	secret_values = NULL;
	secret_nvalues = 0;
}
