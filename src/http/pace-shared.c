/*
 * Shared pacing: with a backend (--pace-url, redis-pace.c), each rate
 * (--host-rate HOST=N, rate=N) is the total for every instance using the
 * same server. Before a request starts, the first request held on each of
 * its rate pacers asks the server for its turn (one script decides: go,
 * wait so long, or the host's quota window is closed until then); a quota
 * window one instance meets, for any host, is told to the server, which
 * tells every instance at once (pace_shared_heard): they pause that host
 * before their next request to it, without asking per request. At the
 * start, requests wait (PACE_SHARED_START_S at most) until the windows
 * open already are read. One request a pacer asks at a time; the others
 * are held behind it.
 *
 * The server away (down, or not answering): each rate is paced here at
 * its rate divided by the instances last seen, said once on stderr, until
 * the backend is back. Nothing waits on the server longer than its stall
 * limit, and the loop never does.
 */

#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "core.h"
#include "http/http.h"

/* The longest the first requests wait for the open windows, seconds. */
#define PACE_SHARED_START_S 1.0

/* The longest window told by another instance, seconds (as a 429's). */
#define PACE_SHARED_MAX_S (366 * 86400.0)
/* A window heard that ends no later than this after the pause here: the
 * same window. */
#define PACE_SHARED_SAME_S 0.1

/* An ask out: which pacer, and the request's host and credentials. */
struct pace_ask {
	struct pacer	*p;
	char		*key;		/* host:port, or NULL */
	uint32_t	 creds;
};

static const struct pace_backend *ps_be;
static void		*ps_state;
static char		*ps_server;	/* as shown */
static int		 ps_up;		/* the server answers */
static int		 ps_closing;
static int		 ps_rates;	/* any rate is set */
static double		 ps_start_until;	/* first requests wait until */
static struct pacer	*ps_start;	/* holds them meanwhile */
static u_int		 ps_instances = 1;
static double		 ps_local_since;
static struct {
	uint64_t	asks;
	uint64_t	granted;
	uint64_t	waits;
	uint64_t	quota_waits;	/* the server said a quota is closed */
	uint64_t	quotas_told;	/* windows we told the server */
	uint64_t	quotas_heard;	/* windows others told */
	uint64_t	outages;
	double		local_s;	/* seconds paced locally (after up) */
} ps_count;

/* Use a backend (server is its name for messages). */
void
pace_shared_set(const struct pace_backend *be, void *state,
    const char *server)
{
	ps_be = be;
	ps_state = state;
	free(ps_server);
	ps_server = xstrdup(server);
	ps_up = 1;	/* until the first connect fails */
	ps_closing = 0;
	ps_local_since = 0;
	ps_start_until = clock_mono() + PACE_SHARED_START_S;
}

/*
 * The windows open at the start are known (read, or the server is away):
 * the requests held for them go.
 */
void
pace_shared_started(void)
{
	ps_start_until = 0;
	if (ps_start != NULL)
		pace_delay(ps_start, 0);
}

/* Is any rate set (else only quota windows are shared)? */
void
pace_shared_rates(int any)
{
	ps_rates = any;
}

/* The backend is up (or down), and saw so many instances (0: unknown). */
void
pace_shared_state(int up, u_int instances)
{
	double	now = clock_mono();

	if (instances > 0)
		ps_instances = instances;
	if (ps_be == NULL || ps_closing || up == ps_up)
		return;
	ps_up = up;
	if (!up) {
		ps_count.outages++;
		ps_local_since = now;
		if (!opts.quiet && ps_rates)
			log_warnx("shared pacing: %s away; pacing locally at "
			    "1/%u of each rate (instances last seen)",
			    ps_server, ps_instances);
		else if (!opts.quiet)
			log_warnx("shared pacing: %s away; quota windows "
			    "not shared", ps_server);
		return;
	}
	if (ps_local_since > 0) {
		ps_count.local_s += now - ps_local_since;
		if (!opts.quiet)
			log_warnx("shared pacing: %s back; %s shared "
			    "again", ps_server, ps_rates ? "rates" :
			    "quota windows");
	}
	ps_local_since = 0;
}

/* The server's answer to an ask. */
static void
pace_shared_answer(void *arg, int what, double wait)
{
	struct pace_ask		*a = arg;
	struct pacer		*q;
	double			 now;

	if (ps_closing) {
		free(a->key);
		free(a);
		return;
	}
	switch (what) {
	case PACE_SAID_GO:
		ps_count.granted++;
		pace_ask_done(a->p, 0, 1);
		break;
	case PACE_SAID_WAIT:
		ps_count.waits++;
		pace_ask_done(a->p, wait, 0);
		break;
	case PACE_SAID_QUOTA:
		/* Paused here too (held there, or failed past the longest
		 * quota wait); asks again when the window ends. */
		ps_count.quota_waits++;
		now = clock_mono();
		if (a->key != NULL &&
		    (q = pace_quota(a->key, a->creds, 1)) != NULL)
			pace_pause(q, now + wait, now);
		pace_ask_done(a->p, 0, 0);
		break;
	default:
		pace_shared_state(0, 0);
		pace_ask_done(a->p, 0, 0);	/* paced here from now on */
		break;
	}
	free(a->key);
	free(a);
}

/*
 * May a request that its local pacers let through start, as the shared
 * server says? Each of gates (n, NULL ones skipped) with a rate asks in
 * turn; the request is held (0) while it asks or waits behind another's
 * ask. 1: it may start (granted everywhere, or the server is away).
 */
