/*
 * --split POINTER: the input as a sequence of JSON documents in any layout
 * (pretty-printed, one per line, several on a line), each element of the
 * array at POINTER handed on as a tweet, as if it were a line. A document
 * without that array is handed on whole. Numbers and strings are copied
 * exactly as written (64-bit ids stay as they are); white space between
 * tokens is left out, so a pretty-printed element becomes one line.
 *
 * A byte-at-a-time scanner that keeps only the path to where it is and the
 * element being copied, so it works on chunks of any size and pauses
 * between elements. An element longer than --max-line is never held whole:
 * it goes to the "long" callback in pieces, as the framer does with lines.
 * Text that is not JSON is reported and skipped to the end of its line.
 *
 * The elements of an object's array are held until the object ends, so that
 * each can take what it refers to from the object's "includes" (twarc2
 * pages: model_page_element makes such an element a twarc2 line); a
 * document larger than --max-line goes on without them.
 */

#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "json/json.h"
#include "tweet/tweet.h"
#include "io/io-int.h"

#define SPLIT_MAX_DEPTH 2048	/* as jansson and the validator */
#define SPLIT_MAX_KEY 1024	/* longer keys never match a token */

/* What may come next in an array or object. */
enum split_state {
	SPLIT_FIRST,		/* a value or key, or the closing bracket */
	SPLIT_KEY,		/* a key (after a comma in an object) */
	SPLIT_COLON,
	SPLIT_VALUE,		/* a value (after a colon, or a comma) */
	SPLIT_COMMA		/* a comma or the closing bracket */
};

struct split_level {
	char		 type;		/* '{' or '[' */
	enum split_state st;
	int		 match;		/* its path is the pointer's start */
	unsigned long	 index;		/* array: the element's index */
	int		 key_match;	/* object: the last key was the token */
	int		 key_includes;	/* the document's: "includes" */
};

/* An element held until its document ends. */
struct split_held {
	size_t		 off;		/* in the held buffer */
	size_t		 len;
	uint64_t	 line;
};

struct split {
	char		**tokens;	/* the pointer, decoded */
	u_int		  ntokens;
	size_t		  max;		/* --max-line */
	frame_line_cb	  on_line;
	frame_long_cb	  on_long;
	split_bad_cb	  on_bad;
	void		 *arg;

	struct split_level *stack;
	u_int		  depth;
	int		  target;	/* depth of the array's elements, or 0 */
	int		  in_string;
	int		  escape;
	int		  in_scalar;
	int		  in_key;
	char		  key[SPLIT_MAX_KEY + 2];
	size_t		  keylen;
	int		  skipping;	/* after an error: to the line's end */
	int		  line_start;	/* only white space on this line yet */

	int		  capture;	/* copying a document or an element */
	u_int		  capture_depth; /* where what is copied ends */
	int		  long_piece;	/* it went over the limit */
	char		 *buf;
	size_t		  len;
	size_t		  size;
	uint64_t	  lineno;
	uint64_t	  start_line;
	uint64_t	  doc_line;	/* where the document started */
	int		  bom;		/* bytes of a BOM seen at the start */
	int		  stop;		/* the line callback asked to stop */

	int		  hold;		/* holding this document's elements */
	int		  inc_on;	/* copying its "includes" */
	int		  inc_done;
	char		 *ibuf;
	size_t		  ilen;
	size_t		  isize;
	struct split_held *held;	/* elements, then ready from next */
	u_int		  nheld;
	u_int		  nready;
	u_int		  next;
	char		 *hbuf;
	size_t		  hlen;
	size_t		  hsize;
};

/* Make a splitter for pointer (already checked). */
struct split *
split_new(const char *pointer, size_t max, frame_line_cb on_line,
    frame_long_cb on_long, split_bad_cb on_bad, void *arg)
{
	struct split	*sp;
	const char	*p, *end;
	char		*t, *o;

	sp = xcalloc(1, sizeof *sp);
	sp->max = max;
	sp->on_line = on_line;
	sp->on_long = on_long;
	sp->on_bad = on_bad;
	sp->arg = arg;
	sp->stack = xcalloc(SPLIT_MAX_DEPTH + 1, sizeof *sp->stack);
	for (p = pointer; *p == '/'; p = end) {
		end = p + 1 + strcspn(p + 1, "/");
		t = o = xmalloc(end - p);
		for (p++; p < end; p++) {
			if (*p == '~' && p[1] == '1')
				*o++ = '/', p++;
			else if (*p == '~' && p[1] == '0')
				*o++ = '~', p++;
			else
				*o++ = *p;
		}
		*o = '\0';
		sp->tokens = xreallocarray(sp->tokens, sp->ntokens + 1,
		    sizeof *sp->tokens);
		sp->tokens[sp->ntokens++] = t;
	}
	split_reset(sp);
	return (sp);
}

