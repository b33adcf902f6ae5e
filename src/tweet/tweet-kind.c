/*
 * What a line is: a tweet, a stream notice, an API page or not a JSON
 * object at all. The validator checks every line; its first member tells
 * notices and most pages; a line with members of ours (an earlier run's
 * enrichments) is parsed here, as is one the caller needs whole.
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
 * What kind of line this is, from its first member alone (a notice is an
 * object of one member, whose value is an object, named as a v1.1 stream
 * notice or a Gnip system message is: delete, scrub_geo, limit,
 * status_withheld, user_withheld, disconnect, warning; info, error):
 * LINE_NOTICE, LINE_PAGE_V2 (its "data" is an array), LINE_PAGE_V11 (its
 * "statuses" is: a v1.1 search page), or LINE_TWEET. key is the offset of
 * the member's opening quote, value that of its value.
 */
static enum line_kind
tweet_kind_first(const char *line, size_t len, size_t key, size_t value)
{
	const char	*k = line + key + 1, *name;
	size_t		 n;

	/* Most tweets start with a string or a number: not these. */
	if (value >= len || (line[value] != '{' && line[value] != '['))
		return (LINE_TWEET);
	for (n = 0; key + 1 + n < len && k[n] != '"' && k[n] != '\\'; n++)
		;	/* the line is not NUL-terminated: no strcspn */
	if (key + 1 + n >= len || k[n] != '"' || value >= len)
		return (LINE_TWEET);
	if (line[value] == '[') {
		if (n == 4 && memcmp(k, "data", 4) == 0)
			return (LINE_PAGE_V2);
		if (n == 8 && memcmp(k, "statuses", 8) == 0)
			return (LINE_PAGE_V11);
		return (LINE_TWEET);
	}
	if (line[value] != '{')
		return (LINE_TWEET);
	name = tweet_kind_notice(k, n);
	if (name != NULL && memcmp(k, name, n) == 0)
		return (LINE_NOTICE);
	return (LINE_TWEET);
}

/* The same for a line validate_tweet has checked, from its members. */
static enum line_kind
tweet_kind_checked(const char *line, size_t len,
    const struct validate_members *top)
{
	/* Even past the most it keeps, it has kept the first. */
	if (top->n == 0)
		return (LINE_TWEET);
	return (tweet_kind_first(line, len, top->m[0].key.text - line,
	    top->m[0].value.text - line));
}

/* Is the line an API page, whatever the order of its members? */
static enum line_kind
tweet_kind_page(const char *line, size_t len)
{
	struct scan_value	top, v;

	if (scan_root(line, len, &top) != 0)
		return (LINE_TWEET);
	if (scan_member(&top, "statuses", 8, &v) == 0 && v.type == SCAN_ARRAY)
		return (LINE_PAGE_V11);
	if (scan_member(&top, "data", 4, &v) == 0 && v.type == SCAN_ARRAY)
		return (LINE_PAGE_V2);
	return (LINE_TWEET);
}

/*
 * What a line is: LINE_BAD (why says why), LINE_NOTICE, a page, or
 * LINE_TWEET, with *flags and *top the checker's and *rootp the tree if
 * the line had to be parsed (it has members of ours), else NULL.
 * needs_json: some enrichment reads the tweet, so look for a page past the
 * first member.
 */
enum line_kind
tweet_kind(const char *line, size_t len, int needs_json,
    struct validate_members *top, json_t **rootp, int *flagsp, char *why,
    size_t whylen)
{
	json_t		*root;
	enum line_kind	 kind;
	int		 flags;

	*rootp = NULL;
	if ((flags = validate_tweet(line, len, top, why, whylen)) == -1)
		return (LINE_BAD);
	if ((kind = tweet_kind_checked(line, len, top)) != LINE_TWEET)
		return (kind);
	if (!(flags & VALIDATE_RESERVED) && needs_json &&
	    (kind = tweet_kind_page(line, len)) != LINE_TWEET)
		return (kind);
	if (flags & VALIDATE_RESERVED) {
		if ((root = tweet_parse(line, len, why, whylen)) == NULL)
			return (LINE_BAD);
		if (json_object_size(root) == 0)
			flags |= VALIDATE_EMPTY;
		if (json_is_array(json_object_get(root, "data")) ||
		    json_is_array(json_object_get(root, "statuses"))) {
			kind = json_is_array(json_object_get(root,
			    "statuses")) ? LINE_PAGE_V11 : LINE_PAGE_V2;
			json_decref(root);
			return (kind);
		}
		*rootp = root;
	}
	*flagsp = flags;
	return (LINE_TWEET);
}
