/*
 * A test plugin built by t/check_plugin against the installed header: one
 * enricher of each kind, to show that a plugin's behave like built-ins.
 *   pinline          the length of /body in bytes, read without a parse
 *   ptype            the tweet's type, as the built-in type gives it
 *   ptimer:ms=N      waits N ms on a libevent timer; the value is N
 *   pcpu             the sum of the bytes of /body, on a pool thread
 *   phttp:url=URL    fetches URL; the value is "STATUS BODY"
 *   pprocess:cmd=C   runs /bin/sh -c C, /body on its stdin; the value is
 *                    what it wrote
 *   pecho:url=T,header=H,rate=N
 *                    POSTs {"text": the tweet's text, "links": its links}
 *                    to the template T filled in from the tweet, with the
 *                    headers H; the value is the JSON response, as the
 *                    built-in http's would be
 * Built with -DBAD_ABI it claims another ABI; with -DMISSING_SYMBOL it
 * needs a function nobody defines; with -DNO_ENTRY it has no entry point.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <tweet-enricher/enricher.h>

#ifdef BAD_ABI
const unsigned int tweet_enricher_plugin_abi = TE_PLUGIN_ABI + 1;
#else
TE_PLUGIN_ABI_DEFINE;
#endif

static const struct te_api	*te;
static int			 conf;

static const char *const ms_keys[] = { "ms", "milliseconds", NULL };
static const char *const url_keys[] = { "url", "what to fetch", NULL };
static const char *const cmd_keys[] = { "cmd", "a shell command", NULL };
static const char *const echo_keys[] = {
	"url", "URL template", "header", "a header", "rate", "per second", NULL
};

/* No keys, no state of its own. */
static void *
plain_configure(struct spec *sp, char **cause)
{
	(void)sp;
	(void)cause;
	return (&conf);
}

/* The bytes of /body, read from the text without a parse. */
static void
pinline_start(void *data, struct slot *s)
{
	json_t	*v;
	char	*why;

	(void)data;
	if ((v = te->field(s, "/body", &why)) == NULL) {
		te->slot_settle(s, NULL, "%s", why);
		free(why);
		return;
	}
	te->slot_settle(s, json_integer(json_string_length(v)), NULL);
	json_decref(v);
}

/* The tweet's type, from the model, as the built-in type. */
static void
ptype_start(void *data, struct slot *s)
{
	const char	*type;
	char		*why;

	(void)data;
	if ((type = te->tweet_type(s, &why)) == NULL) {
		te->slot_settle(s, NULL, "%s", why);
		free(why);
		return;
	}
	te->slot_settle(s, json_string(type), NULL);
}

/* ms=: the wait. */
static void *
ptimer_configure(struct spec *sp, char **cause)
{
	long long	*ms = malloc(sizeof *ms);

	if (te->spec_number(sp, "ms", 0, 60000, 10, ms, cause) != 0) {
		free(ms);
		return (NULL);
	}
	return (ms);
}

/* The timer fired: settle with the value set at the start. */
static void
ptimer_done(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	te->slot_settle(arg, NULL, NULL);
}

/* Wait ms on a libevent timer of the loop. */
static void
ptimer_start(void *data, struct slot *s)
{
	long long	*ms = data;
	struct timeval	 tv = { *ms / 1000, (*ms % 1000) * 1000 };

	te->slot_set_value(s, json_integer(*ms));
	event_base_once(te->loop_base(), -1, EV_TIMEOUT, ptimer_done, s, &tv);
}

struct sum_job {
	struct te_pool_job	 job;	/* first */
	struct slot		*slot;
	char			*bytes;
	size_t			 len;
	unsigned long		 sum;
};

/* On a pool thread: add the bytes up. */
static void
sum_work(struct te_pool_job *j)
{
	struct sum_job	*sj = (struct sum_job *)j;
	size_t		 i;

	for (i = 0; i < sj->len; i++)
		sj->sum += (unsigned char)sj->bytes[i];
}

/* Back on the loop: settle with the sum. */
static void
sum_done(struct te_pool_job *j)
{
	struct sum_job	*sj = (struct sum_job *)j;

	te->slot_settle(sj->slot, json_integer(sj->sum), NULL);
	free(sj->bytes);
	free(sj);
}

/* The program exits first: free the job. */
static void
sum_cancel(struct te_pool_job *j)
{
	struct sum_job	*sj = (struct sum_job *)j;

	free(sj->bytes);
	free(sj);
}

