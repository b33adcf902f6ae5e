/*
 * The exec enricher: an enrichment computed by a program of the user's.
 * "workers" long-lived children (/bin/sh -c CMD) each take one request at a
 * time: the tweet (or its field=POINTER) as one JSON line on their stdin,
 * answered by one JSON line on their stdout, a value or {"error": "why"}.
 * Requests beyond the workers wait in FIFO order (bounded by -p, since each
 * belongs to a pending tweet). The children's stderr is passed on, each line
 * prefixed with "[NAME] ". A worker that dies, answers with a line that is
 * not JSON or is too long, or does not answer within the timeout fails that
 * tweet's enrichment, is killed and restarted with backoff; after restarts=N
 * failures in a row the enrichment gives up and fails its tweets at once. A
 * command that cannot run is a configuration error (exit 2).
 */

#include <sys/queue.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

/* The exception: exec is built on the core's child processes. */
#include "lib/lib.h"
#include "core.h"
#include "json/json.h"
#include "tweet/tweet.h"
#include "enrich/enrich.h"

#define EXEC_MAX_WORKERS 256
#define EXEC_STDERR_LINE 4096		/* longer stderr lines are cut */
#define EXEC_READ 65536			/* bytes read in one callback */
#define EXEC_BACKOFF_MS 100		/* first restart delay, doubling */
#define EXEC_BACKOFF_MAX_MS 5000
#define EXEC_GRACE_MS 1000		/* from EOF to kill */

static const char *const exec_keys[] = {
	"cmd", "the command, run as /bin/sh -c CMD (required)",
	"workers", "worker processes, each one request at a time (1)",
	"field", "send only this field (a JSON pointer), not the tweet",
	"timeout", "milliseconds for an answer (default --timeout)",
	"restarts", "failures in a row before giving up (5)",
	NULL
};

struct exec_conf;

struct exec_req {
	struct slot		*slot;
	char			*line;		/* with its newline */
	size_t			 len;
	TAILQ_ENTRY(exec_req)	 entry;
};
TAILQ_HEAD(exec_reqs, exec_req);

struct exec_worker {
	struct exec_conf	*ec;
	struct child		*child;		/* NULL when not running */
	int			 in;		/* its stdin, stdout, stderr */
	int			 out;
	int			 err;
	struct event		*in_ev;
	struct event		*out_ev;
	struct event		*err_ev;
	struct event		*timer;		/* answer timeout, grace */
	struct event		*restart_ev;
	struct evbuffer		*wbuf;
	struct evbuffer		*rbuf;
	struct evbuffer		*ebuf;
	int			 err_cut;	/* dropping a long line's rest */
	struct exec_req		*req;		/* in flight */
	int			 answered;	/* this process answered once */
	int			 failed;	/* a fault was seen */
	int			 graceful;	/* waiting for it to exit */
	int			 respawn;	/* restart once it is reaped */
};

struct exec_conf {
	char			*cmd;
	char			*name;		/* its output name */
	char			*field;
	u_int			 nworkers;
	long long		 timeout_ms;
	long long		 restarts;
	struct exec_worker	*workers;
	struct exec_reqs	 queue;
	u_int			 queued;
	long long		 failures;	/* in a row */
	int			 ever_answered;
	char			*dead;		/* why it gave up */
};

static void	exec_spawn(struct exec_worker *);
static void	exec_dispatch(struct exec_conf *);
static void	exec_write(struct exec_worker *);
static void	exec_fault(struct exec_worker *, int, const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));
static void	exec_stop_cb(struct child *, void *);
static int	exec_answers(struct exec_worker *);

/* Fail a request's enrichment and free it. */
static void
exec_req_fail(struct exec_req *r, const char *why)
{
	slot_settle(r->slot, NULL, "%s", why);
	free(r->line);
	free(r);
}

/* Fail everything that waits; the enrichment is dead. */
static void
exec_fail_queue(struct exec_conf *ec)
{
	struct exec_req	*r;

	while ((r = TAILQ_FIRST(&ec->queue)) != NULL) {
		TAILQ_REMOVE(&ec->queue, r, entry);
		ec->queued--;
		exec_req_fail(r, ec->dead);
	}
}

