/*
 * The enricher contract's table of functions (struct te_api of the
 * installed <tweet-enricher/enricher.h>), implemented once over the real
 * functions: every enricher, built in or a plugin, is handed this table
 * and reaches the program through it alone. Most members are the
 * functions themselves; the few wrappers here turn the model's and
 * twitter-text's own structs into the contract's.
 */

#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "core.h"
#include "json/json.h"
#include "tweet/tweet.h"
#include "http/http.h"
#include "enrich/enrich.h"

_Static_assert((int)TE_TEMPLATE_RAW == (int)TEMPLATE_RAW &&
    (int)TE_TEMPLATE_URL == (int)TEMPLATE_URL &&
    (int)TE_TEMPLATE_JSON == (int)TEMPLATE_JSON, "te_template_encoding");
_Static_assert(TE_TEXT_URL == TWTEXT_URL &&
    TE_TEXT_HASHTAG == TWTEXT_HASHTAG && TE_TEXT_MENTION == TWTEXT_MENTION &&
    TE_TEXT_CASHTAG == TWTEXT_CASHTAG && TE_TEXT_ALL == TWTEXT_ALL,
    "TE_TEXT_*");

/* te->field: the value at a pointer, read from the tweet's text. */
static json_t *
api_field(struct slot *s, const char *pointer, char **cause)
{
	struct scan_value	 root, v;
	const char		*line;
	size_t			 len;
	json_t			*j;

	line = slot_line(s, &len);
	if (scan_line(line, len, &root) != 0 ||
	    scan_pointer(&root, pointer, &v) != 0) {
		xasprintf(cause, "no field %s", pointer);
		return (NULL);
	}
	if ((j = scan_json(&v)) == NULL)
		xasprintf(cause, "%s cannot be read", pointer);
	return (j);
}

/* Copy the model's links into the contract's. */
static void
api_copy_links(struct te_link *to, const struct model_link *from, u_int n)
{
	u_int	i;

	for (i = 0; i < n; i++) {
		to[i].url = from[i].url;
		to[i].len = from[i].len;
		to[i].expanded = from[i].expanded;
		to[i].unwound = from[i].unwound;
	}
}

/* te->tweet_links: the tweet's links, from the model. */
static u_int
api_tweet_links(struct slot *s, struct te_link *links, u_int max)
{
	struct model	*m;
	u_int		 n, i;

	if ((m = slot_model(s)) == NULL)
		return (0);
	if ((n = model_nlinks(m)) > max)
		n = max;
	for (i = 0; i < n; i++)
		api_copy_links(&links[i], model_link(m, i), 1);
	return (n);
}

/* te->links_of: the links a JSON value names, added to links[*n]. */
static void
api_links_of(json_t *value, struct te_link *links, u_int *n, u_int max)
{
	struct model_link	*list;
	u_int			 i;

	if (*n >= max)
		return;
	list = xcalloc(max, sizeof *list);
	for (i = 0; i < *n; i++) {
		list[i].url = links[i].url;
		list[i].len = links[i].len;
		list[i].expanded = links[i].expanded;
		list[i].unwound = links[i].unwound;
	}
	model_entities(list, n, max, value, NULL);
	api_copy_links(links, list, *n);
	free(list);
}

/* te->template_expand: fill a template in from a tweet's text. */
static char *
api_template_expand(struct template *t, const char *line, size_t len,
    enum te_template_encoding enc, size_t *outlen, char **cause)
{
	return (template_expand_text(t, line, len,
	    (enum template_encoding)enc, outlen, cause));
}

/*
 * te->slot_expand: fill a template in from a slot's tweet, through the
 * members the checker found when it has them all (a parsed tweet or one
 * of too many members is scanned as its text).
 */
static char *
api_slot_expand(struct slot *s, struct template *t,
    enum te_template_encoding enc, size_t *outlen, char **cause)
{
	const struct scan_member	*m;
	const char			*line;
	size_t				 len;
	int				 n;

	line = slot_line(s, &len);
	if ((n = slot_members(s, &m)) < 0)
		return (template_expand_text(t, line, len,
		    (enum template_encoding)enc, outlen, cause));
	return (template_expand_members(t, line, len, m, n,
	    (enum template_encoding)enc, outlen, cause));
}

/* te->text_entity: the kind, value and rest of the i-th entity found. */
static int
api_text_entity(struct twtext *tw, u_int i, const char **value, size_t *len,
    const char **rest, size_t *restlen)
{
	const struct twtext_entity	*e = twtext_entity(tw, i);

	*value = e->value;
	*len = e->value_len;
	*rest = e->rest;
	*restlen = e->rest_len;
	return (e->type);
}

const struct te_api api_table = {
	.abi = TE_PLUGIN_ABI,
	.size = sizeof (struct te_api),
	.register_enricher = registry_add,

	.slot_root = slot_root,
	.slot_line = slot_line,
	.slot_data = slot_data,
	.slot_set_value = slot_set_value,
	.slot_settle = slot_settle,

	.field = api_field,
	.slot_text = slot_text,
	.tweet_type = tweetraw_type,
	.tweet_text = tweetraw_text,
	.tweet_entities = tweetraw_entities,
	.tweet_links = api_tweet_links,
	.links_of = api_links_of,

	.spec_count = spec_count,
	.spec_key = spec_key,
	.spec_value = spec_value,
	.spec_get = spec_get,
	.spec_number = spec_get_number,

	.pointer_valid = pointer_valid,
	.pointer_get = pointer_get,
	.pointer_string = pointer_string,

	.template_parse = template_parse,
	.template_free = template_free,
	.template_is_constant = template_is_constant,
	.template_check_json = template_check_json,
	.template_expand = api_template_expand,

	.headers = fetch_headers,
	.headers_free = fetch_headers_free,
	.rate = fetch_rate,
	.fetch = fetch_start,
	.fetch_excerpt = fetch_excerpt,

	.url_host = location_host_port,
	.url_strip_userinfo = location_strip_userinfo,
	.secret_in = secret_in,

	.text_new = twtext_new,
	.text_free = twtext_free,
	.text_extract = twtext_extract,
	.text_entity = api_text_entity,
	.text_weighted_length = twtext_weighted_length,

	.loop_base = loop_base,

	.pool_submit = pool_submit,
	.pool_cancelled = pool_cancelled,

	.log_warnx = log_warnx,
	.fatalx = fatalx,
	.xmalloc = xmalloc,
	.xcalloc = xcalloc,
	.xreallocarray = xreallocarray,
	.xstrdup = xstrdup,
	.xstrndup = xstrndup,
	.xasprintf = xasprintf,

	.slot_expand = api_slot_expand,
	.json_select = validate_select,
	.slot_settle_text = slot_settle_text,
};