/* Start on a new input. */
void
split_reset(struct split *sp)
{
	sp->depth = 0;
	sp->target = 0;
	sp->in_string = sp->escape = sp->in_scalar = sp->in_key = 0;
	sp->skipping = 0;
	sp->line_start = 1;
	sp->capture = 0;
	sp->long_piece = 0;
	sp->len = 0;
	sp->lineno = 1;
	sp->bom = 0;
	sp->stop = 0;
	sp->hold = sp->inc_on = sp->inc_done = 0;
	sp->ilen = 0;
	sp->nheld = sp->nready = sp->next = 0;
	sp->hlen = 0;
}

/* Free a splitter. */
void
split_free(struct split *sp)
{
	u_int	i;

	if (sp == NULL)
		return;
	for (i = 0; i < sp->ntokens; i++)
		free(sp->tokens[i]);
	free(sp->tokens);
	free(sp->stack);
	free(sp->buf);
	free(sp->ibuf);
	free(sp->held);
	free(sp->hbuf);
	free(sp);
}

/* Append bytes to a growing buffer. */
static void
split_grow(char **buf, size_t *len, size_t *size, const char *s, size_t n)
{
	if (*len + n > *size) {
		*size = *size < 4096 ? 4096 : *size * 2;
		if (*size < *len + n)
			*size = *len + n;
		*buf = xreallocarray(*buf, 1, *size);
	}
	memcpy(*buf + *len, s, n);
	*len += n;
}

static void	split_drain(struct split *, int);

/* Hold no more: what is held goes on as it is, now. */
static void
split_unhold(struct split *sp)
{
	sp->hold = sp->inc_on = sp->inc_done = 0;
	sp->ilen = 0;
	sp->nready = sp->nheld;
	split_drain(sp, 0);
}

/* Copy bytes of what is being copied, or pass them on if it is too long. */
static void
split_copy(struct split *sp, const char *s, size_t n)
{
	if (sp->inc_on) {
		if (sp->ilen + sp->hlen + n > sp->max)
			split_unhold(sp);
		else
			split_grow(&sp->ibuf, &sp->ilen, &sp->isize, s, n);
	}
	if (!sp->capture)
		return;
	if (sp->long_piece) {
		sp->on_long(sp->arg, s, n, sp->start_line, 0);
		return;
	}
	if (sp->len + n > sp->max) {
		sp->long_piece = 1;
		sp->on_long(sp->arg, sp->buf, sp->len, sp->start_line, 0);
		sp->len = 0;
		sp->on_long(sp->arg, s, n, sp->start_line, 0);
		return;
	}
	if (sp->len + n > sp->size) {
		sp->size = sp->size < 4096 ? 4096 : sp->size * 2;
		if (sp->size < sp->len + n)
			sp->size = sp->len + n;
		if (sp->size > sp->max)
			sp->size = sp->max;
		sp->buf = xreallocarray(sp->buf, 1, sp->size);
	}
	memcpy(sp->buf + sp->len, s, n);
	sp->len += n;
}

/*
 * Hand on what is ready of what is held; all of it if force (at the end of
 * the input), else until the line callback asks to stop.
 */
static void
split_drain(struct split *sp, int force)
{
	struct split_held	*h;

	while (sp->next < sp->nready) {
		h = &sp->held[sp->next++];
		if (sp->on_line(sp->arg, sp->hbuf + h->off, h->len, h->line) &&
		    !force) {
			sp->stop = 1;
			break;
		}
	}
	if (sp->next == sp->nheld) {
		sp->next = sp->nready = sp->nheld = 0;
		sp->hlen = 0;
	}
}