/* Give up on the enrichment: its tweets fail at once from now on. */
static void
exec_give_up(struct exec_conf *ec, const char *fmt, ...)
{
	va_list	ap;
	u_int	i;

	if (ec->dead != NULL)
		return;
	va_start(ap, fmt);
	xvasprintf(&ec->dead, fmt, ap);
	va_end(ap);
	log_warnx("%s: %s", ec->name, ec->dead);
	for (i = 0; i < ec->nworkers; i++) {
		if (ec->workers[i].restart_ev != NULL)
			event_del(ec->workers[i].restart_ev);
		if (ec->workers[i].child != NULL)
			child_kill(ec->workers[i].child);
	}
	exec_fail_queue(ec);
}

/*
 * Pass on complete stderr lines as "[NAME] line", secrets masked; cut long
 * ones after masking (up to secret_span() bytes past the cut), so that a
 * cut never shows part of a secret.
 */
static void
exec_stderr_lines(struct exec_worker *w, int eof)
{
	struct evbuffer_ptr	 p;
	size_t			 len, n, take, want, masked;
	char			 line[EXEC_STDERR_LINE + 1], *text;
	int			 whole;

	want = EXEC_STDERR_LINE + secret_span();
	while ((len = evbuffer_get_length(w->ebuf)) > 0) {
		p = evbuffer_search_eol(w->ebuf, NULL, NULL, EVBUFFER_EOL_LF);
		if (w->err_cut) {
			/* The rest of a line that was cut. */
			evbuffer_drain(w->ebuf, p.pos == -1 ? len :
			    (size_t)p.pos + 1);
			w->err_cut = (p.pos == -1);
			continue;
		}
		if (p.pos == -1 && len < want && !eof)
			break;
		n = p.pos == -1 ? len : (size_t)p.pos;
		whole = p.pos != -1 && n <= want;
		take = n < want ? n : want;
		text = xmalloc(take + 1);
		evbuffer_copyout(w->ebuf, text, take);
		if (whole && take > 0 && text[take - 1] == '\r')
			take--;
		masked = secret_mask_cut(text, take, line, sizeof line);
		free(text);
		log_raw("[%s] %s%s", w->ec->name, line,
		    whole && masked <= EXEC_STDERR_LINE ? "" : " [cut]");
		if (whole)
			evbuffer_drain(w->ebuf, n + 1);	/* and the newline */
		else if (p.pos == -1 && eof)
			evbuffer_drain(w->ebuf, len);
		else {
			evbuffer_drain(w->ebuf, n < want ? n : want);
			w->err_cut = 1;
		}
	}
}

/* A worker's stderr: pass its lines on, prefixed and masked. */
static void
exec_err_cb(__unused evutil_socket_t fd, __unused short events, void *arg)
{
	struct exec_worker	*w = arg;
	int			 n;

	n = evbuffer_read(w->ebuf, w->err, EXEC_READ);
	if (n > 0) {
		exec_stderr_lines(w, 0);
		return;
	}
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	exec_stderr_lines(w, 1);
	event_del(w->err_ev);
	close(w->err);
	w->err = -1;
}

/* Close our ends of the pipes and free the events (stderr drained). */
static void
exec_close(struct exec_worker *w)
{
	if (w->in_ev != NULL)
		event_free(w->in_ev);
	if (w->out_ev != NULL)
		event_free(w->out_ev);
	if (w->err_ev != NULL)
		event_free(w->err_ev);
	w->in_ev = w->out_ev = w->err_ev = NULL;
	if (w->in != -1)
		close(w->in);
	if (w->out != -1)
		close(w->out);
	if (w->err != -1) {
		/* What it wrote last is still passed on. */
		while (evbuffer_read(w->ebuf, w->err, EXEC_READ) > 0)
			exec_stderr_lines(w, 0);
		exec_stderr_lines(w, 1);
		close(w->err);
	}
	w->in = w->out = w->err = -1;
	if (w->timer != NULL)
		event_del(w->timer);
	evbuffer_drain(w->wbuf, evbuffer_get_length(w->wbuf));
	evbuffer_drain(w->rbuf, evbuffer_get_length(w->rbuf));
	evbuffer_drain(w->ebuf, evbuffer_get_length(w->ebuf));
	w->err_cut = 0;
}

