/*
 * The test enricher: the value 42, the classic pipeline smoke test.
 */

#include <sys/types.h>

#include <tweet-enricher/enricher.h>

static const struct te_api	*te;

static int	test_data;

/* No keys, no state. */
static void *
test_configure(TE_UNUSED struct spec *sp, TE_UNUSED char **cause)
{
	return (&test_data);
}

/* 42, now. */
static void
test_start(TE_UNUSED void *data, struct slot *s)
{
	te->slot_settle(s, json_integer(42), NULL);
}

static const struct te_enricher test_enricher = {
	.name = "test",
	.kind = TE_INLINE,
	.help = "the value 42 (a smoke test)",
	.keys = NULL,
	.configure = test_configure,
	.start = test_start,
	.free = NULL,
};

/* The entry point: keep the table, register the enricher. */
int
test_register(const struct te_api *api, char **cause)
{
	te = api;
	return (te->register_enricher(&test_enricher, cause));
}
