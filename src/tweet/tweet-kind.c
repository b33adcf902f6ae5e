/*
 * What a line is: a tweet, a stream notice, an API page or not a JSON
 * object at all. The validator checks every line; its first member tells
 * notices, the model (model_page) pages, whatever the order of their
 * members; a line with members of ours (an earlier run's enrichments) is
 * parsed here.
 */

#include <string.h>

#include "lib/lib.h"
#include "core.h"
#include "json/json.h"
#include "io/io.h"
#include "tweet/tweet-int.h"

/*
 * Parse a line as a JSON object, or say why it is not one. A raw NUL byte
 * is never JSON, but jansson reads past one as if it were not there, so
 * such a line is refused first (as validate_tweet refuses it).
 */
json_t *
tweet_parse(const char *line, size_t len, char *why, size_t whylen)
{
	json_error_t	 error;
	json_t		*root;
	const char	*nul;

	if ((nul = memchr(line, '\0', len)) != NULL) {
		snprintf(why, whylen, "invalid JSON: NUL byte (column %zu)",
		    (size_t)(nul - line) + 1);
		return (NULL);
	}
	root = json_loadb(line, len, JSON_ALLOW_NUL, &error);
	if (root == NULL) {
		snprintf(why, whylen, "invalid JSON: %s (column %d)",
		    error.text, error.column);
		return (NULL);
	}
	if (!json_is_object(root)) {
		json_decref(root);
		snprintf(why, whylen, "not a JSON object");
		return (NULL);
	}
	return (root);
}

/* A notice's name, by its length (a tweet's first member is rarely so). */
static const char *
tweet_kind_notice(const char *k, size_t n)
{
	switch (n) {
	case 4:
		return (k[0] == 'i' ? "info" : NULL);
	case 5:
		return (k[0] == 'l' ? "limit" : "error");
	case 6:
		return ("delete");
	case 7:
		return ("warning");
	case 9:
		return ("scrub_geo");
	case 10:
		return ("disconnect");
	case 13:
		return ("user_withheld");
	case 15:
		return ("status_withheld");
	}
	return (NULL);
}

/*
 * Is the first member of a line a notice: an object of one member, whose
 * value is an object, named as a v1.1 stream notice or a Gnip system
 * message is (delete, scrub_geo, limit, status_withheld, user_withheld,
 * disconnect, warning; info, error)?
 */
static int
tweet_kind_first(const struct scan_member *first)
{
	const char	*k = first->key.text + 1, *name;
	size_t		 n = first->key.len - 2;

	/* Most tweets start with a string or a number: not these. */
	if (first->value.type != SCAN_OBJECT || first->key.len < 2 ||
	    memchr(k, '\\', n) != NULL)
		return (0);
	name = tweet_kind_notice(k, n);
	return (name != NULL && memcmp(k, name, n) == 0);
}

/*
 * May a line be an API page: has it a top-level member "data" or
 * "statuses" whose value is an array (or whose key has an escape)? So that
 * model_page, which decides, reads only such lines.
 */
static int
tweet_kind_maybe_page(const struct validate_members *top)
{
	const struct scan_member	*m;
	u_int				 i;

	if (top->n > VALIDATE_MAX_MEMBERS)
		return (1);
	for (i = 0; i < top->n; i++) {
		m = &top->m[i];
		if (m->value.type != SCAN_ARRAY)
			continue;
		if (memchr(m->key.text, '\\', m->key.len) != NULL)
			return (1);
		if ((m->key.len == 6 && memcmp(m->key.text + 1, "data", 4) ==
		    0) || (m->key.len == 10 && memcmp(m->key.text + 1,
		    "statuses", 8) == 0))
			return (1);
	}
	return (0);
}

/*
 * What a line validate_tweet has checked is from its members: a page
 * ("statuses" an array: v1.1 search; "data" an array: v2), whatever the
 * order of its members, then a notice, from its first member, or a tweet.
 */
static enum line_kind
tweet_kind_checked(const char *line, size_t len,
    const struct validate_members *top)
{
	int	page;

	/* Even past the most it keeps, it has kept the first. */
	if (top->n == 0)
		return (LINE_TWEET);
	if (tweet_kind_maybe_page(top) && (page = model_page(line, len)) != -1)
		return (page ? LINE_PAGE_V11 : LINE_PAGE_V2);
	return (tweet_kind_first(&top->m[0]) ? LINE_NOTICE : LINE_TWEET);
}

/*
 * What a line is: LINE_BAD (why says why), LINE_NOTICE, a page, or
 * LINE_TWEET, with *flags and *top the checker's and *rootp the tree if
 * the line had to be parsed (it has members of ours), else NULL.
 */
enum line_kind
tweet_kind(const char *line, size_t len, struct validate_members *top,
    json_t **rootp, int *flagsp, char *why, size_t whylen)
{
	json_t		*root;
	enum line_kind	 kind;
	int		 flags;

	*rootp = NULL;
	if ((flags = validate_tweet(line, len, top, why, whylen)) == -1)
		return (LINE_BAD);
	if ((kind = tweet_kind_checked(line, len, top)) != LINE_TWEET)
		return (kind);
	if (flags & VALIDATE_RESERVED) {
		if ((root = tweet_parse(line, len, why, whylen)) == NULL)
			return (LINE_BAD);
		if (json_object_size(root) == 0)
			flags |= VALIDATE_EMPTY;
		*rootp = root;
	}
	*flagsp = flags;
	return (LINE_TWEET);
}
