/*
 * Tweets: parse a line, start every configured enrichment, collect the
 * values as they settle (now, from a timer, an HTTP completion or a pool
 * completion), and hand the finished tweet to the output.
 */

#include <sys/queue.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "lib/lib.h"
#include "core.h"
#include "json/json.h"
#include "tweet/tweet.h"
#include "http/http.h"
#include "io/io.h"
#include "enrich/enrich.h"

struct slot {
	struct tweet	*tweet;
	json_t		*value;
	char		*error;
	int		 settled;	/* 1, or 2: failed by --tweet-timeout */
	int		 kept;		/* --resume: the input's value stays */
};

struct tweet {
	uint64_t		 seq;		/* input order among tweets */
	char			*line;		/* the input text */
	size_t			 len;
	char			*origin;	/* stream entry id, or NULL */
	json_t			*root;		/* only while starting */
	const struct validate_members *members;	/* the same */
	struct model		*model;		/* made when first asked for */
	int			 starting;	/* slot_root may parse */
	int			 empty;		/* the object has no members */
	int			 merge;		/* it has members of ours */
	int			 old_errors;	/* errors not redone this run */
	int			 notice;	/* written as it is */
	u_int			 unsettled;
	u_int			 nerrors;
	struct event		*deadline;	/* --tweet-timeout */
	u_int			 late;		/* settles still owed */
	TAILQ_ENTRY(tweet)	 entry;
	struct slot		 slots[];
};
TAILQ_HEAD(tweets, tweet);

static struct enrichment	**tweet_enrichments;
static u_int			  tweet_nenrichments;
static struct tweets		  tweet_live = TAILQ_HEAD_INITIALIZER(tweet_live);
/* Written, but an enrichment failed by --tweet-timeout has yet to settle. */
static struct tweets		  tweet_late = TAILQ_HEAD_INITIALIZER(tweet_late);
static int			  tweet_closing;	/* settles go nowhere */
static uint64_t			  tweet_next_seq;
static FILE			 *tweet_errors_file;	/* --errors */
static int			  tweet_needs_json; /* an enrichment reads tweets */

static void	tweet_done(struct tweet *);
static void	tweet_deadline_cb(evutil_socket_t, short, void *);
static int	tweet_old_errors(json_t *);

/* Set the enrichments applied to every tweet. */
void
tweet_configure(struct enrichment **list, u_int n)
{
	const struct enricher	*en;
	u_int			 i;

	tweet_enrichments = list;
	tweet_nenrichments = n;
	tweet_needs_json = 0;
	for (i = 0; i < n; i++) {
		en = list[i]->enricher;
		if (en->uses_tweet == NULL || en->uses_tweet(list[i]->data))
			tweet_needs_json = 1;
	}
}

/* Open the --errors file. */
int
tweet_open_errors(const char *path)
{
	int	fd;

	/* Checked by badlines_check_file: not an input, the output, a link. */
	fd = open(path, O_WRONLY|O_CREAT|O_TRUNC|O_NOFOLLOW|O_CLOEXEC, 0666);
	if (fd == -1 || (tweet_errors_file = fdopen(fd, "w")) == NULL) {
		log_warn("%s", path);
		if (fd != -1)
			close(fd);
		return (-1);
	}
	return (0);
}

/* Close the --errors file; -1 if a write to it failed. */
int
tweet_close_errors(void)
{
	int	failed;

	if (tweet_errors_file == NULL)
		return (0);
	failed = ferror(tweet_errors_file);
	if (fclose(tweet_errors_file) != 0)
		failed = 1;
	tweet_errors_file = NULL;
	if (failed) {
		log_warnx("%s: write failed", opts.errors);
		return (-1);
	}
	return (0);
}

/*
 * Parse a line as a JSON object, or say why it is not one. A raw NUL byte
 * is never JSON, but jansson reads past one as if it were not there, so
 * such a line is refused first (as validate_tweet refuses it).
 */
