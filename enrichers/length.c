/*
 * The length enricher: the length of a string field in Unicode code points.
 */

#include <stdlib.h>

#include "enricher.h"

static const char *const length_keys[] = {
	"field", "JSON pointer to the text (default /body)",
	NULL
};

static void *
length_configure(struct spec *sp, char **cause)
{
	const char	*field = spec_get(sp, "field");

	if (field == NULL)
		field = "/body";
	if (!pointer_valid(field)) {
		xasprintf(cause, "length: bad JSON pointer: %s", field);
		return (NULL);
	}
	return (xstrdup(field));
}

/* Count code points: every byte that does not continue a UTF-8 sequence. */
static void
length_start(void *data, struct slot *s)
{
	const char	*text;
	char		*cause;
	size_t		 len, i, n = 0;

	if (pointer_string(slot_root(s), data, &text, &len, &cause) != 0) {
		slot_settle(s, NULL, "%s", cause);
		free(cause);
		return;
	}
	for (i = 0; i < len; i++) {
		if (((u_char)text[i] & 0xc0) != 0x80)
			n++;
	}
	slot_settle(s, json_integer(n), NULL);
}

const struct enricher length_enricher = {
	.name = "length",
	.kind = ENRICHER_INLINE,
	.help = "length in Unicode code points of a string field",
	.keys = length_keys,
	.configure = length_configure,
	.start = length_start,
	.free = free,
};
