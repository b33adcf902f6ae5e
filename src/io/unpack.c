/*
 * Input bytes as they are meant: a gzip file or stream (told by its magic
 * bytes, whatever its name) is inflated as it is read, with zlib, one
 * buffer at a time, so memory stays bounded whatever it expands to;
 * anything else is passed on as read. Concatenated gzip members are one
 * stream, as gzip(1) has them. The first bytes also tell the closing hint
 * about input that cannot be read as it is (UTF-16, other compressions).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "lib/lib.h"
#include "io/io-int.h"

#define UNPACK_CHUNK (128 * 1024)

enum unpack_mode {
	UNPACK_START,		/* not enough bytes seen to tell */
	UNPACK_PLAIN,
	UNPACK_GZIP
};

struct unpack {
	enum unpack_mode	 mode;
	u_char			*raw;		/* bytes read, not yet passed on */
	size_t			 off;
	size_t			 end;
	int			 eof;		/* the fd said end of file */
	z_stream		 z;
	int			 z_init;
	int			 z_member_done;	/* between gzip members */
	int			 z_full;	/* the last call filled its buffer */
};

/* Make a reader for one input after another. */
struct unpack *
unpack_new(void)
{
	struct unpack	*u;

	u = xcalloc(1, sizeof *u);
	u->raw = xmalloc(UNPACK_CHUNK);
	return (u);
}

/* Start on a new input. */
void
unpack_reset(struct unpack *u)
{
	if (u->z_init)
		inflateEnd(&u->z);
	u->z_init = 0;
	u->mode = UNPACK_START;
	u->off = u->end = 0;
	u->eof = 0;
	u->z_member_done = 0;
	u->z_full = 0;
}

/* Free a reader. */
void
unpack_free(struct unpack *u)
{
	if (u == NULL)
		return;
	unpack_reset(u);
	free(u->raw);
	free(u);
}

/*
 * How many bytes read from the fd are not yet used, given that unframed
 * bytes of what was passed on are not either: the input's own bytes
 * (compressed, for gzip, where the output is not counted).
 */
size_t
unpack_held(struct unpack *u, size_t unframed)
{
	if (u->mode == UNPACK_GZIP)
		return (u->z_init ? u->z.avail_in : u->end - u->off);
	return (u->end - u->off + unframed);
}

/* Can bytes be had without reading the fd (so it need not be polled)? */
int
unpack_pending(struct unpack *u)
{
	if (u->mode == UNPACK_GZIP)
		return (u->z.avail_in > 0 || u->z_full ||
		    (u->eof && !u->z_member_done));
	return (u->off < u->end);
}

/* Read more raw bytes after what is kept; -1 (errno set), 0 or count. */
static ssize_t
unpack_fill(struct unpack *u, int fd)
{
	ssize_t	n;

	if (u->off > 0) {
		memmove(u->raw, u->raw + u->off, u->end - u->off);
		u->end -= u->off;
		u->off = 0;
	}
	if (u->end == UNPACK_CHUNK)
		return (1);
	n = read(fd, u->raw + u->end, UNPACK_CHUNK - u->end);
	if (n == 0)
		u->eof = 1;
	if (n > 0)
		u->end += n;
	return (n);
}

/*
 * Is this the magic of a compression we do not read? Tell the closing hint
 * which, and the command that undoes it.
 */
static int
unpack_packer(const u_char *p, size_t n)
{
	static const struct {
		const char	*magic;
		size_t		 len;
		const char	*packer;
		const char	*unpack;
	} packers[] = {
		{ "BZh", 3, "bzip2", "bzip2 -dc" },
		{ "\xfd" "7zXZ\0", 6, "xz", "xz -dc" },
		{ "\x28\xb5\x2f\xfd", 4, "zstd", "zstd -dc" },
		{ "\x04\x22\x4d\x18", 4, "lz4", "lz4 -dc" },
		{ "\x02\x21\x4c\x18", 4, "lz4", "lz4 -dc" },
		{ "\x1f\x9d", 2, "compress", "gzip -dc" },
		{ "PK\x03\x04", 4, "zip", "unzip -p" },
	};
	u_int	i;

	for (i = 0; i < sizeof packers / sizeof packers[0]; i++) {
		if (n >= packers[i].len &&
		    memcmp(p, packers[i].magic, packers[i].len) == 0) {
			hint_compressed(packers[i].packer, packers[i].unpack);
			return (1);
		}
	}
	return (0);
}