json_t *
tweet_parse(const char *line, size_t len, char *why, size_t whylen)
{
	json_error_t	 error;
	json_t		*root;
	const char	*nul;

	if ((nul = memchr(line, '\0', len)) != NULL) {
		snprintf(why, whylen, "invalid JSON: NUL byte (column %zu)",
		    (size_t)(nul - line) + 1);
		return (NULL);
	}
	root = json_loadb(line, len, JSON_ALLOW_NUL, &error);
	if (root == NULL) {
		snprintf(why, whylen, "invalid JSON: %s (column %d)",
		    error.text, error.column);
		return (NULL);
	}
	if (!json_is_object(root)) {
		json_decref(root);
		snprintf(why, whylen, "not a JSON object");
		return (NULL);
	}
	return (root);
}

/* What a line is, from its first member. */
#define TWEET_NOTICE 1
#define TWEET_PAGE 2
#define TWEET_STATUSES 3

/* An API page on one line: a bad line that says what to do. */
static void
tweet_page(const char *name, uint64_t lineno, const char *line, size_t len,
    int statuses)
{
	if (statuses) {
		hint_page("/statuses");
		badlines_add(name, lineno, line, len, "an API v1.1 search "
		    "page: /statuses is an array of tweets (use --split "
		    "/statuses)");
	} else {
		hint_page("/data");
		badlines_add(name, lineno, line, len, "an API v2 page: /data "
		    "is an array of tweets (use --split /data)");
	}
}

/*
 * What kind of line this is, from its first member alone (a notice is an
 * object of one member, whose value is an object, named as a v1.1 stream
 * notice or a Gnip system message is: delete, scrub_geo, limit,
 * status_withheld, user_withheld, disconnect, warning; info, error): TWEET_NOTICE, TWEET_PAGE
 * (its "data" is an array: an API v2 page), TWEET_STATUSES (its "statuses"
 * is: a v1.1 search page), or 0 for a tweet. key is the offset of the
 * member's opening quote, value that of its value.
 */
static int
tweet_kind_of(const char *line, size_t len, size_t key, size_t value)
{
	const char	*k = line + key + 1, *name;
	size_t		 n;

	/* Most tweets start with a string or a number: not these. */
	if (value >= len || (line[value] != '{' && line[value] != '['))
		return (0);
	for (n = 0; key + 1 + n < len && k[n] != '"' && k[n] != '\\'; n++)
		;	/* the line is not NUL-terminated: no strcspn */
	if (key + 1 + n >= len || k[n] != '"' || value >= len)
		return (0);
	if (line[value] == '[') {
		if (n == 4 && memcmp(k, "data", 4) == 0)
			return (TWEET_PAGE);
		if (n == 8 && memcmp(k, "statuses", 8) == 0)
			return (TWEET_STATUSES);
		return (0);
	}
	if (line[value] != '{')
		return (0);
	switch (n) {	/* a tweet's first member is rarely this long */
	case 4:
		name = k[0] == 'i' ? "info" : NULL;
		break;
	case 5:
		name = k[0] == 'l' ? "limit" : "error";
		break;
	case 6:
		name = "delete";
		break;
	case 7:
		name = "warning";
		break;
	case 9:
		name = "scrub_geo";
		break;
	case 10:
		name = "disconnect";
		break;
	case 13:
		name = "user_withheld";
		break;
	case 15:
		name = "status_withheld";
		break;
	default:
		return (0);
	}
	if (name != NULL && memcmp(k, name, n) == 0)
		return (TWEET_NOTICE);
	return (0);
}

/* The same for a line validate_tweet has checked, from its members. */
static int
tweet_kind_checked(const char *line, size_t len,
    const struct validate_members *top)
{
	/* Even past the most it keeps, it has kept the first. */
	if (top->n == 0)
		return (0);
	return (tweet_kind_of(line, len, top->m[0].key.text - line,
	    top->m[0].value.text - line));
}

