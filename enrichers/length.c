/*
 * The length enricher: the length of a string field in Unicode code points,
 * or (count=twitter) the weighted length twitter-text v3 gives the tweet's
 * own full text (twtext.c), optionally with whether it is a valid tweet.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include <tweet-enricher/enricher.h>

static const struct te_api	*te;

static const char *const length_keys[] = {
	"field", "JSON pointer to the text (default: the tweet's full "
	    "text)",
	"count", "codepoints (default) or twitter (v3 weighted length)",
	"valid", "yes: {\"weighted\":N,\"valid\":B} (count=twitter only)",
	NULL
};

struct length_conf {
	char		*field;		/* NULL: the tweet's full text */
	int		 twitter;	/* count=twitter */
	int		 valid;		/* valid=yes */
	struct twtext	*tw;
};

/* field=, count= and valid=. */
static void *
length_configure(struct spec *sp, char **cause)
{
	struct length_conf	*lc;
	const char		*field = te->spec_get(sp, "field");
	const char		*count = te->spec_get(sp, "count");
	const char		*valid = te->spec_get(sp, "valid");

	if (count != NULL && strcmp(count, "codepoints") != 0 &&
	    strcmp(count, "twitter") != 0) {
		te->xasprintf(cause, "length: count must be codepoints or "
		    "twitter: %s", count);
		return (NULL);
	}
	if (valid != NULL && strcmp(valid, "yes") != 0 &&
	    strcmp(valid, "no") != 0) {
		te->xasprintf(cause, "length: valid must be yes or no: %s",
		    valid);
		return (NULL);
	}
	lc = te->xcalloc(1, sizeof *lc);
	lc->twitter = count != NULL && strcmp(count, "twitter") == 0;
	lc->valid = valid != NULL && strcmp(valid, "yes") == 0;
	if (lc->valid && !lc->twitter) {
		te->xasprintf(cause, "length: valid=yes needs count=twitter");
		free(lc);
		return (NULL);
	}
	if (field != NULL && !te->pointer_valid(field)) {
		te->xasprintf(cause, "length: bad JSON pointer: %s", field);
		free(lc);
		return (NULL);
	}
	lc->field = field != NULL ? te->xstrdup(field) : NULL;
	if (lc->twitter)
		lc->tw = te->text_new();
	return (lc);
}

/* Free what length_configure made. */
static void
length_free(void *data)
{
	struct length_conf	*lc = data;

	te->text_free(lc->tw);
	free(lc->field);
	free(lc);
}

/* The length of one tweet's text, now. */
static void
length_start(void *data, struct slot *s)
{
	struct length_conf	*lc = data;
	const char		*text;
	char			*cause;
	size_t			 len, i, n = 0;
	long			 w;
	int			 valid;
	json_t			*v;

	if (te->slot_text(s, lc->field, &text, &len, &cause) != 0)
		goto fail;
	if (!lc->twitter) {
		/* Code points: bytes that do not continue a sequence. */
		for (i = 0; i < len; i++) {
			if (((u_char)text[i] & 0xc0) != 0x80)
				n++;
		}
		te->slot_settle(s, json_integer(n), NULL);
		return;
	}
	if ((w = te->text_weighted_length(lc->tw, text, len, &valid)) < 0) {
		te->slot_settle(s, NULL, "length: the text cannot be "
		    "normalised");
		return;
	}
	if (!lc->valid) {
		te->slot_settle(s, json_integer(w), NULL);
		return;
	}
	v = json_object();
	json_object_set_new(v, "weighted", json_integer(w));
	json_object_set_new(v, "valid", json_boolean(valid));
	te->slot_settle(s, v, NULL);
	return;

fail:
	te->slot_settle(s, NULL, "%s", cause);
	free(cause);
}

static const struct te_enricher length_enricher = {
	.name = "length",
	.kind = TE_INLINE,
	.help = "length of the text: code points, or as Twitter counts it",
	.keys = length_keys,
	.configure = length_configure,
	.start = length_start,
	.free = length_free,
};

/* The entry point: keep the table, register the enricher. */
int
length_register(const struct te_api *api, char **cause)
{
	te = api;
	return (te->register_enricher(&length_enricher, cause));
}
