/*
 * Test helper: run a program with its stdin, stdout and stderr on pipes,
 * pumping all three so that neither side can block the other.
 */

#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "run.h"

/* Longest a test waits for a program before failing (times Check's
 * CK_TIMEOUT_MULTIPLIER, as under valgrind). */
#define RUN_TIMEOUT_MS (60000 * run_scale())

/* The valgrind command line that TE_VALGRIND=1 runs the program under. */
static const char *run_valgrind[] = {
	"valgrind", "-q", "--error-exitcode=99", "--leak-check=full",
	"--errors-for-leak-kinds=definite", "--show-leak-kinds=definite",
	NULL
};

static long
run_scale(void)
{
	const char	*s = getenv("CK_TIMEOUT_MULTIPLIER");

	return (s != NULL && atoi(s) > 0 ? atoi(s) : 1);
}

/* The built binary under test. */
const char *
run_bin(void)
{
	const char	*b = getenv("TE_BIN");

	return (b != NULL ? b : "../src/tweet-enricher");
}

/* The source directory (for examples/). */
const char *
run_srcdir(void)
{
	const char	*s = getenv("TE_SRCDIR");

	return (s != NULL ? s : "..");
}

/* Start a program; stdin_fd -1 gives it a pipe from us. */
void
proc_start(struct proc *p, const char *const *argv, int stdin_fd)
{
	const char	*vargv[128];
	int		 in[2], out[2], err[2], n = 0, i;

	/* With TE_VALGRIND set, tweet-enricher runs under valgrind. */
	if (getenv("TE_VALGRIND") != NULL && strcmp(argv[0], run_bin()) == 0) {
		for (i = 0; run_valgrind[i] != NULL; i++)
			vargv[n++] = run_valgrind[i];
		for (i = 0; argv[i] != NULL && n < 127; i++)
			vargv[n++] = argv[i];
		vargv[n] = NULL;
		argv = vargv;
	}

	memset(p, 0, sizeof *p);
	signal(SIGPIPE, SIG_IGN);
	ck_assert(stdin_fd != -1 || pipe(in) == 0);
	ck_assert(pipe(out) == 0 && pipe(err) == 0);
	p->pid = fork();
	ck_assert(p->pid != -1);
	if (p->pid == 0) {
		if (stdin_fd == -1) {
			dup2(in[0], 0);
			close(in[0]);
			close(in[1]);
		} else
			dup2(stdin_fd, 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(out[0]);
		close(out[1]);
		close(err[0]);
		close(err[1]);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (stdin_fd == -1) {
		close(in[0]);
		p->in = in[1];
		fcntl(p->in, F_SETFL, O_NONBLOCK);
		/* A later child must not hold this one's stdin open. */
		fcntl(p->in, F_SETFD, FD_CLOEXEC);
	} else
		p->in = -1;
	close(out[1]);
	close(err[1]);
	p->out = out[0];
	p->err = err[0];
	fcntl(p->out, F_SETFD, FD_CLOEXEC);
	fcntl(p->err, F_SETFD, FD_CLOEXEC);
}

static long
run_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000L + ts.tv_nsec / 1000000);
}

static void
run_append(char **buf, size_t *len, const char *data, size_t n)
{
	*buf = realloc(*buf, *len + n + 1);
	ck_assert(*buf != NULL);
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = '\0';
}

