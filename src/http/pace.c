/*
 * Pacing: a pacer lets requests start at most N a second (--host-rate
 * HOST=N, rate=N on an enrichment) or is paused until a time (a quota
 * window: 429 with a reset time). A quota belongs to a host and the
 * credentials sent to it: an anonymous 429 does not pause requests that
 * carry an API key to the same host, nor the other way. A request that may
 * not start yet is held on the pacer that stops it, not in the shared
 * queue, so other hosts' requests keep flowing; the pacer's timer gives
 * held requests back one at a time, when their turn comes.
 *
 * Host and quota pacers are found in hash tables, so a request costs the
 * same whatever the number of hosts. A quota pacer goes once its window is
 * over and it holds nothing (a reaper event frees it, never its own
 * timer); its counters live on in a bounded table of per-host stats.
 */

#include <sys/queue.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "lib/lib.h"
#include "core.h"
#include "http/http.h"

/* Host pacers with a concurrency limit at most; past it, only -j. */
#define PACE_MAX_HOSTS 10000
#define PACE_LIMITED (opts.host_concurrency > 0 || opts.host_auto)

/* Quota pacers alive at most (one per host and credentials paused). */
#define PACE_MAX_QUOTAS 10000

/* Hosts with stats of their own at most; the others are summed. */
#define PACE_MAX_STATS 1000
#define PACE_OTHER_HOSTS "(other hosts)"

enum pace_kind {
	PACE_RATE,		/* an enrichment's rate= */
	PACE_HOST,		/* a host's --host-rate */
	PACE_QUOTA		/* a host's quota, for some credentials */
};

/* Pauses of a quota, kept after its pacer goes. */
struct pace_stat {
	char			*name;
	struct hash_node	 node;		/* in pace_stats_table */
	uint64_t		 pauses;
	double			 waited;	/* seconds paused in all */
};

struct pacer {
	char			*name;		/* as shown: host:port, ... */
	char			*hkey;		/* in its table, or NULL */
	enum pace_kind		 kind;
	double			 interval;	/* seconds between starts */
	double			 next;		/* earliest next start */
	double			 paused_until;	/* quota window */
	TAILQ_HEAD(, pace_item)	 held;
	struct event		*timer;
	struct pace_stat	*stat;		/* PACE_QUOTA */
	struct pace_item	*asker;		/* asking the shared server */
	struct hostlimit	*limit;		/* PACE_HOST: concurrency */
	struct hash_node	 node;		/* PACE_HOST, PACE_QUOTA */
	int			 dying;		/* on pace_dead */
	TAILQ_ENTRY(pacer)	 entry;		/* pace_all */
	TAILQ_ENTRY(pacer)	 dentry;	/* pace_dead */
};
TAILQ_HEAD(pace_list, pacer);

/* A --host-rate HOST=N, by HOST in lower case. */
struct pace_conf {
	char			*host;
	double			 rate;
	struct hash_node	 node;
};

static struct pace_list	 pace_all = TAILQ_HEAD_INITIALIZER(pace_all);
static struct pace_list	 pace_dead = TAILQ_HEAD_INITIALIZER(pace_dead);
static struct hash	 pace_hosts;		/* PACE_HOST by host:port */
static struct hash	 pace_quotas;		/* PACE_QUOTA by creds host:port */
static struct hash	 pace_confs;		/* --host-rate by HOST */
static int		 pace_confs_read;
static struct hash	 pace_stats_table;	/* struct pace_stat by name */
static struct pace_stat	*pace_other;		/* past PACE_MAX_STATS */
static struct event	*pace_reap_ev;
static pace_release_cb	 pace_release;
static uint32_t		*pace_creds;	/* credentials seen, in order */
static u_int		 pace_ncreds;
static struct {
	uint64_t	made;		/* quota pacers */
	uint64_t	expired;
	u_int		max;		/* alive at once */
} pace_count;

static void	pace_reap_soon(struct pacer *);

/* Set the function that takes back a released request. */
void
pace_init(pace_release_cb cb)
{
	pace_release = cb;
}