/* The backoff is over: start the worker again (once it is reaped). */
static void
exec_restart_cb(__unused evutil_socket_t fd, __unused short events,
    void *arg)
{
	struct exec_worker	*w = arg;

	/* The killed process may not be reaped yet: wait for it. */
	if (w->child != NULL) {
		w->respawn = 1;
		return;
	}
	if (w->ec->dead == NULL && !child_stopping())
		exec_spawn(w);
	exec_dispatch(w->ec);
}

/* Count a failure; restart the worker later or give up. */
static void
exec_failure(struct exec_worker *w, const char *why)
{
	struct exec_conf	*ec = w->ec;
	struct timeval		 tv;
	long long		 ms;

	if (ec->dead != NULL || child_stopping())
		return;
	if (++ec->failures > ec->restarts) {
		exec_give_up(ec, "gave up after %lld failures in a row (last: "
		    "%s)", ec->failures, why);
		return;
	}
	ms = EXEC_BACKOFF_MS << (ec->failures > 6 ? 6 : ec->failures - 1);
	if (ms > EXEC_BACKOFF_MAX_MS)
		ms = EXEC_BACKOFF_MAX_MS;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(w->restart_ev, &tv);
}

/* The worker's process has exited (and has been reaped). */
static void
exec_exit_cb(__unused struct child *c, int status, void *arg)
{
	struct exec_worker	*w = arg;
	struct exec_conf	*ec = w->ec;
	struct exec_req		*r;
	char			 how[128], *why;
	int			 fault;

	/* An answer written just before it exited still counts. */
	if (w->out != -1 && !w->failed && !child_stopping()) {
		while (evbuffer_read(w->rbuf, w->out, EXEC_READ) > 0)
			;
		exec_answers(w);
	}
	r = w->req;
	fault = w->failed;
	child_status(status, how, sizeof how);
	w->child = NULL;
	w->req = NULL;
	w->failed = w->graceful = 0;
	exec_close(w);
	if (child_stopping()) {
		/* The end of the run: its tweet (if any) is being freed. */
		if (r != NULL) {
			free(r->line);
			free(r);
		}
		/* Failing at EOF having never answered: it cannot run. */
		if (!w->answered && !fault && ec->dead == NULL &&
		    WIFEXITED(status) && WEXITSTATUS(status) != 0) {
			exec_give_up(ec, "cannot run \"%s\": %s before its "
			    "first answer", ec->cmd, how);
			loop_config_error();
		}
		return;
	}

	/* A command that cannot run is a configuration error. */
	if (!w->answered && !fault && ec->dead == NULL &&
	    ((WIFEXITED(status) && (WEXITSTATUS(status) == 126 ||
	    WEXITSTATUS(status) == 127)) || !ec->ever_answered)) {
		exec_give_up(ec, "cannot run \"%s\": %s before its first "
		    "answer", ec->cmd, how);
		if (r != NULL)
			exec_req_fail(r, ec->dead);
		loop_config_error();
		return;
	}

	xasprintf(&why, "worker %s", how);
	if (r != NULL)
		exec_req_fail(r, ec->dead != NULL ? ec->dead : why);
	if (!fault)
		exec_failure(w, why);
	free(why);
	if (w->respawn) {
		w->respawn = 0;
		exec_restart_cb(-1, 0, w);
	}
	exec_dispatch(ec);
}

/*
 * Something went wrong with a worker: fail its request (if any) with the
 * reason, and kill it now, or, when gently is set (its output ended), give
 * it EXEC_GRACE_MS to exit so that its exit status can be told.
 */
static void
exec_fault(struct exec_worker *w, int gently, const char *fmt, ...)
{
	struct timeval	 tv = { EXEC_GRACE_MS / 1000, 0 };
	va_list		 ap;
	char		*why;

	if (w->failed || w->graceful || w->child == NULL)
		return;
	if (w->in_ev != NULL)
		event_del(w->in_ev);
	if (w->out_ev != NULL)
		event_del(w->out_ev);
	event_del(w->timer);
	if (gently) {
		/* Its exit callback tells the tweet what happened. */
		w->graceful = 1;
		evtimer_add(w->timer, &tv);
		return;
	}
	va_start(ap, fmt);
	xvasprintf(&why, fmt, ap);
	va_end(ap);
	w->failed = 1;
	if (w->req != NULL) {
		exec_req_fail(w->req, why);
		w->req = NULL;
	}
	child_kill(w->child);
	exec_failure(w, why);
	free(why);
}