/* Read what is ready on stdout and stderr, waiting at most ms. */
static void
run_pump(struct proc *p, int want_write, int ms)
{
	struct pollfd	pfd[3];
	char		buf[65536];
	ssize_t		n;
	int		nfd = 0, i;

	if (p->out != -1) {
		pfd[nfd].fd = p->out;
		pfd[nfd++].events = POLLIN;
	}
	if (p->err != -1) {
		pfd[nfd].fd = p->err;
		pfd[nfd++].events = POLLIN;
	}
	if (want_write && p->in != -1) {
		pfd[nfd].fd = p->in;
		pfd[nfd++].events = POLLOUT;
	}
	if (poll(pfd, nfd, ms) <= 0)
		return;
	for (i = 0; i < nfd; i++) {
		if (pfd[i].fd == p->in || pfd[i].revents == 0)
			continue;
		n = read(pfd[i].fd, buf, sizeof buf);
		if (n > 0 && pfd[i].fd == p->out)
			run_append(&p->obuf, &p->olen, buf, n);
		else if (n > 0)
			run_append(&p->ebuf, &p->elen, buf, n);
		else if (n == 0 || errno != EINTR) {
			close(pfd[i].fd);
			if (pfd[i].fd == p->out)
				p->out = -1;
			else
				p->err = -1;
		}
	}
}

/* Write all of data to the program's stdin, reading its output meanwhile. */
void
proc_write(struct proc *p, const char *data, size_t len)
{
	long	deadline = run_now_ms() + RUN_TIMEOUT_MS;
	ssize_t	n;

	while (len > 0) {
		ck_assert_msg(run_now_ms() < deadline, "write timed out");
		n = write(p->in, data, len);
		if (n > 0) {
			data += n;
			len -= n;
			continue;
		}
		if (n == -1 && errno == EPIPE)
			return;
		run_pump(p, 1, 100);
	}
}

/* Wait until the program has read everything written to its stdin. */
void
proc_wait_drained(struct proc *p)
{
	long	deadline = run_now_ms() + RUN_TIMEOUT_MS;
	int	n;

	for (;;) {
		ck_assert(ioctl(p->in, FIONREAD, &n) == 0);
		if (n == 0)
			return;
		ck_assert_msg(run_now_ms() < deadline, "drain timed out");
		run_pump(p, 0, 10);
	}
}

/* Wait until stdout (or stderr) holds a string; 0 if it never came. */
int
proc_wait_output(struct proc *p, const char *s, int on_stderr)
{
	long	deadline = run_now_ms() + RUN_TIMEOUT_MS;
	char	**buf = on_stderr ? &p->ebuf : &p->obuf;

	while (*buf == NULL || strstr(*buf, s) == NULL) {
		if (run_now_ms() > deadline ||
		    (p->out == -1 && p->err == -1))
			return (0);
		run_pump(p, 0, 50);
	}
	return (1);
}

/* Collect what the program writes for up to ms (a poll, not a wait for
 * the program: the caller checks for the event it means after each). */
void
proc_pump(struct proc *p, int ms)
{
	run_pump(p, 0, ms);
}

/* Has the program not closed its stdout and stderr yet (still running)? */
int
proc_running(struct proc *p)
{
	return (p->out != -1 || p->err != -1);
}

/* Close the program's stdin. */
void
proc_close_in(struct proc *p)
{
	if (p->in != -1)
		close(p->in);
	p->in = -1;
}

/* Send a signal. */
void
proc_signal(struct proc *p, int sig)
{
	kill(p->pid, sig);
}

/* Close stdin, read all output, reap the program. */
void
proc_finish(struct proc *p)
{
	struct rusage	ru;
	long		deadline = run_now_ms() + RUN_TIMEOUT_MS;
	int		status;

	proc_close_in(p);
	while (p->out != -1 || p->err != -1) {
		if (run_now_ms() > deadline) {
			kill(p->pid, SIGKILL);
			ck_abort_msg("program timed out");
		}
		run_pump(p, 0, 100);
	}
	ck_assert(wait4(p->pid, &status, 0, &ru) == p->pid);
	p->maxrss_kb = ru.ru_maxrss;
	if (WIFEXITED(status))
		p->status = WEXITSTATUS(status);
	else
		p->status = 128 + WTERMSIG(status);
	if (p->obuf == NULL)
		run_append(&p->obuf, &p->olen, "", 0);
	if (p->ebuf == NULL)
		run_append(&p->ebuf, &p->elen, "", 0);
}