/* Copy /body into a job for the pool. */
static void
pcpu_start(void *data, struct slot *s)
{
	struct sum_job	*sj;
	const char	*text;
	char		*why;
	size_t		 len;

	(void)data;
	if (te->pointer_string(te->slot_root(s), "/body", &text, &len,
	    &why) != 0) {
		te->slot_settle(s, NULL, "%s", why);
		free(why);
		return;
	}
	sj = calloc(1, sizeof *sj);
	sj->job.work = sum_work;
	sj->job.done = sum_done;
	sj->job.cancel = sum_cancel;
	sj->slot = s;
	sj->bytes = malloc(len + 1);
	memcpy(sj->bytes, text, len);
	sj->len = len;
	te->pool_submit(&sj->job);
}

struct phttp {
	struct te_fetch_request	 req;
	char			*url;
};

/* url=: a fixed URL, fetched with GET, redirects followed. */
static void *
phttp_configure(struct spec *sp, char **cause)
{
	const char	*url = te->spec_get(sp, "url");
	struct phttp	*ph;

	if (url == NULL) {
		*cause = strdup("phttp: url= is required");
		return (NULL);
	}
	ph = te->xcalloc(1, sizeof *ph);
	ph->req.method = "GET";
	ph->req.flags = TE_FETCH_FOLLOW;
	ph->url = te->xstrdup(url);
	return (ph);
}

/* Free what phttp_configure made. */
static void
phttp_free(void *data)
{
	struct phttp	*ph = data;

	free(ph->url);
	free(ph);
}

/* "STATUS BODY", or the transport error. */
static void
phttp_done(void *arg, const struct te_fetch_result *r)
{
	char	*v;

	if (r->error != NULL) {
		te->slot_settle(arg, NULL, "%s", r->error);
		return;
	}
	if (asprintf(&v, "%ld %.*s", r->status, (int)r->len, r->body) == -1)
		abort();
	te->slot_settle(arg, json_string(v), NULL);
	free(v);
}

/* Fetch the URL for one tweet. */
static void
phttp_start(void *data, struct slot *s)
{
	struct phttp	*ph = data;

	te->fetch(&ph->req, ph->url, NULL, 0, phttp_done, s);
}

/* A child process per tweet, its answer read on the loop. */
struct pproc {
	struct slot	*slot;
	struct event	*ev;
	pid_t		 pid;
	char		 out[4096];
	size_t		 len;
};

/* cmd=: the shell command. */
static void *
pprocess_configure(struct spec *sp, char **cause)
{
	const char	*cmd = te->spec_get(sp, "cmd");

	if (cmd == NULL) {
		*cause = strdup("pprocess: cmd= is required");
		return (NULL);
	}
	return (strdup(cmd));
}

/* Read the child's answer on the loop; at its end, settle. */
static void
pprocess_read(evutil_socket_t fd, short events, void *arg)
{
	struct pproc	*pp = arg;
	ssize_t		 n;

	(void)events;
	n = read(fd, pp->out + pp->len, sizeof pp->out - pp->len);
	if (n > 0) {
		pp->len += n;
		if (pp->len < sizeof pp->out)
			return;
	}
	event_free(pp->ev);
	close(fd);
	waitpid(pp->pid, NULL, 0);
	te->slot_settle(pp->slot, json_stringn(pp->out, pp->len), NULL);
	free(pp);
}

