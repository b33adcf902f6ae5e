/*
 * The journal of an output file (-o FILE, -o csv:FILE): FILE.continue, so
 * that a run killed at any instant, even by SIGKILL, is finished by the
 * same command with --continue. The file sink tells the journal the end of
 * each line it commits and its input position (journal_line), then how far
 * its writes have reached (journal_written): only then are the positions of
 * the lines now whole in FILE appended to the journal, followed by a mark
 * of where those lines end. The output is always written first, so at any
 * instant the journal's last mark is at or before the end of FILE: a
 * continuing run cuts FILE at the last mark (a torn line, and lines written
 * but not yet in the journal, go) and skips the positions before it.
 *
 * The journal is 8-byte records (little-endian) after an 8-byte magic: a
 * position (top bits 00), "every position below this" (01, written when
 * compacted), a mark: the output's length (10). A torn last record or
 * positions after the last mark are ignored. It is rewritten compacted
 * (low mark, the few above, one mark) at the start of a run and at its end,
 * through a temporary file renamed over it.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/lib.h"
#include "io/io.h"

#define JOURNAL_MAGIC "TECONT1\n"
#define JOURNAL_POS 0ULL
#define JOURNAL_BELOW (1ULL << 62)
#define JOURNAL_MARK (2ULL << 62)
#define JOURNAL_TYPE (3ULL << 62)

/* A committed line: where it ends among the sink's bytes, its position. */
struct journal_line {
	uint64_t	 end;
	uint64_t	 pos;
};

static int			 journal_fd = -1;
static char			*journal_path;
static uint64_t			 journal_base;	/* output length at open */
static uint64_t			 journal_mark;	/* the last mark written */
static struct journal_line	*journal_q;	/* committed, not written */
static size_t			 journal_qhead;
static size_t			 journal_qn;
static size_t			 journal_qsize;
static uint64_t			*journal_rec;	/* records to append */
static size_t			 journal_nrec;
static size_t			 journal_recsize;
static int			 journal_failed;

/* Add a record to the batch to append. */
static void
journal_add(uint64_t rec)
{
	if (journal_nrec == journal_recsize) {
		journal_recsize = journal_recsize == 0 ? 256 :
		    journal_recsize * 2;
		journal_rec = xreallocarray(journal_rec, journal_recsize,
		    sizeof *journal_rec);
	}
	journal_rec[journal_nrec++] = rec;
}

