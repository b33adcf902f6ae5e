/*
 * Config files: a JSON object whose "enrich" member lists enrichments (spec
 * strings or objects) and whose other members are long options by name, with
 * the same meaning as on the command line.
 */

#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "core.h"
#include "enrich/enrich.h"

static int
config_option(const char *path, const char *key, json_t *v,
    config_option_cb option_cb, char **cause)
{
	char	*s, *why = NULL;
	int	 r;

	if ((s = spec_scalar(v)) == NULL) {
		xasprintf(cause, "%s: bad value for \"%s\"", path, key);
		return (-1);
	}
	r = option_cb(key, s, &why);
	free(s);
	if (r != 0) {
		xasprintf(cause, "%s: %s", path, why);
		free(why);
	}
	return (r);
}

/* Load a config file, calling back for each option and enrichment. */
int
config_load(const char *path, config_option_cb option_cb,
    config_enrich_cb enrich_cb, char **cause)
{
	json_t		*root, *v, *item;
	json_error_t	 error;
	struct spec	*sp;
	const char	*key;
	char		*why = NULL;
	size_t		 i;

	root = json_load_file(path, JSON_REJECT_DUPLICATES, &error);
	if (root == NULL) {
		if (error.line > 0)
			xasprintf(cause, "%s:%d: %s", path, error.line,
			    error.text);
		else
			xasprintf(cause, "%s: %s", path, error.text);
		return (-1);
	}
	if (!json_is_object(root)) {
		xasprintf(cause, "%s: a config file holds a JSON object", path);
		goto fail;
	}
	json_object_foreach(root, key, v) {
		if (strcmp(key, "enrich") == 0) {
			if (!json_is_array(v)) {
				xasprintf(cause, "%s: \"enrich\" is an array",
				    path);
				goto fail;
			}
			json_array_foreach(v, i, item) {
				if ((sp = spec_from_json(item, &why)) == NULL ||
				    enrich_cb(sp, &why) != 0) {
					xasprintf(cause, "%s: %s", path, why);
					free(why);
					goto fail;
				}
			}
			continue;
		}
		if (json_is_array(v)) {
			json_array_foreach(v, i, item) {
				if (config_option(path, key, item, option_cb,
				    cause) != 0)
					goto fail;
			}
			continue;
		}
		if (config_option(path, key, v, option_cb, cause) != 0)
			goto fail;
	}
	json_decref(root);
	return (0);

fail:
	json_decref(root);
	return (-1);
}
