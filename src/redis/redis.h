/*
 * redis: the door. A stream as a source (redis-source.c) and as a sink
 * (redis-sink.c), behind io's interfaces, and a cache tier (redis-cache.c),
 * with their counters. What only src/redis/ uses (URLs, connections,
 * entries, scripts) is in redis-int.h.
 */

#ifndef TE_REDIS_H
#define TE_REDIS_H

#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "io/io.h"

/* redis-source.c */
struct redis_source_stats {
	uint64_t	 read;		/* entries read */
	uint64_t	 acked;		/* acknowledged after the output */
	uint64_t	 claimed;	/* taken over from idle consumers */
	uint64_t	 dead;		/* sent to the dead-letter stream */
	uint64_t	 lost_to_others; /* claimed from us while we held them */
};
extern struct redis_source_stats redis_source_stats;
int		 redis_source_configure(const char *, char **);
struct source	*redis_source_open(source_line_cb);
void		 redis_source_set(long, long);

/* redis-cache.c */
struct redis_cache_stats {
	uint64_t	 hits;
	uint64_t	 misses;
	uint64_t	 stored;
	uint64_t	 errors;	/* down, refused or unanswered: misses */
};
extern struct redis_cache_stats redis_cache_stats;
int		 redis_cache_check(const char *, char **);
void		 redis_cache_tier(const char *);

/* redis-pace.c: the shared pacing backend (http's struct pace_backend). */
int		 redis_pace_check(const char *, char **);
void		 redis_pace_start(const char *);

/* redis-sink.c */
struct redis_sink_stats {
	uint64_t	 written;	/* entries added */
	uint64_t	 not_ours;	/* claimed by another consumer meanwhile */
	uint64_t	 errors;	/* writes the server refused (retried) */
};
extern struct redis_sink_stats redis_sink_stats;
int		 redis_sink_configure(const char *, char **);
struct sink	*redis_sink_open(void);
int		 redis_sink_exactly_once(void);

#endif
