/*
 * json: the readers of JSON text. The checker that is also the parser's
 * gatekeeper (validate.c), reading fields of a checked text without a tree
 * (scan.c, rawjson.c), JSON pointers (pointer.c) and {/pointer} templates
 * (template.c).
 */

#ifndef TE_JSON_H
#define TE_JSON_H

#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

struct template;

/* JSON pointers, RFC 6901 (pointer.c). */
int		 pointer_valid(const char *);
json_t		*pointer_get(json_t *, const char *);
int		 pointer_string(json_t *, const char *, const char **, size_t *,
		     char **);

/*
 * Reading a tweet's raw text without a tree (scan.c): a value is a span of
 * the text, quotes and brackets included. The text must be one the
 * validator accepted (slot_line gives it); answers match the tree's.
 */
enum scan_type {
	SCAN_NONE,
	SCAN_OBJECT,
	SCAN_ARRAY,
	SCAN_STRING,
	SCAN_NUMBER,
	SCAN_TRUE,
	SCAN_FALSE,
	SCAN_NULL
};
struct scan_value {
	enum scan_type	 type;
	const char	*text;		/* the value's JSON text */
	size_t		 len;
};
struct scan_iter {
	const char	*p;
	const char	*end;
	int		 object;
};
int		 scan_root(const char *, size_t, struct scan_value *);
int		 scan_pointer(const struct scan_value *, const char *,
		     struct scan_value *);
int		 scan_member(const struct scan_value *, const char *, size_t,
		     struct scan_value *);
int		 scan_index(const struct scan_value *, size_t,
		     struct scan_value *);
void		 scan_iter_init(struct scan_iter *, const struct scan_value *);
int		 scan_next(struct scan_iter *, struct scan_value *,
		     struct scan_value *);
char		*scan_string(const struct scan_value *, size_t *);
size_t		 scan_string_into(const struct scan_value *, char *);
int		 scan_string_eq(const struct scan_value *, const char *, size_t);
int		 scan_integer(const struct scan_value *, long long *);
int		 scan_real(const struct scan_value *, double *);
json_t		*scan_json(const struct scan_value *);

/* Templates: {/pointer} fields from the tweet (template.c). */
enum template_encoding {
	TEMPLATE_RAW,
	TEMPLATE_URL,		/* percent-encoded */
	TEMPLATE_JSON		/* JSON-escaped */
};
struct template	*template_parse(const char *, char **);
void		 template_free(struct template *);
int		 template_is_constant(struct template *);
int		 template_check_json(struct template *, char **);
char		*template_expand(struct template *, json_t *,
		     enum template_encoding, size_t *, char **);
char		*template_expand_text(struct template *, const char *, size_t,
		     enum template_encoding, size_t *, char **);

#define POINTER_TOKEN_MAX 1024
const char	*pointer_token(const char *, char *, size_t, size_t *);

/* rawjson.c */
struct rawjson_member {
	size_t		 key;		/* its opening quote */
	size_t		 value;		/* the value's first byte */
	size_t		 end;		/* just after the value */
};
size_t		 rawjson_ws(const char *, size_t, size_t);
size_t		 rawjson_skip(const char *, size_t, size_t);
ssize_t		 rawjson_decode(const char *, size_t, size_t, char *, size_t);
int		 rawjson_key_is(const char *, size_t, size_t, const char *);
int		 rawjson_open(const char *, size_t, size_t, size_t *);
int		 rawjson_next(const char *, size_t, size_t *,
		     struct rawjson_member *);

/* validate.c */
#define VALIDATE_EMPTY 0x1
#define VALIDATE_RESERVED 0x2
int		 validate_tweet(const char *, size_t, char *, size_t);
#define VALIDATE_MAX_MEMBERS 256
int		 validate_members(const struct rawjson_member **);

#endif