/* Free what a run collected. */
void
proc_free(struct proc *p)
{
	free(p->obuf);
	free(p->ebuf);
	p->obuf = p->ebuf = NULL;
}

/* Run a program to the end on the given input. */
void
run_input(struct proc *p, const char *input, size_t len,
    const char *const *argv)
{
	proc_start(p, argv, -1);
	proc_write(p, input, len);
	proc_finish(p);
}

/* Count newline-terminated lines. */
size_t
count_lines(const char *s, size_t len)
{
	size_t	i, n = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n')
			n++;
	}
	return (n);
}

/* n tweets {"id":i,"body":"...", EXTRA}, one per line. */
char *
make_tweets(u_int n, const char *extra)
{
	char	*buf;
	size_t	 len = 0, size = 4096;
	char	 line[1024];
	u_int	 i;
	int	 k;

	/* Grown geometrically: one realloc a line is quadratic (and slow
	 * enough under AddressSanitizer to time tests out). */
	buf = malloc(size);
	ck_assert_ptr_nonnull(buf);
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		k = snprintf(line, sizeof line, "{\"id\":%u,\"body\":\"tweet "
		    "number %u\"%s%s}\n", i, i, extra != NULL ? "," : "",
		    extra != NULL ? extra : "");
		ck_assert(k > 0 && (size_t)k < sizeof line);
		if (len + k + 1 > size) {
			size = (len + k + 1) * 2;
			buf = realloc(buf, size);
			ck_assert_ptr_nonnull(buf);
		}
		memcpy(buf + len, line, k + 1);
		len += k;
	}
	return (buf);
}

/* A temporary file holding data; the caller unlinks it. */
char *
tmpfile_with(const char *data, size_t len)
{
	char	*path = strdup("/tmp/te-test.XXXXXX");
	int	 fd;

	ck_assert(path != NULL);
	fd = mkstemp(path);
	ck_assert(fd != -1);
	ck_assert(write(fd, data, len) == (ssize_t)len);
	close(fd);
	return (path);
}

#define MAXARGS 64

/* Build argv: the binary, then the NULL-terminated arguments. */
static void
build_argv(const char **argv, va_list ap)
{
	const char	*a;
	int		 n = 0;

	argv[n++] = run_bin();
	while ((a = va_arg(ap, const char *)) != NULL) {
		ck_assert(n < MAXARGS - 1);
		argv[n++] = a;
	}
	argv[n] = NULL;
}

/* Run tweet-enricher on input with the given arguments. */
void
te_run(struct proc *p, const char *input, ...)
{
	const char	*argv[MAXARGS];
	va_list		 ap;

	va_start(ap, input);
	build_argv(argv, ap);
	va_end(ap);
	run_input(p, input, strlen(input), argv);
}

/* Start tweet-enricher with a pipe on stdin and leave it running. */
void
te_start(struct proc *p, ...)
{
	const char	*argv[MAXARGS];
	va_list		 ap;

	va_start(ap, p);
	build_argv(argv, ap);
	va_end(ap);
	proc_start(p, argv, -1);
}

/* Parse the --stats line (the last line of stderr). */
json_t *
stats_of(struct proc *p)
{
	char	*last;
	json_t	*j;

	ck_assert(p->elen > 0);
	p->ebuf[p->elen - 1] = '\0';
	last = strrchr(p->ebuf, '\n');
	last = last == NULL ? p->ebuf : last + 1;
	j = json_loads(last, 0, NULL);
	ck_assert_msg(j != NULL, "no stats in: %s", p->ebuf);
	return (j);
}

long long
stat_int(json_t *j, const char *key)
{
	json_t	*v = json_object_get(j, key);

	ck_assert_msg(json_is_integer(v), "no stat %s", key);
	return (json_integer_value(v));
}

/* --stats "http" member's integer (it must be there). */
long long
http_stat(struct proc *p, const char *key)
{
	json_t		*st = stats_of(p);
	long long	 v;

	v = stat_int(json_object_get(st, "http"), key);
	json_decref(st);
	return (v);
}

