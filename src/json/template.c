/*
 * Templates: text with {/json/pointer} fields filled in from a tweet, each
 * value encoded for where it goes (a URL, a JSON body, or as is).
 *
 * In a URL, a value is percent-encoded (all but unreserved bytes), and a
 * value made only of dots has them encoded too, so that it stays one path
 * segment instead of becoming "." or "..". In a JSON body, a field inside a
 * JSON string of the template (after an odd number of unescaped quotes) is
 * JSON-escaped as text: a string as its text, any other value as its compact
 * JSON text; a field outside quotes is the value as JSON (a string quoted).
 * Either way a tweet cannot add members or elements, or end a string.
 */

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "lib/lib.h"
#include "json/json.h"

struct template_part {
	char		*text;		/* literal text, or NULL */
	char		*pointer;	/* field, or NULL */
	size_t		 len;
	int		 in_string;	/* field inside a JSON string */
	int		 escaped;	/* field right after a backslash there */
};

struct template {
	struct template_part	*parts;
	u_int			 nparts;
};

struct tbuf {
	char	*s;
	size_t	 len;
	size_t	 size;
};

static void
tbuf_add(struct tbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->size) {
		b->size = (b->len + n + 1) * 2;
		b->s = xreallocarray(b->s, 1, b->size);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
template_add(struct template *t, char *text, char *pointer, size_t len,
    int in_string)
{
	int	escaped = in_string == 2;

	t->parts = xreallocarray(t->parts, t->nparts + 1, sizeof *t->parts);
	t->parts[t->nparts].text = text;
	t->parts[t->nparts].pointer = pointer;
	t->parts[t->nparts].len = len;
	t->parts[t->nparts].in_string = in_string != 0;
	t->parts[t->nparts].escaped = escaped;
	t->nparts++;
}

/*
 * Follow JSON string state through literal text: 0 outside quotes, 1 inside,
 * 2 inside with the text ending in the middle of a backslash escape.
 */
static int
template_quotes(const char *s, size_t n, int in_string)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (in_string && s[i] == '\\') {
			if (++i == n)
				return (2);
		} else if (s[i] == '"')
			in_string = !in_string;
	}
	return (in_string);
}

/* Parse a template; "{/" starts a field that runs to the next "}". */
struct template *
template_parse(const char *s, char **cause)
{
	struct template	*t;
	const char	*p, *end;
	char		*ptr;
	int		 in_string = 0;

	t = xcalloc(1, sizeof *t);
	while (*s != '\0') {
		p = strstr(s, "{/");
		if (p == NULL) {
			template_add(t, xstrdup(s), NULL, strlen(s), 0);
			break;
		}
		if (p != s) {
			template_add(t, xstrndup(s, p - s), NULL, p - s, 0);
			in_string = template_quotes(s, p - s, in_string);
		}
		if ((end = strchr(p, '}')) == NULL) {
			xasprintf(cause, "unterminated field in template: %s",
			    p);
			template_free(t);
			return (NULL);
		}
		ptr = xstrndup(p + 1, end - p - 1);
		if (!pointer_valid(ptr)) {
			xasprintf(cause, "bad JSON pointer: %s", ptr);
			free(ptr);
			template_free(t);
			return (NULL);
		}
		template_add(t, NULL, ptr, end - p - 1, in_string);
		s = end + 1;
	}
	return (t);
}

/* Free a template. */
void
template_free(struct template *t)
{
	u_int	i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nparts; i++) {
		free(t->parts[i].text);
		free(t->parts[i].pointer);
	}
	free(t->parts);
	free(t);
}

/*
 * Can the template be a JSON body? A field right after a backslash in a
 * string would let the value's first byte end the string.
 */
int
template_check_json(struct template *t, char **cause)
{
	u_int	i;

	for (i = 0; i < t->nparts; i++) {
		if (t->parts[i].pointer != NULL && t->parts[i].escaped) {
			xasprintf(cause, "field {%s} follows a backslash",
			    t->parts[i].pointer);
			return (-1);
		}
	}
	return (0);
}

/* Does the template have no fields? */
int
template_is_constant(struct template *t)
{
	u_int	i;

	for (i = 0; i < t->nparts; i++) {
		if (t->parts[i].pointer != NULL)
			return (0);
	}
	return (1);
}

/* The most bytes handed to curl_easy_escape at once (it takes an int). */
#define TEMPLATE_ESCAPE_CHUNK 65536

/*
 * Percent-encode for a URL: every byte but the unreserved ones (RFC 3986:
 * letters, digits, "-", ".", "_", "~"), as curl_easy_escape does; and a
 * value made only of dots has them encoded too.
 */