/* The answer timeout, or the grace after EOF. */
static void
exec_timer_cb(__unused evutil_socket_t fd, __unused short events,
    void *arg)
{
	struct exec_worker	*w = arg;

	if (w->graceful) {
		w->graceful = 0;
		exec_fault(w, 0, "worker closed its output without exiting");
		return;
	}
	exec_fault(w, 0, "no answer within %lld ms", w->ec->timeout_ms);
}

/* Take one answer line. */
static void
exec_answer(struct exec_worker *w, char *line, size_t len)
{
	struct exec_conf	*ec = w->ec;
	struct exec_req		*r = w->req;
	json_error_t		 error;
	json_t			*v, *e;
	char			*s;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (memchr(line, '\0', len) != NULL)
		v = NULL;
	else
		v = json_loadb(line, len, JSON_DECODE_ANY, &error);
	if (v == NULL) {
		exec_fault(w, 0, "worker answered with a line that is not "
		    "JSON: \"%.*s%s\"", len > 60 ? 60 : (int)len, line,
		    len > 60 ? "..." : "");
		return;
	}
	event_del(w->timer);
	w->req = NULL;
	w->answered = 1;
	ec->ever_answered = 1;
	ec->failures = 0;
	if (json_is_object(v) && json_object_size(v) == 1 &&
	    (e = json_object_get(v, "error")) != NULL) {
		if (json_is_string(e))
			slot_settle(r->slot, NULL, "%s", json_string_value(e));
		else {
			s = json_dumps(e, JSON_COMPACT|JSON_ENCODE_ANY);
			slot_settle(r->slot, NULL, "%s", s != NULL ? s : "?");
			free(s);
		}
		json_decref(v);
	} else
		slot_settle(r->slot, v, NULL);
	free(r->line);
	free(r);
}

/* Take the complete answers read so far; -1 after a fault. */
static int
exec_answers(struct exec_worker *w)
{
	struct evbuffer_ptr	 p;
	size_t			 len, max = options_max_response();
	char			*line;

	while (w->child != NULL && !w->failed &&
	    (len = evbuffer_get_length(w->rbuf)) > 0) {
		if (w->req == NULL) {
			exec_fault(w, 0, "worker wrote without a request");
			return (-1);
		}
		p = evbuffer_search_eol(w->rbuf, NULL, NULL, EVBUFFER_EOL_LF);
		if (p.pos == -1 ? len > max : (size_t)p.pos > max) {
			exec_fault(w, 0, "answer longer than %zu bytes", max);
			return (-1);
		}
		if (p.pos == -1)
			break;
		line = xmalloc(p.pos + 1);
		evbuffer_remove(w->rbuf, line, p.pos + 1);
		exec_answer(w, line, p.pos);
		free(line);
		if (evbuffer_get_length(w->rbuf) > 0 && w->req == NULL &&
		    !w->failed) {
			exec_fault(w, 0, "worker wrote more than one line for "
			    "a request");
			return (-1);
		}
	}
	return (w->failed ? -1 : 0);
}

/* A worker's stdout: take its answers; fail it when it closes. */
static void
exec_out_cb(__unused evutil_socket_t fd, __unused short events, void *arg)
{
	struct exec_worker	*w = arg;
	int			 n;

	n = evbuffer_read(w->rbuf, w->out, EXEC_READ);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (exec_answers(w) != 0)
		return;
	if (n == 0 || n == -1) {
		if (n == -1)
			log_warn("%s: read from worker", w->ec->name);
		exec_fault(w, 1, "worker closed its output");
		return;
	}
	exec_dispatch(w->ec);
}

/* A worker's stdin can take more: write what waits. */
static void
exec_in_cb(__unused evutil_socket_t fd, __unused short events, void *arg)
{
	exec_write(arg);
}

/* Write what can be written of the request. */
static void
exec_write(struct exec_worker *w)
{
	int	n;

	if (w->in == -1)
		return;
	while (evbuffer_get_length(w->wbuf) > 0) {
		n = evbuffer_write(w->wbuf, w->in);
		if (n >= 0)
			continue;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			event_add(w->in_ev, NULL);
			return;
		}
		if (errno != EPIPE)
			log_warn("%s: write to worker", w->ec->name);
		/* It closed its input: it is exiting, or should be. */
		exec_fault(w, 1, "worker closed its input");
		return;
	}
}

