/*
 * Redirect targets: a Location header made into the absolute URL to go to
 * next, the way curl itself follows one (raw spaces and bytes outside ASCII
 * percent-encoded), bounded in length and without any user:password, so a
 * server can neither make us send credentials nor have them shown. Also
 * whether two URLs share an origin (scheme, host, port): a redirect that
 * leaves its origin drops the request's headers.
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "lib/lib.h"
#include "http/http.h"

/* Is s valid UTF-8 (so that it makes a JSON string)? */
static int
location_utf8(const char *s)
{
	const u_char	*p = (const u_char *)s;
	u_int		 need, c, min;

	while (*p != '\0') {
		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0) {
			need = 1;
			c = *p & 0x1f;
			min = 0x80;
		} else if ((*p & 0xf0) == 0xe0) {
			need = 2;
			c = *p & 0x0f;
			min = 0x800;
		} else if ((*p & 0xf8) == 0xf0) {
			need = 3;
			c = *p & 0x07;
			min = 0x10000;
		} else
			return (0);
		for (p++; need > 0; need--, p++) {
			if ((*p & 0xc0) != 0x80)
				return (0);
			c = c << 6 | (*p & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return (0);
	}
	return (1);
}

/* Take user, password and login options out of a parsed URL. */
static void
location_drop_userinfo(CURLU *u)
{
	curl_url_set(u, CURLUPART_USER, NULL, 0);
	curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
	curl_url_set(u, CURLUPART_OPTIONS, NULL, 0);
}

/* The URL of a parsed handle as our own string; NULL if not UTF-8. */
static char *
location_get(CURLU *u)
{
	char	*s, *out = NULL;

	if (curl_url_get(u, CURLUPART_URL, &s, 0) != CURLUE_OK)
		return (NULL);
	if (location_utf8(s))
		out = xstrdup(s);
	curl_free(s);
	return (out);
}

/*
 * Resolve a Location against the URL it came from, as curl would follow
 * it, without userinfo. NULL with *cause if it is too long or not a URL.
 */
char *
location_resolve(const char *base, const char *location, char **cause)
{
	CURLU	*u;
	char	*out = NULL;

	if (strlen(location) > LOCATION_MAX) {
		xasprintf(cause, "redirect Location longer than %d bytes",
		    LOCATION_MAX);
		return (NULL);
	}
	if ((u = curl_url()) == NULL)
		fatalx("%s: out of memory", __func__);
	if (curl_url_set(u, CURLUPART_URL, base, CURLU_NON_SUPPORT_SCHEME) ==
	    CURLUE_OK && curl_url_set(u, CURLUPART_URL, location,
	    CURLU_NON_SUPPORT_SCHEME|CURLU_URLENCODE|CURLU_ALLOW_SPACE) ==
	    CURLUE_OK) {
		location_drop_userinfo(u);
		out = location_get(u);
	}
	curl_url_cleanup(u);
	if (out == NULL)
		xasprintf(cause, "redirect to a Location that is not a URL");
	return (out);
}

/* Has a parsed URL a user, a password or login options? */
static int
location_has_userinfo(CURLU *u)
{
	static const CURLUPart	 parts[] = {
		CURLUPART_USER, CURLUPART_PASSWORD, CURLUPART_OPTIONS
	};
	char			*s;
	u_int			 i;

	for (i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		if (curl_url_get(u, parts[i], &s, 0) == CURLUE_OK) {
			curl_free(s);
			return (1);
		}
	}
	return (0);
}

/*
 * A URL without its userinfo; NULL if it is not a URL. One without any is
 * given back byte for byte, as the data has it (curl would add a "/" path).
 */
char *
location_strip_userinfo(const char *url)
{
	CURLU	*u;
	char	*out = NULL;

	if ((u = curl_url()) == NULL)
		fatalx("%s: out of memory", __func__);
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) ==
	    CURLUE_OK) {
		if (!location_has_userinfo(u) && location_utf8(url))
			out = xstrdup(url);
		else {
			location_drop_userinfo(u);
			out = location_get(u);
		}
	}
	curl_url_cleanup(u);
	return (out);
}