static void
template_escape(struct tbuf *b, const char *s, size_t n)
{
	char	*e;
	size_t	 i, k;

	/* Only dots: "." and ".." would be dot segments. */
	for (i = 0; i < n && s[i] == '.'; i++)
		;
	if (n > 0 && i == n) {
		for (i = 0; i < n; i++)
			tbuf_add(b, "%2E", 3);
		return;
	}
	/*
	 * Unreserved bytes only (ids, counts): as they are, as
	 * curl_easy_escape would leave them, without its copy.
	 */
	for (i = 0; i < n && ((s[i] >= 'a' && s[i] <= 'z') ||
	    (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
	    s[i] == '-' || s[i] == '.' || s[i] == '_' || s[i] == '~'); i++)
		;
	if (i == n) {
		tbuf_add(b, s, n);
		return;
	}
	/* In pieces: a length of 0 would make curl take strlen. */
	for (i = 0; i < n; i += k) {
		k = n - i < TEMPLATE_ESCAPE_CHUNK ? n - i :
		    TEMPLATE_ESCAPE_CHUNK;
		if ((e = curl_easy_escape(NULL, s + i, (int)k)) == NULL)
			fatalx("%s: curl_easy_escape failed", __func__);
		tbuf_add(b, e, strlen(e));
		curl_free(e);
	}
}

/* Add a value to a filled template, encoded for where it goes. */
static void
template_encode(struct tbuf *b, const char *s, size_t n,
    enum template_encoding enc)
{
	char			 e[8];
	size_t			 i, start;
	u_char			 c;

	switch (enc) {
	case TEMPLATE_RAW:
		tbuf_add(b, s, n);
		break;
	case TEMPLATE_URL:
		template_escape(b, s, n);
		break;
	case TEMPLATE_JSON:
		start = 0;
		for (i = 0; i < n; i++) {
			c = s[i];
			if (c >= 0x20 && c != '"' && c != '\\')
				continue;
			tbuf_add(b, s + start, i - start);
			start = i + 1;
			if (c == '"' || c == '\\') {
				e[0] = '\\';
				e[1] = c;
				tbuf_add(b, e, 2);
			} else {
				snprintf(e, sizeof e, "\\u%04x", c);
				tbuf_add(b, e, 6);
			}
		}
		tbuf_add(b, s + start, n - start);
		break;
	}
}

/* A text's top-level members, as the checker found them. */
struct template_top {
	const struct scan_member	*m;
	u_int				 n;
};

#define TEMPLATE_LIT 32		/* a long long's digits and sign, and more */

/* An integer in decimal, as "%lld" writes it, without printf's cost. */
static const char *
template_integer(char *lit, long long ll)
{
	unsigned long long	u;
	char			*p = lit + TEMPLATE_LIT - 1;

	u = ll < 0 ? 0 - (unsigned long long)ll : (unsigned long long)ll;
	*p = '\0';
	do {
		*--p = '0' + u % 10;
		u /= 10;
	} while (u > 0);
	if (ll < 0)
		*--p = '-';
	return (p);
}

/* Is this number's text an integer: digits, after a '-' if any? */
static int
template_digits(const char *s, size_t n)
{
	size_t	i = n > 0 && s[0] == '-';

	if (i == n)
		return (0);
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (0);
	}
	return (1);
}

/*
 * An integer, true, false or null as json_dumps would write it (in lit for
 * an integer); NULL if the value is none of these. No jansson value made
 * and dumped for the commonest fields of a URL (ids, counts).
 */
static const char *
template_literal(const struct scan_value *sv, char *lit)
{
	long long	ll;

	switch (sv->type) {
	case SCAN_NUMBER:
		/*
		 * A short integer is its own text (the checker let in no
		 * leading zero, no '+'), but for -0.
		 */
		if (sv->len <= 18 && template_digits(sv->text, sv->len)) {
			if (sv->len == 2 && sv->text[0] == '-' &&
			    sv->text[1] == '0')
				return ("0");
			memcpy(lit, sv->text, sv->len);
			lit[sv->len] = '\0';
			return (lit);
		}
		if (scan_integer(sv, &ll) != 0)
			return (NULL);
		return (template_integer(lit, ll));
	case SCAN_TRUE:
		return ("true");
	case SCAN_FALSE:
		return ("false");
	case SCAN_NULL:
		return ("null");
	default:
		return (NULL);
	}
}

/*
 * A field's value from the raw text: a string decoded into *str (freed by
 * the caller), a scalar as its JSON text in *lit (buf holds it if need
 * be), anything else as a new jansson value in *v; -1 if it is missing.
 */
