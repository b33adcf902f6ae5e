/*
 * libFuzzer: JSON pointers and URL/body templates. The input is a template,
 * a NUL byte, then a JSON document to fill it from. Fields in a URL must
 * come out percent-encoded: only unreserved characters and %XX from them.
 */

#include <stdlib.h>
#include <string.h>

#include "tweet-enricher.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t	*nul = memchr(data, '\0', size);
	struct template	*t;
	json_t		*root;
	char		*tmpl, *s, *cause = NULL;
	size_t		 len;

	if (nul == NULL)
		return (0);
	tmpl = xstrndup((const char *)data, nul - data);
	root = json_loadb((const char *)nul + 1, size - (nul - data) - 1,
	    JSON_DECODE_ANY|JSON_ALLOW_NUL, NULL);
	if (root != NULL) {
		pointer_get(root, tmpl);
		if (pointer_string(root, tmpl, (const char **)&s, &len,
		    &cause) != 0)
			free(cause);
	}
	cause = NULL;
	if ((t = template_parse(tmpl, &cause)) == NULL) {
		free(cause);
		goto out;
	}
	if (root != NULL) {
		if ((s = template_expand(t, root, TEMPLATE_URL, &len,
		    &cause)) != NULL) {
			if (strlen(s) != len)
				abort();
			free(s);
		} else
			free(cause);
		cause = NULL;
		if ((s = template_expand(t, root, TEMPLATE_JSON, &len,
		    &cause)) != NULL)
			free(s);
		else
			free(cause);
	}
	template_free(t);
out:
	json_decref(root);
	free(tmpl);
	return (0);
}