/* Start (or restart) a worker. */
static void
exec_spawn(struct exec_worker *w)
{
	int	 fds[3];
	char	*cause;

	w->child = child_start(w->ec->cmd, fds, exec_exit_cb, exec_stop_cb, w,
	    &cause);
	if (w->child == NULL) {
		log_warnx("%s: cannot start a worker: %s", w->ec->name, cause);
		exec_failure(w, cause);
		free(cause);
		return;
	}
	w->in = fds[0];
	w->out = fds[1];
	w->err = fds[2];
	w->answered = w->failed = w->graceful = 0;
	w->in_ev = event_new(loop_base(), w->in, EV_WRITE, exec_in_cb, w);
	w->out_ev = event_new(loop_base(), w->out, EV_READ|EV_PERSIST,
	    exec_out_cb, w);
	w->err_ev = event_new(loop_base(), w->err, EV_READ|EV_PERSIST,
	    exec_err_cb, w);
	if (w->in_ev == NULL || w->out_ev == NULL || w->err_ev == NULL)
		fatalx("%s: event_new failed", __func__);
	event_add(w->out_ev, NULL);
	event_add(w->err_ev, NULL);
}

/* Hand queued requests to idle workers. */
static void
exec_dispatch(struct exec_conf *ec)
{
	struct exec_worker	*w;
	struct exec_req		*r;
	struct timeval		 tv;
	u_int			 i;

	/* At the end of the run (a late request of --tweet-timeout's, say),
	 * the workers' input is closed: nothing more is sent. */
	if (child_stopping())
		return;
	for (i = 0; i < ec->nworkers && !TAILQ_EMPTY(&ec->queue); i++) {
		w = &ec->workers[i];
		if (w->child == NULL || w->req != NULL || w->failed ||
		    w->graceful)
			continue;
		r = TAILQ_FIRST(&ec->queue);
		TAILQ_REMOVE(&ec->queue, r, entry);
		ec->queued--;
		w->req = r;
		evbuffer_add(w->wbuf, r->line, r->len);
		free(r->line);
		r->line = NULL;
		tv.tv_sec = ec->timeout_ms / 1000;
		tv.tv_usec = (ec->timeout_ms % 1000) * 1000;
		evtimer_add(w->timer, &tv);
		exec_write(w);
	}
}

/* At the end of the run: close the worker's input so that it exits. */
static void
exec_stop_cb(__unused struct child *c, void *arg)
{
	struct exec_worker	*w = arg;

	if (w->in_ev != NULL)
		event_del(w->in_ev);
	if (w->in != -1)
		close(w->in);
	w->in = -1;
	event_del(w->timer);
	event_del(w->restart_ev);
}

static void	exec_free(void *);