/* Make the checker's spans of line spans of the tweet's copy of it. */
static void
tweet_members_move(struct validate_members *top, const char *line,
    const char *copy)
{
	struct scan_member	*m;
	u_int			 i;

	for (i = 0; i < top->n && i < VALIDATE_MAX_MEMBERS; i++) {
		m = &top->m[i];
		m->key.text = copy + (m->key.text - line);
		m->value.text = copy + (m->value.text - line);
	}
}

/* The stream entry of the line being taken (tweet_entry), or NULL. */
static const char	*tweet_cur_origin;

/*
 * Is the line an API page, whatever the order of its members: -1 if not,
 * 1 if "statuses" is an array (v1.1 search), 0 if "data" is (v2)?
 */
static int
tweet_page_kind(const char *line, size_t len)
{
	struct scan_value	top, v;

	if (scan_root(line, len, &top) != 0)
		return (-1);
	if (scan_member(&top, "statuses", 8, &v) == 0 && v.type == SCAN_ARRAY)
		return (1);
	if (scan_member(&top, "data", 4, &v) == 0 && v.type == SCAN_ARRAY)
		return (0);
	return (-1);
}

/* Make a tweet of a line: n enrichments to settle, plus one. */
static inline struct tweet *
tweet_new(const char *line, size_t len, u_int n)
{
	struct tweet	*t;
	size_t		 olen;
	u_int		 i;

	olen = tweet_cur_origin != NULL ? strlen(tweet_cur_origin) + 1 : 0;
	t = xmalloc(sizeof *t + n * sizeof *t->slots + len + olen);
	t->seq = tweet_next_seq++;
	t->line = (char *)&t->slots[n];
	memcpy(t->line, line, len);
	t->len = len;
	t->origin = NULL;
	if (olen != 0) {
		t->origin = t->line + len;
		memcpy(t->origin, tweet_cur_origin, olen);
	}
	t->root = NULL;
	t->members = NULL;
	t->model = NULL;
	t->starting = 0;
	t->empty = t->merge = t->notice = t->old_errors = 0;
	t->unsettled = n + 1;
	t->nerrors = 0;
	t->deadline = NULL;
	t->late = 0;
	for (i = 0; i < n; i++) {
		t->slots[i].tweet = t;
		t->slots[i].value = NULL;
		t->slots[i].error = NULL;
		t->slots[i].settled = 0;
		t->slots[i].kept = 0;
	}
	TAILQ_INSERT_TAIL(&tweet_live, t, entry);
	stats_pending(1);
	return (t);
}

/* A stream notice (checked): counted, written as it is or dropped. */
static void
tweet_notice(const char *line, size_t len)
{
	struct tweet	*t;
	u_int		 i;

	stats.read++;
	stats.notices++;
	if (opts.drop_notices)
		return;
	t = tweet_new(line, len, tweet_nenrichments);
	t->notice = 1;
	t->unsettled = 1;	/* none of its enrichments will start */
	for (i = 0; i < tweet_nenrichments; i++)
		t->slots[i].settled = 1;
	if (--t->unsettled == 0)
		tweet_done(t);
}

/*
 * --resume: if the tweet already has a value without an error for
 * enrichment i, keep it (the slot settles with it) and say so.
 */
static int
tweet_keep(struct tweet *t, u_int i)
{
	const char	*name = tweet_enrichments[i]->name;
	json_t		*obj, *errs, *v;

	obj = json_object_get(t->root, "enrichments");
	errs = json_object_get(t->root, "enrichment_errors");
	if (!json_is_object(obj) || (v = json_object_get(obj, name)) == NULL)
		return (0);
	if (json_is_object(errs) && json_object_get(errs, name) != NULL)
		return (0);
	t->slots[i].kept = 1;	/* written as it is in the input */
	t->slots[i].settled = 1;
	t->unsettled--;
	stats.enrichments_kept++;
	return (1);
}

