/*
 * What an enrichment's spec says about its requests: the headers it sends
 * (--header and header=) and the rate it keeps (rate=); whether any rate
 * is set at all.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "core.h"
#include "http/http.h"
#include "http/fetch-int.h"
#include "enrich/enrich.h"

/* Free a header list made by fetch_headers. */
void
fetch_headers_free(struct curl_slist *list)
{
	curl_slist_free_all(list);
}

/* rate=N on an enrichment: a pacer for its requests. */
int
fetch_rate(struct spec *sp, struct te_fetch_request *req, char **cause)
{
	const char	*v = spec_get(sp, "rate");
	char		*end;
	double		 n;

	if (v == NULL)
		return (0);
	errno = 0;
	n = strtod(v, &end);
	if (*v == '\0' || *end != '\0' || errno != 0 || !(n > 0 && n <= 1e7)) {
		xasprintf(cause, "%s: rate= is a number of requests a second "
		    "(more than 0), not \"%s\"", spec_name(sp), v);
		return (-1);
	}
	req->pacer = pace_rate(spec_name(sp), n);
	return (0);
}

/*
 * A header list: the --header options (if global is set: http only), then
 * an enrichment's own.
 */
struct curl_slist *
fetch_headers(struct spec *sp, int global)
{
	struct curl_slist	*list = NULL, *next;
	u_int			 i;

	for (i = 0; global && i < opts.nheaders; i++) {
		if ((next = curl_slist_append(list, opts.headers[i])) == NULL)
			fatalx("%s: out of memory", __func__);
		list = next;
	}
	for (i = 0; sp != NULL && i < spec_count(sp); i++) {
		if (strcmp(spec_key(sp, i), "header") != 0)
			continue;
		next = curl_slist_append(list, spec_value(sp, i));
		if (next == NULL)
			fatalx("%s: out of memory", __func__);
		list = next;
	}
	return (list);
}

/* Is any rate set (--host-rate, rate= on an enrichment)? */
int
fetch_paced(void)
{
	u_int	i;

	if (opts.nhost_rates > 0)
		return (1);
	for (i = 0; i < opts.nspecs; i++) {
		if (spec_get(opts.specs[i], "rate") != NULL)
			return (1);
	}
	return (0);
}