/* cmd= and the workers' limits; start the workers. */
static void *
exec_configure(struct spec *sp, char **cause)
{
	struct exec_conf	*ec;
	struct exec_worker	*w;
	const char		*cmd = spec_get(sp, "cmd");
	const char		*field = spec_get(sp, "field");
	const char		*as = spec_get(sp, "as");
	const char		*secret;
	long long		 n;
	u_int			 i;

	if (cmd == NULL || *cmd == '\0') {
		xasprintf(cause, "exec: cmd= is required");
		return (NULL);
	}
	if ((secret = spec_get_secret(sp, "cmd")) != NULL) {
		/* A command line is in ps for every local user to read. */
		xasprintf(cause, "exec: cmd= cannot hold ${%s}: a command line "
		    "is visible to every local user (ps); workers inherit the "
		    "environment, read %s there", secret, secret);
		return (NULL);
	}
	if (field != NULL && !pointer_valid(field)) {
		xasprintf(cause, "exec: field must be a JSON pointer, not "
		    "\"%s\"", field);
		return (NULL);
	}
	ec = xcalloc(1, sizeof *ec);
	TAILQ_INIT(&ec->queue);
	ec->cmd = xstrdup(cmd);
	ec->name = xstrdup(as != NULL ? as : "exec");
	ec->field = field != NULL ? xstrdup(field) : NULL;
	if (spec_get_number(sp, "workers", 1, EXEC_MAX_WORKERS, 1, &n,
	    cause) != 0)
		goto fail;
	ec->nworkers = n;
	if (spec_get_number(sp, "timeout", 1, 86400000, options_timeout_ms(),
	    &ec->timeout_ms, cause) != 0)
		goto fail;
	if (spec_get_number(sp, "restarts", 0, 1000000, 5, &ec->restarts,
	    cause) != 0)
		goto fail;

	ec->workers = xcalloc(ec->nworkers, sizeof *ec->workers);
	for (i = 0; i < ec->nworkers; i++) {
		w = &ec->workers[i];
		w->ec = ec;
		w->in = w->out = w->err = -1;
		w->wbuf = evbuffer_new();
		w->rbuf = evbuffer_new();
		w->ebuf = evbuffer_new();
		w->timer = evtimer_new(loop_base(), exec_timer_cb, w);
		w->restart_ev = evtimer_new(loop_base(), exec_restart_cb, w);
		if (w->wbuf == NULL || w->rbuf == NULL || w->ebuf == NULL ||
		    w->timer == NULL || w->restart_ev == NULL)
			fatalx("%s: out of memory", __func__);
	}
	for (i = 0; i < ec->nworkers; i++) {
		exec_spawn(&ec->workers[i]);
		if (ec->workers[i].child == NULL) {
			xasprintf(cause, "%s: cannot start \"%s\"", ec->name,
			    ec->cmd);
			goto fail;
		}
	}
	return (ec);

fail:
	exec_free(ec);
	return (NULL);
}

/* Free what exec_configure made. */
static void
exec_free(void *data)
{
	struct exec_conf	*ec = data;
	struct exec_worker	*w;
	struct exec_req		*r;
	u_int			 i;

	for (i = 0; ec->workers != NULL && i < ec->nworkers; i++) {
		w = &ec->workers[i];
		if (w->child != NULL) {
			child_forget(w->child);
			child_kill(w->child);
		}
		if (w->req != NULL) {
			free(w->req->line);
			free(w->req);
		}
		exec_close(w);
		if (w->timer != NULL)
			event_free(w->timer);
		if (w->restart_ev != NULL)
			event_free(w->restart_ev);
		if (w->wbuf != NULL)
			evbuffer_free(w->wbuf);
		if (w->rbuf != NULL)
			evbuffer_free(w->rbuf);
		if (w->ebuf != NULL)
			evbuffer_free(w->ebuf);
	}
	while ((r = TAILQ_FIRST(&ec->queue)) != NULL) {
		TAILQ_REMOVE(&ec->queue, r, entry);
		free(r->line);
		free(r);
	}
	free(ec->workers);
	free(ec->cmd);
	free(ec->name);
	free(ec->field);
	free(ec->dead);
	free(ec);
}

/* Queue one tweet (or its field) for the next free worker. */
static void
exec_start(void *data, struct slot *s)
{
	struct exec_conf	*ec = data;
	struct exec_req		*r;
	json_t			*v = slot_root(s);
	char			*line;

	if (ec->dead != NULL) {
		slot_settle(s, NULL, "%s", ec->dead);
		return;
	}
	if (ec->field != NULL &&
	    (v = pointer_get(v, ec->field)) == NULL) {
		slot_settle(s, NULL, "no field %s", ec->field);
		return;
	}
	line = json_dumps(v, JSON_COMPACT|JSON_ENCODE_ANY);
	if (line == NULL)
		fatalx("%s: json_dumps failed", __func__);
	r = xcalloc(1, sizeof *r);
	r->slot = s;
	r->len = strlen(line);
	r->line = xreallocarray(line, r->len + 2, 1);
	r->line[r->len++] = '\n';
	r->line[r->len] = '\0';
	TAILQ_INSERT_TAIL(&ec->queue, r, entry);
	ec->queued++;
	exec_dispatch(ec);
}

static const struct te_enricher exec_enricher = {
	.name = "exec",
	.kind = TE_PROCESS,
	.help = "a value from a program of yours: JSON lines in and out",
	.keys = exec_keys,
	.configure = exec_configure,
	.start = exec_start,
	.free = exec_free,
};

/* The entry point: register the enricher (exec uses the core directly). */
int
exec_register(const struct te_api *api, char **cause)
{
	return (api->register_enricher(&exec_enricher, cause));
}
