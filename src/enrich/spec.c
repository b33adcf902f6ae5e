/*
 * Enrichment specs: NAME[:KEY=VALUE[,KEY=VALUE]...] from -e, where "\," is a
 * literal comma and "\\" a literal backslash; or the same as a JSON object
 * from a config file.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "enrich/enrich.h"

struct spec_kv {
	char	*key;
	char	*value;
	char	*secret;	/* the first ${NAME} in the value as given */
};

struct spec {
	char		*name;
	struct spec_kv	*kv;
	u_int		 n;
};

/* Add a pair: its key, its expanded value and the ${NAME} it named. */
static void
spec_add(struct spec *sp, char *key, char *value, char *secret)
{
	sp->kv = xreallocarray(sp->kv, sp->n + 1, sizeof *sp->kv);
	sp->kv[sp->n].key = key;
	sp->kv[sp->n].value = value;
	sp->kv[sp->n].secret = secret;
	sp->n++;
}

static int
spec_check_name(const char *name, char **cause)
{
	const char	*p;

	if (*name == '\0') {
		xasprintf(cause, "empty enricher name");
		return (-1);
	}
	for (p = name; *p != '\0'; p++) {
		if ((*p < 'a' || *p > 'z') && (*p < 'A' || *p > 'Z') &&
		    (*p < '0' || *p > '9') && *p != '_' && *p != '-') {
			xasprintf(cause, "bad enricher name: %s", name);
			return (-1);
		}
	}
	return (0);
}

/* Parse a spec string. */
struct spec *
spec_parse(const char *s, char **cause)
{
	struct spec	*sp;
	const char	*colon;
	char		*item, *eq, *value, *why;
	size_t		 n;

	sp = xcalloc(1, sizeof *sp);
	colon = strchr(s, ':');
	sp->name = colon == NULL ? xstrdup(s) : xstrndup(s, colon - s);
	if (spec_check_name(sp->name, cause) != 0)
		goto fail;
	if (colon == NULL)
		return (sp);

	s = colon + 1;
	item = xmalloc(strlen(s) + 1);
	for (;;) {
		n = 0;
		while (*s != '\0' && *s != ',') {
			if (*s == '\\' && (s[1] == ',' || s[1] == '\\'))
				s++;
			item[n++] = *s++;
		}
		item[n] = '\0';
		if ((eq = strchr(item, '=')) == NULL || eq == item) {
			xasprintf(cause, "%s: expected KEY=VALUE, not \"%s\"",
			    sp->name, item);
			free(item);
			goto fail;
		}
		if (secret_expand(eq + 1, &value, &why) != 0) {
			xasprintf(cause, "%s: %.*s: %s", sp->name,
			    (int)(eq - item), item, why);
			free(why);
			free(item);
			goto fail;
		}
		spec_add(sp, xstrndup(item, eq - item), value,
		    secret_reference(eq + 1));
		if (*s == '\0')
			break;
		s++;
	}
	free(item);
	return (sp);

fail:
	spec_free(sp);
	return (NULL);
}

/* Add key with *s expanded (${NAME}); *s is freed either way. */
static int
spec_expand(struct spec *sp, const char *key, char *s, char **cause)
{
	char	*out, *why;

	if (secret_expand(s, &out, &why) != 0) {
		xasprintf(cause, "%s: %s: %s", sp->name, key, why);
		free(why);
		free(s);
		return (-1);
	}
	spec_add(sp, xstrdup(key), out, secret_reference(s));
	free(s);
	return (0);
}

