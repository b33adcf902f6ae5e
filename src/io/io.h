/*
 * io: sources (input.c: files and stdin; the Redis stream is in redis/),
 * framing (frame.c), gzip (unpack.c), --split (split.c), hints about
 * input that held no tweet (hint.c), bad lines (badlines.c) and the output
 * (output.c).
 */

#ifndef TE_IO_H
#define TE_IO_H

#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

struct frame;
struct source;
struct split;
struct tweet;
struct unpack;

/*
 * Where a line came from: named when it is reported as bad, and given back
 * to its source (an acknowledgement) once the sink has the tweet's output.
 */
struct origin {
	struct source	*source;	/* NULL: nothing to acknowledge */
	const char	*name;		/* a file, "stdin", "STREAM entry ID" */
	uint64_t	 lineno;	/* 0 for a stream entry */
	const char	*id;		/* the stream entry, or NULL */
};

/* What a line turned out to be (tweet_line); the reader reports the last 3. */
enum line_kind {
	LINE_TWEET,
	LINE_NOTICE,		/* a stream notice, written as it is */
	LINE_DROPPED,		/* a notice left out: nothing will be written */
	LINE_BAD,		/* not a JSON object (why says so) */
	LINE_PAGE_V11,		/* a v1.1 search page: /statuses */
	LINE_PAGE_V2		/* a v2 page: /data */
};

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
int		 hint_report(void);

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
ssize_t		 unpack_read(struct unpack *, int, char *, size_t,
		     const char *);

/* input.c */
void		 input_open_stream(void);
u_int		 input_room(void);
int		 input_open(char **, int);
enum input_gauge {
	INPUT_PENDING,		/* tweets held (stats.pending) */
	INPUT_OUTPUT		/* bytes of output not yet taken */
};
void		 input_fill(enum input_gauge, size_t);
void		 input_stop(void);
int		 input_done(void);
int		 input_failed(void);
void		 input_close(void);

/* badlines.c */
int		 badlines_check(const char *, char **, int);
int		 badlines_check_file(const char *, const char *, char **, int);
int		 badlines_close(void);
void		 badlines_add(const char *, uint64_t, const char *, size_t,
		     const char *);
void		 badlines_long(const char *, uint64_t, const char *, size_t,
		     int);
void		 badlines_report(void);
void		 badlines_line(const struct origin *, const char *, size_t,
		     enum line_kind, const char *);

/* output.c */
void		 output_init(int, int, u_int);
void		 output_tweet(struct tweet *);
int		 output_idle(void);
void		 output_flush_now(void);
void		 output_free(void);
void		 output_sink_drained(void);

#endif
