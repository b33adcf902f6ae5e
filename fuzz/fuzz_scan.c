/*
 * libFuzzer: scan.c against jansson. The input is a JSON pointer, a NUL
 * byte, then a line. On any line the scan must stay within the text; on a
 * line the validator accepts, the value the pointer names (and every value
 * on the way to it) must be the one pointer_get() finds in jansson's tree,
 * and the top-level members the validator keeps the ones scan_next walks.
 */

#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "json/json.h"
#include "tweet/tweet.h"

/* Scan and tree agree on p? */
static void
fuzz_agree(const char *text, size_t len, json_t *tree, const char *p)
{
	struct scan_value	 root, v;
	json_t			*tv, *sv;
	char			*a, *b;
	int			 found;

	if (scan_root(text, len, &root) != 0)
		abort();
	tv = pointer_get(tree, p);
	found = scan_pointer(&root, p, &v) == 0;
	if (found != (tv != NULL))
		abort();
	if (!found)
		return;
	if ((sv = scan_json(&v)) == NULL)
		abort();
	a = json_dumps(sv, JSON_COMPACT|JSON_ENCODE_ANY);
	b = json_dumps(tv, JSON_COMPACT|JSON_ENCODE_ANY);
	if (a == NULL || b == NULL || strcmp(a, b) != 0 || !json_equal(sv, tv))
		abort();
	free(a);
	free(b);
	json_decref(sv);
}

/* The validator's members are scan_next's. */
static void
fuzz_members(const char *text, size_t len, const struct validate_members *top)
{
	struct scan_value	 root, k, v;
	struct scan_iter	 it;
	u_int			 i = 0;

	if (scan_line(text, len, &root) != 0)
		abort();
	scan_iter_init(&it, &root);
	while (scan_next(&it, &k, &v)) {
		if (i < VALIDATE_MAX_MEMBERS && (top->m[i].key.text != k.text ||
		    top->m[i].key.len != k.len ||
		    top->m[i].value.text != v.text ||
		    top->m[i].value.len != v.len ||
		    top->m[i].value.type != v.type))
			abort();
		i++;
	}
	if (top->n != (i > VALIDATE_MAX_MEMBERS ? VALIDATE_MAX_MEMBERS + 1 : i))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t		*nul = memchr(data, '\0', size);
	struct scan_value	 root, v, k;
	struct scan_iter	 it;
	struct validate_members	*top;
	json_t			*tree;
	const char		*text;
	char			*p, *s, why[256];
	size_t			 len, n, i;

	if (nul == NULL)
		return (0);
	p = xstrndup((const char *)data, nul - data);
	text = (const char *)nul + 1;
	len = size - (nul - data) - 1;

	/* Anything: only memory safety is asked. */
	if (scan_root(text, len, &root) == 0) {
		if (scan_pointer(&root, p, &v) == 0) {
			if ((s = scan_string(&v, &n)) != NULL)
				free(s);
			json_decref(scan_json(&v));
		}
		scan_iter_init(&it, &root);
		while (scan_next(&it, &k, &v))
			;
	}

	top = xmalloc(sizeof *top);
	if (validate_tweet(text, len, top, why, sizeof why) != -1) {
		fuzz_members(text, len, top);
		tree = tweet_parse(text, len, why, sizeof why);
		if (tree == NULL)
			abort();	/* the validator is the parser's */
		/* The pointer and each of its prefixes. */
		for (i = 0; p[i] != '\0'; i++) {
			if (p[i] != '/' || i == 0)
				continue;
			p[i] = '\0';
			fuzz_agree(text, len, tree, p);
			p[i] = '/';
		}
		fuzz_agree(text, len, tree, p);
		json_decref(tree);
	}
	free(top);
	free(p);
	return (0);
}