/* A JSON scalar as option text ("true", "12", ...), or NULL. */
char *
spec_scalar(json_t *v)
{
	char	*s;

	if (json_is_string(v))
		return (xstrdup(json_string_value(v)));
	if (json_is_true(v))
		return (xstrdup("true"));
	if (json_is_false(v))
		return (xstrdup("false"));
	if (json_is_integer(v)) {
		xasprintf(&s, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return (s);
	}
	if (json_is_real(v)) {
		xasprintf(&s, "%.17g", json_real_value(v));
		return (s);
	}
	return (NULL);
}

/*
 * A spec from JSON: a spec string, or an object with "name" and the keys as
 * members (a member may be an array to repeat a key, as for "header").
 */
struct spec *
spec_from_json(json_t *obj, char **cause)
{
	struct spec	*sp;
	json_t		*name, *v, *item;
	const char	*key;
	char		*s;
	size_t		 i;

	if (json_is_string(obj))
		return (spec_parse(json_string_value(obj), cause));
	if (!json_is_object(obj)) {
		xasprintf(cause, "an enrichment is a string or an object");
		return (NULL);
	}
	name = json_object_get(obj, "name");
	if (!json_is_string(name)) {
		xasprintf(cause, "an enrichment object needs a \"name\"");
		return (NULL);
	}
	sp = xcalloc(1, sizeof *sp);
	sp->name = xstrdup(json_string_value(name));
	if (spec_check_name(sp->name, cause) != 0)
		goto fail;
	json_object_foreach(obj, key, v) {
		if (strcmp(key, "name") == 0)
			continue;
		if (json_is_array(v)) {
			json_array_foreach(v, i, item) {
				if ((s = spec_scalar(item)) == NULL)
					goto bad;
				if (spec_expand(sp, key, s, cause) != 0)
					goto fail;
			}
			continue;
		}
		if ((s = spec_scalar(v)) == NULL)
			goto bad;
		if (spec_expand(sp, key, s, cause) != 0)
			goto fail;
	}
	return (sp);

bad:
	xasprintf(cause, "%s: bad value for %s", sp->name, key);
fail:
	spec_free(sp);
	return (NULL);
}

/* Free a spec. */
void
spec_free(struct spec *sp)
{
	u_int	i;

	if (sp == NULL)
		return;
	for (i = 0; i < sp->n; i++) {
		free(sp->kv[i].key);
		free(sp->kv[i].value);
		free(sp->kv[i].secret);
	}
	free(sp->kv);
	free(sp->name);
	free(sp);
}

/* The enricher name. */
const char *
spec_name(struct spec *sp)
{
	return (sp->name);
}

/* How many KEY=VALUE pairs. */
u_int
spec_count(struct spec *sp)
{
	return (sp->n);
}

/* The key of pair i. */
const char *
spec_key(struct spec *sp, u_int i)
{
	return (sp->kv[i].key);
}

/* The value of pair i. */
const char *
spec_value(struct spec *sp, u_int i)
{
	return (sp->kv[i].value);
}

/* The last value given for a key, or NULL. */
const char *
spec_get(struct spec *sp, const char *key)
{
	u_int	i;

	for (i = sp->n; i > 0; i--) {
		if (strcmp(sp->kv[i - 1].key, key) == 0)
			return (sp->kv[i - 1].value);
	}
	return (NULL);
}

/*
 * The first ${NAME} that the last value given for a key named, or NULL: for
 * keys whose value must not hold a secret.
 */
const char *
spec_get_secret(struct spec *sp, const char *key)
{
	u_int	i;

	for (i = sp->n; i > 0; i--) {
		if (strcmp(sp->kv[i - 1].key, key) == 0)
			return (sp->kv[i - 1].secret);
	}
	return (NULL);
}

/* A whole number for a key within [min, max], or the default when absent. */
int
spec_get_number(struct spec *sp, const char *key, long long min,
    long long max, long long dflt, long long *out, char **cause)
{
	const char	*v;
	char		*end;
	long long	 n;

	if ((v = spec_get(sp, key)) == NULL) {
		*out = dflt;
		return (0);
	}
	errno = 0;
	n = strtoll(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || n < min || n > max) {
		xasprintf(cause, "%s: %s must be a whole number from %lld to "
		    "%lld, not \"%s\"", sp->name, key, min, max, v);
		return (-1);
	}
	*out = n;
	return (0);
}