/* The pacer's timer: give the first held request back, or let it go. */
static void
pace_timer_cb(__unused evutil_socket_t fd, __unused short events, void *arg)
{
	struct pacer		*p = arg;
	struct pace_item	*it;
	u_int			 n = 1;

	if (p->asker != NULL)
		return;		/* the shared server answers first */
	if (p->limit != NULL)	/* one for each free slot */
		n = !hostlimit_room(p->limit) ? 0 : hostlimit_limit(p->limit) -
		    hostlimit_inflight(p->limit);
	while (n-- > 0 && p->asker == NULL &&
	    (it = TAILQ_FIRST(&p->held)) != NULL) {
		TAILQ_REMOVE(&p->held, it, entry);
		it->released = 1;
		pace_release(it);  /* back to the queue: starts, or held again */
	}
	if (!TAILQ_EMPTY(&p->held))
		pace_arm(p);
	else if (p->kind == PACE_QUOTA)
		pace_reap_soon(p);
}

/* Arm the timer for the next turn of the first held request (or, for a
 * quota, the end of its window); a host at its concurrency limit waits
 * for an answer instead. */
void
pace_arm(struct pacer *p)
{
	struct timeval	tv;
	double		w;

	if (p->timer == NULL) {
		p->timer = evtimer_new(loop_base(), pace_timer_cb, p);
		if (p->timer == NULL)
			fatalx("%s: evtimer_new failed", __func__);
	}
	if (pace_full(p)) {	/* pace_done arms it again */
		evtimer_del(p->timer);
		return;
	}
	w = pace_wait(p, clock_mono());
	if (w < 0)
		w = 0;
	tv.tv_sec = (time_t)w;
	tv.tv_usec = (w - tv.tv_sec) * 1e6;
	evtimer_add(p->timer, &tv);
}

/* A new pacer, in pace_all (and in table under hkey if one is given). */
static struct pacer *
pace_new(const char *name, double rate, enum pace_kind kind,
    struct hash *table, const char *hkey)
{
	struct pacer	*p;

	p = xcalloc(1, sizeof *p);
	p->name = xstrdup(name);
	p->interval = rate > 0 ? 1 / rate : 0;
	p->kind = kind;
	TAILQ_INIT(&p->held);
	TAILQ_INSERT_TAIL(&pace_all, p, entry);
	if (table != NULL) {
		p->hkey = xstrdup(hkey);
		hash_insert(table, &p->node, p->hkey, strlen(p->hkey));
	}
	return (p);
}

/* Free a pacer that holds nothing (out of its lists and table first). */
static void
pace_destroy(struct pacer *p)
{
	TAILQ_REMOVE(&pace_all, p, entry);
	if (p->dying)
		TAILQ_REMOVE(&pace_dead, p, dentry);
	if (p->kind == PACE_HOST)
		hash_remove(&pace_hosts, &p->node);
	else if (p->kind == PACE_QUOTA)
		hash_remove(&pace_quotas, &p->node);
	if (p->timer != NULL)
		event_free(p->timer);
	if (p->limit != NULL)
		hostlimit_free(p->limit);
	free(p->name);
	free(p->hkey);
	free(p);
}

