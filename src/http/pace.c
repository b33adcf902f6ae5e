/*
 * Pacing: a pacer lets requests start at most N a second (--host-rate
 * HOST=N, rate=N on an enrichment) or is paused until a time (a quota
 * window: 429 with a reset time). A quota belongs to a host and the
 * credentials sent to it: an anonymous 429 does not pause requests that
 * carry an API key to the same host, nor the other way. A request that may not
 * start yet is held on the pacer that stops it, not in the shared queue,
 * so other hosts' requests keep flowing; the pacer's timer gives held
 * requests back one at a time, when their turn comes.
 */

#include <sys/queue.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/event.h>

#include "lib/lib.h"
#include "core.h"
#include "http/http.h"

/* Quota pacers at most (one per host and credentials paused). */
#define PACE_MAX_HOSTS 10000

enum pace_kind {
	PACE_RATE,		/* an enrichment's rate= */
	PACE_HOST,		/* a host's --host-rate */
	PACE_QUOTA		/* a host's quota, for some credentials */
};

struct pacer {
	char			*name;		/* as shown: host:port, ... */
	char			*key;		/* host:port, or NULL */
	uint32_t		 creds;		/* 0: none sent */
	enum pace_kind		 kind;
	double			 interval;	/* seconds between starts */
	double			 next;		/* earliest next start */
	double			 paused_until;	/* quota window */
	TAILQ_HEAD(, pace_item)	 held;
	u_int			 nheld;
	struct event		*timer;
	uint64_t		 pauses;
	double			 waited;	/* seconds paused in all */
	struct pacer		*next_pacer;
};

static struct pacer	*pace_list;
static u_int		 pace_nhosts;
static uint32_t		*pace_creds;	/* credentials seen, in order */
static u_int		 pace_ncreds;
static pace_release_cb	 pace_release;

/* The monotonic clock, seconds. */
double
pace_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* Set the function that takes back a released request. */
void
pace_init(pace_release_cb cb)
{
	pace_release = cb;
}

static void
pace_timer_cb(__unused evutil_socket_t fd, __unused short events, void *arg)
{
	struct pacer		*p = arg;
	struct pace_item	*it;

	if ((it = TAILQ_FIRST(&p->held)) == NULL)
		return;
	TAILQ_REMOVE(&p->held, it, entry);
	p->nheld--;
	it->released = 1;
	pace_release(it);	/* back to the queue: starts, or held again */
	if (!TAILQ_EMPTY(&p->held))
		pace_arm(p);
}

/* Arm the timer for the next turn of the first held request. */
void
pace_arm(struct pacer *p)
{
	struct timeval	tv;
	double		w;

	w = pace_wait(p, pace_now());
	if (w < 0)
		w = 0;
	tv.tv_sec = (time_t)w;
	tv.tv_usec = (w - tv.tv_sec) * 1e6;
	if (p->timer == NULL) {
		p->timer = evtimer_new(loop_base(), pace_timer_cb, p);
		if (p->timer == NULL)
			fatalx("%s: evtimer_new failed", __func__);
	}
	evtimer_add(p->timer, &tv);
}

static struct pacer *
pace_new(const char *name, const char *key, double rate,
    enum pace_kind kind)
{
	struct pacer	*p;

	p = xcalloc(1, sizeof *p);
	p->name = xstrdup(name);
	p->key = key != NULL ? xstrdup(key) : NULL;
	p->interval = rate > 0 ? 1 / rate : 0;
	p->kind = kind;
	TAILQ_INIT(&p->held);
	p->next_pacer = pace_list;
	pace_list = p;
	return (p);
}

/* A pacer for an enrichment's rate=. */
struct pacer *
pace_rate(const char *name, double rate)
{
	return (pace_new(name, NULL, rate, PACE_RATE));
}

/*
 * Does a --host-rate HOST name this host:port key? HOST is a host (any
 * port) or a host:port.
 */