/* Take one input line: parse it, start its enrichments. */
void
tweet_line(const char *line, size_t len, const char *name, uint64_t lineno)
{
	struct tweet		*t;
	struct enrichment	*e;
	json_t			*root;
	struct timeval		 tv;
	struct validate_members	 top;
	char			 reason[256];
	u_int			 i, n = tweet_nenrichments;
	int			 flags, kind;

	/*
	 * Check every line; parse it here only when members merge. An
	 * enrichment reads fields from the text (scan.c), or asks for the
	 * tree (slot_root), which is then parsed once. Notices and pages are
	 * told by the first member the check has just found.
	 */
	root = NULL;
	if ((flags = validate_tweet(line, len, &top, reason,
	    sizeof reason)) == -1) {
		badlines_add(name, lineno, line, len, reason);
		return;
	}
	if ((kind = tweet_kind_checked(line, len, &top)) == TWEET_NOTICE) {
		tweet_notice(line, len);
		return;
	}
	if (kind == TWEET_PAGE || kind == TWEET_STATUSES) {
		tweet_page(name, lineno, line, len, kind == TWEET_STATUSES);
		return;
	}
	if (!(flags & VALIDATE_RESERVED) && tweet_needs_json &&
	    (kind = tweet_page_kind(line, len)) != -1) {
		tweet_page(name, lineno, line, len, kind);
		return;
	}
	if (flags & VALIDATE_RESERVED) {
		root = tweet_parse(line, len, reason, sizeof reason);
		if (root == NULL) {
			badlines_add(name, lineno, line, len, reason);
			return;
		}
		if (json_object_size(root) == 0)
			flags |= VALIDATE_EMPTY;
		if (json_is_array(json_object_get(root, "data")) ||
		    json_is_array(json_object_get(root, "statuses"))) {
			kind = json_is_array(json_object_get(root, "statuses"));
			json_decref(root);
			tweet_page(name, lineno, line, len, kind);
			return;
		}
	}
	stats.read++;
	stats.tweets++;

	t = tweet_new(line, len, n);
	t->root = root;
	t->empty = (flags & VALIDATE_EMPTY) != 0;
	t->merge = root != NULL &&
	    (json_object_get(root, "enrichments") != NULL ||
	    json_object_get(root, "enrichment_errors") != NULL);
	t->old_errors = t->merge && tweet_errors_file != NULL &&
	    tweet_old_errors(root);
	if (opts.tweet_timeout_ms > 0 && n > 0) {
		tv.tv_sec = opts.tweet_timeout_ms / 1000;
		tv.tv_usec = (opts.tweet_timeout_ms % 1000) * 1000;
		t->deadline = evtimer_new(loop_base(), tweet_deadline_cb, t);
		if (t->deadline == NULL)
			fatalx("%s: evtimer_new failed", __func__);
		evtimer_add(t->deadline, &tv);
	}

	if (root == NULL) {
		tweet_members_move(&top, line, t->line);
		t->members = &top;
	}
	t->starting = 1;
	for (i = 0; i < n; i++) {
		e = tweet_enrichments[i];
		if (opts.resume && root != NULL && tweet_keep(t, i))
			continue;
		e->enricher->start(e->data, &t->slots[i]);
	}
	t->members = NULL;
	t->starting = 0;

	if (t->model != NULL) {
		model_free(t->model);
		t->model = NULL;
	}
	json_decref(t->root);
	t->root = NULL;
	if (--t->unsettled == 0)
		tweet_done(t);
}

/*
 * Take entry id of a stream as a line: a tweet or a notice (0), a notice
 * dropped by --drop-notices (1: nothing will be written for it), or (-1) a
 * bad line, reported as such with where it came from.
 */
