/*
 * The type enricher: "original", "retweet", "quote" or "reply", from each
 * format's own markers (v1.1 retweeted_status, quoted_status or
 * is_quote_status, in_reply_to_status_id(_str); Gnip verb "share",
 * twitter_quoted_status, inReplyTo; v2 referenced_tweets), read from the
 * tweet's text without parsing it. Precedence: retweet > quote > reply >
 * original (a retweet of a quote is a retweet, a reply that quotes is a
 * quote).
 */

#include <sys/types.h>

#include <stdlib.h>

#include <tweet-enricher/enricher.h>

static const struct te_api	*te;

static int	type_data;

/* No keys, no state. */
static void *
type_configure(TE_UNUSED struct spec *sp, TE_UNUSED char **cause)
{
	return (&type_data);
}

/* The type of one tweet, now. */
static void
type_start(TE_UNUSED void *data, struct slot *s)
{
	const char	*type;
	char		*cause;

	if ((type = te->tweet_type(s, &cause)) == NULL) {
		te->slot_settle(s, NULL, "%s", cause);
		free(cause);
		return;
	}
	te->slot_settle(s, json_string(type), NULL);
}

static const struct te_enricher type_enricher = {
	.name = "type",
	.kind = TE_INLINE,
	.help = "\"original\", \"retweet\", \"quote\" or \"reply\"",
	.keys = NULL,
	.configure = type_configure,
	.start = type_start,
	.free = NULL,
};

/* The entry point: keep the table, register the enricher. */
int
type_register(const struct te_api *api, char **cause)
{
	te = api;
	return (te->register_enricher(&type_enricher, cause));
}