static int
pace_host_match(const char *want, size_t wlen, const char *key)
{
	const char	*colon = strrchr(key, ':');
	size_t		 hlen = colon != NULL ? (size_t)(colon - key) :
			    strlen(key);

	if (strlen(key) == wlen && strncasecmp(want, key, wlen) == 0)
		return (1);
	return (hlen == wlen && strncasecmp(want, key, wlen) == 0);
}

/* The configured rate of a host (--host-rate), 0 if none. */
static double
pace_host_rate(const char *host)
{
	const char	*s, *eq;
	u_int		 i;

	for (i = 0; i < opts.nhost_rates; i++) {
		s = opts.host_rates[i];
		eq = strrchr(s, '=');
		if (pace_host_match(s, eq - s, host))
			return (strtod(eq + 1, NULL));
	}
	return (0);
}

/* The host:port of a URL (the port filled in from the scheme), allocated;
 * NULL if it has none. */
char *
pace_key(const char *url)
{
	char	*host, *port, *key;

	if (location_host_port(url, &host, &port) != 0)
		return (NULL);
	xasprintf(&key, "%s:%s", host, port);
	free(host);
	free(port);
	return (key);
}

/* The --host-rate pacer of a host:port; NULL if it has none. */
struct pacer *
pace_host(const char *key)
{
	struct pacer	*p;
	double		 rate;

	for (p = pace_list; p != NULL; p = p->next_pacer) {
		if (p->kind == PACE_HOST && strcmp(p->key, key) == 0)
			return (p);
	}
	if ((rate = pace_host_rate(key)) == 0)
		return (NULL);
	return (pace_new(key, key, rate, PACE_HOST));
}

/*
 * The name a quota is shown by: host:port, and which credentials (by the
 * order they were first seen; never anything of the credentials).
 */
static char *
pace_quota_name(const char *key, uint32_t creds)
{
	char	*name;
	u_int	 i;

	if (creds == 0)
		return (xstrdup(key));
	for (i = 0; i < pace_ncreds && pace_creds[i] != creds; i++)
		continue;
	if (i == pace_ncreds) {
		pace_creds = xreallocarray(pace_creds, i + 1,
		    sizeof *pace_creds);
		pace_creds[pace_ncreds++] = creds;
	}
	xasprintf(&name, "%s (credentials %u)", key, i + 1);
	return (name);
}

/*
 * The quota pacer of a host:port for some credentials (0: none sent):
 * found, or made when create is set; NULL if none.
 */
struct pacer *
pace_quota(const char *key, uint32_t creds, int create)
{
	struct pacer	*p;
	char		*name;

	for (p = pace_list; p != NULL; p = p->next_pacer) {
		if (p->kind == PACE_QUOTA && p->creds == creds &&
		    strcmp(p->key, key) == 0)
			return (p);
	}
	if (!create || pace_nhosts == PACE_MAX_HOSTS)
		return (NULL);
	pace_nhosts++;
	name = pace_quota_name(key, creds);
	p = pace_new(name, key, 0, PACE_QUOTA);
	p->creds = creds;
	free(name);
	return (p);
}

/* Seconds until a request may start on this pacer (0 or less: now). */
double
pace_wait(struct pacer *p, double now)
{
	double	at = p->next > p->paused_until ? p->next : p->paused_until;

	return (at - now);
}

/* Is the pacer in a quota pause? */
int
pace_paused(struct pacer *p, double now)
{
	return (p->paused_until > now);
}

/* When the pause ends (monotonic). */
double
pace_paused_until(struct pacer *p)
{
	return (p->paused_until);
}

/* The pacer's name (the host). */
const char *
pace_name(struct pacer *p)
{
	return (p->name);
}

/* Hold a request until its turn (a released one keeps its place). */
void
pace_hold(struct pacer *p, struct pace_item *it)
{
	if (it->released)
		TAILQ_INSERT_HEAD(&p->held, it, entry);
	else
		TAILQ_INSERT_TAIL(&p->held, it, entry);
	it->released = 0;
	it->pacer = p;
	p->nheld++;
	if (p->timer == NULL || !evtimer_pending(p->timer, NULL))
		pace_arm(p);
}

