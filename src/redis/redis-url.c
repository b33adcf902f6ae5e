/*
 * The redis:// URLs of --from, --to and --cache-url, read by libcurl's URL
 * API: redis://[[USER]:PASS@]HOST[:PORT][/DB][/KEY][?K=V&...]. What curl
 * takes leniently is refused here: no host (redis:///s, which curl reads
 * as host "s"), port 0, a fragment. A password never appears in a message.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "lib/lib.h"
#include "redis/redis-int.h"

/* Longest database number, in digits (Redis has 16 by default). */
#define REDIS_URL_DB_DIGITS 6

/* Free a parsed URL. */
void
redis_url_free(struct redis_url *u)
{
	u_int	i;

	if (u == NULL)
		return;
	free(u->host);
	free(u->user);
	free(u->pass);
	free(u->key);
	for (i = 0; i < u->nparams; i++) {
		free(u->params[i].key);
		free(u->params[i].value);
	}
	free(u->params);
	free(u);
}

/*
 * A URL for messages: the password, or a secret given alone
 * (redis://SECRET@HOST), as ***. Up to the last @, whatever the URL
 * looks like, so that not even a malformed one shows a password.
 */
char *
redis_url_mask(const char *s)
{
	const char	*auth, *at, *colon;
	char		*out;

	if ((auth = strstr(s, "://")) == NULL || (at = strrchr(s, '@')) ==
	    NULL || at < auth)
		return (xstrdup(s));
	auth += 3;
	if ((colon = memchr(auth, ':', at - auth)) != NULL)
		auth = colon + 1;
	xasprintf(&out, "%.*s***%s", (int)(auth - s), s, at);
	return (out);
}

/* Decode %XX escapes of len bytes: NULL if they decode to a NUL. */
static char *
redis_url_decode(const char *s, size_t len)
{
	char	*d, *out;
	int	 n;

	if ((d = curl_easy_unescape(NULL, s, (int)len, &n)) == NULL)
		fatalx("%s: out of memory", __func__);
	out = memchr(d, '\0', n) == NULL ? xstrdup(d) : NULL;
	curl_free(d);
	return (out);
}

/* A part of a URL as a string of ours, or NULL if it has none. */
static char *
redis_url_part(CURLU *h, CURLUPart what, u_int flags, CURLUcode *rc)
{
	char	*v, *out;

	*rc = curl_url_get(h, what, &v, flags);
	if (*rc != CURLUE_OK)
		return (NULL);
	out = xstrdup(v);
	curl_free(v);
	return (out);
}

/* Host, port, user and password; NULL or why not. */
static const char *
redis_url_authority(CURLU *h, struct redis_url *u)
{
	CURLUcode	 rc;
	char		*v, *zone;
	size_t		 len;

	if ((v = redis_url_part(h, CURLUPART_HOST, 0, &rc)) == NULL)
		return ("no host");
	len = strlen(v);
	if (len > 2 && v[0] == '[' && v[len - 1] == ']') {
		/* An IPv6 address, with its zone if any. */
		v[len - 1] = '\0';
		zone = redis_url_part(h, CURLUPART_ZONEID, 0, &rc);
		if (zone != NULL)
			xasprintf(&u->host, "%s%%%s", v + 1, zone);
		else
			u->host = xstrdup(v + 1);
		free(zone);
		free(v);
	} else
		u->host = v;
	if ((v = redis_url_part(h, CURLUPART_PORT, 0, &rc)) != NULL) {
		/* curl took only digits, 0 to 65535. */
		u->port = atoi(v);
		free(v);
		if (u->port == 0)
			return ("port 0");
	}
	u->user = redis_url_part(h, CURLUPART_USER, CURLU_URLDECODE, &rc);
	if (rc != CURLUE_OK && rc != CURLUE_NO_USER)
		return (curl_url_strerror(rc));
	u->pass = redis_url_part(h, CURLUPART_PASSWORD, CURLU_URLDECODE, &rc);
	if (rc != CURLUE_OK && rc != CURLUE_NO_PASSWORD)
		return (curl_url_strerror(rc));
	if (u->user != NULL && *u->user == '\0') {
		free(u->user);
		u->user = NULL;
	}
	if (u->pass == NULL && u->user != NULL) {
		/* redis://secret@host: a password alone. */
		u->pass = u->user;
		u->user = NULL;
	}
	return (NULL);
}

/*
 * The path: /DB, /KEY or /DB/KEY. A single segment of digits is the
 * database unless with_key says the last segment is a key. Each segment is
 * decoded on its own, so that %2F is a slash within a key.
 */
static const char *
redis_url_path(CURLU *h, struct redis_url *u, int with_key)
{
	CURLUcode	 rc;
	char		*path, *seg, *next;
	size_t		 n;

	if ((path = redis_url_part(h, CURLUPART_PATH, 0, &rc)) == NULL)
		return (NULL);
	seg = path[0] == '/' ? path + 1 : path;
	if ((next = strchr(seg, '/')) != NULL)
		*next++ = '\0';
	n = strspn(seg, "0123456789");
	if (n > 0 && n <= REDIS_URL_DB_DIGITS && seg[n] == '\0' &&
	    (next != NULL || !with_key)) {
		u->db = atoi(seg);
		seg = next;
	} else if (next != NULL && *next != '\0') {
		free(path);
		return ("too many path segments");
	}
	if (seg != NULL && *seg != '\0') {
		if (!with_key || strchr(seg, '/') != NULL ||
		    (u->key = redis_url_decode(seg, strlen(seg))) == NULL) {
			free(path);
			return ("bad path");
		}
	}
	free(path);
	return (NULL);
}

