/*
 * A test plugin built by t/check_plugin against the installed header: one
 * enricher of each kind, to show that a plugin's behave like built-ins.
 *   pinline          the length of /body in bytes
 *   ptimer:ms=N      waits N ms on a libevent timer; the value is N
 *   pcpu             the sum of the bytes of /body, on a pool thread
 *   phttp:url=URL    fetches URL; the value is "STATUS BODY"
 * Built with -DBAD_ABI it claims another ABI; with -DMISSING_SYMBOL it
 * needs a function nobody defines; with -DNO_ENTRY it has no entry point.
 */

#include <stdlib.h>
#include <string.h>

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

static void *
plain_configure(struct spec *sp, char **cause)
{
	(void)sp;
	(void)cause;
	return (&conf);
}

static void
pinline_start(void *data, struct slot *s)
{
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
	te->slot_settle(s, json_integer(len), NULL);
}

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

static void
ptimer_done(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	te->slot_settle(arg, NULL, NULL);
}

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

static void
sum_work(struct te_pool_job *j)
{
	struct sum_job	*sj = (struct sum_job *)j;
	size_t		 i;

	for (i = 0; i < sj->len; i++)
		sj->sum += (unsigned char)sj->bytes[i];
}

static void
sum_done(struct te_pool_job *j)
{
	struct sum_job	*sj = (struct sum_job *)j;

	te->slot_settle(sj->slot, json_integer(sj->sum), NULL);
	free(sj->bytes);
	free(sj);
}

static void
sum_cancel(struct te_pool_job *j)
{
	struct sum_job	*sj = (struct sum_job *)j;

	free(sj->bytes);
	free(sj);
}

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

static void *
phttp_configure(struct spec *sp, char **cause)
{
	const char	*url = te->spec_get(sp, "url");

	if (url == NULL) {
		*cause = strdup("phttp: url= is required");
		return (NULL);
	}
	return (strdup(url));
}

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

static void
phttp_start(void *data, struct slot *s)
{
	te->fetch(data, NULL, 0, TE_FETCH_FOLLOW, phttp_done, s);
}

static int
no_tweet(void *data)
{
	(void)data;
	return (0);
}

static const struct te_enricher kinds[] = {
	{ "pinline", TE_INLINE, "bytes of /body", NULL, plain_configure,
	  pinline_start, NULL, NULL, NULL },
	{ "ptimer", TE_TIMER, "wait ms", ms_keys, ptimer_configure,
	  ptimer_start, free, no_tweet, NULL },
	{ "pcpu", TE_CPU, "sum of the bytes of /body", NULL, plain_configure,
	  pcpu_start, NULL, NULL, NULL },
	{ "phttp", TE_HTTP, "fetch url", url_keys, phttp_configure,
	  phttp_start, free, no_tweet, NULL },
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