/* The user[:password] of a URL (what curl would send as Basic
 * credentials), allocated; NULL if none. */
char *
location_userinfo(const char *url)
{
	CURLU	*u;
	char	*user = NULL, *pass = NULL, *out = NULL;

	if ((u = curl_url()) == NULL)
		fatalx("%s: out of memory", __func__);
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) ==
	    CURLUE_OK && curl_url_get(u, CURLUPART_USER, &user, 0) ==
	    CURLUE_OK) {
		if (curl_url_get(u, CURLUPART_PASSWORD, &pass, 0) != CURLUE_OK)
			pass = NULL;
		xasprintf(&out, "%s:%s", user, pass != NULL ? pass : "");
	}
	curl_free(user);
	curl_free(pass);
	curl_url_cleanup(u);
	return (out);
}

/* A string in lower case (ASCII letters only), in place. */
static void
location_lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (*s >= 'A' && *s <= 'Z') ? *s + 32 : *s;
}

/*
 * The one reading of a URL's host: scheme, host (lower case, as a URL
 * writes it: IPv6 in brackets, an IPv4 address in its dotted form) and
 * port (the scheme's default if none is written), each allocated by curl;
 * scheme may be NULL. -1 if the URL has none.
 */
static int
location_origin(const char *url, char **scheme, char **host, char **port)
{
	CURLU	*u;
	int	 r = -1;

	if (scheme != NULL)
		*scheme = NULL;
	*host = *port = NULL;
	if ((u = curl_url()) == NULL)
		fatalx("%s: out of memory", __func__);
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) !=
	    CURLUE_OK)
		goto out;
	if ((scheme != NULL &&
	    curl_url_get(u, CURLUPART_SCHEME, scheme, 0) != CURLUE_OK) ||
	    curl_url_get(u, CURLUPART_HOST, host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, port, CURLU_DEFAULT_PORT) !=
	    CURLUE_OK)
		goto out;
	if (scheme != NULL)
		location_lower(*scheme);
	location_lower(*host);
	r = 0;
out:
	if (r != 0) {
		if (scheme != NULL) {
			curl_free(*scheme);
			*scheme = NULL;
		}
		curl_free(*host);
		curl_free(*port);
		*host = *port = NULL;
	}
	curl_url_cleanup(u);
	return (r);
}

/* Do two URLs have the same scheme, host and port? */
int
location_same_origin(const char *a, const char *b)
{
	char	*s1, *h1, *p1, *s2 = NULL, *h2 = NULL, *p2 = NULL;
	int	 same;

	same = location_origin(a, &s1, &h1, &p1) == 0 &&
	    location_origin(b, &s2, &h2, &p2) == 0 &&
	    strcmp(s1, s2) == 0 && strcmp(h1, h2) == 0 && strcmp(p1, p2) == 0;
	curl_free(s1);
	curl_free(h1);
	curl_free(p1);
	curl_free(s2);
	curl_free(h2);
	curl_free(p2);
	return (same);
}

/*
 * The host (lower case, as a URL writes it: IPv6 in brackets) and port (the
 * scheme's default if none) of a URL, allocated; port may be NULL. -1 if
 * none. Pacing, quotas, redirects, proxies and unshorten's hosts= all ask
 * here, so https://a.com and https://A.com:443 are one host everywhere.
 */
int
location_host_port(const char *url, char **host, char **port)
{
	char	*h, *p;

	*host = NULL;
	if (port != NULL)
		*port = NULL;
	if (location_origin(url, NULL, &h, &p) != 0)
		return (-1);
	*host = xstrdup(h);
	if (port != NULL)
		*port = xstrdup(p);
	curl_free(h);
	curl_free(p);
	return (0);
}
