/*
 * What an enrichment reads of its tweet through the tweet model: the model
 * itself, the text it works on, the tweet's type and entity lists. Above
 * the model (model.c, model-links.c), which reads only the text it is
 * given.
 */

#include <stdlib.h>

#include "lib/lib.h"
#include "core.h"
#include "json/json.h"
#include "io/io.h"
#include "tweet/tweet-int.h"

/*
 * The tweet model (format, text, type, links), read from the text (and
 * the members the checker found) the first time an enricher asks; valid,
 * like slot_root, only inside a start callback.
 */
struct model *
slot_model(struct slot *s)
{
	struct tweet			*t = s->tweet;
	const struct scan_member	*m = NULL;
	int				 n;

	if (t->model == NULL) {
		n = slot_members(s, &m);
		t->model = model_new(t->line, t->len, m, n);
	}
	return (t->model);
}

/*
 * The text an enrichment works on: the string at field (the tweet must have
 * been parsed), or, with no field, the tweet's own full text, read from the
 * raw line by the model (model_text). On failure *cause
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

/*
 * What enrichers read of a tweet through its slot, by the names they have
 * always used: its type, its own full text and its entity lists (NULL or
 * -1 with *cause if it has none). Valid only inside start.
 */
const char *
tweetraw_type(struct slot *s, char **cause)
{
	const char	*type = NULL;
	struct model	*m;

	if ((m = slot_model(s)) != NULL)
		type = model_type(m);
	if (type == NULL)
		xasprintf(cause, "not a tweet in a known format (v1.1, Gnip, "
		    "v2)");
	return (type);
}

/* The tweet's own full text (see model_text). */
int
tweetraw_text(struct slot *s, const char **text, size_t *len, char **cause)
{
	struct model	*m;

	if ((m = slot_model(s)) == NULL ||
	    (*text = model_text(m, len)) == NULL) {
		xasprintf(cause, "the tweet has no text");
		return (-1);
	}
	return (0);
}

/* The tweet's own entity lists (see model_entity_lists). */
json_t *
tweetraw_entities(struct slot *s, char **cause)
{
	struct model	*m;
	json_t		*out = NULL;

	if ((m = slot_model(s)) != NULL)
		out = model_entity_lists(m);
	if (out == NULL)
		xasprintf(cause, "the tweet has no entities");
	return (out);
}

/* Nothing is kept between tweets any more (the model goes with each). */
void
tweetraw_cleanup(void)
{
}
