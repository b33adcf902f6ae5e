/*
 * tweet: the life of a tweet (tweet.c: taking a line, settling; what a
 * line is, tweet-kind.c; --errors and --resume, tweet-errors.c; the
 * writer, tweet-write.c), its slots (slot.c, slot-text.c), merging
 * enrichments into its text (merge.c), the tweet model (model.c,
 * model-links.c) and twitter-text (twtext.c).
 */

#ifndef TE_TWEET_H
#define TE_TWEET_H

#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "json/json.h"
#include "io/io.h"

struct evbuffer;
struct enrichment;
struct model;
struct slot;
struct tweet;

/* The slot of one enrichment of one tweet (slot.c, slot-text.c, tweet.c). */
json_t		*slot_root(struct slot *);
int		 slot_members(struct slot *, const struct scan_member **);
const char	*slot_line(struct slot *, size_t *);
uint64_t	 slot_seq(struct slot *);
struct model	*slot_model(struct slot *);
int		 slot_text(struct slot *, const char *, const char **, size_t *,
		     char **);
void		*slot_data(struct slot *);
void		 slot_set_value(struct slot *, json_t *);
int		 slot_settle_text(struct slot *, const char *, size_t);
void		 slot_settle(struct slot *, json_t *, const char *, ...)
		     __attribute__((__format__(__printf__, 3, 4)));

/*
 * The tweet model: the text and the links of a tweet in any format (v1.1,
 * Gnip, v2, twarc2), read from its text without a tree, made once when
 * first asked for (slot_model) and, like slot_root, valid only inside start
 * (model.c, model-links.c).
 */
#define MODEL_MAX_LINKS 64
struct model_link {
	const char	*url;		/* as the tweet has it (not NUL-ended) */
	size_t		 len;
	const char	*expanded;	/* the data's expanded_url, or NULL */
	const char	*unwound;	/* its unwound URL, or NULL */
};
const char	*model_text(struct model *, size_t *);
unsigned int	 model_nlinks(struct model *);
const struct model_link *model_link(struct model *, unsigned int);
void		 model_entities(struct model_link *, unsigned int *,
		     unsigned int, json_t *, json_t *);

/*
 * Tweet text as twitter-text reads it (twtext.c): entities (code point
 * positions; value and rest point into the text given) and the v3
 * weighted length.
 */
#define TWTEXT_URL 0x1
#define TWTEXT_HASHTAG 0x2
#define TWTEXT_MENTION 0x4
#define TWTEXT_CASHTAG 0x8
#define TWTEXT_ALL 0xf
#define TWTEXT_ONE_KIND 0x10	/* as extractUrls, extractHashtags... */
struct twtext;
struct twtext_entity {
	int		 type;		/* TWTEXT_URL, ... */
	size_t		 start;		/* code points, end excluded */
	size_t		 end;
	const char	*value;		/* URL; tag or name without its sign */
	size_t		 value_len;
	const char	*rest;		/* a list's "/slug"; a URL's 2nd piece */
	size_t		 rest_len;
	size_t		 u16;		/* URL length in UTF-16 units */
	unsigned int	 order;
};
struct twtext	*twtext_new(void);
void		 twtext_free(struct twtext *);
void		 twtext_cleanup(void);
unsigned int	 twtext_extract(struct twtext *, const char *, size_t, int);
const struct twtext_entity *twtext_entity(struct twtext *, unsigned int);
long		 twtext_weighted_length(struct twtext *, const char *, size_t,
		     int *);
struct twtext_parsed {			/* twitter-text's parseTweet */
	long		 weighted;	/* weightedLength, characters */
	int		 valid;
	long		 permillage;
	size_t		 valid_end;	/* validRangeEnd, UTF-16 units */
	size_t		 display_end;	/* displayRangeEnd, UTF-16 units */
};
int		 twtext_parse(struct twtext *, const char *, size_t,
		     struct twtext_parsed *);

/*
 * What the tweet-aware enrichers read of a tweet through its slot, from
 * the model, without parsing it (slot-text.c): its type, its own full
 * text, and its own entity lists as {"hashtags", "mentions", "urls",
 * "cashtags"} arrays of strings (NULL if it has none). Valid only inside
 * start.
 */
const char	*tweetraw_type(struct slot *, char **);
int		 tweetraw_text(struct slot *, const char **, size_t *, char **);
json_t		*tweetraw_entities(struct slot *, char **);
void		 tweetraw_cleanup(void);

/* tweet.c */
void		 tweet_configure(struct enrichment **, u_int);
void		 tweet_set_sink(struct sink *, u_int);
enum line_kind	 tweet_line(const char *, size_t, const struct origin *,
		     char *, size_t);
void		 tweet_close(void);
void		 tweet_free_all(void);

/* tweet-latency.c: each enrichment's time per tweet, for --stats. */
json_t		*tweet_latency_json(void);
uint64_t	 tweet_latency_p99(void);
void		 tweet_latency_free(void);

/* tweet-kind.c */
json_t		*tweet_parse(const char *, size_t, char *, size_t);

/* tweet-errors.c */
int		 tweet_errors_open(const char *);
int		 tweet_errors_close(void);

/* tweet-write.c */
void		 tweet_write(struct tweet *, struct evbuffer *);

/* merge.c */
struct merge_item {
	const char	*name;
	const char	*key_json;	/* "name": */
	size_t		 key_len;
	json_t		*value;		/* NULL for null */
	const char	*error;		/* or NULL */
	int		 keep;		/* --resume: leave the input's value */
};
void		 merge_write(const char *, size_t, const struct merge_item *,
		     u_int, struct evbuffer *);

/* model.c (what enrichers use of it goes through enrich/api.c) */
#define MODEL_UNKNOWN 0
#define MODEL_V11 1
#define MODEL_GNIP 2
#define MODEL_V2 3
#define MODEL_TWARC2 4
#define MODEL_FLAT 5	/* twarc2 flatten: references inline */
struct model	*model_new(const char *, size_t, const struct scan_member *,
		     int);
void		 model_free(struct model *);
int		 model_format(struct model *);
const char	*model_format_name(int);
const char	*model_type(struct model *);
json_t		*model_entity_lists(struct model *);

/* model-schema.c: the one tweet schema, every format */
enum model_col {
	MCOL_ID,
	MCOL_CREATED_AT,
	MCOL_AUTHOR_ID,
	MCOL_AUTHOR,
	MCOL_TYPE,
	MCOL_TEXT,
	MCOL_LANG,
	MCOL_REPLY_TO,
	MCOL_QUOTED,
	MCOL_RETWEETED,
	MCOL_CONVERSATION_ID,
	MCOL_LINKS,		/* the lists from here on */
	MCOL_HASHTAGS,
	MCOL_MENTIONS,
	MCOL_MEDIA,
	MCOL_COUNT
};
const char	*model_column_name(u_int);
int		 model_column_is_list(u_int);
const char	*model_column(struct model *, u_int, size_t *);
const struct scan_value *model_enrichments(struct model *, int);

/* model-page.c */
int		 model_page(const char *, size_t);
char		*model_page_element(const char *, size_t, const char *, size_t,
		     size_t *);

/* model-links.c */
int		 model_same_url(const char *, size_t, const char *, size_t);
void		 model_add(struct model_link *, u_int *, u_int, const char *,
		     size_t, const char *, const char *);

#endif
