/*
 * Test helper: run the built tweet-enricher (or another program) with pipes,
 * feed it input and collect its output, exit status and stderr.
 */

#ifndef RUN_H
#define RUN_H

#include <sys/types.h>

#include <stddef.h>

#include <check.h>
#include <jansson.h>

struct proc {
	pid_t	 pid;
	int	 in;		/* write end of its stdin, or -1 */
	int	 out;
	int	 err;
	char	*obuf;
	size_t	 olen;
	char	*ebuf;
	size_t	 elen;
	int	 status;	/* exit status, or 128 + signal */
	long	 maxrss_kb;	/* its peak resident size */
};

const char	*run_bin(void);
const char	*run_srcdir(void);
void		 proc_start(struct proc *, const char *const *, int);
void		 proc_write(struct proc *, const char *, size_t);
void		 proc_wait_drained(struct proc *);
int		 proc_wait_output(struct proc *, const char *, int);
void		 proc_close_in(struct proc *);
void		 proc_pump(struct proc *, int);
int		 proc_running(struct proc *);
void		 proc_signal(struct proc *, int);
void		 proc_finish(struct proc *);
void		 proc_free(struct proc *);
void		 run_input(struct proc *, const char *, size_t,
		     const char *const *);
size_t		 count_lines(const char *, size_t);
char		*make_tweets(u_int, const char *);
char		*tmpfile_with(const char *, size_t);
void		 te_run(struct proc *, const char *, ...);
void		 te_start(struct proc *, ...);
json_t		*stats_of(struct proc *);
long long	 stat_int(json_t *, const char *);
long long	 http_stat(struct proc *, const char *);
long long	 version_stat(struct proc *, const char *);
json_t		*line_of(struct proc *, u_int);
char		*fmt(const char *, ...)
		     __attribute__((__format__(__printf__, 1, 2)));
const char	*err(json_t *, const char *);
const char	*srv(const char *, ...)
		     __attribute__((__format__(__printf__, 1, 2)));
void		 exactly_once(struct proc *, u_int);
int		 run_suite(Suite *);
int		 free_port(void);

extern struct proc server;
extern int	 server_port;
extern int	 server_port2;
void		 server_setup(void);
void		 server_teardown(void);
int		 server_start(struct proc *);
long		 server_count(int, const char *);
json_t		*server_log(int);
json_t		*server_counters(int);
u_int		 log_times(json_t *, const char *, long long *, u_int);

#endif
