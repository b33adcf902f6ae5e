/*
 * json: the readers of JSON text. The checker that is also the parser's
 * gatekeeper (validate.c), reading fields and members of a checked text
 * without a tree (scan.c, the one reader of JSON text), JSON pointers
 * (pointer.c) and {/pointer} templates (template.c).
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
	const char	*end;		/* the closing bracket */
	int		 object;
};
/* A member of an object: its key (a string, quotes included) and value. */
struct scan_member {
	struct scan_value key;
	struct scan_value value;
};
int		 scan_root(const char *, size_t, struct scan_value *);
int		 scan_line(const char *, size_t, struct scan_value *);
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
char		*template_expand_members(struct template *, const char *,
		     size_t, const struct scan_member *, u_int,
		     enum template_encoding, size_t *, char **);

#define POINTER_TOKEN_MAX 1024
const char	*pointer_token(const char *, char *, size_t, size_t *);

/* canon.c */
int		 json_canonical(const char *, size_t);

/* validate.c */
#define VALIDATE_EMPTY 0x1
#define VALIDATE_RESERVED 0x2
#define VALIDATE_MAX_MEMBERS 256
/*
 * The top-level members of a line as the checker found them, kept by its
 * caller: the first VALIDATE_MAX_MEMBERS, and n past that if there were
 * more.
 */
struct validate_members {
	u_int			n;
	struct scan_member	m[VALIDATE_MAX_MEMBERS];
};
int		 validate_tweet(const char *, size_t, struct validate_members *,
		     char *, size_t);
int		 validate_json(const char *, size_t);
int		 validate_select(const char *, size_t, const char *, json_t **);

#endif