/* Hold a line (or queue it, ready, when not holding). */
static void
split_push(struct split *sp, const char *line, size_t len, uint64_t lineno)
{
	struct split_held	*h;

	if (sp->hold && sp->hlen + len + sp->ilen > sp->max)
		split_unhold(sp);
	sp->held = xreallocarray(sp->held, sp->nheld + 1, sizeof *sp->held);
	h = &sp->held[sp->nheld++];
	h->off = sp->hlen;
	h->len = len;
	h->line = lineno;
	split_grow(&sp->hbuf, &sp->hlen, &sp->hsize, line, len);
	if (!sp->hold)
		sp->nready = sp->nheld;
}

/*
 * The document ends: its held elements, each with what it refers to in
 * the document's "includes" if it had one, are ready.
 */
static void
split_release(struct split *sp)
{
	struct split_held	*old;
	char			*buf, *line;
	size_t			 n;
	u_int			 i, count;

	if (sp->hold && sp->inc_done && sp->ilen > 0 && sp->next == 0) {
		old = sp->held;
		buf = sp->hbuf;
		count = sp->nheld;
		sp->held = NULL;
		sp->hbuf = NULL;
		sp->nheld = 0;
		sp->hlen = sp->hsize = 0;
		for (i = 0; i < count; i++) {
			if ((line = model_page_element(buf + old[i].off,
			    old[i].len, sp->ibuf, sp->ilen, &n)) == NULL)
				split_push(sp, buf + old[i].off, old[i].len,
				    old[i].line);
			else
				split_push(sp, line, n, old[i].line);
			free(line);
		}
		free(old);
		free(buf);
	}
	split_unhold(sp);
}

/* What was copied is complete: hand it on. */
static void
split_emit(struct split *sp)
{
	sp->capture = 0;
	if (sp->long_piece) {
		sp->on_long(sp->arg, "", 0, sp->start_line, 1);
		sp->long_piece = 0;
	} else if (sp->capture_depth > 0) {
		split_push(sp, sp->buf, sp->len, sp->start_line);
		split_drain(sp, 0);
	} else if (sp->on_line(sp->arg, sp->buf, sp->len, sp->start_line))
		sp->stop = 1;
	sp->len = 0;
}

/*
 * Text that is not JSON: report it (with the line its document started on,
 * if it is in one), forget the document and skip the rest of the line.
 */
static void
split_error(struct split *sp, uint64_t lineno, const char *why)
{
	char	msg[128];

	if (sp->capture && sp->long_piece)
		sp->on_long(sp->arg, "", 0, sp->start_line, 1);
	if (sp->depth > 0 && sp->doc_line != lineno) {
		snprintf(msg, sizeof msg, "%s on line %llu", why,
		    (unsigned long long)lineno);
		sp->on_bad(sp->arg, sp->doc_line, msg);
	} else
		sp->on_bad(sp->arg, lineno, why);
	sp->depth = 0;
	sp->target = 0;
	sp->in_string = sp->escape = sp->in_scalar = sp->in_key = 0;
	sp->capture = 0;
	sp->long_piece = 0;
	sp->len = 0;
	sp->skipping = 1;
	split_unhold(sp);	/* the elements found so far stand */
}

/* Is this array index the pointer's token? */
static int
split_index_is(const char *token, unsigned long index)
{
	char	*end;

	if (*token == '\0' || (token[0] == '0' && token[1] != '\0') ||
	    *token < '0' || *token > '9')
		return (0);
	return (strtoul(token, &end, 10) == index && *end == '\0');
}

