/*
 * t/h2run.h: what the HTTP/2 suites (check_h2, check_h2pool) share: a CA
 * and a certificate for 127.0.0.1 made by openssl in a directory, and
 * t/h2server started on them and read back when it stops.
 */

#ifndef TE_H2RUN_H
#define TE_H2RUN_H

#include "run.h"

/* What h2server said it saw, from the lines it writes when it stops. */
struct h2log {
	u_int	conns;
	u_int	streams;	/* over every connection */
	u_int	max_streams;	/* the most one connection carried */
	u_int	max_peak;	/* the most streams open at once on one */
	long	requests;
	long	refused;
	long	internal;
	long	cut;
	long	goaways;
	long	over_max;	/* streams opened past its limit */
};

void	h2run_ca_setup(char *, char *, size_t);
void	h2run_ca_teardown(const char *);
int	h2run_start(struct proc *, const char *, const char *const *);
void	h2run_stop(struct proc *, struct h2log *);

#endif