/* --stats: the responses in an HTTP version ("1.1", "2"). */
long long
version_stat(struct proc *p, const char *version)
{
	json_t		*st = stats_of(p), *v;
	long long	 n;

	v = json_object_get(json_object_get(st, "http"), "versions");
	ck_assert_ptr_nonnull(v);
	n = json_integer_value(json_object_get(v, version));
	json_decref(st);
	return (n);
}

/* The i-th output line parsed. */
json_t *
line_of(struct proc *p, u_int i)
{
	char	*s = p->obuf, *nl;
	json_t	*j;

	while (i-- > 0) {
		s = strchr(s, '\n');
		ck_assert(s != NULL);
		s++;
	}
	nl = strchr(s, '\n');
	ck_assert(nl != NULL);
	j = json_loadb(s, nl - s, JSON_ALLOW_NUL, NULL);
	ck_assert_msg(j != NULL, "bad output line: %.*s", (int)(nl - s), s);
	return (j);
}

/* Start the test HTTP server; returns its port. */
int
server_start(struct proc *p)
{
	const char	*argv[2];
	const char	*bin = getenv("TE_SERVER");

	argv[0] = bin != NULL ? bin : "./testserver";
	argv[1] = NULL;
	proc_start(p, argv, -1);
	ck_assert(proc_wait_output(p, "\n", 0));
	if (strchr(p->obuf, ' ') != NULL)
		server_port2 = atoi(strchr(p->obuf, ' ') + 1);
	return (atoi(p->obuf));
}