/* A value starts (its first byte c): note where it is on the path. */
static void
split_value(struct split *sp, char c)
{
	struct split_level	*parent;
	int			 match;
	u_int			 d = sp->depth;

	if (d == 0) {
		match = 1;
		sp->doc_line = sp->lineno;
		sp->target = 0;
		sp->capture = 1;	/* the document, unless it splits */
		sp->capture_depth = 0;
		sp->start_line = sp->lineno;
		sp->len = 0;
		sp->hold = c == '{' && sp->ntokens > 0;
		sp->inc_on = sp->inc_done = 0;
		sp->ilen = 0;
	} else {
		if (d == 1 && sp->hold && sp->stack[0].key_includes) {
			sp->inc_on = 1;	/* a second "includes": the last */
			sp->ilen = 0;
		}
		parent = &sp->stack[d - 1];
		if (parent->type == '[')
			match = parent->match && d - 1 < sp->ntokens &&
			    split_index_is(sp->tokens[d - 1], parent->index);
		else
			match = parent->key_match;
		if (sp->target != 0 && (u_int)sp->target == d &&
		    !sp->capture) {
			sp->capture = 1;	/* an element */
			sp->capture_depth = d;
			sp->start_line = sp->lineno;
			sp->len = 0;
		}
	}
	/* The array itself: its elements are the tweets. */
	if (match && d == sp->ntokens && c == '[' && sp->target == 0) {
		if (sp->capture && sp->long_piece)
			sp->on_long(sp->arg, "", 0, sp->start_line, 1);
		sp->target = d + 1;
		sp->capture = 0;
		sp->long_piece = 0;
		sp->len = 0;
	}
	if (c == '{' || c == '[') {
		sp->stack[d].type = c;
		sp->stack[d].match = match;
		sp->stack[d].index = 0;
		sp->stack[d].st = SPLIT_FIRST;
		sp->stack[d].key_match = 0;
		sp->stack[d].key_includes = 0;
	}
}

/* A value ended at depth d (where it started). */
static void
split_value_end(struct split *sp, u_int d)
{
	if (d > 0)
		sp->stack[d - 1].st = SPLIT_COMMA;
	if (d == 1 && sp->inc_on) {
		sp->inc_on = 0;
		sp->inc_done = 1;
	}
	if (sp->capture && sp->capture_depth == d)
		split_emit(sp);
	if (d == 0) {
		sp->target = 0;
		split_release(sp);
	}
}

/* A key ended: does it name the next step of the pointer? */
static void
split_key_end(struct split *sp)
{
	struct split_level	*l = &sp->stack[sp->depth - 1];
	struct scan_value	 key;
	u_int			 d = sp->depth - 1;

	sp->in_key = 0;
	l->st = SPLIT_COLON;
	l->key_match = 0;
	l->key_includes = 0;
	if (sp->keylen > SPLIT_MAX_KEY)
		return;
	sp->key[sp->keylen] = '"';
	key.type = SCAN_STRING;
	key.text = sp->key;
	key.len = sp->keylen + 1;
	if (d == 0)
		l->key_includes = scan_string_eq(&key, "includes", 8);
	if (!l->match || d >= sp->ntokens)
		return;
	l->key_match = scan_string_eq(&key, sp->tokens[d],
	    strlen(sp->tokens[d]));
}

/* The end of a number or literal. */
static void
split_scalar_end(struct split *sp)
{
	sp->in_scalar = 0;
	split_value_end(sp, sp->depth);
}

/* Is a value allowed next in level l (NULL: between documents)? */
static int
split_value_ok(struct split_level *l)
{
	return (l == NULL || (l->type == '[' && (l->st == SPLIT_FIRST ||
	    l->st == SPLIT_VALUE)) || (l->type == '{' && l->st == SPLIT_VALUE));
}

/* One character outside strings and scalars; 0 if it is not JSON there. */
static int
split_token(struct split *sp, struct split_level *l, char c)
{
	switch (c) {
	case '{':
	case '[':
		if (!split_value_ok(l))
			break;
		if (sp->depth == SPLIT_MAX_DEPTH) {
			split_error(sp, sp->lineno, "nested too deep");
			return (0);
		}
		split_value(sp, c);
		split_copy(sp, &c, 1);
		sp->depth++;
		return (1);
	case '}':
	case ']':
		if (l == NULL || l->type != (c == '}' ? '{' : '[') ||
		    (l->st != SPLIT_FIRST && l->st != SPLIT_COMMA))
			break;
		split_copy(sp, &c, 1);
		sp->depth--;
		if (sp->target != 0 && sp->depth + 1 == (u_int)sp->target)
			sp->target = 0;	/* the array has ended */
		split_value_end(sp, sp->depth);
		return (1);
	case ',':
		if (l == NULL || l->st != SPLIT_COMMA)
			break;
		split_copy(sp, &c, 1);
		if (l->type == '[') {
			l->index++;
			l->st = SPLIT_VALUE;
		} else
			l->st = SPLIT_KEY;
		return (1);
	case ':':
		if (l == NULL || l->st != SPLIT_COLON)
			break;
		split_copy(sp, &c, 1);
		l->st = SPLIT_VALUE;
		return (1);
	case '"':
		if (l != NULL && l->type == '{' && (l->st == SPLIT_FIRST ||
		    l->st == SPLIT_KEY)) {
			sp->in_key = 1;
			sp->key[0] = '"';
			sp->keylen = 1;
		} else if (split_value_ok(l))
			split_value(sp, c);
		else
			break;
		sp->in_string = 1;
		sp->escape = 0;
		split_copy(sp, &c, 1);
		return (1);
	default:
		if (((c >= '0' && c <= '9') || c == '-' || c == 't' ||
		    c == 'f' || c == 'n') && split_value_ok(l)) {
			split_value(sp, c);
			split_copy(sp, &c, 1);
			sp->in_scalar = 1;
			return (1);
		}
		break;
	}
	split_error(sp, sp->lineno, l == NULL ? "not JSON" : "unexpected "
	    "character");
	return (0);
}

