/*
 * libFuzzer: JSON pointers and URL/body templates. The input is a template,
 * a NUL byte, then a JSON document to fill it from. Fields in a URL must
 * come out percent-encoded: only unreserved characters and %XX from them.
 * On a document the validator accepts, filling from a scan of its text
 * must give the same bytes as filling from its tree.
 */

#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "json/json.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t	*nul = memchr(data, '\0', size);
	struct template	*t;
	json_t		*root;
	const char	*text;
	char		*tmpl, *s, *cause = NULL, *a, *b, why[256];
	size_t		 len, textlen, alen, blen;

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
		cause = NULL;
	}
	/* A tweet the validator takes: the scan of its text fills the
	 * template exactly as its tree does. */
	text = (const char *)nul + 1;
	textlen = size - (nul - data) - 1;
	if (root != NULL && validate_tweet(text, textlen, NULL, why,
	    sizeof why) != -1) {
		a = template_expand(t, root, TEMPLATE_URL, &alen, &cause);
		free(cause);
		cause = NULL;
		b = template_expand_text(t, text, textlen, TEMPLATE_URL, &blen,
		    &cause);
		free(cause);
		if ((a == NULL) != (b == NULL) || (a != NULL && (alen != blen ||
		    memcmp(a, b, alen) != 0)))
			abort();
		free(a);
		free(b);
	}
	template_free(t);
out:
	json_decref(root);
	free(tmpl);
	return (0);
}