int
tweet_entry(const char *line, size_t len, const char *stream, const char *id)
{
	uint64_t	 bad = stats.bad, notices = stats.notices;
	char		*name;

	xasprintf(&name, "%s entry %s", stream, id);
	tweet_cur_origin = id;
	tweet_line(line, len, name, 0);
	tweet_cur_origin = NULL;
	free(name);
	if (stats.bad > bad)
		return (-1);
	return (stats.notices > notices && opts.drop_notices);
}

/* The stream entry a tweet came from, or NULL. */
const char *
tweet_origin(struct tweet *t)
{
	return (t->origin);
}

/*
 * The tweet's JSON, parsed on first use; valid only inside an enricher's
 * start callback. NULL if the parser refuses what the validator took.
 */
json_t *
slot_root(struct slot *s)
{
	struct tweet	*t = s->tweet;
	char		 why[256];

	if (t->root == NULL && t->starting == 1) {
		t->starting = 2;	/* parsed, or tried */
		t->root = tweet_parse(t->line, t->len, why, sizeof why);
	}
	return (t->root);
}

/*
 * The tweet's text as read, a JSON object the validator accepted (read it
 * with scan.c); valid only inside start.
 */
const char *
slot_line(struct slot *s, size_t *len)
{
	*len = s->tweet->len;
	return (s->tweet->line);
}

/*
 * The tweet's top-level members as the validator found them (spans of
 * slot_line), or -1 if it was parsed instead; only inside start.
 */
int
slot_members(struct slot *s, const struct scan_member **m)
{
	const struct validate_members	*top = s->tweet->members;

	if (top == NULL || s->tweet->root != NULL ||
	    top->n > VALIDATE_MAX_MEMBERS)
		return (-1);
	*m = top->m;
	return ((int)top->n);
}

/* The tweet's number in input order, for caching what is read of it. */
uint64_t
slot_seq(struct slot *s)
{
	return (s->tweet->seq);
}

/*
 * The tweet model (format, text, links), made the first time an enricher
 * asks; valid, like slot_root, only inside a start callback.
 */
struct model *
slot_model(struct slot *s)
{
	struct tweet	*t = s->tweet;

	if (t->model == NULL && slot_root(s) != NULL)
		t->model = model_new(t->root);
	return (t->model);
}

/*
 * The text an enrichment works on: the string at field (the tweet must have
 * been parsed), or, with no field, the tweet's own full text, read from the
 * raw line (tweetraw.c; the same choice as the model's). On failure *cause
 * says why (and the first tweet without a text says so on stderr too).
 */
int
slot_text(struct slot *s, const char *field, const char **text, size_t *len,
    char **cause)
{
	static int	 warned;
	char		*why;

	if (field != NULL)
		return (pointer_string(slot_root(s), field, text, len, cause));
	if (tweetraw_text(s, text, len, &why) == 0)
		return (0);
	free(why);
	if (!warned && !opts.quiet) {
		log_warnx("tweet %llu has no text in a format known (v1.1, "
		    "Gnip, v2): give the enrichment field=/POINTER",
		    (unsigned long long)s->tweet->seq + 1);
		warned = 1;
	}
	xasprintf(cause, "no tweet text (give field=)");
	return (-1);
}

/* The configured state of the enrichment a slot belongs to. */
void *
slot_data(struct slot *s)
{
	return (tweet_enrichments[s - s->tweet->slots]->data);
}

/* Set a slot's value ahead of settling it (stolen; NULL for null). */
void
slot_set_value(struct slot *s, json_t *value)
{
	json_decref(s->value);
	s->value = value;
}

/*
 * Settle one enrichment of a tweet: with a value (stolen; NULL keeps what
 * slot_set_value gave, or null), or with an error message when fmt is not
 * NULL (the value is then null).
 */
