/*
 * The closing hint: when the input had lines and none was a tweet (nor a
 * notice), the likely cause is named on one line and the exit status is 1.
 * Causes are noted as the input is read: the first bytes (another
 * compression, named with the command that undoes it; UTF-16), API pages,
 * and the shape of the bad lines (a JSON array, pieces of a pretty-printed
 * document, CSV records).
 */

#include <string.h>

#include "lib/lib.h"
#include "core.h"
#include "io/io-int.h"

static int		 hint_seen;	/* HINT_* noted */
static const char	*hint_page_pointer = "/data";
static const char	*hint_packer;	/* what compressed the input */
static const char	*hint_unpack;	/* and the command that undoes it */
static u_int		 hint_pretty;	/* bad lines like a pretty-printed */
static u_int		 hint_csv;	/* ... or CSV records */

/* Note a cause. */
void
hint_note(int what)
{
	hint_seen |= what;
}

/* Note an API page whose tweets are the array at pointer. */
void
hint_page(const char *pointer)
{
	hint_seen |= HINT_PAGE;
	hint_page_pointer = pointer;
}

/* Note input compressed by another program, and how to undo it. */
void
hint_compressed(const char *packer, const char *unpack)
{
	hint_seen |= HINT_COMPRESSED;
	if (hint_packer == NULL) {
		hint_packer = packer;
		hint_unpack = unpack;
	}
}

/* Does a JSON string followed by a colon (a member) start at line[i]? */
static int
hint_member(const char *line, size_t i, size_t n)
{
	if (line[i] != '"')
		return (0);
	for (i++; i < n && line[i] != '"'; i++) {
		if (line[i] == '\\')
			i++;
	}
	for (i++; i < n && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	return (i < n && line[i] == ':');
}

/* Note what a bad line (or the start of a long one) looks like. */
void
hint_bad(const char *line, size_t len)
{
	size_t	i = 0, n = len;

	if (memchr(line, '\0', len) != NULL) {
		hint_seen |= HINT_UTF16;
		return;
	}
	while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
		i++;
	while (n > i && (line[n - 1] == ' ' || line[n - 1] == '\t' ||
	    line[n - 1] == '\r'))
		n--;
	if (i == n)
		return;
	if (line[i] == '[' && n - i > 1) {
		hint_seen |= HINT_ARRAY;
		return;
	}
	/*
	 * A lone bracket, a member, or a line that goes on: pieces of a
	 * document. Fields between commas, not in brackets: a CSV record.
	 */
	if ((n - i <= 2 && strchr("{}[]", line[i]) != NULL) ||
	    hint_member(line, i, n) || strchr("{[:", line[n - 1]) != NULL)
		hint_pretty++;
	else if (line[i] != '{' && line[i] != '[' &&
	    memchr(line + i, ',', n - i - 1) != NULL)
		hint_csv++;
	else if (line[i] == '"' || line[n - 1] == ',')
		hint_pretty++;
	if (hint_pretty > 0)
		hint_seen |= HINT_PRETTY;
}

/*
 * At the end: if lines were read and none was a tweet or a notice (or in
 * the output already, --continue), say the likely cause on stderr and
 * return 1 (the exit status is then 1).
 */
int
hint_report(void)
{
	if (stats.read == 0 || stats.tweets > 0 || stats.notices > 0 ||
	    stats.skipped > 0)
		return (0);
	if (hint_seen & HINT_COMPRESSED)
		log_warnx("no line was a tweet: the input looks compressed "
		    "with %s (gzip is read as it is; decompress others "
		    "first: %s)", hint_packer, hint_unpack);
	else if (hint_seen & HINT_UTF16)
		log_warnx("no line was a tweet: the input looks like UTF-16 "
		    "(convert it: iconv -f UTF-16 -t UTF-8)");
	else if (hint_seen & HINT_GZIP)
		log_warnx("no line was a tweet: the gzip input could not be "
		    "read (see above)");
	else if (opts.split != NULL)
		log_warnx("no tweet was found: no array at --split %s held an "
		    "object", *opts.split == '\0' ? "''" : opts.split);
	else if (hint_seen & HINT_PAGE)
		log_warnx("no line was a tweet: the lines are API pages with "
		    "the tweets in an array (use --split %s)",
		    hint_page_pointer);
	else if (hint_seen & HINT_ARRAY)
		log_warnx("no line was a tweet: the input is a JSON array, "
		    "not one tweet per line (use --split '')");
	else if (hint_csv > hint_pretty)
		log_warnx("no line was a tweet: the input looks like CSV, "
		    "not JSON lines (convert it first, e.g. mlr --icsv "
		    "--ojsonl cat)");
	else if (hint_seen & HINT_PRETTY)
		log_warnx("no line was a tweet: the input looks pretty-printed, "
		    "one JSON document over many lines (use --split '', or "
		    "--split /data for API pages)");
	else
		log_warnx("no line was a tweet (a JSON object on one line)");
	return (1);
}
