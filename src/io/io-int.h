/*
 * io-int.h: what the files of src/io/ share and nobody else uses: framing
 * (frame.c), --split (split.c), gzip (unpack.c), the hints about input that
 * held no tweet (hint.c), a bad line's report (badlines.c) and whether the
 * source is paused (source.c). Included only by src/io/ (and its tests).
 */

#ifndef TE_IO_INT_H
#define TE_IO_INT_H

#include "io/io.h"

struct frame;
struct split;
struct unpack;

/* frame.c */
typedef int	(*frame_line_cb)(void *, const char *, size_t, uint64_t);
typedef void	(*frame_long_cb)(void *, const char *, size_t, uint64_t, int);
typedef void	(*split_bad_cb)(void *, uint64_t, const char *);
struct frame	*frame_new(size_t, frame_line_cb, frame_long_cb, void *);
void		 frame_free(struct frame *);
size_t		 frame_feed(struct frame *, const char *, size_t);
void		 frame_finish(struct frame *);
void		 frame_reset(struct frame *);
void		 frame_split(struct frame *, const char *, split_bad_cb);

/* hint.c */
#define HINT_UTF16 0x1
#define HINT_COMPRESSED 0x2
#define HINT_GZIP 0x4
#define HINT_PAGE 0x8
#define HINT_ARRAY 0x10
#define HINT_PRETTY 0x20
void		 hint_note(int);
void		 hint_compressed(const char *, const char *);
void		 hint_page(const char *);
void		 hint_bad(const char *, size_t);

/* split.c */
struct split	*split_new(const char *, size_t, frame_line_cb, frame_long_cb,
		     split_bad_cb, void *);
void		 split_reset(struct split *);
void		 split_free(struct split *);
size_t		 split_feed(struct split *, const char *, size_t);
void		 split_finish(struct split *);

/* unpack.c */
struct unpack	*unpack_new(void);
void		 unpack_reset(struct unpack *);
void		 unpack_free(struct unpack *);
int		 unpack_pending(struct unpack *);
size_t		 unpack_held(struct unpack *, size_t);
ssize_t		 unpack_read(struct unpack *, int, char *, size_t,
		     const char *);

/* badlines.c */
void		 badlines_line(const struct origin *, const char *, size_t,
		     enum line_kind, const char *);
void		 badlines_long(const char *, uint64_t, const char *, size_t,
		     int);

/* source.c */
int		 source_paused(struct source *);

#endif