void
slot_settle(struct slot *s, json_t *value, const char *fmt, ...)
{
	struct tweet	*t = s->tweet;
	va_list		 ap;
	char		*masked;

	if (tweet_closing && s->settled == 0) {
		/* At exit: the enricher lets go, the tweet stays unwritten. */
		json_decref(value);
		s->settled = 1;
		return;
	}
	if (s->settled == 2) {
		/* Failed by --tweet-timeout already: too late. */
		json_decref(value);
		if (--t->late == 0 && t->unsettled == 0 &&
		    t->deadline == NULL) {
			TAILQ_REMOVE(&tweet_late, t, entry);
			free(t);
		}
		return;
	}
	if (s->settled)
		fatalx("%s: enrichment settled twice", __func__);
	s->settled = 1;
	stats.enrichments++;
	if (value != NULL)
		slot_set_value(s, value);
	if (fmt != NULL) {
		slot_set_value(s, NULL);
		va_start(ap, fmt);
		xvasprintf(&s->error, fmt, ap);
		va_end(ap);
		if (secret_any()) {
			masked = secret_mask(s->error);
			free(s->error);
			s->error = masked;
		}
		t->nerrors++;
		stats.enrichment_errors++;
	}
	if (--t->unsettled == 0)
		tweet_done(t);
}

/* Has the tweet errors of enrichments that this run does not redo? */
static int
tweet_old_errors(json_t *root)
{
	json_t		*errs, *v;
	const char	*key;
	u_int		 i;

	errs = json_object_get(root, "enrichment_errors");
	if (!json_is_object(errs))
		return (0);
	json_object_foreach(errs, key, v) {
		for (i = 0; i < tweet_nenrichments; i++) {
			if (strcmp(tweet_enrichments[i]->name, key) == 0)
				break;
		}
		if (i == tweet_nenrichments)
			return (1);
	}
	return (0);
}

/* --tweet-timeout: fail every enrichment of the tweet still pending. */
static void
tweet_deadline_cb(__unused evutil_socket_t fd, __unused short events,
    void *arg)
{
	struct tweet	*t = arg;
	struct slot	*s;
	u_int		 i;

	for (i = 0; i < tweet_nenrichments; i++) {
		s = &t->slots[i];
		if (s->settled)
			continue;
		s->settled = 2;
		slot_set_value(s, NULL);
		xasprintf(&s->error, "tweet timeout: not done within %ld ms",
		    opts.tweet_timeout_ms);
		t->nerrors++;
		t->late++;
		t->unsettled--;
		stats.enrichments++;
		stats.enrichment_errors++;
	}
	if (t->unsettled == 0)
		tweet_done(t);
}

/* Every enrichment has settled: on to the output (and --errors). */
static void
tweet_done(struct tweet *t)
{
	struct evbuffer	*b;

	if (t->deadline != NULL)
		evtimer_del(t->deadline);
	TAILQ_REMOVE(&tweet_live, t, entry);
	if (tweet_errors_file != NULL && (t->nerrors > 0 || t->old_errors)) {
		if ((b = evbuffer_new()) == NULL)
			fatalx("%s: evbuffer_new failed", __func__);
		tweet_write(t, b);
		fwrite(evbuffer_pullup(b, -1), 1, evbuffer_get_length(b),
		    tweet_errors_file);
		evbuffer_free(b);
	}
	output_tweet(t);
}

/* The tweet's number in input order. */
uint64_t
tweet_seq(struct tweet *t)
{
	return (t->seq);
}

static int
tweet_dump_cb(const char *buf, size_t size, void *data)
{
	return (evbuffer_add(data, buf, size));
}

static void
tweet_dump(json_t *v, struct evbuffer *out)
{
	if (v == NULL)
		evbuffer_add(out, "null", 4);
	else if (json_dump_callback(v, tweet_dump_cb, out,
	    JSON_COMPACT|JSON_ENCODE_ANY) != 0)
		fatalx("%s: json_dump_callback failed", __func__);
}

