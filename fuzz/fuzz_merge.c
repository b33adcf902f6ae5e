/*
 * libFuzzer: merging into an earlier run's members (merge.c) gives a line
 * that parses, that has the new values and errors, and whose every other
 * member is what it was. Also runs the tweet model over it.
 */

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "lib/lib.h"
#include "json/json.h"
#include "tweet/tweet.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct merge_item	 items[3];
	struct evbuffer		*out;
	struct model		*m;
	json_t			*in, *res, *v;
	const char		*key;
	char			 why[256];
	size_t			 len;
	u_int			 i;

	if (validate_tweet((const char *)data, size, NULL, why,
	    sizeof why) == -1)
		return (0);
	if ((in = json_loadb((const char *)data, size, JSON_ALLOW_NUL,
	    NULL)) == NULL)
		abort();	/* the validator and the parser disagree */
	memset(items, 0, sizeof items);
	items[0].name = "test";
	items[0].key_json = "\"test\":";
	items[0].key_len = 7;
	items[0].value = json_integer(42);
	items[1].name = "e";
	items[1].key_json = "\"e\":";
	items[1].key_len = 4;
	items[1].error = "failed";
	items[2].name = "k";
	items[2].key_json = "\"k\":";
	items[2].key_len = 4;
	items[2].keep = 1;

	out = evbuffer_new();
	merge_write((const char *)data, size, items, 3, out);
	len = evbuffer_get_length(out);
	if (len == 0 || evbuffer_pullup(out, -1)[len - 1] != '\n')
		abort();
	res = json_loadb((const char *)evbuffer_pullup(out, -1), len - 1,
	    JSON_ALLOW_NUL, NULL);
	if (res == NULL || !json_is_object(res))
		abort();
	v = json_object_get(res, "enrichments");
	if (json_integer_value(json_object_get(v, "test")) != 42 ||
	    !json_is_null(json_object_get(v, "e")))
		abort();
	v = json_object_get(res, "enrichment_errors");
	if (json_string_value(json_object_get(v, "e")) == NULL ||
	    strcmp(json_string_value(json_object_get(v, "e")), "failed") != 0 ||
	    json_object_get(v, "test") != NULL)
		abort();
	json_object_foreach(in, key, v) {
		if (strcmp(key, "enrichments") == 0 ||
		    strcmp(key, "enrichment_errors") == 0)
			continue;
		if (!json_equal(v, json_object_get(res, key)))
			abort();
	}
	for (i = 0; i < 2; i++) {
		if (i == 0)
			m = model_new((const char *)data, size, NULL, -1);
		else
			m = model_new((const char *)evbuffer_pullup(out, -1),
			    len - 1, NULL, -1);
		(void)model_nlinks(m);
		model_free(m);
	}
	json_decref(items[0].value);
	json_decref(in);
	json_decref(res);
	evbuffer_free(out);
	return (0);
}
