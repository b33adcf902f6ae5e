/*
 * The entities enricher: {"hashtags": [...], "mentions": [...], "urls":
 * [...], "cashtags": [...]}. By default (source=text) extracted from the
 * tweet's own full text as twitter-text does it (twtext.c); source=data
 * returns the tweet's own entity lists in the same shape. Tags and names
 * come without their sign, URLs as the text has them.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include <tweet-enricher/enricher.h>

static const struct te_api	*te;

static const char *const entities_keys[] = {
	"source", "text (extract from the full text, default) or data "
	    "(the tweet's own entity lists)",
	NULL
};

struct entities_conf {
	int		 data;		/* source=data */
	struct twtext	*tw;
};

/* source=: extract from the text, or the data's own lists. */
static void *
entities_configure(struct spec *sp, char **cause)
{
	struct entities_conf	*ec;
	const char		*source = te->spec_get(sp, "source");

	if (source != NULL && strcmp(source, "text") != 0 &&
	    strcmp(source, "data") != 0) {
		te->xasprintf(cause, "entities: source must be text or data: "
		    "%s", source);
		return (NULL);
	}
	ec = te->xcalloc(1, sizeof *ec);
	ec->data = source != NULL && strcmp(source, "data") == 0;
	ec->tw = te->text_new();
	return (ec);
}

/* Free what entities_configure made. */
static void
entities_free(void *data)
{
	struct entities_conf	*ec = data;

	te->text_free(ec->tw);
	free(ec);
}

/*
 * Where a cut text (a retweet's "RT @x: ... #Br…") has its "…", ignoring
 * blanks after it; NULL if it is not cut.
 */
static const char *
entities_cut_at(const char *text, size_t len)
{
	while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\n'))
		len--;
	if (len >= 3 && memcmp(text + len - 3, "\xe2\x80\xa6", 3) == 0)
		return (text + len - 3);
	return (NULL);
}

/*
 * Extract the entities of the tweet's full text, but the one the "…" of a
 * cut text ends (a hashtag "Br", a name "IanCoo", a link): it is not what
 * the tweet had.
 */
static json_t *
entities_extract(struct entities_conf *ec, const char *text, size_t len)
{
	const char	*value, *rest, *cut = entities_cut_at(text, len);
	size_t		 vlen, restlen;
	json_t		*out, *list[4];
	u_int		 i, n, k;
	char		*url;

	out = json_object();
	json_object_set_new(out, "hashtags", list[0] = json_array());
	json_object_set_new(out, "mentions", list[1] = json_array());
	json_object_set_new(out, "urls", list[2] = json_array());
	json_object_set_new(out, "cashtags", list[3] = json_array());
	n = te->text_extract(ec->tw, text, len, TE_TEXT_ALL);
	for (i = 0; i < n; i++) {
		switch (te->text_entity(ec->tw, i, &value, &vlen, &rest,
		    &restlen)) {
		case TE_TEXT_HASHTAG:
			k = 0;
			break;
		case TE_TEXT_MENTION:
			k = 1;
			break;
		case TE_TEXT_URL:
			k = 2;
			break;
		default:
			k = 3;
			break;
		}
		if (cut != NULL && (k == 2 && rest != NULL ? rest + restlen :
		    value + vlen) == cut)
			continue;
		if (k == 2 && rest != NULL) {
			/* A domain and a path that are not one piece. */
			url = te->xmalloc(vlen + restlen);
			memcpy(url, value, vlen);
			memcpy(url + vlen, rest, restlen);
			json_array_append_new(list[k], json_stringn(url,
			    vlen + restlen));
			free(url);
		} else
			json_array_append_new(list[k], json_stringn(value,
			    vlen));
	}
	return (out);
}

/* The entities of one tweet, now. */
static void
entities_start(void *data, struct slot *s)
{
	struct entities_conf	*ec = data;
	const char		*text;
	size_t			 len;
	json_t			*v;
	char			*cause;

	if (ec->data)
		v = te->tweet_entities(s, &cause);
	else if (te->tweet_text(s, &text, &len, &cause) == 0)
		v = entities_extract(ec, text, len);
	else
		v = NULL;
	if (v == NULL) {
		te->slot_settle(s, NULL, "%s", cause);
		free(cause);
		return;
	}
	te->slot_settle(s, v, NULL);
}

static const struct te_enricher entities_enricher = {
	.name = "entities",
	.kind = TE_INLINE,
	.help = "hashtags, mentions, urls and cashtags of the tweet",
	.keys = entities_keys,
	.configure = entities_configure,
	.start = entities_start,
	.free = entities_free,
};

/* The entry point: keep the table, register the enricher. */
int
entities_register(const struct te_api *api, char **cause)
{
	te = api;
	return (te->register_enricher(&entities_enricher, cause));
}
