/*
 * The type enricher: "original", "retweet", "quote" or "reply", from each
 * format's own markers (v1.1 retweeted_status, quoted_status or
 * is_quote_status, in_reply_to_status_id(_str); Gnip verb "share",
 * twitter_quoted_status, inReplyTo; v2 referenced_tweets), read from the
 * tweet's text without parsing it. Precedence: retweet > quote > reply >
 * original (a retweet of a quote is a retweet, a reply that quotes is a
 * quote).
 */

#include <stdlib.h>

#include "enrich/enricher.h"

static int	type_data;

static void *
type_configure(__unused struct spec *sp, __unused char **cause)
{
	return (&type_data);
}

/* It reads the tweet's text, not its parsed JSON. */
static int
type_uses_tweet(__unused void *data)
{
	return (0);
}

static void
type_start(__unused void *data, struct slot *s)
{
	const char	*type;
	char		*cause;

	if ((type = tweetraw_type(s, &cause)) == NULL) {
		slot_settle(s, NULL, "%s", cause);
		free(cause);
		return;
	}
	slot_settle(s, json_string(type), NULL);
}

const struct enricher type_enricher = {
	.name = "type",
	.kind = ENRICHER_INLINE,
	.help = "\"original\", \"retweet\", \"quote\" or \"reply\"",
	.keys = NULL,
	.configure = type_configure,
	.start = type_start,
	.free = NULL,
	.uses_tweet = type_uses_tweet,
	.cleanup = tweetraw_cleanup,
};