/* Write the batch to fd: 0, or -1 with errno set. */
static int
journal_put(int fd)
{
	u_char	*b = (u_char *)journal_rec;
	size_t	 i, len;
	ssize_t	 n;
	uint64_t v;
	int	 k;

	for (i = 0; i < journal_nrec; i++) {
		v = journal_rec[i];
		for (k = 0; k < 8; k++, v >>= 8)
			b[i * 8 + k] = v & 0xff;
	}
	len = journal_nrec * 8;
	journal_nrec = 0;
	while (len > 0) {
		if ((n = write(fd, b, len)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		b += n;
		len -= n;
	}
	return (0);
}

/*
 * Read the journal on fd against an output of outlen bytes: the positions
 * before the last usable mark go into the done set; that mark is *cut.
 */
static int
journal_load(int fd, uint64_t outlen, uint64_t *cut, char **cause)
{
	u_char		 buf[8192];
	uint64_t	*pend = NULL, v;
	size_t		 npend = 0, spend = 0, have = 0, i, off;
	ssize_t		 n;
	int		 k, first = 1;

	*cut = 0;
	for (;;) {
		if ((n = read(fd, buf + have, sizeof buf - have)) == -1) {
			if (errno == EINTR)
				continue;
			xasprintf(cause, "%s: %s", journal_path,
			    strerror(errno));
			free(pend);
			return (-1);
		}
		have += n;
		off = 0;
		if (first && have >= 8) {
			if (memcmp(buf, JOURNAL_MAGIC, 8) != 0) {
				xasprintf(cause, "%s: not a journal of "
				    "tweet-enricher", journal_path);
				free(pend);
				return (-1);
			}
			off = 8;
			first = 0;
		}
		for (; !first && off + 8 <= have; off += 8) {
			for (v = 0, k = 7; k >= 0; k--)
				v = (v << 8) | buf[off + k];
			if ((v & JOURNAL_TYPE) != JOURNAL_MARK) {
				if (npend == spend) {
					spend = spend == 0 ? 256 : spend * 2;
					pend = xreallocarray(pend, spend,
					    sizeof *pend);
				}
				pend[npend++] = v;
				continue;
			}
			if ((v & ~JOURNAL_TYPE) > outlen)
				goto done;	/* the output is shorter */
			for (i = 0; i < npend; i++) {
				if ((pend[i] & JOURNAL_TYPE) == JOURNAL_BELOW)
					doneset_below(pend[i] & ~JOURNAL_TYPE);
				else
					doneset_add(pend[i]);
			}
			npend = 0;
			*cut = v & ~JOURNAL_TYPE;
		}
		memmove(buf, buf + off, have - off);
		have -= off;
		if (n == 0)
			break;
	}
done:
	free(pend);
	return (0);
}

/*
 * Write the journal afresh: the done set and a mark at cut, into a
 * temporary file renamed over it; its fd is kept to append to.
 */
static int
journal_compact(uint64_t cut, char **cause)
{
	char		*tmp;
	uint64_t	 low, pos;
	int		 fd;

	xasprintf(&tmp, "%s.tmp", journal_path);
	fd = open(tmp, O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0666);
	if (fd == -1)
		goto fail;
	if (write(fd, JOURNAL_MAGIC, 8) != 8)
		goto fail;
	low = doneset_low();
	journal_add(JOURNAL_BELOW | low);
	for (pos = low; (pos = doneset_next(pos)) != 0; pos++)
		journal_add(JOURNAL_POS | pos);
	journal_add(JOURNAL_MARK | cut);
	if (journal_put(fd) != 0 || fsync(fd) != 0)
		goto fail;
	if (rename(tmp, journal_path) != 0)
		goto fail;
	if (journal_fd != -1)
		close(journal_fd);
	journal_fd = fd;
	journal_mark = cut;
	free(tmp);
	return (0);

fail:
	xasprintf(cause, "%s: %s", fd == -1 ? tmp : journal_path,
	    strerror(errno));
	if (fd != -1) {
		close(fd);
		unlink(tmp);
	}
	free(tmp);
	return (-1);
}

/*
 * Open the journal of output path: with cont, read what is in the output
 * already (the done set) and where the output must be cut (*cut), else
 * start afresh (*cut is 0). The caller cuts the output there and appends.
 */
int
journal_open(const char *path, int cont, uint64_t *cut, char **cause)
{
	struct stat	sb;
	uint64_t	outlen = 0;
	int		fd;

	*cut = 0;
	xasprintf(&journal_path, "%s.continue", path);
	if (stat(path, &sb) == 0)
		outlen = sb.st_size;
	if (cont) {
		fd = open(journal_path, O_RDONLY|O_CLOEXEC);
		if (fd == -1 && (errno != ENOENT || outlen != 0)) {
			if (errno == ENOENT)
				xasprintf(cause, "cannot continue %s: no "
				    "%s beside it (was it written with -o?)",
				    path, journal_path);
			else
				xasprintf(cause, "%s: %s", journal_path,
				    strerror(errno));
			return (-1);
		}
		if (fd != -1 && journal_load(fd, outlen, cut, cause) != 0) {
			close(fd);
			return (-1);
		}
		if (fd != -1)
			close(fd);
	}
	journal_base = *cut;
	if (journal_compact(*cut, cause) != 0)
		return (-1);
	/* The journal says cut: now the output may be cut there. */
	fd = open(path, O_WRONLY|O_CREAT|O_CLOEXEC, 0666);
	if (fd == -1 || ftruncate(fd, *cut) != 0) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return (-1);
	}
	close(fd);
	return (0);
}

/* A line is committed: it ends at end of the sink's bytes (pos: 0 none). */
void
journal_line(uint64_t end, uint64_t pos)
{
	if (journal_fd == -1)
		return;
	if (journal_qhead + journal_qn == journal_qsize) {
		if (journal_qhead > 0) {
			memmove(journal_q, journal_q + journal_qhead,
			    journal_qn * sizeof *journal_q);
			journal_qhead = 0;
		} else {
			journal_qsize = journal_qsize == 0 ? 256 :
			    journal_qsize * 2;
			journal_q = xreallocarray(journal_q, journal_qsize,
			    sizeof *journal_q);
		}
	}
	journal_q[journal_qhead + journal_qn].end = end;
	journal_q[journal_qhead + journal_qn].pos = pos;
	journal_qn++;
}

/*
 * The sink's writes reached written bytes: append the positions of the
 * lines now whole in the output, and a mark where they end. 0, or -1 (said).
 */
int
journal_written(uint64_t written)
{
	struct journal_line	*l;
	uint64_t		 end = 0;

	if (journal_fd == -1 || journal_failed)
		return (journal_failed ? -1 : 0);
	while (journal_qn > 0) {
		l = &journal_q[journal_qhead];
		if (l->end > written)
			break;
		if (l->pos != 0) {
			journal_add(JOURNAL_POS | l->pos);
			doneset_add(l->pos);
		}
		end = l->end;
		journal_qhead++;
		journal_qn--;
	}
	if (journal_nrec == 0)
		return (0);
	journal_mark = journal_base + end;
	journal_add(JOURNAL_MARK | journal_mark);
	if (journal_put(journal_fd) != 0) {
		log_warn("%s", journal_path);
		journal_failed = 1;
		return (-1);
	}
	return (0);
}

/*
 * The end of the run: with the output made durable, write the journal
 * compacted, and close it. 0, or -1 (said).
 */
int
journal_close(void)
{
	char	*cause = NULL;
	int	 rc = 0;

	if (journal_path == NULL)
		return (0);
	if (journal_fd != -1 && !journal_failed &&
	    journal_compact(journal_mark, &cause) != 0) {
		log_warnx("%s", cause);
		free(cause);
		rc = -1;
	}
	if (journal_fd != -1)
		close(journal_fd);
	journal_fd = -1;
	free(journal_path);
	journal_path = NULL;
	free(journal_q);
	journal_q = NULL;
	journal_qhead = journal_qn = journal_qsize = 0;
	free(journal_rec);
	journal_rec = NULL;
	journal_nrec = journal_recsize = 0;
	return (journal_failed ? -1 : rc);
}
