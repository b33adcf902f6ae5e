/*
 * The http enricher: a request built from templates filled in from the
 * tweet (values percent-encoded in the URL, JSON-escaped in the body). The
 * value is the JSON response, or the part of it that select= names, or the
 * text when the response is not JSON.
 */

#include <sys/types.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <tweet-enricher/enricher.h>

static const struct te_api	*te;

static const char *const http_keys[] = {
	"url", "URL template, {/pointer} fields percent-encoded (required)",
	"method", "GET (default; POST when there is a body), POST, PUT, ...",
	"body", "request body template, {/pointer} fields JSON-escaped",
	"header", "'Name: value' request header (repeatable)",
	"select", "JSON pointer into the response: the part to keep",
	"ok", "other statuses that are answers, not errors: 404,410",
	"status", "yes: the value is {\"status\":N,\"body\":...}",
	"rate", "start at most N of this enrichment's requests a second",
	NULL
};

#define HTTP_MAX_OK 16

struct http_conf {
	struct te_fetch_request	 req;
	char			*method;
	struct template		*url;
	struct template		*body;
	char			*select;
	long			 ok[HTTP_MAX_OK];
	u_int			 nok;
	int			 status;	/* status=yes */
};

/* Parse ok=: a comma-separated list of statuses (1 to 16 of them). */
static int
http_parse_ok(struct http_conf *hc, const char *s, char **cause)
{
	const char	*p = s;
	char		*end;
	long		 n;

	for (;;) {
		n = strtol(p, &end, 10);
		if (end == p || n < 100 || n > 599 || hc->nok == HTTP_MAX_OK ||
		    (*end != ',' && *end != '\0')) {
			te->xasprintf(cause, "http: ok= is a list of up to %d "
			    "HTTP statuses (404\\,410), not \"%s\"",
			    HTTP_MAX_OK, s);
			return (-1);
		}
		hc->ok[hc->nok++] = n;
		if (*end == '\0')
			return (0);
		p = end + 1;
	}
}

/* Free what http_configure made. */
static void
http_free(void *data)
{
	struct http_conf	*hc = data;

	te->template_free(hc->url);
	te->template_free(hc->body);
	te->headers_free(hc->req.headers);
	free(hc->method);
	free(hc->select);
	free(hc);
}

/* The request's templates, method, headers, rate and what to keep. */
static void *
http_configure(struct spec *sp, char **cause)
{
	struct http_conf	*hc;
	const char		*url = te->spec_get(sp, "url");
	const char		*method = te->spec_get(sp, "method");
	const char		*body = te->spec_get(sp, "body");
	const char		*select = te->spec_get(sp, "select");
	const char		*ok = te->spec_get(sp, "ok");
	const char		*status = te->spec_get(sp, "status");
	char			*p;

	if (url == NULL) {
		te->xasprintf(cause, "http: url= is required");
		return (NULL);
	}
	if (strncasecmp(url, "http://", 7) != 0 &&
	    strncasecmp(url, "https://", 8) != 0) {
		te->xasprintf(cause, "http: url= must start with http:// or "
		    "https://");
		return (NULL);
	}
	hc = te->xcalloc(1, sizeof *hc);
	hc->method = te->xstrdup(method != NULL ? method : (body != NULL ?
	    "POST" : "GET"));
	for (p = hc->method; *p != '\0'; p++) {
		if (!isalpha((u_char)*p)) {
			te->xasprintf(cause, "http: bad method: %s", method);
			goto fail;
		}
		*p = toupper((u_char)*p);
	}
	if (*hc->method == '\0') {
		te->xasprintf(cause, "http: empty method");
		goto fail;
	}
	if ((hc->url = te->template_parse(url, cause)) == NULL)
		goto fail;
	if (body != NULL &&
	    (hc->body = te->template_parse(body, cause)) == NULL)
		goto fail;
	if (hc->body != NULL && te->template_check_json(hc->body, &p) != 0) {
		te->xasprintf(cause, "http: body: %s", p);
		free(p);
		goto fail;
	}
	if (select != NULL) {
		if (!te->pointer_valid(select)) {
			te->xasprintf(cause, "http: bad JSON pointer: %s",
			    select);
			goto fail;
		}
		hc->select = te->xstrdup(select);
	}
	if (ok != NULL && http_parse_ok(hc, ok, cause) != 0)
		goto fail;
	if (status != NULL) {
		if (strcmp(status, "yes") == 0)
			hc->status = 1;
		else if (strcmp(status, "no") != 0) {
			te->xasprintf(cause, "http: status= is yes or no");
			goto fail;
		}
	}
	if (te->rate(sp, &hc->req, cause) != 0)
		goto fail;
	hc->req.method = hc->method;
	/* The path goes as written: a value cannot remove a segment. */
	hc->req.flags = TE_FETCH_FOLLOW|TE_FETCH_PATH_AS_IS;
	hc->req.headers = te->headers(sp, 1);
	return (hc);

fail:
	http_free(hc);
	return (NULL);
}

