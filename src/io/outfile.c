/*
 * Output files of the sinks that write to a path (csv:PATH, and any sink
 * a later option points at a file): opened in one place (created, or
 * truncated, or appended to), synced at the end, and told whether empty
 * (a CSV header goes only at the top of a file).
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "lib/lib.h"
#include "io/io.h"

/*
 * Open path for writing: created if missing, truncated (or with
 * OUTFILE_APPEND, appended to); the fd, or -1 with *cause set.
 */
int
outfile_open(const char *path, int flags, char **cause)
{
	int	fd, oflags;

	oflags = O_WRONLY | O_CREAT | O_CLOEXEC;
	oflags |= (flags & OUTFILE_APPEND) ? O_APPEND : O_TRUNC;
	if ((fd = open(path, oflags, 0666)) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	return (fd);
}

/* Is the file of fd empty (or not a regular file)? */
int
outfile_empty(int fd)
{
	struct stat	sb;

	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
		return (1);
	return (sb.st_size == 0);
}

/* Make what was written to fd (named path) durable: 0, or -1 (said). */
int
outfile_sync(int fd, const char *path)
{
	struct stat	sb;

	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
		return (0);
	if (fsync(fd) != 0) {
		log_warn("%s: fsync", path);
		return (-1);
	}
	return (0);
}