static int
template_scan(const struct scan_value *root, const struct template_top *top,
    const char *pointer, char **str, size_t *len, json_t **v,
    const char **lit, char *buf)
{
	struct scan_value	 sv;
	const struct scan_value	*first = NULL;
	const char		*rest;
	char			 token[POINTER_TOKEN_MAX];
	size_t			 tlen;
	u_int			 i;

	*str = NULL;
	*v = NULL;
	*lit = NULL;
	if (top != NULL && *pointer == '/') {
		/* The first token among the members, the last of a name. */
		if ((rest = pointer_token(pointer + 1, token, sizeof token,
		    &tlen)) == NULL)
			return (-1);
		for (i = 0; i < top->n; i++) {
			if (scan_string_eq(&top->m[i].key, token, tlen))
				first = &top->m[i].value;
		}
		if (first == NULL || scan_pointer(first, rest, &sv) != 0)
			return (-1);
	} else if (scan_pointer(root, pointer, &sv) != 0)
		return (-1);
	if (sv.type == SCAN_STRING) {
		*str = scan_string(&sv, len);
		return (0);
	}
	if ((*lit = template_literal(&sv, buf)) != NULL)
		return (0);
	return ((*v = scan_json(&sv)) == NULL ? -1 : 0);
}

/*
 * Fill in a template from a tweet's tree, or else (root NULL) from its raw
 * text. A string field goes in as its text, any other value as compact
 * JSON, encoded as the top of the file says; a missing field is an error.
 */
static char *
template_fill(struct template *t, json_t *root, const char *text,
    size_t textlen, const struct template_top *members,
    enum template_encoding enc, size_t *lenp, char **cause)
{
	struct tbuf		 b = { NULL, 0, 0 };
	struct template_part	*tp;
	struct scan_value	 top;
	json_t			*v, *made;
	const char		*str;
	const char		*lit;
	char			*dump, *own, litbuf[TEMPLATE_LIT];
	size_t			 slen;
	u_int			 i;

	if (root == NULL && scan_line(text, textlen, &top) != 0)
		top.type = SCAN_NONE;
	b.size = 256;		/* most URLs: one allocation */
	b.s = xmalloc(b.size);
	b.s[0] = '\0';
	for (i = 0; i < t->nparts; i++) {
		tp = &t->parts[i];
		if (tp->text != NULL) {
			tbuf_add(&b, tp->text, tp->len);
			continue;
		}
		own = NULL;
		made = NULL;
		if (root != NULL) {
			v = pointer_get(root, tp->pointer);
			str = json_is_string(v) ? json_string_value(v) : NULL;
			slen = json_string_length(v);
		} else {
			template_scan(&top, members, tp->pointer, &own, &slen,
			    &made, &lit, litbuf);
			if (lit != NULL) {
				template_encode(&b, lit, strlen(lit),
				    enc == TEMPLATE_JSON && !tp->in_string ?
				    TEMPLATE_RAW : enc);
				continue;
			}
			str = own;
			v = made;
		}
		if (v == NULL && str == NULL) {
			xasprintf(cause, "no field %s", tp->pointer);
			free(b.s);
			return (NULL);
		}
		if (str != NULL && (enc != TEMPLATE_JSON || tp->in_string)) {
			template_encode(&b, str, slen, enc);
			free(own);
			continue;
		}
		if (v == NULL && (v = made = json_stringn(str, slen)) == NULL)
			fatalx("%s: json_stringn failed", __func__);
		dump = json_dumps(v, JSON_COMPACT|JSON_ENCODE_ANY);
		if (dump == NULL)
			fatalx("%s: json_dumps failed", __func__);
		template_encode(&b, dump, strlen(dump),
		    enc == TEMPLATE_JSON && !tp->in_string ? TEMPLATE_RAW : enc);
		free(dump);
		free(own);
		json_decref(made);
	}
	if (lenp != NULL)
		*lenp = b.len;
	return (b.s);
}

/*
 * Fill in a template from a tweet. A string field goes in as its text, any
 * other value as compact JSON; a missing field is an error.
 */
char *
template_expand(struct template *t, json_t *root, enum template_encoding enc,
    size_t *lenp, char **cause)
{
	return (template_fill(t, root, NULL, 0, NULL, enc, lenp, cause));
}

/*
 * The same from the raw text of a tweet the validator accepted (slot_line),
 * with no tree: each field is found by a scan of the text.
 */
char *
template_expand_text(struct template *t, const char *text, size_t len,
    enum template_encoding enc, size_t *lenp, char **cause)
{
	return (template_fill(t, NULL, text, len, NULL, enc, lenp, cause));
}

/*
 * The same, given the text's top-level members as the checker found them
 * (all of them): a field's first token is looked up among them, and only
 * the rest of its pointer is scanned for, not the whole text.
 */
char *
template_expand_members(struct template *t, const char *text, size_t len,
    const struct scan_member *m, u_int n, enum template_encoding enc,
    size_t *lenp, char **cause)
{
	struct template_top	top = { m, n };

	return (template_fill(t, NULL, text, len, &top, enc, lenp, cause));
}
