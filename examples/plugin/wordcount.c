/*
 * An out-of-tree tweet-enricher plugin: "words", an inline enricher whose
 * value is the number of words (runs of characters between white space) in
 * a string field of the tweet (field=, default /body). Build it with the
 * Makefile beside it (pkg-config finds the installed header), then:
 *
 *	tweet-enricher --plugin ./wordcount.so -e words < tweets.jsonl
 *	tweet-enricher --plugin ./wordcount.so -e words:field=/text,as=n
 */

#include <stdlib.h>
#include <string.h>

#include <tweet-enricher/enricher.h>

TE_PLUGIN_ABI_DEFINE;

static const struct te_api	*te;

static const char *const words_keys[] = {
	"field", "a JSON pointer to a string (default /body)",
	NULL
};

/* The keys of one enrichment: the field to count. */
static void *
words_configure(struct spec *sp, char **cause)
{
	const char	*field = te->spec_get(sp, "field");

	if (field == NULL)
		field = "/body";
	if (!te->pointer_valid(field)) {
		*cause = strdup("words: field must be a JSON pointer");
		return (NULL);
	}
	return (strdup(field));
}

/* Count the words of one tweet, now. */
static void
words_start(void *data, struct slot *s)
{
	json_t		*v;
	const char	*text;
	char		*why;
	size_t		 len, i;
	json_int_t	 n = 0;
	int		 in = 0;

	if ((v = te->field(s, data, &why)) == NULL) {
		te->slot_settle(s, NULL, "%s", why);
		free(why);
		return;
	}
	if (!json_is_string(v)) {
		json_decref(v);
		te->slot_settle(s, NULL, "%s is not a string", (char *)data);
		return;
	}
	text = json_string_value(v);
	len = json_string_length(v);
	for (i = 0; i < len; i++) {
		if (strchr(" \t\n\r\f\v", text[i]) != NULL || text[i] == '\0')
			in = 0;
		else if (!in) {
			in = 1;
			n++;
		}
	}
	json_decref(v);
	te->slot_settle(s, json_integer(n), NULL);
}

static const struct te_enricher words_enricher = {
	.name = "words",
	.kind = TE_INLINE,
	.help = "the number of words in field (a plugin's)",
	.keys = words_keys,
	.configure = words_configure,
	.start = words_start,
	.free = free,
};

/* The entry point: keep the table, register the enricher. */
int
tweet_enricher_plugin(const struct te_api *api, char **cause)
{
	te = api;
	return (te->register_enricher(&words_enricher, cause));
}
