/*
 * tweet-int.h: what the files of src/tweet/ share of a tweet's life and
 * nobody else sees: the tweet and its slots, the configured enrichments.
 * Included only by src/tweet/ (and its tests).
 *
 * The files call one another downwards only: tweet.c (life) uses
 * tweet-kind.c (what a line is), tweet-errors.c (--errors, --resume),
 * tweet-write.c (the writer) and slot.c (the slot's accessors, which the
 * model reads); slot-text.c (a slot's text and model) sits above the model.
 */

#ifndef TE_TWEET_INT_H
#define TE_TWEET_INT_H

#include <sys/queue.h>

#include "tweet/tweet.h"

struct event;

struct slot {
	struct tweet	*tweet;
	json_t		*value;
	char		*text;		/* the value as written, or NULL */
	size_t		 textlen;
	char		*error;
	int		 settled;	/* 1, or 2: failed by --tweet-timeout */
	int		 kept;		/* --resume: the input's value stays */
};

struct tweet {
	uint64_t		 seq;		/* input order among tweets */
	uint64_t		 pos;		/* the source's input position */
	char			*line;		/* the input text */
	size_t			 len;
	struct source		*source;	/* where it came from */
	char			*origin;	/* stream entry id, or NULL */
	json_t			*root;		/* only while starting */
	const struct validate_members *members;	/* the same */
	struct model		*model;		/* made when first asked for */
	int			 starting;	/* slot_root may parse */
	int			 empty;		/* the object has no members */
	int			 merge;		/* it has members of ours */
	int			 old_errors;	/* errors not redone this run */
	int			 notice;	/* written as it is */
	char			*row;		/* a table's first half, or NULL */
	size_t			 rowlen;
	u_int			 unsettled;
	u_int			 nerrors;
	struct event		*deadline;	/* --tweet-timeout */
	u_int			 late;		/* settles still owed */
	double			 started;	/* clock_mono at its start */
	TAILQ_ENTRY(tweet)	 entry;
	struct slot		 slots[];
};

/* The enrichments applied to every tweet, in order (slot.c). */
extern struct enrichment	**slot_enrichments;
extern u_int			  slot_nenrichments;

/* The sink takes rows (tables), made as tweets start (tweet.c). */
extern int			  tweet_rows;

/* slot.c */
json_t		*slot_value(struct slot *);

/* tweet-write.c (tweet_write is in tweet.h) */
void		 tweet_write_row(struct tweet *, struct evbuffer *);

/* tweet-kind.c */
enum line_kind	 tweet_kind(const char *, size_t, struct validate_members *,
		     json_t **, int *, char *, size_t);

/* tweet-latency.c */
void		 tweet_latency_configure(struct enrichment **, u_int);
struct latency	*tweet_latency_of(u_int);
void		 tweet_latency_settled(u_int, double);

/* tweet-errors.c */
int		 tweet_errors_old(json_t *);
int		 tweet_errors_keep(struct tweet *, u_int);
void		 tweet_errors_write(struct tweet *);

#endif
