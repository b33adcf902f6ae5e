/*
 * Finishing a failed run: --errors writes each tweet that has an
 * enrichment error to a file of its own, and --resume keeps the values an
 * earlier run wrote without an error, so that only failed enrichments are
 * redone.
 */

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "lib/lib.h"
#include "core.h"
#include "enrich/enrich.h"
#include "io/io.h"
#include "tweet/tweet-int.h"

static FILE	*tweet_errors_file;	/* --errors */

/* Open the --errors file. */
int
tweet_errors_open(const char *path)
{
	int	fd;

	/* Checked by badlines_check_file: not an input, the output, a link. */
	fd = open(path, O_WRONLY|O_CREAT|O_TRUNC|O_NOFOLLOW|O_CLOEXEC, 0666);
	if (fd == -1 || (tweet_errors_file = fdopen(fd, "w")) == NULL) {
		log_warn("%s", path);
		if (fd != -1)
			close(fd);
		return (-1);
	}
	return (0);
}

/* Close the --errors file; -1 if a write to it failed. */
int
tweet_errors_close(void)
{
	int	failed;

	if (tweet_errors_file == NULL)
		return (0);
	failed = ferror(tweet_errors_file);
	if (fclose(tweet_errors_file) != 0)
		failed = 1;
	tweet_errors_file = NULL;
	if (failed) {
		log_warnx("%s: write failed", opts.errors);
		return (-1);
	}
	return (0);
}

/*
 * With --errors, has the tweet (parsed: it has members of ours) errors of
 * enrichments that this run does not redo?
 */
int
tweet_errors_old(json_t *root)
{
	json_t		*errs, *v;
	const char	*key;
	u_int		 i;

	if (tweet_errors_file == NULL)
		return (0);
	errs = json_object_get(root, "enrichment_errors");
	if (!json_is_object(errs))
		return (0);
	json_object_foreach(errs, key, v) {
		for (i = 0; i < slot_nenrichments; i++) {
			if (strcmp(slot_enrichments[i]->name, key) == 0)
				break;
		}
		if (i == slot_nenrichments)
			return (1);
	}
	return (0);
}

/*
 * --resume: if the tweet already has a value without an error for
 * enrichment i, keep it (the slot settles with it) and say so.
 */
int
tweet_errors_keep(struct tweet *t, u_int i)
{
	const char	*name = slot_enrichments[i]->name;
	json_t		*obj, *errs, *v;

	obj = json_object_get(t->root, "enrichments");
	errs = json_object_get(t->root, "enrichment_errors");
	if (!json_is_object(obj) || (v = json_object_get(obj, name)) == NULL)
		return (0);
	if (json_is_object(errs) && json_object_get(errs, name) != NULL)
		return (0);
	t->slots[i].kept = 1;	/* written as it is in the input */
	t->slots[i].settled = 1;
	t->unsettled--;
	stats.enrichments_kept++;
	return (1);
}

/* A finished tweet: to the --errors file too, if it has errors. */
void
tweet_errors_write(struct tweet *t)
{
	struct evbuffer	*b;

	if (tweet_errors_file == NULL || (t->nerrors == 0 && !t->old_errors))
		return;
	if ((b = evbuffer_new()) == NULL)
		fatalx("%s: evbuffer_new failed", __func__);
	tweet_write(t, b);
	fwrite(evbuffer_pullup(b, -1), 1, evbuffer_get_length(b),
	    tweet_errors_file);
	evbuffer_free(b);
}
