/*
 * lib: the bottom layer. Diagnostics (log.c), allocation that dies on
 * failure (xmalloc.c), the clocks (clock.c), the hash table and FNV-1a
 * (hash.c), ${NAME} secrets (secret.c), the CPU pool (pool.c), child
 * processes (child.c) and the event loop (loop.c). Calls nothing above it.
 */

#ifndef TE_LIB_H
#define TE_LIB_H

#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

struct event_base;

#ifndef __dead
#define __dead __attribute__((__noreturn__))
#endif
#ifndef __unused
#define __unused __attribute__((__unused__))
#endif
#define printflike(a, b) __attribute__((__format__(__printf__, a, b)))

/* Diagnostics (log.c) and allocation that dies on failure (xmalloc.c). */
void		 log_warnx(const char *, ...)
		     __attribute__((__format__(__printf__, 1, 2)));
void		 log_warn(const char *, ...)
		     __attribute__((__format__(__printf__, 1, 2)));
void		 log_raw(const char *, ...)
		     __attribute__((__format__(__printf__, 1, 2)));
void		 fatalx(const char *, ...)
		     __attribute__((__noreturn__, __format__(__printf__, 1, 2)));
void		 fatal(const char *, ...)
		     __attribute__((__noreturn__, __format__(__printf__, 1, 2)));
void		*xmalloc(size_t);
void		*xcalloc(size_t, size_t);
void		*xreallocarray(void *, size_t, size_t);
char		*xstrdup(const char *);
char		*xstrndup(const char *, size_t);
int		 xasprintf(char **, const char *, ...)
		     __attribute__((__format__(__printf__, 2, 3)));
int		 xvasprintf(char **, const char *, va_list);

void		 log_progress_line(int);

/* The clocks (clock.c): monotonic and wall-clock seconds. */
double		 clock_mono(void);
double		 clock_wall(void);
double		 clock_ms_since(double);
void		 clock_hms(double, char *, size_t);

/*
 * One hash table (chained, nodes embedded in their owners, keys kept by
 * the owners) and one FNV-1a (hash.c).
 */
struct hash_node {
	struct hash_node	*next;
	const void		*key;
	size_t			 keylen;
	uint32_t		 hash;
};
struct hash {
	struct hash_node	**table;
	u_int			  size;		/* buckets, a power of 2 */
	u_int			  count;
};
/*
 * The struct of type holding node hn as its member (NULL for NULL); hn is
 * evaluated once (it is often a hash_find call).
 */
static inline void *
hash_entry_of(struct hash_node *hn, size_t off)
{
	return (hn == NULL ? NULL : (void *)((char *)hn - off));
}
#define HASH_ENTRY(hn, type, member) \
	((type *)hash_entry_of((hn), offsetof(type, member)))
uint32_t	 hash_fnv1a(const void *, size_t);
void		 hash_init(struct hash *);
struct hash_node *hash_find(struct hash *, const void *, size_t);
struct hash_node *hash_find_hashed(struct hash *, const void *, size_t,
		     uint32_t);
void		 hash_insert(struct hash *, struct hash_node *, const void *,
		     size_t);
void		 hash_insert_hashed(struct hash *, struct hash_node *,
		     const void *, size_t, uint32_t);
void		 hash_remove(struct hash *, struct hash_node *);
struct hash_node *hash_first(struct hash *);
struct hash_node *hash_next(struct hash *, struct hash_node *);
u_int		 hash_count(const struct hash *);
void		 hash_free(struct hash *);

/*
 * Latency histograms in fixed memory, log-linear (histo.c): microseconds,
 * quantiles above the exact ones by less than 1/64. A struct latency adds
 * the counts --stats shows beside them. latency_current is whose lookups
 * are being made (the enrichment running), or NULL.
 */
#define HISTO_MAX	((uint64_t)1 << 37)
#define HISTO_BUCKETS	(32 * 64)	/* to HISTO_MAX */
struct histo {
	uint64_t	 count;
	uint64_t	 min;
	uint64_t	 max;
	uint32_t	 b[HISTO_BUCKETS];
};
struct latency {
	struct histo	 h;
	uint64_t	 hits;
	uint64_t	 retries;
	uint64_t	 quota_waits;
};
extern struct latency	*latency_current;
void		 histo_add(struct histo *, uint64_t);
uint64_t	 histo_quantile(const struct histo *, double);
void		 histo_merge(struct histo *, const struct histo *);
json_t		*histo_latency_json(const struct latency *);

/* secret.c */
int		 secret_expand(const char *, char **, char **);
char		*secret_mask(const char *);
size_t		 secret_mask_cut(const char *, size_t, char *, size_t);
size_t		 secret_span(void);
char		*secret_reference(const char *);
int		 secret_any(void);
void		 secret_free(void);
/* Does a string hold the value of a ${NAME} secret? (secret.c) */
int		 secret_in(const char *);

/*
 * The CPU pool (pool.c). Its job is the enricher contract's struct
 * te_pool_job (<tweet-enricher/enricher.h>): work on a worker, plain bytes
 * only; done on the loop; cancel for a job that will not be done.
 */
struct te_pool_job;
void		 pool_submit(struct te_pool_job *);
int		 pool_cancelled(void);
void		 pool_free(void);

/*
 * Child processes: "/bin/sh -c CMD" in a process group of its own, its
 * stdin, stdout and stderr on pipes whose ends we keep nonblocking (fds[0]
 * to write, [1] and [2] to read). exit_cb runs on the loop once it has
 * exited (with the wait status); stop_cb at the end of the run, to close
 * its input; then it is waited for, a bounded time (child.c).
 */
struct child;
typedef void	(*child_exit_cb)(struct child *, int, void *);
typedef void	(*child_stop_cb)(struct child *, void *);
struct child	*child_start(const char *, int [3], child_exit_cb,
		     child_stop_cb, void *, char **);
void		 child_kill(struct child *);
void		 child_forget(struct child *);
void		 child_status(int, char *, size_t);
int		 child_stopping(void);
void		 child_shutdown(void);

/* loop.c */
/* The loop's event base, for timers (loop.c). */
struct event_base *loop_base(void);

/*
 * A configuration error found while running (an exec command that cannot
 * run): reading stops, what is in flight settles, the exit status is 2.
 */
void		 loop_config_error(void);
/* Stop reading (a signal, or 0: a configuration error); is the run over? */
typedef void	(*loop_stop_fn)(int);
typedef int	(*loop_done_fn)(void);
void		 loop_init(loop_stop_fn, loop_done_fn);
void		 loop_run(void);
int		 loop_broke(void);
int		 loop_status(int);
void		 loop_free(void);
void		 loop_check_done(void);
void		 loop_on_stop(void (*)(void));
void		 loop_fail(int);
double		 loop_elapsed(void);

#endif