/* Start the command, /body on its stdin, its stdout watched. */
static void
pprocess_start(void *data, struct slot *s)
{
	struct pproc	*pp;
	json_t		*v;
	char		*why;
	int		 in[2], out[2];

	if ((v = te->field(s, "/body", &why)) == NULL) {
		te->slot_settle(s, NULL, "%s", why);
		free(why);
		return;
	}
	if (pipe(in) != 0 || pipe(out) != 0)
		te->fatalx("pipe failed");
	pp = te->xcalloc(1, sizeof *pp);
	pp->slot = s;
	if ((pp->pid = fork()) == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execl("/bin/sh", "sh", "-c", (const char *)data, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	if (write(in[1], json_string_value(v), json_string_length(v)) == -1)
		te->log_warnx("pprocess: write failed");
	close(in[1]);
	json_decref(v);
	pp->ev = event_new(te->loop_base(), out[0], EV_READ|EV_PERSIST,
	    pprocess_read, pp);
	event_add(pp->ev, NULL);
}

/* A request like the built-in http's, its body the tweet's text and links. */
struct pecho {
	struct te_fetch_request	 req;
	struct template		*url;
};

/* url= template, header= and rate=, as the built-in http takes them. */
static void *
pecho_configure(struct spec *sp, char **cause)
{
	struct pecho	*pe;
	const char	*url = te->spec_get(sp, "url");

	if (url == NULL) {
		*cause = strdup("pecho: url= is required");
		return (NULL);
	}
	pe = te->xcalloc(1, sizeof *pe);
	if ((pe->url = te->template_parse(url, cause)) == NULL ||
	    te->rate(sp, &pe->req, cause) != 0) {
		te->template_free(pe->url);
		free(pe);
		return (NULL);
	}
	pe->req.method = "POST";
	pe->req.flags = TE_FETCH_FOLLOW|TE_FETCH_PATH_AS_IS;
	pe->req.headers = te->headers(sp, 1);
	return (pe);
}

/* Free what pecho_configure made. */
static void
pecho_free(void *data)
{
	struct pecho	*pe = data;

	te->template_free(pe->url);
	te->headers_free(pe->req.headers);
	free(pe);
}

/* The JSON response is the value. */
static void
pecho_done(void *arg, const struct te_fetch_result *r)
{
	json_t	*v;

	if (r->error != NULL || r->status != 200) {
		te->slot_settle(arg, NULL, "%s", r->error != NULL ? r->error :
		    "not 200");
		return;
	}
	v = json_loadb(r->body, r->len, 0, NULL);
	te->slot_settle(arg, v, v == NULL ? "not JSON" : NULL);
}

/* Post the tweet's text and links to the URL filled in from it. */
static void
pecho_start(void *data, struct slot *s)
{
	struct pecho	*pe = data;
	struct te_link	 links[8];
	const char	*line, *text;
	char		*url, *body, *why;
	size_t		 len, tlen;
	unsigned int	 n, i;
	json_t		*b, *l;

	line = te->slot_line(s, &len);
	if ((url = te->template_expand(pe->url, line, len, TE_TEMPLATE_URL,
	    NULL, &why)) == NULL || te->tweet_text(s, &text, &tlen,
	    &why) != 0) {
		free(url);
		te->slot_settle(s, NULL, "%s", why);
		free(why);
		return;
	}
	n = te->tweet_links(s, links, 8);
	l = json_array();
	for (i = 0; i < n; i++) {
		json_array_append_new(l, json_pack("{s:s%,s:s?}", "url",
		    links[i].url, links[i].len, "expanded", links[i].expanded));
	}
	b = json_pack("{s:s%,s:o}", "text", text, tlen, "links", l);
	body = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	te->fetch(&pe->req, url, body, strlen(body), pecho_done, s);
	free(body);
	free(url);
}

/* The tweet's tree is not needed. */
static int
no_tweet(void *data)
{
	(void)data;
	return (0);
}

static const struct te_enricher kinds[] = {
	{ "pinline", TE_INLINE, "bytes of /body", NULL, plain_configure,
	  pinline_start, NULL, no_tweet, NULL },
	{ "ptimer", TE_TIMER, "wait ms", ms_keys, ptimer_configure,
	  ptimer_start, free, no_tweet, NULL },
	{ "pcpu", TE_CPU, "sum of the bytes of /body", NULL, plain_configure,
	  pcpu_start, NULL, NULL, NULL },
	{ "phttp", TE_HTTP, "fetch url", url_keys, phttp_configure,
	  phttp_start, phttp_free, no_tweet, NULL },
	{ "ptype", TE_INLINE, "the tweet's type", NULL, plain_configure,
	  ptype_start, NULL, no_tweet, NULL },
	{ "pprocess", TE_PROCESS, "a command's answer", cmd_keys,
	  pprocess_configure, pprocess_start, free, no_tweet, NULL },
	{ "pecho", TE_HTTP, "the tweet's text and links, posted", echo_keys,
	  pecho_configure, pecho_start, pecho_free, no_tweet, NULL },
};

#ifdef MISSING_SYMBOL
void	te_no_such_function(void);
#endif

#ifndef NO_ENTRY
int
tweet_enricher_plugin(const struct te_api *api, char **cause)
{
	size_t	i;

#ifdef MISSING_SYMBOL
	te_no_such_function();
#endif
	te = api;
	if (te->size < sizeof *te) {
		*cause = strdup("this tweet-enricher is too old");
		return (-1);
	}
	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		if (te->register_enricher(&kinds[i], cause) != 0)
			return (-1);
	}
	return (0);
}
#endif