/* The query, K=V&...: each key and value decoded on its own. */
static const char *
redis_url_query(CURLU *h, struct redis_url *u)
{
	struct redis_param	*p;
	CURLUcode		 rc;
	char			*query, *kv, *next, *eq;

	if ((query = redis_url_part(h, CURLUPART_QUERY, 0, &rc)) == NULL)
		return (NULL);
	for (kv = query; kv != NULL; kv = next) {
		if ((next = strchr(kv, '&')) != NULL)
			*next++ = '\0';
		if (*kv == '\0')
			continue;
		if ((eq = strchr(kv, '=')) == NULL) {
			free(query);
			return ("a parameter without a value");
		}
		u->params = xreallocarray(u->params, u->nparams + 1,
		    sizeof *u->params);
		p = &u->params[u->nparams++];
		p->key = redis_url_decode(kv, eq - kv);
		p->value = redis_url_decode(eq + 1, strlen(eq + 1));
		if (p->key == NULL || p->value == NULL) {
			free(query);
			return ("a NUL in a parameter");
		}
	}
	free(query);
	return (NULL);
}

/*
 * Parse redis://[[USER]:PASS@]HOST[:PORT][/DB][/KEY][?K=V&...]; with_key
 * says a key (the stream) is required. NULL with *cause on error.
 */
struct redis_url *
redis_url_parse(const char *s, int with_key, char **cause)
{
	struct redis_url	*u;
	CURLU			*h;
	CURLUcode		 rc;
	const char		*why = NULL;
	char			*masked, *v;

	u = xcalloc(1, sizeof *u);
	u->port = 6379;
	if ((h = curl_url()) == NULL)
		fatalx("%s: out of memory", __func__);
	if (strncmp(s, "redis://", 8) != 0)
		why = "not a redis:// URL";
	else if (strchr("/?#", s[8]) != NULL)
		why = "no host";
	else if ((rc = curl_url_set(h, CURLUPART_URL, s,
	    CURLU_NON_SUPPORT_SCHEME)) != CURLUE_OK)
		why = curl_url_strerror(rc);
	else if ((v = redis_url_part(h, CURLUPART_FRAGMENT, 0, &rc)) != NULL) {
		free(v);
		why = "a fragment (#)";
	} else if ((why = redis_url_authority(h, u)) == NULL &&
	    (why = redis_url_path(h, u, with_key)) == NULL)
		why = redis_url_query(h, u);
	curl_url_cleanup(h);
	masked = redis_url_mask(s);
	if (why == NULL && with_key && u->key == NULL)
		xasprintf(cause, "%s: no stream name (redis://HOST[:PORT]"
		    "[/DB]/STREAM)", masked);
	else if (why != NULL)
		xasprintf(cause, "bad redis URL \"%s\": %s", masked, why);
	free(masked);
	if (why != NULL || (with_key && u->key == NULL)) {
		redis_url_free(u);
		return (NULL);
	}
	return (u);
}

/* A query parameter of a URL, or NULL. */
const char *
redis_url_param(struct redis_url *u, const char *key)
{
	u_int	i;

	for (i = 0; i < u->nparams; i++) {
		if (strcmp(u->params[i].key, key) == 0)
			return (u->params[i].value);
	}
	return (NULL);
}

/* A yes/no parameter (yes, 1, true; no, 0, false): 1, or 0 if absent. */
int
redis_url_flag(struct redis_url *u, const char *what, const char *key,
    char **cause)
{
	const char	*v;

	if ((v = redis_url_param(u, key)) == NULL || strcmp(v, "no") == 0 ||
	    strcmp(v, "0") == 0 || strcmp(v, "false") == 0)
		return (0);
	if (strcmp(v, "yes") == 0 || strcmp(v, "1") == 0 ||
	    strcmp(v, "true") == 0)
		return (1);
	xasprintf(cause, "%s: %s is yes or no, not \"%s\"", what, key, v);
	return (-1);
}

/* A parameter that is a number from 1 to max: 0 if absent, -1 if bad. */
long long
redis_url_number(struct redis_url *u, const char *what, const char *key,
    long long max, char **cause)
{
	const char	*v;
	char		*end;
	long long	 n;

	if ((v = redis_url_param(u, key)) == NULL)
		return (0);
	errno = 0;
	n = strtoll(v, &end, 10);
	if (*v < '0' || *v > '9' || *end != '\0' || errno != 0 || n < 1 ||
	    n > max) {
		xasprintf(cause, "%s: %s is a number from 1 to %lld, not "
		    "\"%s\"", what, key, max, v);
		return (-1);
	}
	return (n);
}

/* Refuse parameters other than those listed (NULL-terminated). */
int
redis_url_check(struct redis_url *u, const char *what,
    const char *const *known, char **cause)
{
	u_int	i, k;

	for (i = 0; i < u->nparams; i++) {
		for (k = 0; known[k] != NULL; k++) {
			if (strcmp(u->params[i].key, known[k]) == 0)
				break;
		}
		if (known[k] == NULL) {
			xasprintf(cause, "%s: unknown URL parameter \"%s\"",
			    what, u->params[i].key);
			return (-1);
		}
	}
	return (0);
}

/* Do two URLs name the same server and database? */
int
redis_url_same_server(struct redis_url *a, struct redis_url *b)
{
	return (strcmp(a->host, b->host) == 0 && a->port == b->port &&
	    a->db == b->db);
}