/* A pacer for an enrichment's rate=. */
struct pacer *
pace_rate(const char *name, double rate)
{
	return (pace_new(name, rate, PACE_RATE, NULL, NULL));
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

/* Read the --host-rate options into a table, by HOST in lower case. */
static void
pace_confs_load(void)
{
	struct pace_conf	*c;
	const char		*s, *eq;
	char			*q;
	u_int			 i;

	pace_confs_read = 1;
	for (i = 0; i < opts.nhost_rates; i++) {
		s = opts.host_rates[i];
		eq = strrchr(s, '=');
		c = xcalloc(1, sizeof *c);
		c->host = xstrndup(s, eq - s);
		for (q = c->host; *q != '\0'; q++)
			*q = (*q >= 'A' && *q <= 'Z') ? *q + 32 : *q;
		c->rate = strtod(eq + 1, NULL);
		if (hash_find(&pace_confs, c->host, strlen(c->host)) != NULL) {
			free(c->host);	/* the first one given stands */
			free(c);
			continue;
		}
		hash_insert(&pace_confs, &c->node, c->host, strlen(c->host));
	}
}

/* The --host-rate of a host:port (HOST:PORT, else HOST), 0 if none. */
static double
pace_host_rate(const char *key)
{
	struct pace_conf	*c;
	const char		*colon = strrchr(key, ':');

	if (!pace_confs_read)
		pace_confs_load();
	c = HASH_ENTRY(hash_find(&pace_confs, key, strlen(key)),
	    struct pace_conf, node);
	if (c == NULL && colon != NULL)
		c = HASH_ENTRY(hash_find(&pace_confs, key, colon - key),
		    struct pace_conf, node);
	return (c != NULL ? c->rate : 0);
}

/*
 * The pacer of a host:port, for its --host-rate and its concurrency limit
 * (--host-concurrency); NULL if it has neither (or, past PACE_MAX_HOSTS
 * hosts, no rate).
 */
struct pacer *
pace_host(const char *key)
{
	struct pacer	*p;
	double		 rate;

	if (opts.nhost_rates == 0 && !PACE_LIMITED)
		return (NULL);
	p = HASH_ENTRY(hash_find(&pace_hosts, key, strlen(key)), struct pacer,
	    node);
	if (p != NULL)
		return (p);
	rate = opts.nhost_rates > 0 ? pace_host_rate(key) : 0;
	if (rate == 0 && (!PACE_LIMITED ||
	    hash_count(&pace_hosts) >= PACE_MAX_HOSTS))
		return (NULL);
	p = pace_new(key, rate, PACE_HOST, &pace_hosts, key);
	if (PACE_LIMITED)
		p->limit = hostlimit_new(key, opts.host_concurrency > 0 ?
		    opts.host_concurrency : opts.max_in_flight,
		    opts.host_concurrency == 0);
	return (p);
}

/* Is there a host pacer to find (a --host-rate, a concurrency limit, a
 * quota paused)? */
int
pace_hosts_any(void)
{
	return (opts.nhost_rates > 0 || PACE_LIMITED ||
	    hash_count(&pace_quotas) > 0);
}

/* Is the host at its concurrency limit? */
int
pace_full(struct pacer *p)
{
	return (p->limit != NULL && !hostlimit_room(p->limit));
}

/* A request to the host starts (it counts against its limit); what to
 * give pace_done. */
u_int
pace_begin(struct pacer *p)
{
	return (p->limit != NULL ? hostlimit_start(p->limit) : 0);
}

/*
 * A request to the host ended after rtt seconds (0: never sent; drop:
 * refused or failed, a 429, 503 or timeout): its slot is free, the limit
 * moves, and a held request may go.
 */
void
pace_done(struct pacer *p, u_int epoch, double rtt, int drop)
{
	if (p->limit == NULL)
		return;
	hostlimit_end(p->limit, epoch, rtt, drop, clock_mono());
	if (!TAILQ_EMPTY(&p->held) && p->timer != NULL &&
	    !evtimer_pending(p->timer, NULL))
		pace_arm(p);
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

/* The stats record of a quota by name: its own, or the others' sum. */
static struct pace_stat *
pace_stat(const char *name)
{
	struct pace_stat	*st;

	st = HASH_ENTRY(hash_find(&pace_stats_table, name, strlen(name)),
	    struct pace_stat, node);
	if (st != NULL)
		return (st);
	if (hash_count(&pace_stats_table) >= PACE_MAX_STATS) {
		if (pace_other == NULL) {
			pace_other = xcalloc(1, sizeof *pace_other);
			pace_other->name = xstrdup(PACE_OTHER_HOSTS);
		}
		return (pace_other);
	}
	st = xcalloc(1, sizeof *st);
	st->name = xstrdup(name);
	hash_insert(&pace_stats_table, &st->node, st->name, strlen(st->name));
	return (st);
}

/*
 * The quota pacer of a host:port for some credentials (0: none sent):
 * found, or made when create is set (and fewer than PACE_MAX_QUOTAS are
 * alive); NULL if none.
 */
struct pacer *
pace_quota(const char *key, uint32_t creds, int create)
{
	struct pacer	*p;
	char		 buf[256], *hkey = buf, *name;
	size_t		 n = strlen(key) + 10;

	if (n > sizeof buf)
		hkey = xmalloc(n);
	snprintf(hkey, n, "%08x %s", creds, key);
	p = HASH_ENTRY(hash_find(&pace_quotas, hkey, n - 1), struct pacer,
	    node);
	if (p == NULL && create &&
	    hash_count(&pace_quotas) < PACE_MAX_QUOTAS) {
		name = pace_quota_name(key, creds);
		p = pace_new(name, 0, PACE_QUOTA, &pace_quotas, hkey);
		free(name);
		pace_count.made++;
		if (hash_count(&pace_quotas) > pace_count.max)
			pace_count.max = hash_count(&pace_quotas);
	}
	if (hkey != buf)
		free(hkey);
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
	if (p->timer == NULL || !evtimer_pending(p->timer, NULL))
		pace_arm(p);
}

/* Give back every held request now (a stop signal: nothing waits). */
void
pace_release_all(void)
{
	struct pacer		*p;
	struct pace_item	*it;

	TAILQ_FOREACH(p, &pace_all, entry) {
		while ((it = TAILQ_FIRST(&p->held)) != NULL) {
			TAILQ_REMOVE(&p->held, it, entry);
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
	pace_book_times(p, now, 1);
}

/* Book a slot k times as long (a shared rate paced locally, by k). */
void
pace_book_times(struct pacer *p, double now, double k)
{
	if (p->interval <= 0)
		return;
	if (p->next < now)
		p->next = now;
	p->next += p->interval * k;
}

/* Seconds between starts (0: no rate), and what paces: "host", "rate"
 * (an enrichment's) or "quota". */
double
pace_interval(struct pacer *p, const char **scope)
{
	if (scope != NULL)
		*scope = p->kind == PACE_HOST ? "host" : p->kind == PACE_RATE ?
		    "rate" : "quota";
	return (p->interval);
}

/* Is a held request asking the shared server for its turn? */
int
pace_asking(struct pacer *p)
{
	return (p->asker != NULL);
}

/* Hold a request first while it asks the shared server for its turn. */
void
pace_ask_hold(struct pacer *p, struct pace_item *it)
{
	TAILQ_INSERT_HEAD(&p->held, it, entry);
	it->released = 0;
	it->pacer = p;
	p->asker = it;
}

/*
 * The shared server answered the request that asked (still held first, if
 * a stop signal did not give it back): with wait > 0 it stays held that
 * long; else it is given back now, having passed grant more pacers.
 */
void
pace_ask_done(struct pacer *p, double wait, u_int grant)
{
	struct pace_item	*it = TAILQ_FIRST(&p->held);

	if (it != p->asker)
		it = NULL;
	p->asker = NULL;
	if (wait > 0) {
		p->next = clock_mono() + wait;
		pace_arm(p);
		return;
	}
	if (it != NULL) {
		TAILQ_REMOVE(&p->held, it, entry);
		it->grants += grant;
		it->released = 1;
		pace_release(it);
	}
	if (!TAILQ_EMPTY(&p->held))
		pace_arm(p);
}

/* Let nothing start on the pacer before until (monotonic; 0: now). */
void
pace_delay(struct pacer *p, double until)
{
	p->next = until;
	if (!TAILQ_EMPTY(&p->held))
		pace_arm(p);
}

/* Pause until the monotonic time until (a quota window). */
void
pace_pause(struct pacer *p, double until, double now)
{
	if (until <= p->paused_until || until <= now)
		return;
	if (p->stat == NULL)
		p->stat = pace_stat(p->name);
	if (p->paused_until <= now) {
		p->stat->pauses++;
		p->stat->waited += until - now;
		if (!opts.quiet)
			log_warnx("%s: quota exhausted, pausing for %.0f s",
			    p->name, ceil(until - now));
	} else
		p->stat->waited += until - p->paused_until;
	p->paused_until = until;
	pace_arm(p);	/* a turn for what it holds, or its end */
}

/* Free the quota pacers that hold nothing and whose window is over. */
static void
pace_reap_cb(__unused evutil_socket_t fd, __unused short events,
    __unused void *arg)
{
	struct pacer	*p;
	double		 now = clock_mono();

	while ((p = TAILQ_FIRST(&pace_dead)) != NULL) {
		TAILQ_REMOVE(&pace_dead, p, dentry);
		p->dying = 0;
		if (TAILQ_EMPTY(&p->held) && !pace_paused(p, now)) {
			pace_destroy(p);
			pace_count.expired++;
		}
	}
}

/* A quota pacer may be done with: free it from the loop, soon. */
static void
pace_reap_soon(struct pacer *p)
{
	if (p->dying || p->timer == NULL)
		return;		/* going, or the loop has gone */
	if (pace_reap_ev == NULL &&
	    (pace_reap_ev = event_new(loop_base(), -1, 0, pace_reap_cb,
	    NULL)) == NULL)
		fatalx("%s: event_new failed", __func__);
	p->dying = 1;
	TAILQ_INSERT_TAIL(&pace_dead, p, dentry);
	event_active(pace_reap_ev, EV_TIMEOUT, 0);
}

/* A line part for --progress: the paused hosts and until when, and the
 * concurrency limits of hosts at work. */
void
pace_progress(char *buf, size_t size)
{
	struct pacer	*p;
	double		 now = clock_mono();
	size_t		 n = 0;
	u_int		 shown = 0, more = 0;
	char		 hms[16];

	*buf = '\0';
	TAILQ_FOREACH(p, &pace_all, entry) {
		if (p->kind != PACE_QUOTA || p->paused_until <= now)
			continue;
		if (shown == 2) {
			more++;
			continue;
		}
		clock_hms(p->paused_until, hms, sizeof hms);
		n += snprintf(buf + n, n < size ? size - n : 0, ", %s paused "
		    "until %s", p->name, hms);
		shown++;
	}
	if (more > 0 && n < size)
		snprintf(buf + n, size - n, " (+%u hosts)", more);
	if ((n = strlen(buf)) + 1 < size)
		hostlimit_progress(buf + n, size - n);
}

/* One host's pauses as JSON. */
static json_t *
pace_stat_json(struct pace_stat *st)
{
	return (json_pack("{sIsf}", "quota_pauses", (json_int_t)st->pauses,
	    "quota_wait_s", floor(st->waited * 1000 + 0.5) / 1000));
}

/* The hosts that were paused, for --stats; NULL if none. */
json_t *
pace_stats(void)
{
	struct hash_node	*hn;
	struct pace_stat	*st;
	json_t			*o = NULL;

	for (hn = hash_first(&pace_stats_table); hn != NULL;
	    hn = hash_next(&pace_stats_table, hn)) {
		st = HASH_ENTRY(hn, struct pace_stat, node);
		if (o == NULL)
			o = json_object();
		json_object_set_new(o, st->name, pace_stat_json(st));
	}
	if (pace_other != NULL) {
		if (o == NULL)
			o = json_object();
		json_object_set_new(o, pace_other->name,
		    pace_stat_json(pace_other));
	}
	return (o);
}

/* The quota pacers made, gone and alive at most, for --stats; NULL if
 * none was made. */
json_t *
pace_counts(void)
{
	if (pace_count.made == 0)
		return (NULL);
	return (json_pack("{sIsIsIsI}", "made", (json_int_t)pace_count.made,
	    "expired", (json_int_t)pace_count.expired,
	    "alive", (json_int_t)hash_count(&pace_quotas),
	    "max_alive", (json_int_t)pace_count.max));
}

/* Free the pacers' timers and the reaper (before the loop goes); counters
 * stay. */
void
pace_stop(void)
{
	struct pacer	*p;

	TAILQ_FOREACH(p, &pace_all, entry) {
		if (p->timer != NULL)
			event_free(p->timer);
		p->timer = NULL;
	}
	if (pace_reap_ev != NULL)
		event_free(pace_reap_ev);
	pace_reap_ev = NULL;
}

/* Free every pacer, the --host-rate table and the stats. */
void
pace_free(void)
{
	struct hash_node	*hn, *next;
	struct pace_conf	*c;
	struct pace_stat	*st;
	struct pacer		*p;

	pace_stop();
	while ((p = TAILQ_FIRST(&pace_all)) != NULL)
		pace_destroy(p);
	hash_free(&pace_hosts);
	hash_free(&pace_quotas);
	for (hn = hash_first(&pace_confs); hn != NULL; hn = next) {
		next = hash_next(&pace_confs, hn);
		c = HASH_ENTRY(hn, struct pace_conf, node);
		free(c->host);
		free(c);
	}
	hash_free(&pace_confs);
	pace_confs_read = 0;
	for (hn = hash_first(&pace_stats_table); hn != NULL; hn = next) {
		next = hash_next(&pace_stats_table, hn);
		st = HASH_ENTRY(hn, struct pace_stat, node);
		free(st->name);
		free(st);
	}
	hash_free(&pace_stats_table);
	if (pace_other != NULL) {
		free(pace_other->name);
		free(pace_other);
	}
	pace_other = NULL;
	free(pace_creds);
	pace_creds = NULL;
	pace_ncreds = 0;
	memset(&pace_count, 0, sizeof pace_count);
}
