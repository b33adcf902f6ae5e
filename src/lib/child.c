/*
 * Child processes run by enrichers (exec workers): start "/bin/sh -c CMD" in
 * a process group of its own with its stdin, stdout and stderr on pipes whose
 * ends we keep nonblocking; reap exits on SIGCHLD through the loop; at the
 * end of the run close every child's input, wait for them a bounded time,
 * then kill what is left, so that no child outlives us as a zombie.
 */

#include <sys/queue.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/lib.h"

/* How long the children get to exit once their input is closed. */
#define CHILD_WAIT_MS 3000

struct child {
	pid_t			 pid;
	int			 reaped;
	child_exit_cb		 exit_cb;	/* NULL once forgotten */
	child_stop_cb		 stop_cb;
	void			*arg;
	LIST_ENTRY(child)	 entry;
};
LIST_HEAD(children, child);

static struct children	 child_list = LIST_HEAD_INITIALIZER(child_list);
static struct event	*child_sigchld;
static int		 child_closing;

/* Reap every child that has exited and tell its owner. */
static void
child_reap(void)
{
	struct child	*c, *c1;
	int		 status;
	pid_t		 pid;

	for (c = LIST_FIRST(&child_list); c != NULL; c = c1) {
		c1 = LIST_NEXT(c, entry);
		do
			pid = waitpid(c->pid, &status, WNOHANG);
		while (pid == -1 && errno == EINTR);
		if (pid == 0)
			continue;
		if (pid == -1)
			status = 0;	/* ECHILD: already gone */
		c->reaped = 1;
		LIST_REMOVE(c, entry);
		if (c->exit_cb != NULL)
			c->exit_cb(c, status, c->arg);
		free(c);
	}
}

static void
child_sigchld_cb(__unused evutil_socket_t sig, __unused short events,
    __unused void *arg)
{
	child_reap();
}

/* A pipe with our end nonblocking; both ends close on exec. */
static int
child_pipe(int fds[2], int ours)
{
	int	flags;

	if (pipe2(fds, O_CLOEXEC) != 0)
		return (-1);
	flags = fcntl(fds[ours], F_GETFL);
	if (flags == -1 || fcntl(fds[ours], F_SETFL, flags | O_NONBLOCK) != 0) {
		close(fds[0]);
		close(fds[1]);
		return (-1);
	}
	return (0);
}

/* In the new process: become a group leader, take the pipes, run sh. */
static __dead void
child_exec(const char *cmd, int in, int out, int err)
{
	struct sigaction	 sa;
	sigset_t		 set;
	int			 sig;
#ifndef HAVE_CLOSEFROM
	long			 fd, max;
#endif

	setpgid(0, 0);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);

	if (dup2(in, 0) == -1 || dup2(out, 1) == -1 || dup2(err, 2) == -1)
		_exit(126);
#ifdef HAVE_CLOSEFROM
	closefrom(3);