/* Ask the test server for a counter from /count. */
long
server_count(int port, const char *what)
{
	struct sockaddr_in	 sin;
	const char		*req = "GET /count HTTP/1.0\r\n\r\n";
	char			 buf[1024], *body;
	size_t			 len = 0;
	ssize_t			 n;
	json_t			*j;
	long			 v;
	int			 fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert(fd != -1);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert(connect(fd, (struct sockaddr *)&sin, sizeof sin) == 0);
	ck_assert(write(fd, req, strlen(req)) == (ssize_t)strlen(req));
	while ((n = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	body = strstr(buf, "\r\n\r\n");
	ck_assert_ptr_nonnull(body);
	j = json_loads(body + 4, 0, NULL);
	ck_assert_ptr_nonnull(j);
	v = json_integer_value(json_object_get(j, what));
	json_decref(j);
	return (v);
}

/* GET path from the test server: its JSON body. */
static json_t *
server_get(int port, const char *path)
{
	struct sockaddr_in	 sin;
	char			 req[256];
	char			*buf = NULL, *body;
	size_t			 len = 0, size = 0;
	ssize_t			 n;
	json_t			*j;
	int			 fd;

	snprintf(req, sizeof req, "GET %s HTTP/1.0\r\n\r\n", path);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert(fd != -1);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert(connect(fd, (struct sockaddr *)&sin, sizeof sin) == 0);
	ck_assert(write(fd, req, strlen(req)) == (ssize_t)strlen(req));
	for (;;) {
		if (len + 4096 + 1 > size) {
			size = (len + 4096 + 1) * 2;
			buf = realloc(buf, size);
			ck_assert_ptr_nonnull(buf);
		}
		if ((n = read(fd, buf + len, 4096)) <= 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	body = strstr(buf, "\r\n\r\n");
	ck_assert_ptr_nonnull(body);
	j = json_loads(body + 4, 0, NULL);
	ck_assert_msg(j != NULL, "bad %s: %s", path, body + 4);
	free(buf);
	return (j);
}

/* What a server received: GET /log, the requests as a JSON array. */
json_t *
server_log(int port)
{
	json_t	*j = server_get(port, "/log");

	ck_assert_msg(json_is_array(j), "bad log");
	return (j);
}

/* The test server's counters (/counters), a JSON object. */
json_t *
server_counters(int port)
{
	json_t	*j = server_get(port, "/counters");

	ck_assert_msg(json_is_object(j), "bad counters");
	return (j);
}

/* The ms of every logged request whose URI starts with prefix, sorted. */
u_int
log_times(json_t *log, const char *prefix, long long *ms, u_int max)
{
	json_t		*r;
	size_t		 i;
	u_int		 n = 0, a, b;
	long long	 t;

	json_array_foreach(log, i, r) {
		if (strncmp(json_string_value(json_object_get(r, "uri")),
		    prefix, strlen(prefix)) != 0 || n == max)
			continue;
		ms[n++] = json_integer_value(json_object_get(r, "ms"));
	}
	for (a = 1; a < n; a++) {
		for (b = a; b > 0 && ms[b - 1] > ms[b]; b--) {
			t = ms[b];
			ms[b] = ms[b - 1];
			ms[b - 1] = t;
		}
	}
	return (n);
}

/*
 * Every tweet {"id": 0..n-1} appears exactly once on stdout, and --stats (the
 * last line of stderr) accounts for every line read.
 */
void
exactly_once(struct proc *p, u_int n)
{
	char		*seen = calloc(n, 1), *s = p->obuf, *nl;
	json_t		*j, *id, *st;
	long long	 i;
	u_int		 lines = 0;

	ck_assert_ptr_nonnull(seen);
	while ((nl = strchr(s, '\n')) != NULL) {
		j = json_loadb(s, nl - s, JSON_ALLOW_NUL, NULL);
		ck_assert_msg(j != NULL, "bad output line: %.*s",
		    (int)(nl - s > 200 ? 200 : nl - s), s);
		id = json_object_get(j, "id");
		ck_assert(json_is_integer(id));
		i = json_integer_value(id);
		ck_assert(i >= 0 && i < n);
		ck_assert_msg(!seen[i], "tweet %lld written twice", i);
		seen[i] = 1;
		json_decref(j);
		lines++;
		s = nl + 1;
	}
	ck_assert_str_eq(s, "");
	ck_assert_msg(lines == n, "%u of %u tweets written", lines, n);
	free(seen);
	st = stats_of(p);
	ck_assert_int_eq(stat_int(st, "written"), n);
	ck_assert_int_eq(stat_int(st, "read"), stat_int(st, "written") +
	    stat_int(st, "bad"));
	json_decref(st);
}

/* Run a suite; the exit status for main(). */
int
run_suite(Suite *s)
{
	SRunner	*sr = srunner_create(s);
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}

/* A loopback port nobody listens on (bound, noted and closed). */
int
free_port(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	int			 fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert(fd != -1);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert(bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0);
	ck_assert(getsockname(fd, (struct sockaddr *)&sin, &len) == 0);
	close(fd);
	return (ntohs(sin.sin_port));
}

/* The test server of a Check fixture: started before each test, stopped
 * (its stdin closed) after. */
struct proc	server;
int		server_port;
int		server_port2;	/* the server's second port */

void
server_setup(void)
{
	server_port = server_start(&server);
}

void
server_teardown(void)
{
	proc_finish(&server);
	proc_free(&server);
}

/* A formatted string that lives until free(). */
char *
fmt(const char *f, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, f);
	ck_assert(vasprintf(&s, f, ap) != -1);
	va_end(ap);
	return (s);
}

/*
 * "http://127.0.0.1:PORT" (the test server's) followed by a formatted
 * path, in a buffer the next call overwrites.
 */
const char *
srv(const char *f, ...)
{
	static char	 url[512];
	va_list		 ap;
	int		 n;

	n = snprintf(url, sizeof url, "http://127.0.0.1:%d", server_port);
	va_start(ap, f);
	vsnprintf(url + n, sizeof url - n, f, ap);
	va_end(ap);
	return (url);
}

/* The error of enrichment name in an output line (NULL if none). */
const char *
err(json_t *line, const char *name)
{
	return (json_string_value(json_object_get(json_object_get(line,
	    "enrichment_errors"), name)));
}
