/*
 * The sleep enricher: waits on a libevent timer (never a blocking sleep) and
 * gives the milliseconds waited. Shows concurrency without threads.
 */

#include <sys/types.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include <tweet-enricher/enricher.h>

static const struct te_api	*te;

/* The longest wait: a day. */
#define SLEEP_MAX_MS (24LL * 3600 * 1000)

static const char *const sleep_keys[] = {
	"ms", "milliseconds: a number, or {/pointer} to take it from the tweet",
	NULL
};

struct sleep_conf {
	long long	 ms;
	char		*pointer;	/* or take ms from here */
};

/* ms=: a number, or {/pointer}. */
static void *
sleep_configure(struct spec *sp, char **cause)
{
	struct sleep_conf	*sc;
	const char		*ms = te->spec_get(sp, "ms");
	size_t			 n;

	sc = te->xcalloc(1, sizeof *sc);
	if (ms != NULL && ms[0] == '{') {
		n = strlen(ms);
		if (n < 2 || ms[n - 1] != '}' ||
		    !te->pointer_valid((sc->pointer = te->xstrndup(ms + 1,
		    n - 2)))) {
			te->xasprintf(cause, "sleep: ms must be a number or "
			    "{/pointer}, not \"%s\"", ms);
			free(sc->pointer);
			free(sc);
			return (NULL);
		}
		return (sc);
	}
	if (te->spec_number(sp, "ms", 0, SLEEP_MAX_MS, 1000, &sc->ms,
	    cause) != 0) {
		free(sc);
		return (NULL);
	}
	return (sc);
}

/* Free what sleep_configure made. */
static void
sleep_free(void *data)
{
	struct sleep_conf	*sc = data;

	free(sc->pointer);
	free(sc);
}

/* The timer fired: settle with the value set at the start. */
static void
sleep_done(TE_UNUSED evutil_socket_t fd, TE_UNUSED short events, void *arg)
{
	struct slot	*s = arg;

	te->slot_settle(s, NULL, NULL);
}

/* Find the wait for this tweet; -1 with *cause on failure. */
static long long
sleep_ms(struct sleep_conf *sc, json_t *root, char **cause)
{
	json_t		*v;
	const char	*str;
	char		*end;
	double		 d;

	if (sc->pointer == NULL)
		return (sc->ms);
	if ((v = te->pointer_get(root, sc->pointer)) == NULL) {
		te->xasprintf(cause, "no field %s", sc->pointer);
		return (-1);
	}
	if (json_is_number(v))
		d = json_number_value(v);
	else if (json_is_string(v)) {
		str = json_string_value(v);
		errno = 0;
		d = strtod(str, &end);
		if (*str == '\0' || *end != '\0' || errno != 0)
			d = -1;
	} else
		d = -1;
	if (!isfinite(d) || d < 0 || d > SLEEP_MAX_MS) {
		te->xasprintf(cause, "%s is not a wait in milliseconds",
		    sc->pointer);
		return (-1);
	}
	return ((long long)d);
}

/* Arm a timer for this tweet's wait. */
static void
sleep_start(void *data, struct slot *s)
{
	struct sleep_conf	*sc = data;
	struct timeval		 tv;
	long long		 ms;
	char			*cause;

	if ((ms = sleep_ms(sc, te->slot_root(s), &cause)) == -1) {
		te->slot_settle(s, NULL, "%s", cause);
		free(cause);
		return;
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	/* The value is set now; the slot settles when the timer fires. */
	if (event_base_once(te->loop_base(), -1, EV_TIMEOUT, sleep_done, s,
	    &tv) != 0)
		te->fatalx("%s: event_base_once failed", __func__);
	te->slot_set_value(s, json_integer(ms));
}

static const struct te_enricher sleep_enricher = {
	.name = "sleep",
	.kind = TE_TIMER,
	.help = "wait on a timer; the value is the milliseconds waited",
	.keys = sleep_keys,
	.configure = sleep_configure,
	.start = sleep_start,
	.free = sleep_free,
};

/* The entry point: keep the table, register the enricher. */
int
sleep_register(const struct te_api *api, char **cause)
{
	te = api;
	return (te->register_enricher(&sleep_enricher, cause));
}
