/*
 * Bad lines: input lines that are not tweets. Each is counted, the first
 * few are reported on stderr (file, line number and reason), and with
 * --bad-lines each is copied verbatim to a file. That file is checked before
 * the run (not an input, not the output, not a symbolic link) and opened
 * only when the first bad line comes.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/lib.h"
#include "core.h"
#include "io/io-int.h"

/* Bad lines reported one by one before only counting them. */
#define BADLINES_SHOWN 10

static FILE		*badlines_file;
static int		 badlines_failed;	/* could not open it */
static int		 badlines_in_long;	/* inside an over-long line */
static struct stat	*badlines_avoid;	/* the output, the inputs */
static u_int		 badlines_navoid;

/* Note a file --bad-lines must not be: the output, then the inputs. */
static void
badlines_note(const struct stat *sb)
{
	badlines_avoid = xreallocarray(badlines_avoid, badlines_navoid + 1,
	    sizeof *badlines_avoid);
	badlines_avoid[badlines_navoid++] = *sb;
}

/*
 * Is this file the output (0) or an input (1)? -1 if neither, or if it is a
 * character device such as /dev/null or a terminal, which can take both.
 */
static int
badlines_clash(const struct stat *sb)
{
	u_int	i;

	if (S_ISCHR(sb->st_mode))
		return (-1);
	for (i = 0; i < badlines_navoid; i++) {
		if (badlines_avoid[i].st_dev == sb->st_dev &&
		    badlines_avoid[i].st_ino == sb->st_ino)
			return (i == 0 ? 0 : 1);
	}
	return (-1);
}

/* Note the output and the input files, once. */
static void
badlines_note_all(char **files, int nfiles)
{
	struct stat	sb;
	int		i;

	if (badlines_navoid > 0)
		return;
	if (fstat(STDOUT_FILENO, &sb) == -1) {
		memset(&sb, 0, sizeof sb);	/* a closed stdout: no clash */
		sb.st_ino = (ino_t)-1;
	}
	badlines_note(&sb);
	for (i = 0; i < (nfiles == 0 ? 1 : nfiles); i++) {
		if (nfiles == 0 || strcmp(files[i], "-") == 0) {
			if (fstat(STDIN_FILENO, &sb) == 0)
				badlines_note(&sb);
		} else if (stat(files[i], &sb) == 0)
			badlines_note(&sb);
	}
}

/* The output is the file path (-o): the files beside it may not be it. */
void
badlines_output(const char *path)
{
	struct stat	sb;

	if (badlines_navoid > 0 && stat(path, &sb) == 0)
		badlines_avoid[0] = sb;
}

/*
 * Check a file that --NAME will write, before the run, given the input
 * files: it may not be the output, an input, a symbolic link or a
 * directory, and must be creatable.
 */
int
badlines_check_file(const char *name, const char *path, char **files,
    int nfiles)
{
	struct stat	 sb;
	char		*copy;
	int		 clash;

	badlines_note_all(files, nfiles);
	if (lstat(path, &sb) == -1) {
		if (errno != ENOENT) {
			log_warn("--%s %s", name, path);
			return (-1);
		}
		copy = xstrdup(path);
		if (access(dirname(copy), W_OK) != 0) {
			log_warn("--%s %s: cannot create", name, path);
			free(copy);
			return (-1);
		}
		free(copy);
		return (0);
	}
	if (S_ISLNK(sb.st_mode)) {
		log_warnx("--%s %s: is a symbolic link", name, path);
		return (-1);
	}
	if (S_ISDIR(sb.st_mode)) {
		log_warnx("--%s %s: is a directory", name, path);
		return (-1);
	}
	if ((clash = badlines_clash(&sb)) != -1) {
		log_warnx("--%s %s: is %s", name, path, clash == 0 ?
		    "the output" : "an input");
		return (-1);
	}
	return (0);
}

/*
 * Check the --bad-lines file before the run. It is opened only when the
 * first bad line comes, so that a run without bad lines leaves it as it was.
 */
int
badlines_check(const char *path, char **files, int nfiles)
{
	return (badlines_check_file("bad-lines", path, files, nfiles));
}

/*
 * Open the --bad-lines file for the first bad line: never through a symbolic
 * link, and truncated only once it is known not to be an input or the output.
 */
static FILE *
badlines_open(void)
{
	struct stat	 sb;
	int		 fd;

	if (badlines_file != NULL || badlines_failed || opts.bad_lines == NULL)
		return (badlines_file);
	fd = open(opts.bad_lines, O_WRONLY|O_CREAT|O_NOFOLLOW|O_CLOEXEC, 0666);
	if (fd == -1 || fstat(fd, &sb) == -1) {
		log_warn("--bad-lines %s", opts.bad_lines);
		goto fail;
	}
	if (badlines_clash(&sb) != -1) {
		log_warnx("--bad-lines %s: is an input or the output",
		    opts.bad_lines);
		goto fail;
	}
	if (S_ISREG(sb.st_mode) && ftruncate(fd, 0) == -1) {
		log_warn("--bad-lines %s", opts.bad_lines);
		goto fail;
	}
	if ((badlines_file = fdopen(fd, "w")) == NULL) {
		log_warn("--bad-lines %s", opts.bad_lines);
		goto fail;
	}
	return (badlines_file);

fail:
	if (fd != -1)
		close(fd);
	badlines_failed = 1;
	return (NULL);
}

/* Close the --bad-lines file; -1 if a write to it failed. */
int
badlines_close(void)
{
	int	failed;

	free(badlines_avoid);
	badlines_avoid = NULL;
	badlines_navoid = 0;
	if (badlines_file == NULL)
		return (badlines_failed ? -1 : 0);
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
	if (opts.quiet || stats.bad > BADLINES_SHOWN)
		return;
	if (lineno == 0)	/* not a line of a file: a stream entry */
		log_warnx("%s: bad line: %s", name, reason);
	else
		log_warnx("%s:%llu: bad line: %s", name,
		    (unsigned long long)lineno, reason);
}

/* A line that is not a tweet. */
void
badlines_add(const char *name, uint64_t lineno, const char *line, size_t len,
    const char *reason)
{
	badlines_count(name, lineno, reason);
	hint_bad(line, len);
	if (badlines_open() != NULL) {
		fwrite(line, 1, len, badlines_file);
		fputc('\n', badlines_file);
	}
}

/*
 * Report a line that was not a tweet where it came from: a bad line with
 * why, or an API page with what --split would make of it.
 */
void
badlines_line(const struct origin *o, const char *line, size_t len,
    enum line_kind kind, const char *why)
{
	switch (kind) {
	case LINE_PAGE_V11:
		hint_page("/statuses");
		badlines_add(o->name, o->lineno, line, len, "an API v1.1 "
		    "search page: /statuses is an array of tweets (use "
		    "--split /statuses)");
		break;
	case LINE_PAGE_V2:
		hint_page("/data");
		badlines_add(o->name, o->lineno, line, len, "an API v2 page: "
		    "/data is an array of tweets (use --split /data)");
		break;
	case LINE_BAD:
		badlines_add(o->name, o->lineno, line, len, why);
		break;
	default:
		break;
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
		hint_bad(chunk, len);
		badlines_in_long = 1;
	}
	if (badlines_open() != NULL) {
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
