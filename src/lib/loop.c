/*
 * The event loop: one libevent base owns every fd, timer and signal. It runs
 * until the program above says the run is over (the done hook, asked
 * whenever something may have ended: loop_check_done), or something fails
 * or the reader goes away; SIGINT/SIGTERM call the stop hook (stop reading,
 * let in-flight work settle), a second signal exits at once. It calls
 * nothing above it.
 */

#include <errno.h>
#ifdef HAVE_MALLOC_TRIM
#include <malloc.h>
#endif
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/lib.h"

static struct event_base *loop_evbase;
static struct event	*loop_sigint;
static struct event	*loop_sigterm;
static int		 loop_signal;		/* first signal seen */
static int		 loop_failed;		/* runtime failure */
static int		 loop_broken;		/* quiet early end */
static int		 loop_config_failed;	/* found while running */
static int		 loop_stopping;		/* a break was asked for */
static double		 loop_start;	/* clock_mono */
static struct event	*loop_trim_ev;
static loop_stop_fn	 loop_stop_hook;	/* stop reading */
static loop_done_fn	 loop_done_hook;	/* is the run over? */
static void		(*loop_stop_cb)(void);	/* told of a stop signal */

/*
 * How often free heap pages go back to the system. Requests allocate and
 * free in an order that leaves free pages scattered through glibc's heap;
 * without this RSS creeps up with the number of requests although what is
 * live stays bounded (jemalloc, which keeps sizes apart, does not creep).
 */
#define LOOP_TRIM_MS 250

/* libevent's own messages, through our logger. */
static void
loop_log_cb(int severity, const char *msg)
{
	if (severity >= EVENT_LOG_WARN)
		log_warnx("libevent: %s", msg);
}

/* SIGINT or SIGTERM: stop reading (main's hook); again: exit now. */
static void
loop_signal_cb(evutil_socket_t sig, __unused short events,
    __unused void *arg)
{
	if (loop_signal != 0)
		_exit(128 + (int)sig);
	loop_signal = sig;
	if (loop_stop_hook != NULL)
		loop_stop_hook(sig);
	if (loop_stop_cb != NULL)
		loop_stop_cb();
	loop_check_done();
}

/* Set the function told of a stop signal (before in-flight work settles). */
void
loop_on_stop(void (*cb)(void))
{
	loop_stop_cb = cb;
}

/* Give free heap pages back (see LOOP_TRIM_MS). */
static void
loop_trim_cb(__unused evutil_socket_t fd, __unused short events,
    __unused void *arg)
{
#ifdef HAVE_MALLOC_TRIM
	malloc_trim(0);
#endif
}

/*
 * Create the base and the signal events. On a signal (or a configuration
 * error found while running) stop is called; done says whether the run is
 * over, each time loop_check_done asks.
 */
void
loop_init(loop_stop_fn stop, loop_done_fn done)
{
	struct timeval		 trim = { 0, LOOP_TRIM_MS * 1000 };
	struct event_config	*cfg;

	loop_stop_hook = stop;
	loop_done_hook = done;
	loop_start = clock_mono();
	event_set_log_callback(loop_log_cb);
	signal(SIGPIPE, SIG_IGN);
	/*
	 * The changelist folds an event_del and event_add of one fd in a loop
	 * turn into nothing: curl drops and re-adds a socket around every
	 * request on a kept-alive connection. Timers count from the clock,
	 * not from the time cached when the loop woke: after a busy turn
	 * (thousands of lines read) a 30 ms timer fired after 17 ms, so
	 * sleep, backoffs and pacing came early; and from the precise clock,
	 * not the coarse one, a few milliseconds behind.
	 */
	if ((cfg = event_config_new()) == NULL)
		fatalx("%s: event_config_new failed", __func__);
	event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST |
	    EVENT_BASE_FLAG_NO_CACHE_TIME | EVENT_BASE_FLAG_PRECISE_TIMER);
	loop_evbase = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (loop_evbase == NULL)
		fatalx("%s: event_base_new failed", __func__);
	loop_sigint = evsignal_new(loop_evbase, SIGINT, loop_signal_cb, NULL);
	loop_sigterm = evsignal_new(loop_evbase, SIGTERM, loop_signal_cb, NULL);
	if (loop_sigint == NULL || loop_sigterm == NULL)
		fatalx("%s: evsignal_new failed", __func__);
	evsignal_add(loop_sigint, NULL);
	evsignal_add(loop_sigterm, NULL);
#ifdef HAVE_MALLOC_TRIM
	loop_trim_ev = event_new(loop_evbase, -1, EV_PERSIST, loop_trim_cb,
	    NULL);
	if (loop_trim_ev == NULL || event_add(loop_trim_ev, &trim) != 0)
		fatalx("%s: cannot add the trim timer", __func__);
#endif
}

/* The loop's event base, for every event of the program. */
struct event_base *
loop_base(void)
{
	return (loop_evbase);
}

/* Seconds since the start. */
double
loop_elapsed(void)
{
	return (clock_mono() - loop_start);
}

/* Something may have ended: stop the loop if the run is over. */
void
loop_check_done(void)
{
	if (loop_done_hook != NULL && loop_done_hook()) {
		loop_stopping = 1;
		event_base_loopbreak(loop_evbase);
	}
}

/* Stop now: status 1 for a failure, 0 for a quiet end (closed stdout). */
void
loop_fail(int status)
{
	if (status != 0)
		loop_failed = 1;
	else
		loop_broken = 1;
	loop_stopping = 1;
	event_base_loopbreak(loop_evbase);
}

/*
 * A configuration error found while running (an exec command that cannot
 * run): stop reading, let what is in flight settle, then exit with 2.
 */
void
loop_config_error(void)
{
	loop_config_failed = 1;
	if (loop_stop_hook != NULL)
		loop_stop_hook(0);
	loop_check_done();
}

/*
 * Run until done. A break asked for before the loop runs (no input could be
 * opened) would be forgotten by libevent, which clears it on entry: then
 * the loop is not entered at all.
 */
void
loop_run(void)
{
	if (!loop_stopping && event_base_dispatch(loop_evbase) == -1)
		fatalx("%s: event_base_dispatch failed", __func__);
}

/* Did the run end quietly and early (the reader went away)? */
int
loop_broke(void)
{
	return (loop_broken);
}

/* The exit status of the run; failed: some input could not be read. */
int
loop_status(int failed)
{
	if (loop_config_failed)
		return (2);
	if (loop_broken && !loop_failed)
		return (0);
	if (loop_signal != 0)
		return (128 + loop_signal);
	if (loop_failed || failed)
		return (1);
	return (0);
}

/* Free the base (after everything that lives on it). */
void
loop_free(void)
{
	if (loop_sigint != NULL)
		event_free(loop_sigint);
	if (loop_sigterm != NULL)
		event_free(loop_sigterm);
	loop_sigint = loop_sigterm = NULL;
	if (loop_trim_ev != NULL)
		event_free(loop_trim_ev);
	loop_trim_ev = NULL;
	if (loop_evbase != NULL)
		event_base_free(loop_evbase);
	loop_evbase = NULL;
}
