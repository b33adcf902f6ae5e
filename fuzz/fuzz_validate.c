/*
 * libFuzzer: the pass-through JSON checker must accept exactly the lines
 * the parsing path (tweet_parse, jansson) takes as objects.
 */

#include <stdlib.h>

#include "tweet-enricher.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	 why[256];
	json_t	*j;
	int	 v, ok;

	v = validate_tweet((const char *)data, size, why, sizeof why);
	j = tweet_parse((const char *)data, size, why, sizeof why);
	ok = j != NULL;
	if ((v != -1) != ok)
		abort();
	if (ok && (v & VALIDATE_EMPTY) != (json_object_size(j) == 0 ?
	    VALIDATE_EMPTY : 0))
		abort();
	json_decref(j);
	return (0);
}