/* One byte inside a string (or a key). */
static void
split_string_char(struct split *sp, char c)
{
	if (sp->in_key && sp->keylen <= SPLIT_MAX_KEY)
		sp->key[sp->keylen++] = c;
	split_copy(sp, &c, 1);
	if (sp->escape)
		sp->escape = 0;
	else if (c == '\\')
		sp->escape = 1;
	else if (c == '"') {
		sp->in_string = 0;
		if (sp->in_key) {
			sp->keylen--;
			split_key_end(sp);
		} else
			split_value_end(sp, sp->depth);
	} else if ((u_char)c < 0x20) {
		split_error(sp, sp->lineno, "control character in a string");
		if (c == '\n') {
			sp->skipping = 0;
			sp->line_start = 1;
		}
	}
}

/*
 * Feed a chunk. Returns how many bytes were used: less than len when the
 * line callback asked to stop; the caller feeds the rest later.
 */
size_t
split_feed(struct split *sp, const char *data, size_t len)
{
	struct split_level	*l;
	size_t			 i;
	char			 c;

	/* What is ready from the last document goes first. */
	if (sp->next < sp->nready) {
		split_drain(sp, 0);
		if (sp->stop) {
			sp->stop = 0;
			return (0);
		}
	}
	for (i = 0; i < len; i++) {
		c = data[i];
		if (sp->bom < 3 && sp->lineno == 1 && sp->depth == 0 &&
		    !sp->capture && (u_char)c == "\xef\xbb\xbf"[sp->bom]) {
			sp->bom++;
			continue;
		}
		sp->bom = 3;
		if (c == '\n')
			sp->lineno++;
		if (sp->skipping) {
			if (c == '\n')
				sp->skipping = 0;
			continue;
		}
		if (sp->in_string) {
			split_string_char(sp, c);
			goto next;
		}
		if (sp->in_scalar) {
			if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			    c == '.' || c == '+' || c == '-' || c == 'E') {
				split_copy(sp, &c, 1);
				continue;
			}
			split_scalar_end(sp);
			if (sp->stop) {
				sp->stop = 0;
				if (c == '\n')
					sp->lineno--;	/* seen again */
				return (i);
			}
		}
		l = sp->depth > 0 ? &sp->stack[sp->depth - 1] : NULL;
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			if (c == '\n')
				sp->line_start = 1;
			continue;
		}
		if (!split_token(sp, l, c) && sp->line_start &&
		    (c == '{' || c == '[')) {
			/* A document cut short, and a new one on this line. */
			sp->skipping = 0;
			split_token(sp, NULL, c);
		}
		sp->line_start = 0;
	next:
		if (sp->stop) {
			sp->stop = 0;
			return (i + 1);
		}
	}
	return (len);
}

/* End of input: what is left open is reported. */
void
split_finish(struct split *sp)
{
	if (sp->in_scalar && sp->depth == 0) {
		split_scalar_end(sp);
		sp->stop = 0;
	}
	if (sp->depth > 0 || sp->in_string || sp->in_scalar)
		split_error(sp, sp->doc_line, "the input ends inside a JSON "
		    "document");
	split_unhold(sp);
	split_drain(sp, 1);
	split_reset(sp);
}
