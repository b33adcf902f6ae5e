/*
 * Redirects of a request that follows them (FETCH_FOLLOW), one hop at a
 * time on the same entry: where a response says to go, whether we go, and
 * what the next hop sends.
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/lib.h"
#include "core.h"
#include "http/http.h"
#include "http/fetch-int.h"

/* Resolve a Location against the URL it came from; NULL if it cannot be. */
char *
fetch_resolve(const char *base, const char *location)
{
	char	*cause = NULL, *out;

	out = location_resolve(base, location, &cause);
	free(cause);
	return (out);
}

/* Is this a status that redirects (and must say where to)? */
int
fetch_is_redirect(long status)
{
	return (status == 301 || status == 302 || status == 303 ||
	    status == 307 || status == 308);
}

/*
 * The absolute target of a redirect response, or why there is none (curl
 * has no redirect URL for a transfer stopped early, as FETCH_NO_BODY does:
 * the header is read here).
 */
int
fetch_location(struct fetch_entry *fe, char **url, char **error)
{
	const char	*loc = fetch_header(fe, "Location");

	if (loc != NULL && strlen(loc) > LOCATION_MAX)
		xasprintf(error, "redirect Location longer than %d bytes",
		    LOCATION_MAX);
	else if (loc == NULL)
		xasprintf(error, "redirect without a Location");
	else
		*url = location_resolve(fetch_cur_url(fe), loc, error);
	if (*error != NULL) {
		stats.http_failures++;
		stats.http_fail_other++;
		return (-1);
	}
	return (0);
}

/*
 * Follow a redirect on the same entry (FETCH_FOLLOW): 1 if the entry is
 * set for the next hop (the caller starts its transfer). Done here rather than by curl so that every hop off the
 * template's origin meets the destination policy and carries no headers,
 * and no Location can make us send credentials.
 */
int
fetch_redirect(struct fetch_entry *fe, long status)
{
	char	*next = NULL;

	if (!(fe->req->flags & FETCH_FOLLOW) || !fetch_is_redirect(status))
		return (0);
	if (fetch_location(fe, &next, &fe->res.error) != 0)
		return (0);
	if (strncasecmp(next, "http://", 7) != 0 &&
	    strncasecmp(next, "https://", 8) != 0) {
		xasprintf(&fe->res.error, "redirect to a URL that is not http "
		    "or https");
		goto fail;
	}
	if (fe->redirects == FETCH_MAX_REDIRECTS) {
		xasprintf(&fe->res.error, "more than %d redirects",
		    FETCH_MAX_REDIRECTS);
		goto fail;
	}
	if (strlen(next) > FETCH_MAX_URL) {
		xasprintf(&fe->res.error, "redirect to a URL longer than %d "
		    "bytes", FETCH_MAX_URL);
		goto fail;
	}
	fe->redirects++;
	if (!location_same_origin(fe->url, next))
		fe->cross = 1;
	if (status == 303 || ((status == 301 || status == 302) &&
	    strcmp(fe->req->method, "POST") == 0))
		fe->as_get = 1;
	free(fe->hop_url);
	fe->hop_url = next;
	free(fe->pace_key);
	fe->pace_key = NULL;
	fe->pace_known = 0;
	fe->dest_checked = 0;
	fe->attempts = 0;
	fe->res.len = 0;
	fe->too_big = fe->got_headers = 0;
	return (1);

fail:
	stats.http_failures++;
	stats.http_fail_other++;
	free(next);
	return (0);
}
