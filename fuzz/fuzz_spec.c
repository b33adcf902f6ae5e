/*
 * libFuzzer: the -e spec parser, and the same specs as JSON objects.
 */

#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "enrich/enrich.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spec	*sp;
	json_t		*j;
	char		*s, *cause = NULL;
	long long	 n;
	u_int		 i;

	s = xstrndup((const char *)data, size);
	if ((sp = spec_parse(s, &cause)) != NULL) {
		for (i = 0; i < spec_count(sp); i++) {
			if (spec_get(sp, spec_key(sp, i)) == NULL)
				abort();
		}
		if (spec_get_number(sp, "ms", 0, 1000, 1, &n, &cause) != 0)
			free(cause);
		spec_free(sp);
	} else
		free(cause);
	cause = NULL;
	if ((j = json_loadb((const char *)data, size, JSON_DECODE_ANY,
	    NULL)) != NULL) {
		if ((sp = spec_from_json(j, &cause)) != NULL)
			spec_free(sp);
		else
			free(cause);
		json_decref(j);
	}
	free(s);
	return (0);
}