int
pace_shared_gate(struct pacer **gates, u_int n, struct pace_item *it,
    const char *key, uint32_t creds)
{
	struct pace_ask	*a;
	const char	*scope;
	char		*rkey, *qkey;
	double		 iv;
	u_int		 i, k = 0;
	int		 r;

	if (ps_be == NULL || ps_closing)
		return (1);
	if (ps_start_until > 0 && ps_start_until <= clock_mono())
		ps_start_until = 0;	/* waited long enough: no clock read */
	if (ps_start_until > 0) {
		/* A window open already pauses the first requests too. */
		if (ps_start == NULL)
			ps_start = pace_rate("(shared pacing start)", 0);
		pace_delay(ps_start, ps_start_until);
		it->released = 0;
		pace_hold(ps_start, it);
		return (0);
	}
	for (i = 0; i < n; i++) {
		if (gates[i] == NULL ||
		    (iv = pace_interval(gates[i], &scope)) <= 0)
			continue;
		if (k++ < it->grants)
			continue;
		if (!ps_up)
			return (1);
		if (pace_asking(gates[i])) {
			it->released = 0;	/* behind the one asking */
			pace_hold(gates[i], it);
			return (0);
		}
		a = xcalloc(1, sizeof *a);
		a->p = gates[i];
		a->key = key != NULL ? xstrdup(key) : NULL;
		a->creds = creds;
		xasprintf(&rkey, "%s:%s", scope, pace_name(gates[i]));
		if (key != NULL && strcmp(scope, "host") == 0)
			xasprintf(&qkey, "quota:%08x %s", creds, key);
		else
			qkey = xstrdup("quota:none");
		r = ps_be->ask(ps_state, rkey, qkey, iv, pace_shared_answer, a);
		free(rkey);
		free(qkey);
		if (r != 0) {
			free(a->key);
			free(a);
			pace_shared_state(0, 0);
			return (1);
		}
		ps_count.asks++;
		pace_ask_hold(gates[i], it);
		return (0);
	}
	return (1);
}

/* A request starts: its slot on a pacer is booked by the server, or here
 * (its rate divided among the instances last seen) while it is away. */
void
pace_shared_book(struct pacer *p, double now)
{
	if (ps_be == NULL || pace_interval(p, NULL) <= 0)
		pace_book(p, now);
	else if (!ps_up || ps_closing)
		pace_book_times(p, now, ps_instances);
}

/* A quota window seen here (seconds from now): tell the other instances. */
void
pace_shared_pause(const char *key, uint32_t creds, double seconds)
{
	char	*qkey;

	if (ps_be == NULL || !ps_up || ps_closing || seconds <= 0)
		return;
	xasprintf(&qkey, "quota:%08x %s", creds, key);
	ps_be->pause(ps_state, qkey, seconds);
	free(qkey);
	ps_count.quotas_told++;
}

/*
 * Another instance met a quota window (qkey as pace_shared_pause makes
 * it), closed for seconds from now (told on the channel, or read when we
 * started listening): pause that host here too. A window longer than any
 * 429 would make is cut to a year.
 */
void
pace_shared_heard(const char *qkey, double seconds)
{
	struct pacer	*q;
	char		*end;
	unsigned long	 creds;
	double		 now;

	if (ps_be == NULL || ps_closing || seconds <= 0 ||
	    strncmp(qkey, "quota:", 6) != 0)
		return;
	creds = strtoul(qkey + 6, &end, 16);
	if (end != qkey + 14 || *end != ' ' || end[1] == '\0')
		return;
	if (seconds > PACE_SHARED_MAX_S)
		seconds = PACE_SHARED_MAX_S;
	now = clock_mono();
	if ((q = pace_quota(end + 1, (uint32_t)creds, 1)) == NULL)
		return;
	/* One paused here already (ours, read back) is not news. */
	if (now + seconds > pace_paused_until(q) + PACE_SHARED_SAME_S)
		ps_count.quotas_heard++;
	pace_pause(q, now + seconds, now);
}

/* The shared pacing state for --stats; NULL without a backend. */
json_t *
pace_shared_stats(void)
{
	double	local = ps_count.local_s;

	if (ps_server == NULL)
		return (NULL);
	if (ps_local_since > 0)
		local += clock_mono() - ps_local_since;
	return (json_pack("{sssssIsIsIsIsIsIsIsIsf}", "server", ps_server,
	    "state", ps_up ? "shared" : "local",
	    "instances", (json_int_t)ps_instances,
	    "asks", (json_int_t)ps_count.asks,
	    "granted", (json_int_t)ps_count.granted,
	    "waits", (json_int_t)ps_count.waits,
	    "quota_waits", (json_int_t)ps_count.quota_waits,
	    "quotas_told", (json_int_t)ps_count.quotas_told,
	    "quotas_heard", (json_int_t)ps_count.quotas_heard,
	    "outages", (json_int_t)ps_count.outages,
	    "local_s", (double)(long long)(local * 1000 + 0.5) / 1000));
}

/* Stop asking (before the loop goes): the backend is freed; answers that
 * come meanwhile are dropped. Stats stay. */
void
pace_shared_free(void)
{
	const struct pace_backend	*be = ps_be;

	if (be == NULL)
		return;
	if (ps_local_since > 0)
		ps_count.local_s += clock_mono() - ps_local_since;
	ps_local_since = 0;
	ps_closing = 1;
	ps_start = NULL;	/* pace_free frees it with the others */
	ps_start_until = 0;
	be->free(ps_state);
	ps_be = NULL;
	ps_state = NULL;
}
