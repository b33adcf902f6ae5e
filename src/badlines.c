/*
 * Bad lines: input lines that are not tweets. Each is counted, the first
 * few are reported on stderr (file, line number and reason), and with
 * --bad-lines each is copied verbatim to a file.
 */

#include <stdio.h>
#include <stdlib.h>

#include "tweet-enricher.h"

/* Bad lines reported one by one before only counting them. */
#define BADLINES_SHOWN 10

static FILE	*badlines_file;
static int	 badlines_in_long;	/* inside an over-long line */

/* Open the --bad-lines file. */
int
badlines_open(const char *path)
{
	if ((badlines_file = fopen(path, "w")) == NULL) {
		log_warn("%s", path);
		return (-1);
	}
	return (0);
}

/* Close the --bad-lines file; -1 if a write to it failed. */
int
badlines_close(void)
{
	int	failed;

	if (badlines_file == NULL)
		return (0);
	failed = ferror(badlines_file);
	if (fclose(badlines_file) != 0)
		failed = 1;
	badlines_file = NULL;
	if (failed) {
		log_warnx("%s: write failed", opts.bad_lines);
		return (-1);
	}
	return (0);
}

/* Count a bad line and report it while few have been. */
static void
badlines_count(const char *name, uint64_t lineno, const char *reason)
{
	stats.read++;
	stats.bad++;
	if (!opts.quiet && stats.bad <= BADLINES_SHOWN)
		log_warnx("%s:%llu: bad line: %s", name,
		    (unsigned long long)lineno, reason);
}

/* A line that is not a tweet. */
void
badlines_add(const char *name, uint64_t lineno, const char *line, size_t len,
    const char *reason)
{
	badlines_count(name, lineno, reason);
	if (badlines_file != NULL) {
		fwrite(line, 1, len, badlines_file);
		fputc('\n', badlines_file);
	}
}

/* A piece of a line longer than --max-line; end is set on the last piece. */
void
badlines_long(const char *name, uint64_t lineno, const char *chunk,
    size_t len, int end)
{
	char	reason[64];

	if (!badlines_in_long) {
		snprintf(reason, sizeof reason, "longer than %zu bytes",
		    opts.max_line);
		badlines_count(name, lineno, reason);
		badlines_in_long = 1;
	}
	if (badlines_file != NULL) {
		fwrite(chunk, 1, len, badlines_file);
		if (end)
			fputc('\n', badlines_file);
	}
	if (end)
		badlines_in_long = 0;
}

/* Say how many bad lines there were beyond those shown. */
void
badlines_report(void)
{
	if (!opts.quiet && stats.bad > BADLINES_SHOWN)
		log_warnx("%llu bad lines in all (%llu not shown)",
		    (unsigned long long)stats.bad,
		    (unsigned long long)(stats.bad - BADLINES_SHOWN));
}
