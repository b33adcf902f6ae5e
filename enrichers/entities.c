/*
 * The entities enricher: {"hashtags": [...], "mentions": [...], "urls":
 * [...], "cashtags": [...]}. By default (source=text) extracted from the
 * tweet's own full text as twitter-text does it (twtext.c); source=data
 * returns the tweet's own entity lists in the same shape. Tags and names
 * come without their sign, URLs as the text has them.
 */

#include <stdlib.h>
#include <string.h>

#include "enrich/enricher.h"

static const char *const entities_keys[] = {
	"source", "text (extract from the full text, default) or data "
	    "(the tweet's own entity lists)",
	NULL
};

struct entities_conf {
	int		 data;		/* source=data */
	struct twtext	*tw;
};

static void *
entities_configure(struct spec *sp, char **cause)
{
	struct entities_conf	*ec;
	const char		*source = spec_get(sp, "source");

	if (source != NULL && strcmp(source, "text") != 0 &&
	    strcmp(source, "data") != 0) {
		xasprintf(cause, "entities: source must be text or data: %s",
		    source);
		return (NULL);
	}
	ec = xcalloc(1, sizeof *ec);
	ec->data = source != NULL && strcmp(source, "data") == 0;
	ec->tw = twtext_new();
	return (ec);
}

static void
entities_free(void *data)
{
	struct entities_conf	*ec = data;

	twtext_free(ec->tw);
	free(ec);
}

/* It reads the tweet's text, not its parsed JSON. */
static int
entities_uses_tweet(__unused void *data)
{
	return (0);
}

/* Extract the entities of the tweet's full text. */
static json_t *
entities_extract(struct entities_conf *ec, const char *text, size_t len)
{
	const struct twtext_entity	*e;
	json_t				*out, *list[4];
	u_int				 i, n, k;
	char				*url;

	out = json_object();
	json_object_set_new(out, "hashtags", list[0] = json_array());
	json_object_set_new(out, "mentions", list[1] = json_array());
	json_object_set_new(out, "urls", list[2] = json_array());
	json_object_set_new(out, "cashtags", list[3] = json_array());
	n = twtext_extract(ec->tw, text, len, TWTEXT_ALL);
	for (i = 0; i < n; i++) {
		e = twtext_entity(ec->tw, i);
		switch (e->type) {
		case TWTEXT_HASHTAG:
			k = 0;
			break;
		case TWTEXT_MENTION:
			k = 1;
			break;
		case TWTEXT_URL:
			k = 2;
			break;
		default:
			k = 3;
			break;
		}
		if (e->type == TWTEXT_URL && e->rest != NULL) {
			/* A domain and a path that are not one piece. */
			url = xmalloc(e->value_len + e->rest_len);
			memcpy(url, e->value, e->value_len);
			memcpy(url + e->value_len, e->rest, e->rest_len);
			json_array_append_new(list[k], json_stringn(url,
			    e->value_len + e->rest_len));
			free(url);
		} else
			json_array_append_new(list[k], json_stringn(e->value,
			    e->value_len));
	}
	return (out);
}

static void
entities_start(void *data, struct slot *s)
{
	struct entities_conf	*ec = data;
	const char		*text;
	size_t			 len;
	json_t			*v;
	char			*cause;

	if (ec->data)
		v = tweetraw_entities(s, &cause);
	else if (tweetraw_text(s, &text, &len, &cause) == 0)
		v = entities_extract(ec, text, len);
	else
		v = NULL;
	if (v == NULL) {
		slot_settle(s, NULL, "%s", cause);
		free(cause);
		return;
	}
	slot_settle(s, v, NULL);
}

/* Free what the reading of tweets keeps. */
static void
entities_cleanup(void)
{
	tweetraw_cleanup();
	twtext_cleanup();
}

const struct enricher entities_enricher = {
	.name = "entities",
	.kind = ENRICHER_INLINE,
	.help = "hashtags, mentions, urls and cashtags of the tweet",
	.keys = entities_keys,
	.configure = entities_configure,
	.start = entities_start,
	.free = entities_free,
	.uses_tweet = entities_uses_tweet,
	.cleanup = entities_cleanup,
};
