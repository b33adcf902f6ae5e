/*
 * The tweet model's own declarations, shared by model.c (format, text,
 * type, entity lists, pages) and model-links.c (links). Only src/tweet/
 * and its tests include this.
 */

#ifndef TE_MODEL_INT_H
#define TE_MODEL_INT_H

#include "json/json.h"
#include "tweet/tweet.h"

/* The members of a tweet object the model reads. */
enum {
	K_DATA,
	K_BODY,
	K_VERB,
	K_TWITTER_ENTITIES,
	K_NOTE_TWEET,
	K_EDIT_HISTORY,
	K_AUTHOR_ID,
	K_ID,
	K_TEXT,
	K_ID_STR,
	K_USER,
	K_FULL_TEXT,
	K_EXTENDED_TWEET,
	K_RETWEETED_STATUS,
	K_QUOTED_STATUS,
	K_IS_QUOTE_STATUS,
	K_REPLY_STR,
	K_REPLY,
	K_TWITTER_QUOTED_STATUS,
	K_IN_REPLY_TO,
	K_LONG_OBJECT,
	K_REFERENCED_TWEETS,
	K_ENTITIES,
	K_INCLUDES,
	K_OBJECT,
	K_GNIP,
	K_STATUSES,
	K_AUTHOR,
	K_CREATED_AT,		/* from here on, for the schema */
	K_LANG,
	K_QUOTED_ID_STR,
	K_CONVERSATION_ID,
	K_POSTED_TIME,
	K_TWITTER_LANG,
	K_ACTOR,
	K_EXT_ENTITIES,
	K_ATTACHMENTS,
	K_TWITTER_EXT_ENTITIES,
	K_ENRICHMENTS,
	K_ENRICHMENT_ERRORS,
	K_COUNT
};

/* The members of one object: type SCAN_NONE where absent. */
struct model_members {
	struct scan_value	 k[K_COUNT];
};

struct model {
	struct scan_value	 root;
	struct scan_value	 tweet;		/* root, or a twarc2 line's data */
	struct scan_value	 includes;	/* twarc2: includes.tweets */
	struct scan_value	 inc;		/* twarc2: includes */
	struct scan_value	 enr[2];	/* the line's enrichments, errors */
	struct scan_value	 user[3];	/* the schema's author, read */
	int			 user_done;
	struct model_members	 top;		/* the members of tweet */
	int			 format;
	int			 text_done;
	char			*text;		/* decoded, or NULL */
	size_t			 text_len;
	int			 links_done;
	int			 entities;	/* some entity list was seen */
	struct model_link	 links[MODEL_MAX_LINKS];
	u_int			 nlinks;
	char			**kept;		/* strings the links point to */
	u_int			 nkept;
};

/* model.c */
void		 model_members(const struct scan_value *,
		     struct model_members *);
int		 model_has(const struct model_members *, u_int);
char		*model_keep(struct model *, char *);
int		 model_entity_object(struct model *, struct scan_value *);
void		 model_text_value(struct model *, struct scan_value *);
const char	*model_string(struct model *, const struct scan_value *,
		     size_t *);
const char	*model_member_string(struct model *, const struct scan_value *,
		     const char *, size_t *);
int		 model_included(struct model *, const char *, size_t,
		     struct scan_value *);

/* model-links.c */
void		 model_links_find(struct model *);

#endif
