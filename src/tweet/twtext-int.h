/*
 * twtext: what twtext.c (the decoded text, character classes, entities),
 * twtext-url.c (URLs), twtext-extract.c (extraction) and twtext-weight.c
 * (weighted length) share inside src/tweet only. Calls go one way: from
 * twtext-extract.c and twtext-weight.c to twtext-url.c, and from all to
 * twtext.c.
 */

#ifndef TE_TWTEXT_INT_H
#define TE_TWTEXT_INT_H

#include "tweet/tweet.h"

#ifndef nitems
#define nitems(a) (sizeof (a) / sizeof (a)[0])
#endif

/* twitter-text's limits. */
#define TWTEXT_MAX_URL 4096		/* UTF-16 units, with the scheme */
#define TWTEXT_MAX_TCO_SLUG 40
#define TWTEXT_MAX_LABEL 63		/* a domain label, punycode-encoded */
#define TWTEXT_URL_WEIGHT 2300		/* 23 characters, scale 100 */
#define TWTEXT_MAX_WEIGHT 28000

/* ASCII character classes, one bit each (twtext_ascii). */
#define TW_PUNCT 0x01		/* twitter-text's punctuation */
#define TW_PATH 0x02		/* in a URL path */
#define TW_PATH_END 0x04	/* may end a URL path */
#define TW_QUERY 0x08		/* in a URL query */
#define TW_QUERY_END 0x10	/* may end a URL query */
extern u_char	twtext_ascii[128];

/* Decoded text, entities found, and scratch space, reused between calls. */
struct twtext {
	const char		*s;
	size_t			 len;
	uint32_t		*cp;		/* code points */
	size_t			*off;		/* byte offset of each, and end */
	size_t			 n;
	size_t			 size;

	struct twtext_entity	*e;
	u_int			 ne;
	u_int			 esize;

	/* The run of domain characters last looked at (twtext_url_run). */
	size_t			 run_start;
	size_t			 run_end;
	size_t			 run_underscore; /* last '_' in it, or SIZE_MAX */

	char			*nfc;		/* normalised text, utf8proc's */
};

/* Code point at i, or 0 past the end. */
static inline uint32_t
twtext_at(struct twtext *t, size_t i)
{
	return (i < t->n ? t->cp[i] : 0);
}

/* An ASCII digit. */
static inline int
twtext_is_digit(uint32_t c)
{
	return (c >= '0' && c <= '9');
}

/* An ASCII letter. */
static inline int
twtext_is_alpha(uint32_t c)
{
	return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* An ASCII letter or digit. */
static inline int
twtext_is_alnum(uint32_t c)
{
	return (twtext_is_alpha(c) || twtext_is_digit(c));
}

/* twitter-text's punctuation: !'#%&'()*+,\-./:;<=>?@[]^_{|}~$ */
static inline int
twtext_is_punct(uint32_t c)
{
	return (c < 0x80 && (twtext_ascii[c] & TW_PUNCT));
}

/* Characters a tweet may not contain. */
static inline int
twtext_is_invalid(uint32_t c)
{
	return (c == 0xfffe || c == 0xfeff || c == 0xffff);
}

/* twtext.c */
void	twtext_decode(struct twtext *, const char *, size_t);
struct twtext_entity *twtext_add(struct twtext *, int, size_t, size_t);
void	twtext_value(struct twtext *, struct twtext_entity *, size_t, size_t);
int	twtext_is_space(uint32_t);
int	twtext_is_directional(uint32_t);
int	twtext_is_accent(uint32_t);

/* twtext-url.c */
void	twtext_urls(struct twtext *);

#endif
