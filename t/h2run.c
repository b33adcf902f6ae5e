/*
 * t/h2run.c: the HTTP/2 suites' CA and server (see h2run.h).
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "h2run.h"

/*
 * Make dir (a mkdtemp template) and in it a CA and a certificate for
 * 127.0.0.1 it signed; cacert gets the CA's path.
 */
void
h2run_ca_setup(char *dir, char *cacert, size_t size)
{
	struct proc	 p;
	const char	*argv[] = { "/bin/sh", "-c", NULL, NULL };
	char		*cmd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	cmd = fmt("cd %s && "
	    "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
	    "-nodes -keyout ca.key -out ca.pem -days 2 -subj '/CN=te h2 CA' "
	    "-addext basicConstraints=critical,CA:TRUE "
	    "-addext keyUsage=critical,keyCertSign && "
	    "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
	    "-keyout srv.key -out srv.csr -subj /CN=127.0.0.1 && "
	    "printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage="
	    "serverAuth\\n' > ext.cnf && "
	    "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key "
	    "-CAcreateserial -out srv.pem -days 2 -extfile ext.cnf", dir);
	argv[2] = cmd;
	proc_start(&p, argv, -1);
	proc_finish(&p);
	ck_assert_msg(p.status == 0, "openssl: %.*s", (int)p.elen, p.ebuf);
	proc_free(&p);
	free(cmd);
	snprintf(cacert, size, "%s/ca.pem", dir);
}

/* Remove what h2run_ca_setup made. */
void
h2run_ca_teardown(const char *dir)
{
	const char	*f[] = { "ca.key", "ca.pem", "ca.srl", "srv.key",
			    "srv.csr", "srv.pem", "ext.cnf" };
	char		 path[160];
	u_int		 i;

	for (i = 0; i < sizeof f / sizeof f[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, f[i]);
		unlink(path);
	}
	rmdir(dir);
}

/*
 * Start h2server with the certificate of dir and options (NULL-terminated,
 * at most 8): the port it listens on.
 */
int
h2run_start(struct proc *p, const char *dir, const char *const *opts)
{
	const char	*argv[12], *bin = getenv("TE_H2SERVER");
	char		 cert[160], key[160];
	int		 n = 0, port;

	snprintf(cert, sizeof cert, "%s/srv.pem", dir);
	snprintf(key, sizeof key, "%s/srv.key", dir);
	argv[n++] = bin != NULL ? bin : "./h2server";
	for (; *opts != NULL && n < 9; opts++)
		argv[n++] = *opts;
	ck_assert(*opts == NULL);
	argv[n++] = cert;
	argv[n++] = key;
	argv[n] = NULL;
	proc_start(p, argv, -1);
	ck_assert_msg(proc_wait_output(p, "\n", 0), "h2server: %.*s",
	    (int)p->elen, p->ebuf);
	port = atoi(p->obuf);
	ck_assert(port > 0);
	return (port);
}

/* Stop the server (its stdin closed) and read what it saw. */
void
h2run_stop(struct proc *p, struct h2log *l)
{
	char	*s, *nl;
	json_t	*j;
	u_int	 n;

	proc_finish(p);
	ck_assert_msg(p->status == 0, "h2server: status %d: %.*s", p->status,
	    (int)p->elen, p->ebuf);
	memset(l, 0, sizeof *l);
	s = strchr(p->obuf, '\n') + 1;		/* past the port */
	while ((nl = strchr(s, '\n')) != NULL) {
		j = json_loadb(s, nl - s, 0, NULL);
		ck_assert_msg(j != NULL, "bad line: %.*s", (int)(nl - s), s);
		if (json_object_get(j, "conn") != NULL) {
			l->conns++;
			n = json_integer_value(json_object_get(j, "streams"));
			l->streams += n;
			if (n > l->max_streams)
				l->max_streams = n;
			n = json_integer_value(json_object_get(j, "peak"));
			if (n > l->max_peak)
				l->max_peak = n;
		} else {
			l->requests = stat_int(j, "requests");
			l->refused = stat_int(j, "refused");
			l->internal = stat_int(j, "internal");
			l->cut = stat_int(j, "cut");
			l->goaways = stat_int(j, "goaways");
			l->over_max = stat_int(j, "over_max");
		}
		json_decref(j);
		s = nl + 1;
	}
	proc_free(p);
}
