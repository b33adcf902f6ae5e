/*
 * What an enrichment reads of its tweet through the tweet model: the text
 * it works on and the model itself. Above the model (model.c, tweetraw.c),
 * which reads the tweet through slot.c.
 */

#include <stdlib.h>

#include "lib/lib.h"
#include "core.h"
#include "json/json.h"
#include "io/io.h"
#include "tweet/tweet-int.h"

/*
 * The tweet model (format, text, links), made the first time an enricher
 * asks; valid, like slot_root, only inside a start callback.
 */
struct model *
slot_model(struct slot *s)
{
	struct tweet	*t = s->tweet;

	if (t->model == NULL && slot_root(s) != NULL)
		t->model = model_new(t->root);
	return (t->model);
}

/*
 * The text an enrichment works on: the string at field (the tweet must have
 * been parsed), or, with no field, the tweet's own full text, read from the
 * raw line (tweetraw.c; the same choice as the model's). On failure *cause
 * says why (and the first tweet without a text says so on stderr too).
 */
int
slot_text(struct slot *s, const char *field, const char **text, size_t *len,
    char **cause)
{
	static int	 warned;
	char		*why;

	if (field != NULL)
		return (pointer_string(slot_root(s), field, text, len, cause));
	if (tweetraw_text(s, text, len, &why) == 0)
		return (0);
	free(why);
	if (!warned && !opts.quiet) {
		log_warnx("tweet %llu has no text in a format known (v1.1, "
		    "Gnip, v2): give the enrichment field=/POINTER",
		    (unsigned long long)s->tweet->seq + 1);
		warned = 1;
	}
	xasprintf(cause, "no tweet text (give field=)");
	return (-1);
}