/*
 * Turn a 2xx response body into a value (the part select names, if any);
 * NULL with *cause if it cannot be.
 */
static json_t *
http_value(const char *select, const struct te_fetch_result *res, char **cause)
{
	json_t	*root, *part;

	/* The part named, read from the text: no tree for the rest. */
	if (select != NULL) {
		switch (te->json_select(res->body, res->len, select, &part)) {
		case 1:
			return (part);
		case 0:
			te->xasprintf(cause, "no %s in the response", select);
			return (NULL);
		}
	}
	root = json_loadb(res->body, res->len, JSON_DECODE_ANY|JSON_ALLOW_NUL,
	    NULL);
	if (root == NULL) {
		if (select != NULL) {
			te->xasprintf(cause, "response is not JSON, cannot "
			    "select %s", select);
			return (NULL);
		}
		if ((root = json_stringn(res->body, res->len)) == NULL)
			te->xasprintf(cause, "response is neither JSON nor "
			    "UTF-8 text");
		return (root);
	}
	if (select == NULL)
		return (root);
	if ((part = te->pointer_get(root, select)) == NULL) {
		te->xasprintf(cause, "no %s in the response", select);
		json_decref(root);
		return (NULL);
	}
	json_incref(part);
	json_decref(root);
	return (part);
}

/* The answer: a value, or an error with an excerpt. */
static void
http_done(void *arg, const struct te_fetch_result *res)
{
	struct slot		*s = arg;
	struct http_conf	*hc = te->slot_data(s);
	json_t			*value;
	char			 excerpt[200], *cause = NULL;
	u_int			 i;
	int			 ok;

	if (res->error != NULL) {
		te->slot_settle(s, NULL, "%s", res->error);
		return;
	}
	ok = res->status >= 200 && res->status <= 299;
	for (i = 0; !ok && i < hc->nok; i++)
		ok = res->status == hc->ok[i];
	if (!ok) {
		te->fetch_excerpt(res, excerpt, sizeof excerpt);
		te->slot_settle(s, NULL, "HTTP %ld%s%s", res->status,
		    *excerpt != '\0' ? ": " : "", excerpt);
		return;
	}
	/*
	 * The whole body, already written as the output writes it: spliced
	 * in as it is, no tree (the rest is parsed and dumped again).
	 */
	if ((hc->select == NULL || res->status > 299) && !hc->status &&
	    te->slot_settle_text(s, res->body, res->len))
		return;
	/* select= applies to 2xx answers; an ok= status gives the body. */
	if ((value = http_value(res->status <= 299 ? hc->select : NULL, res,
	    &cause)) == NULL) {
		te->slot_settle(s, NULL, "%s", cause);
		free(cause);
		return;
	}
	if (hc->status)
		value = json_pack("{sIso}", "status", (json_int_t)res->status,
		    "body", value);
	te->slot_settle(s, value, NULL);
}

/* Fill the templates in from the tweet's text and send the request. */
static void
http_start(void *data, struct slot *s)
{
	struct http_conf	*hc = data;
	char			*url, *body = NULL, *cause = NULL;
	size_t			 len = 0;

	/* Fields come from the members the checker found: no tree. */
	if ((url = te->slot_expand(s, hc->url, TE_TEMPLATE_URL, NULL,
	    &cause)) == NULL)
		goto fail;
	if (hc->body != NULL && (body = te->slot_expand(s, hc->body,
	    TE_TEMPLATE_JSON, &len, &cause)) == NULL)
		goto fail;
	te->fetch(&hc->req, url, body, len, http_done, s);
	free(url);
	free(body);
	return;

fail:
	te->slot_settle(s, NULL, "%s", cause);
	free(cause);
	free(url);
}

static const struct te_enricher http_enricher = {
	.name = "http",
	.kind = TE_HTTP,
	.help = "an HTTP request; the value is the JSON (or text) response",
	.keys = http_keys,
	.configure = http_configure,
	.start = http_start,
	.free = http_free,
};

/* The entry point: keep the table, register the enricher. */
int
http_register(const struct te_api *api, char **cause)
{
	te = api;
	return (te->register_enricher(&http_enricher, cause));
}