/* Merge into a tweet that already has enrichments (an earlier run's). */
static void
tweet_write_merged(struct tweet *t, struct evbuffer *out)
{
	struct merge_item	*items;
	struct enrichment	*e;
	u_int			 i;

	items = xcalloc(tweet_nenrichments, sizeof *items);
	for (i = 0; i < tweet_nenrichments; i++) {
		e = tweet_enrichments[i];
		items[i].name = e->name;
		items[i].key_json = e->key_json;
		items[i].key_len = e->key_len;
		items[i].value = t->slots[i].value;
		items[i].error = t->slots[i].error;
		items[i].keep = t->slots[i].kept;
	}
	merge_write(t->line, t->len, items, tweet_nenrichments, out);
	free(items);
}

/*
 * Write a finished tweet: its input text as it was, with the enrichments
 * spliced in before the closing brace; nothing is re-serialised.
 */
void
tweet_write(struct tweet *t, struct evbuffer *out)
{
	struct enrichment	*e;
	json_t			*msg;
	size_t			 end = t->len;
	u_int			 i;
	int			 first;

	if (t->notice || tweet_nenrichments == 0) {
		/* As it is: a notice, or a copy to or from a stream. */
		evbuffer_add(out, t->line, t->len);
		evbuffer_add(out, "\n", 1);
		return;
	}
	if (t->merge) {
		tweet_write_merged(t, out);
		return;
	}
	while (end > 0 && t->line[end - 1] != '}')
		end--;
	evbuffer_add(out, t->line, end - 1);
	if (t->empty)
		evbuffer_add(out, "\"enrichments\":{", 15);
	else
		evbuffer_add(out, ",\"enrichments\":{", 16);
	for (i = 0; i < tweet_nenrichments; i++) {
		e = tweet_enrichments[i];
		if (i > 0)
			evbuffer_add(out, ",", 1);
		evbuffer_add(out, e->key_json, e->key_len);
		tweet_dump(t->slots[i].value, out);
	}
	if (t->nerrors > 0) {
		evbuffer_add(out, "},\"enrichment_errors\":{", 23);
		first = 1;
		for (i = 0; i < tweet_nenrichments; i++) {
			if (t->slots[i].error == NULL)
				continue;
			e = tweet_enrichments[i];
			if (!first)
				evbuffer_add(out, ",", 1);
			first = 0;
			evbuffer_add(out, e->key_json, e->key_len);
			msg = json_string(t->slots[i].error);
			if (msg == NULL)
				msg = json_string("(message not UTF-8)");
			tweet_dump(msg, out);
			json_decref(msg);
		}
	}
	evbuffer_add(out, "}}\n", 3);
}

/* Free a tweet. */
void
tweet_free(struct tweet *t)
{
	u_int	i;

	for (i = 0; i < tweet_nenrichments; i++) {
		json_decref(t->slots[i].value);
		t->slots[i].value = NULL;
		free(t->slots[i].error);
		t->slots[i].error = NULL;
	}
	if (t->deadline != NULL) {
		event_free(t->deadline);
		t->deadline = NULL;
	}
	if (t->late > 0) {
		/* Its enrichments still hold the slots: free it after them. */
		t->unsettled = 0;
		TAILQ_INSERT_TAIL(&tweet_late, t, entry);
		return;
	}
	free(t);
}

/* The run is over: enrichments that settle from now on are dropped. */
void
tweet_close(void)
{
	tweet_closing = 1;
}

/* Free the tweets still in flight (an early exit). */
void
tweet_free_all(void)
{
	struct tweet	*t;

	while ((t = TAILQ_FIRST(&tweet_live)) != NULL) {
		TAILQ_REMOVE(&tweet_live, t, entry);
		t->late = 0;
		tweet_free(t);
	}
	while ((t = TAILQ_FIRST(&tweet_late)) != NULL) {
		TAILQ_REMOVE(&tweet_late, t, entry);
		free(t);
	}
}
