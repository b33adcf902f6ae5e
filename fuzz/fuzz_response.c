/*
 * libFuzzer: what a server can send back. The input's first byte picks the
 * status; then a Location header value, a NUL, and the body. Exercises the
 * http enricher's value (JSON, selected part, or text), error excerpts,
 * Location resolution, and the tweet model's links (entities or text) of
 * the body as a tweet. The enrichers' own functions are reached by
 * including their source here (fuzz/run.sh then leaves those files out of
 * the link), so nothing of theirs is exported for the fuzzer's sake; their
 * te is the enricher contract's table, as their entry points set it.
 */

#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "tweet/tweet.h"
#include "http/http.h"
#include "enrich/enrich.h"

#include "../enrichers/http.c"
#include "../enrichers/unshorten.c"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct te_fetch_result	 res;
	const uint8_t		*nul;
	char			*loc, *abs, *cause = NULL, excerpt[200];
	char			 why[256];
	struct model		*m;
	json_t			*v;
	u_int			 i, n;

	if (size < 1 || (nul = memchr(data + 1, '\0', size - 1)) == NULL)
		return (0);
	te = &api_table;	/* the enrichers' table, as registering sets it */
	memset(&res, 0, sizeof res);
	res.status = 100 + data[0] * 2;
	loc = xstrndup((const char *)data + 1, nul - data - 1);
	res.body = (const char *)nul + 1;
	res.len = size - (nul - data) - 1;

	fetch_excerpt(&res, excerpt, sizeof excerpt);
	if (strlen(excerpt) >= sizeof excerpt)
		abort();
	if ((abs = fetch_resolve("http://127.0.0.1:8080/a/b?c", loc)) != NULL)
		free(abs);
	if ((v = http_value(NULL, &res, &cause)) != NULL)
		json_decref(v);
	else
		free(cause);
	cause = NULL;
	if ((v = http_value("/a/0", &res, &cause)) != NULL)
		json_decref(v);
	else
		free(cause);

	/* A body that is a tweet: its model, read from the text. */
	if (validate_tweet(res.body, res.len, NULL, why, sizeof why) != -1) {
		m = model_new(res.body, res.len, NULL, -1);
		n = model_nlinks(m);
		if (n > MODEL_MAX_LINKS)
			abort();
		for (i = 0; i < n; i++) {
			if (strncasecmp(model_link(m, i)->url, "http", 4) != 0)
				abort();
		}
		model_free(m);
	}
	free(loc);
	return (0);
}