/* Give back every held request now (a stop signal: nothing waits). */
void
pace_release_all(void)
{
	struct pacer		*p;
	struct pace_item	*it;

	for (p = pace_list; p != NULL; p = p->next_pacer) {
		while ((it = TAILQ_FIRST(&p->held)) != NULL) {
			TAILQ_REMOVE(&p->held, it, entry);
			p->nheld--;
			it->released = 1;
			pace_release(it);
		}
	}
}

/* Is anything held here? (A newcomer then waits its turn.) */
int
pace_busy(struct pacer *p)
{
	return (!TAILQ_EMPTY(&p->held));
}

/* A request starts now: book its slot. */
void
pace_book(struct pacer *p, double now)
{
	if (p->interval <= 0)
		return;
	if (p->next < now)
		p->next = now;
	p->next += p->interval;
}

/* Pause until the monotonic time until (a quota window). */
void
pace_pause(struct pacer *p, double until, double now)
{
	if (until <= p->paused_until || until <= now)
		return;
	if (p->paused_until <= now) {
		p->pauses++;
		p->waited += until - now;
		if (!opts.quiet)
			log_warnx("%s: quota exhausted, pausing for %.0f s",
			    p->name, ceil(until - now));
	} else
		p->waited += until - p->paused_until;
	p->paused_until = until;
	if (!TAILQ_EMPTY(&p->held))
		pace_arm(p);
}

/* A line part for --progress: the paused hosts and until when. */
void
pace_progress(char *buf, size_t size)
{
	struct pacer	*p;
	double		 now = pace_now();
	time_t		 until;
	struct tm	 tm;
	size_t		 n = 0;
	u_int		 shown = 0, more = 0;
	char		 hms[16];

	*buf = '\0';
	for (p = pace_list; p != NULL; p = p->next_pacer) {
		if (p->kind != PACE_QUOTA || p->paused_until <= now)
			continue;
		if (shown == 2) {
			more++;
			continue;
		}
		until = time(NULL) + (time_t)ceil(p->paused_until - now);
		localtime_r(&until, &tm);
		strftime(hms, sizeof hms, "%H:%M:%S", &tm);
		n += snprintf(buf + n, n < size ? size - n : 0, ", %s paused "
		    "until %s", p->name, hms);
		shown++;
	}
	if (more > 0 && n < size)
		snprintf(buf + n, size - n, " (+%u hosts)", more);
}

/* The hosts that were paused, for --stats; NULL if none. */
json_t *
pace_stats(void)
{
	struct pacer	*p;
	json_t		*o = NULL;

	for (p = pace_list; p != NULL; p = p->next_pacer) {
		if (p->kind != PACE_QUOTA || p->pauses == 0)
			continue;
		if (o == NULL)
			o = json_object();
		json_object_set_new(o, p->name, json_pack("{sIsf}",
		    "quota_pauses", (json_int_t)p->pauses,
		    "quota_wait_s", floor(p->waited * 1000 + 0.5) / 1000));
	}
	return (o);
}

/* Free the pacers' timers (before the loop goes); counters stay. */
void
pace_stop(void)
{
	struct pacer	*p;

	for (p = pace_list; p != NULL; p = p->next_pacer) {
		if (p->timer != NULL)
			event_free(p->timer);
		p->timer = NULL;
	}
}

/* Free every pacer. */
void
pace_free(void)
{
	struct pacer	*p;

	pace_stop();
	while ((p = pace_list) != NULL) {
		pace_list = p->next_pacer;
		free(p->name);
		free(p->key);
		free(p);
	}
	pace_nhosts = 0;
	free(pace_creds);
	pace_creds = NULL;
	pace_ncreds = 0;
}