/* Tell the format from the first bytes. */
static void
unpack_decide(struct unpack *u)
{
	const u_char	*p = u->raw + u->off;
	size_t		 n = u->end - u->off;

	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
		memset(&u->z, 0, sizeof u->z);
		if (inflateInit2(&u->z, 16 + MAX_WBITS) != Z_OK)
			fatalx("%s: inflateInit2 failed", __func__);
		u->z_init = 1;
		u->z.next_in = u->raw + u->off;
		u->z.avail_in = u->end - u->off;
		u->mode = UNPACK_GZIP;
		return;
	}
	u->mode = UNPACK_PLAIN;
	if (unpack_packer(p, n))
		return;
	if (n >= 2 && ((p[0] == 0xff && p[1] == 0xfe) ||
	    (p[0] == 0xfe && p[1] == 0xff) || (n >= 4 && (p[0] == 0 ||
	    p[1] == 0) && (p[2] == 0 || p[3] == 0))))
		hint_note(HINT_UTF16);
}

/* Inflate into buf; like read(2). */
static ssize_t
unpack_inflate(struct unpack *u, int fd, char *buf, size_t size,
    const char *name)
{
	ssize_t	n;
	int	r;

	for (;;) {
		if (u->z.avail_in == 0 && !u->eof) {
			u->off = u->end = 0;
			if ((n = unpack_fill(u, fd)) < 0)
				return (-1);
			u->z.next_in = u->raw;
			u->z.avail_in = u->end;
		}
		if (u->z.avail_in == 0 && u->eof) {
			if (u->z_member_done)
				return (0);
			hint_note(HINT_GZIP);
			log_warnx("%s: truncated gzip stream", name);
			errno = EBADMSG;
			return (-1);
		}
		if (u->z_member_done) {
			/* Another member follows, or trailing bytes. */
			if (u->z.next_in[0] != 0x1f) {
				log_warnx("%s: bytes after the gzip stream",
				    name);
				u->z.avail_in = 0;
				errno = EBADMSG;
				return (-1);
			}
			inflateReset(&u->z);
			u->z_member_done = 0;
		}
		u->z.next_out = (u_char *)buf;
		u->z.avail_out = size;
		r = inflate(&u->z, Z_NO_FLUSH);
		n = size - u->z.avail_out;
		u->z_full = (u->z.avail_out == 0);
		if (r == Z_STREAM_END)
			u->z_member_done = 1;
		else if (r != Z_OK && r != Z_BUF_ERROR) {
			hint_note(HINT_GZIP);
			log_warnx("%s: bad gzip data: %s", name,
			    u->z.msg != NULL ? u->z.msg : "inflate failed");
			u->z.avail_in = 0;
			u->eof = 1;
			u->z_member_done = 1;
			errno = EBADMSG;
			return (-1);
		}
		if (n > 0)
			return (n);
	}
}

/*
 * Read up to size bytes of the input as it is meant into buf: like
 * read(2), -1 with errno (EAGAIN: try again when the fd is readable), 0 at
 * the end, else a count. A gzip error is logged here and is a read error
 * with errno EBADMSG.
 */
ssize_t
unpack_read(struct unpack *u, int fd, char *buf, size_t size,
    const char *name)
{
	ssize_t	n;

	if (u->mode == UNPACK_START) {
		/* Two bytes tell gzip; six, the rest, if they come at once. */
		while (u->end < 6 && !u->eof) {
			if ((n = unpack_fill(u, fd)) < 0) {
				if (u->end == 0 || (errno != EAGAIN &&
				    errno != EWOULDBLOCK && errno != EINTR))
					return (-1);
				if (u->end < 2)
					return (-1);
				break;
			}
			if (n == 0 || u->end >= 2)
				break;
		}
		unpack_decide(u);
	}
	if (u->mode == UNPACK_GZIP)
		return (unpack_inflate(u, fd, buf, size, name));
	if (u->off < u->end) {
		n = u->end - u->off;
		if ((size_t)n > size)
			n = size;
		memcpy(buf, u->raw + u->off, n);
		u->off += n;
		return (n);
	}
	if (u->eof)
		return (0);
	return (read(fd, buf, size));
}
