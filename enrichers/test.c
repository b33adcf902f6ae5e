/*
 * The test enricher: the value 42, the classic pipeline smoke test.
 */

#include "enrich/enricher.h"

static int	test_data;

static void *
test_configure(__unused struct spec *sp, __unused char **cause)
{
	return (&test_data);
}

static int
test_uses_tweet(__unused void *data)
{
	return (0);
}

static void
test_start(__unused void *data, struct slot *s)
{
	slot_settle(s, json_integer(42), NULL);
}

const struct enricher test_enricher = {
	.name = "test",
	.kind = ENRICHER_INLINE,
	.help = "the value 42 (a smoke test)",
	.keys = NULL,
	.configure = test_configure,
	.start = test_start,
	.free = NULL,
	.uses_tweet = test_uses_tweet,
};