#else
	max = sysconf(_SC_OPEN_MAX);
	for (fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
		close(fd);
#endif
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

/*
 * Start "/bin/sh -c cmd". fds gets our ends: [0] its stdin (write), [1] its
 * stdout and [2] its stderr (read), all nonblocking. exit_cb is called once
 * from the loop with the wait status when it has exited; stop_cb at the end
 * of the run asks the owner to close its input.
 */
struct child *
child_start(const char *cmd, int fds[3], child_exit_cb exit_cb,
    child_stop_cb stop_cb, void *arg, char **cause)
{
	struct child	*c;
	int		 in[2] = { -1, -1 }, out[2] = { -1, -1 };
	int		 err[2] = { -1, -1 };

	if (child_sigchld == NULL) {
		child_sigchld = evsignal_new(loop_base(), SIGCHLD,
		    child_sigchld_cb, NULL);
		if (child_sigchld == NULL || evsignal_add(child_sigchld,
		    NULL) != 0)
			fatalx("%s: evsignal_new failed", __func__);
	}
	if (child_pipe(in, 1) != 0 || child_pipe(out, 0) != 0 ||
	    child_pipe(err, 0) != 0) {
		xasprintf(cause, "pipe: %s", strerror(errno));
		goto fail;
	}

	c = xcalloc(1, sizeof *c);
	switch (c->pid = fork()) {
	case -1:
		xasprintf(cause, "fork: %s", strerror(errno));
		free(c);
		goto fail;
	case 0:
		child_exec(cmd, in[0], out[1], err[1]);
	}
	/* Also here, so that a kill of the group cannot come too early. */
	setpgid(c->pid, c->pid);
	close(in[0]);
	close(out[1]);
	close(err[1]);
	fds[0] = in[1];
	fds[1] = out[0];
	fds[2] = err[0];
	c->exit_cb = exit_cb;
	c->stop_cb = stop_cb;
	c->arg = arg;
	LIST_INSERT_HEAD(&child_list, c, entry);
	return (c);

fail:
	if (in[0] != -1) {
		close(in[0]);
		close(in[1]);
	}
	if (out[0] != -1) {
		close(out[0]);
		close(out[1]);
	}
	if (err[0] != -1) {
		close(err[0]);
		close(err[1]);
	}
	return (NULL);
}

/* Kill the child and everything in its process group. */
void
child_kill(struct child *c)
{
	if (c->reaped)
		return;
	if (kill(-c->pid, SIGKILL) != 0)
		kill(c->pid, SIGKILL);
}

/* The owner no longer wants to hear of the child; it is still reaped. */
void
child_forget(struct child *c)
{
	c->exit_cb = NULL;
	c->stop_cb = NULL;
}

/* Describe a wait status: "exited with status 1", "killed by signal 9". */
void
child_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d",
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)",
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "ended with wait status %d", status);
}

/* Are we at the end of the run, closing the children? */
int
child_stopping(void)
{
	return (child_closing);
}

static void
child_wake(__unused evutil_socket_t fd, __unused short events,
    __unused void *arg)
{
}

/*
 * The end of the run: ask every owner to close its child's input, run the
 * loop (so stderr is still passed on) until they have all exited or
 * CHILD_WAIT_MS has passed, then kill and reap the rest.
 */
void
child_shutdown(void)
{
	struct child	*c, *c1;
	struct event	*wake;
	struct timeval	 tv = { 0, 50 * 1000 };
	double		 start;
	int		 status;

	if (child_sigchld == NULL)
		return;
	child_closing = 1;
	for (c = LIST_FIRST(&child_list); c != NULL; c = c1) {
		c1 = LIST_NEXT(c, entry);
		if (c->stop_cb != NULL)
			c->stop_cb(c, c->arg);
	}
	child_reap();

	/* A periodic timer, in case SIGCHLD came before we looked. */
	wake = event_new(loop_base(), -1, EV_PERSIST, child_wake, NULL);
	if (wake == NULL)
		fatalx("%s: event_new failed", __func__);
	event_add(wake, &tv);
	start = clock_mono();
	while (!LIST_EMPTY(&child_list)) {
		if (clock_ms_since(start) >= CHILD_WAIT_MS)
			break;
		event_base_loop(loop_base(), EVLOOP_ONCE);
		child_reap();
	}
	event_free(wake);

	for (c = LIST_FIRST(&child_list); c != NULL; c = c1) {
		c1 = LIST_NEXT(c, entry);
		log_warnx("child %ld did not exit %d ms after its input was "
		    "closed: killed", (long)c->pid, CHILD_WAIT_MS);
		child_kill(c);
		while (waitpid(c->pid, &status, 0) == -1 && errno == EINTR)
			;
		c->reaped = 1;
		LIST_REMOVE(c, entry);
		if (c->exit_cb != NULL)
			c->exit_cb(c, status, c->arg);
		free(c);
	}
	event_free(child_sigchld);
	child_sigchld = NULL;
}
