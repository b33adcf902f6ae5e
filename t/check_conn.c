/*
 * Whole-program tests of how lookups connect (src/http/conn.c): HTTP/2 by
 * ALPN with many requests multiplexed on few connections, --http1.1, a
 * private CA (--cacert, --capath, and refusal without them), --stats'
 * connections and versions, and the hangs of issue 14 over TLS (a slow
 * answer with waiters, on HTTP/2 and on an HTTPS server without it; a 1 MiB
 * URL), and the destination policy on a shared connection. nginx (Debian:
 * nginx-light) terminates TLS on 127.0.0.1, one port
 * with HTTP/2 and one without, in front of the test server; the CA and the
 * certificate are made with openssl for the suite.
 */

#include <sys/inotify.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <jansson.h>

#include "lib/lib.h"
#include "core.h"
#include "http/http.h"
#include "http/fetch-int.h"
#include "run.h"

static char		 dir[] = "/tmp/te-conn.XXXXXX";	/* CA, cert, nginx */
static struct proc	 ngx;
static int		 h2_port;	/* TLS with HTTP/2 */
static int		 h1_port;	/* TLS, HTTP/1.1 only */
static char		 cacert[128];
static char		 capath[128];
static char		 allow[] = "127.0.0.0/8";

/* Run a shell command in dir; it must succeed. */
static void
sh(const char *cmd)
{
	struct proc	 p;
	const char	*argv[] = { "/bin/sh", "-c", cmd, NULL };
	char		*full;

	ck_assert(asprintf(&full, "cd %s && %s", dir, cmd) != -1);
	argv[2] = full;
	proc_start(&p, argv, -1);
	proc_close_in(&p);
	proc_finish(&p);
	ck_assert_msg(p.status == 0, "%s: %.*s", cmd, (int)p.elen, p.ebuf);
	proc_free(&p);
	free(full);
}

/* Once for the suite: a CA, and a certificate for 127.0.0.1 it signed. */
static void
ca_setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	sh("openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key "
	    "-out ca.pem -days 2 -subj '/CN=te test CA' "
	    "-addext basicConstraints=critical,CA:TRUE "
	    "-addext keyUsage=critical,keyCertSign 2>/dev/null && "
	    "openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr "
	    "-subj /CN=127.0.0.1 2>/dev/null && "
	    "printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage="
	    "serverAuth\\n' > ext.cnf && "
	    "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key "
	    "-CAcreateserial -out srv.pem -days 2 -extfile ext.cnf "
	    "2>/dev/null && mkdir cas && cp ca.pem cas/ && openssl rehash cas");
	snprintf(cacert, sizeof cacert, "%s/ca.pem", dir);
	snprintf(capath, sizeof capath, "%s/cas", dir);
}

static void
ca_teardown(void)
{
	sh("rm -rf -- *");
	rmdir(dir);
}

/* Can a TCP connection be made to this loopback port? */
static int
port_open(int port)
{
	struct sockaddr_in	sin;
	int			fd, ok;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert(fd != -1);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&sin, sizeof sin) == 0;
	close(fd);
	return (ok);
}

/*
 * Each test: the test server, and nginx in front of it with TLS on two
 * free ports (HTTP/2 on one), logging each request's connection.
 */
static void
ngx_setup(void)
{
	struct timespec	 ts = { 0, 10 * 1000000 };
	const char	*argv[] = { "nginx", "-p", dir, "-c", NULL, "-e",
			    NULL, NULL };
	char		 conf[160], elog[160];
	FILE		*f;
	u_int		 i;

	server_setup();
	/* A failed test leaves its files: none of them counts here. */
	sh("rm -rf nginx.conf nginx.pid error.log access.log");
	h2_port = free_port();
	h1_port = free_port();
	snprintf(conf, sizeof conf, "%s/nginx.conf", dir);
	snprintf(elog, sizeof elog, "%s/error.log", dir);
	argv[4] = conf;
	argv[6] = elog;
	ck_assert_ptr_nonnull(f = fopen(conf, "w"));
	fprintf(f, "daemon off; master_process off; worker_processes 1;\n"
	    "pid %1$s/nginx.pid; error_log %1$s/error.log error;\n"
	    "events { worker_connections 4096; }\n"
	    "http {\n"
	    " log_format c '$connection $connection_requests $server_protocol "
	    "$request_uri';\n"
	    " access_log %1$s/access.log c;\n"
	    " client_body_temp_path %1$s/body; proxy_temp_path %1$s/proxy;\n"
	    " fastcgi_temp_path %1$s/fcgi; uwsgi_temp_path %1$s/uwsgi;\n"
	    " scgi_temp_path %1$s/scgi;\n"
	    " keepalive_requests 100000;\n"
	    " gzip on; gzip_proxied any; gzip_min_length 0;\n"
	    " gzip_types application/json text/plain;\n"
	    " ssl_certificate %1$s/srv.pem; ssl_certificate_key %1$s/srv.key;\n"
	    " server { listen 127.0.0.1:%2$d ssl http2;\n"
	    "  location / { proxy_pass http://127.0.0.1:%4$d; } }\n"
	    " server { listen 127.0.0.1:%3$d ssl;\n"
	    "  location / { proxy_pass http://127.0.0.1:%4$d; } }\n"
	    "}\n", dir, h2_port, h1_port, server_port);
	fclose(f);
	proc_start(&ngx, argv, -1);
	/* Until it listens (a condition, not a guess: at most 30 s). */
	for (i = 0; i < 3000 && !(port_open(h2_port) && port_open(h1_port));
	    i++)
		nanosleep(&ts, NULL);
	ck_assert_msg(i < 3000, "nginx did not start");
}

static void
ngx_teardown(void)
{
	proc_signal(&ngx, SIGQUIT);
	proc_finish(&ngx);
	proc_free(&ngx);
	sh("rm -rf nginx.conf nginx.pid error.log access.log body proxy fcgi "
	    "uwsgi scgi");
	server_teardown();
}

static void	access_log_read(u_int *, u_int *, const char *, u_int *);

/*
 * The access log once it has want requests (nginx writes a line after the
 * answer is sent, so it may come a moment after the client is done; at
 * most 10 s): how many requests, on how many connections, and how many of
 * them in a protocol.
 */
static void
access_log(u_int want, u_int *requests, u_int *conns, const char *proto,
    u_int *nproto)
{
	struct timespec	ts = { 0, 10 * 1000000 };
	u_int		i;

	for (i = 0; i < 1000; i++) {
		access_log_read(requests, conns, proto, nproto);
		if (*requests >= want)
			break;
		nanosleep(&ts, NULL);
	}
}

/* The access log as it is now. */
static void
access_log_read(u_int *requests, u_int *conns, const char *proto,
    u_int *nproto)
{
	char	 path[160], line[512], p[32];
	long	 seen[4096], c;
	u_int	 n = 0, i;
	FILE	*f;

	*requests = *conns = *nproto = 0;
	snprintf(path, sizeof path, "%s/access.log", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	while (fgets(line, sizeof line, f) != NULL) {
		ck_assert(sscanf(line, "%ld %*d %31s", &c, p) == 2);
		(*requests)++;
		if (strcmp(p, proto) == 0)
			(*nproto)++;
		for (i = 0; i < n && seen[i] != c; i++)
			;
		if (i == n && n < 4096)
			seen[n++] = c;
	}
	fclose(f);
	*conns = n;
}

static json_t *
enr(json_t *line, const char *name)
{
	return (json_object_get(json_object_get(line, "enrichments"), name));
}

/* An http spec for a path on a TLS port (the path a template). */
static char *
tls_spec(int port, const char *path)
{
	char	*s;

	ck_assert(asprintf(&s, "http:url=https://127.0.0.1:%d%s", port,
	    path) != -1);
	return (s);
}

/*
 * HTTP/2: 100 lookups in flight at once to one host share its connections
 * (at most ceil(100 / 128) + 1), each answered after 300 ms.
 */
START_TEST(test_h2_multiplexed)
{
	struct proc	 p;
	char		*in = make_tweets(100, NULL), *spec;
	u_int		 requests, conns, h2;

	spec = tls_spec(h2_port, "/latency/300?{/id}");
	te_run(&p, in, "-e", spec, "-j", "100", "--cacert", cacert,
	    "--allow-net", allow, "--stats", NULL);
	ck_assert_msg(p.status == 0, "%.*s", (int)p.elen, p.ebuf);
	exactly_once(&p, 100);
	access_log(100, &requests, &conns, "HTTP/2.0", &h2);
	ck_assert_uint_eq(requests, 100);
	ck_assert_uint_eq(h2, 100);
	ck_assert_msg(conns <= 2, "%u connections", conns);
	ck_assert_int_le(http_stat(&p, "connections"), 2);
	ck_assert_int_eq(http_stat(&p, "max_in_flight"), 100);
	ck_assert_int_eq(version_stat(&p, "2"), 100);
	ck_assert_int_eq(version_stat(&p, "1.1"), 0);
	proc_free(&p);
	free(spec);
	free(in);
}
END_TEST

/* --http1.1 on the same server: HTTP/1.1, a connection per lookup in
 * flight. */
START_TEST(test_http1_1)
{
	struct proc	 p;
	char		*in = make_tweets(20, NULL), *spec;
	u_int		 requests, conns, h1;

	spec = tls_spec(h2_port, "/latency/300?{/id}");
	te_run(&p, in, "-e", spec, "-j", "20", "--http1.1", "--cacert",
	    cacert, "--allow-net", allow, "--stats", NULL);
	ck_assert_msg(p.status == 0, "%.*s", (int)p.elen, p.ebuf);
	exactly_once(&p, 20);
	access_log(20, &requests, &conns, "HTTP/1.1", &h1);
	ck_assert_uint_eq(requests, 20);
	ck_assert_uint_eq(h1, 20);
	ck_assert_msg(conns >= 10, "%u connections", conns);
	ck_assert_int_eq(version_stat(&p, "1.1"), 20);
	ck_assert_int_eq(version_stat(&p, "2"), 0);
	ck_assert_int_ge(http_stat(&p, "connections"), 10);
	proc_free(&p);
	free(spec);
	free(in);
}
END_TEST

/* A private CA: refused without it; trusted by --cacert or --capath. */
START_TEST(test_private_ca)
{
	struct proc	 p;
	json_t		*j;
	char		*spec, *cause;

	spec = tls_spec(h2_port, "/json/1");
	te_run(&p, "{\"id\":1}\n", "-e", spec, "--allow-net", allow, NULL);
	ck_assert_int_eq(p.status, 0);
	j = line_of(&p, 0);
	ck_assert(json_is_null(enr(j, "http")));
	ck_assert_msg(strstr(err(j, "http"), "certificate") != NULL, "%s",
	    err(j, "http"));
	json_decref(j);
	proc_free(&p);

	te_run(&p, "{\"id\":1}\n", "-e", spec, "--cacert", cacert,
	    "--allow-net", allow, NULL);
	ck_assert_int_eq(p.status, 0);
	j = line_of(&p, 0);
	ck_assert_msg(err(j, "http") == NULL, "%s", err(j, "http"));
	ck_assert(json_is_object(enr(j, "http")));
	json_decref(j);
	proc_free(&p);

	te_run(&p, "{\"id\":1}\n", "-e", spec, "--capath", capath,
	    "--allow-net", allow, NULL);
	ck_assert_int_eq(p.status, 0);
	j = line_of(&p, 0);
	ck_assert_msg(err(j, "http") == NULL, "%s", err(j, "http"));
	json_decref(j);
	proc_free(&p);

	/* One that cannot be read is a usage error, named. */
	ck_assert(asprintf(&cause, "%s/none.pem", dir) != -1);
	te_run(&p, "{\"id\":1}\n", "-e", spec, "--cacert", cause, NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(memmem(p.ebuf, p.elen, "--cacert", 8));
	proc_free(&p);
	te_run(&p, "{\"id\":1}\n", "-e", spec, "--capath", cacert, NULL);
	ck_assert_int_eq(p.status, 2);
	proc_free(&p);
	free(cause);
	free(spec);
}
END_TEST

/*
 * With neither --cacert nor --capath, the system's CAs are libcurl's
 * bundle, read once by each multi handle and kept, not again for every
 * connection (with its CA directory too, libcurl 7.88 reads them all for
 * each handshake: at -j 1000 over HTTP/1.1 the handshakes then ran past
 * --connect-timeout). 20 connections open the bundle at most twice (its
 * closes are watched too: inotify merges an event with the same one just
 * before it, unread). The
 * system store here is a copy with the test CA added, as
 * update-ca-certificates adds one, mounted over the real one in a mount
 * namespace of the run: so as root only.
 */
START_TEST(test_system_bundle_once)
{
	struct proc	 p;
	struct inotify_event *ev;
	CURL		*e;
	char		*bundle = NULL, *b1, *b2, *certs, *name, *cmd, *in;
	char		*spec;
	char		 buf[4096], path[256];
	const char	*argv[] = { "unshare", "-m", "sh", "-c", NULL, NULL };
	ssize_t		 n, off;
	u_int		 opens = 0;
	int		 fd;

	if (geteuid() != 0) {
		fprintf(stderr, "test_system_bundle_once: not root, "
		    "not run\n");
		return;
	}
	ck_assert_ptr_nonnull(e = curl_easy_init());
	ck_assert(curl_easy_getinfo(e, CURLINFO_CAINFO, &bundle) == CURLE_OK);
	ck_assert_msg(bundle != NULL && access(bundle, R_OK) == 0,
	    "libcurl has no CA bundle to read (%s)", bundle);
	certs = dirname(b1 = xstrdup(bundle));
	name = basename(b2 = xstrdup(bundle));
	cmd = fmt("rm -rf store && cp -a %s store && cat ca.pem >> store/%s "
	    "&& cp ca.pem store/te-test-ca.pem && openssl rehash store", certs,
	    name);
	sh(cmd);
	free(cmd);
	snprintf(path, sizeof path, "%s/store/%s", dir, name);
	ck_assert((fd = inotify_init1(IN_NONBLOCK)) != -1);
	ck_assert(inotify_add_watch(fd, path, IN_OPEN | IN_CLOSE) != -1);

	in = make_tweets(20, NULL);
	spec = tls_spec(h1_port, "/latency/200?{/id}");
	cmd = fmt("mount --bind %s/store %s && exec %s -e '%s' -j 20 "
	    "--http1.1 --allow-net %s --stats", dir, certs, run_bin(), spec,
	    allow);
	argv[4] = cmd;
	run_input(&p, in, strlen(in), argv);
	ck_assert_msg(p.status == 0, "%.*s", (int)p.elen, p.ebuf);
	exactly_once(&p, 20);
	ck_assert_int_eq(http_stat(&p, "failures"), 0);
	ck_assert_int_ge(http_stat(&p, "connections"), 10);
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		for (off = 0; off < n; off += sizeof *ev + ev->len) {
			ev = (struct inotify_event *)(buf + off);
			if (ev->mask & IN_OPEN)
				opens++;
		}
	}
	ck_assert_msg(opens >= 1 && opens <= 2, "the bundle opened %u times",
	    opens);
	close(fd);
	proc_free(&p);
	curl_easy_cleanup(e);
	sh("rm -rf store");
	free(spec);
	free(in);
	free(cmd);
	free(b1);
	free(b2);
}
END_TEST

/*
 * Issue 14's slow host, over TLS: two answers that never come do not hold
 * the other lookups to their host, on HTTP/2 (waiters share a connection)
 * and on HTTPS without HTTP/2 (waiters leave the few connections of the
 * multiplexing side once the handshake says HTTP/1.1).
 */
static void
slow_host(int port)
{
	struct proc	 p;
	json_t		*j;
	char		*in, *tweets, *spec;
	long long	 id;
	u_int		 i;

	tweets = make_tweets(30, "\"p\":\"json\",\"ms\":0");
	ck_assert(asprintf(&in, "{\"id\":30,\"p\":\"latency\",\"ms\":50000}\n"
	    "{\"id\":31,\"p\":\"latency\",\"ms\":50001}\n%s", tweets) != -1);
	free(tweets);
	spec = tls_spec(port, "/{/p}/{/ms}?{/id}");
	/* Under valgrind, 32 TLS handshakes alone may take seconds. */
	te_run(&p, in, "-e", spec, "--timeout", getenv("TE_VALGRIND") != NULL ?
	    "30000" : "3000", "--retries", "0",
	    "--cacert", cacert, "--allow-net", allow, "--stats", NULL);
	ck_assert_int_eq(p.status, 0);
	exactly_once(&p, 32);
	for (i = 0; i < 32; i++) {
		j = line_of(&p, i);
		id = json_integer_value(json_object_get(j, "id"));
		if (id >= 30)
			ck_assert_msg(err(j, "http") != NULL &&
			    strstr(err(j, "http"), "timeout") != NULL,
			    "%lld: %s", id, err(j, "http"));
		else
			ck_assert_msg(err(j, "http") == NULL, "%lld: %s", id,
			    err(j, "http"));
		json_decref(j);
	}
	proc_free(&p);
	free(spec);
	free(in);
}

START_TEST(test_slow_host_h2)
{
	slow_host(h2_port);
}
END_TEST

START_TEST(test_slow_host_tls_h1)
{
	slow_host(h1_port);
}
END_TEST

/* Issue 14's 1 MiB URL over HTTP/2: that tweet's error, the next one
 * answered. */
START_TEST(test_long_url_h2)
{
	struct proc	 p;
	json_t		*j;
	char		*in, *spec;
	size_t		 n = 1049000;

	in = malloc(n + 64);
	ck_assert_ptr_nonnull(in);
	memcpy(in, "{\"id\":0,\"x\":\"", 13);
	memset(in + 13, 'a', n);
	strcpy(in + 13 + n, "\"}\n{\"id\":1,\"x\":\"b\"}\n");
	spec = tls_spec(h2_port, "/json/{/x}");
	te_run(&p, in, "-e", spec, "-k", "--timeout", "5000", "--cacert",
	    cacert, "--allow-net", allow, NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_uint_eq(count_lines(p.obuf, p.olen), 2);
	j = line_of(&p, 0);
	ck_assert_ptr_nonnull(strstr(err(j, "http"), "longer than 65536"));
	json_decref(j);
	j = line_of(&p, 1);
	ck_assert_msg(json_is_object(enr(j, "http")), "%s", err(j, "http"));
	json_decref(j);
	proc_free(&p);
	free(spec);
	free(in);
}
END_TEST

/* Counts libcurl's informational lines of a transfer. */
static int
count_debug_cb(__unused CURL *e, __unused curl_infotype type,
    __unused char *data, __unused size_t size, void *userp)
{
	(*(u_int *)userp)++;
	return (0);
}

/* A response body, not kept. */
static size_t
discard_cb(__unused char *ptr, size_t size, size_t nmemb,
    __unused void *userp)
{
	return (size * nmemb);
}

/* An easy handle set by conn_setopt for a URL. */
static void
conn_easy(struct fetch_easy *fx, const char *url)
{
	memset(fx, 0, sizeof *fx);
	ck_assert_ptr_nonnull(fx->curl = curl_easy_init());
	curl_easy_setopt(fx->curl, CURLOPT_URL, url);
	curl_easy_setopt(fx->curl, CURLOPT_WRITEFUNCTION, discard_cb);
	conn_setopt(fx, url, 0);
}

/*
 * A transfer set up while its host was unknown waits for the handshake and
 * listens to libcurl's lines; once another transfer's handshake has said
 * HTTP/2, conn_recheck stops both (libcurl would format every line of it
 * all its life: 25,000 lines a run at -j 1000), and a transfer set up now
 * neither waits nor listens.
 */
START_TEST(test_known_h2_quiet)
{
	struct fetch_easy	 waiting, first, later;
	char			*url;
	u_int			 lines = 0;

	ck_assert(asprintf(&url, "https://127.0.0.1:%d/json/1", h2_port) !=
	    -1);
	opts.cacert = cacert;
	conn_easy(&waiting, url);
	ck_assert_int_eq(waiting.mux, 1);
	ck_assert_int_eq(waiting.waits, 1);
	ck_assert_int_eq(conn_recheck(&waiting, url), 0);	/* unknown */
	conn_easy(&first, url);
	ck_assert_int_eq(curl_easy_perform(first.curl), CURLE_OK);
	ck_assert_int_eq(conn_version(url), CONN_H2);	/* by ALPN */

	ck_assert_int_eq(conn_recheck(&waiting, url), CONN_H2);
	ck_assert_int_eq(waiting.mux, 1);
	ck_assert_int_eq(waiting.waits, 0);
	curl_easy_setopt(waiting.curl, CURLOPT_DEBUGFUNCTION, count_debug_cb);
	curl_easy_setopt(waiting.curl, CURLOPT_DEBUGDATA, &lines);
	ck_assert_int_eq(curl_easy_perform(waiting.curl), CURLE_OK);
	ck_assert_uint_eq(lines, 0);

	conn_easy(&later, url);
	ck_assert_int_eq(later.mux, 1);
	ck_assert_int_eq(later.waits, 0);

	curl_easy_cleanup(waiting.curl);
	curl_easy_cleanup(first.curl);
	curl_easy_cleanup(later.curl);
	conn_free();
	opts.cacert = NULL;
	free(url);
}
END_TEST

/*
 * The destination policy on a shared HTTP/2 connection: a tweet's link to
 * 127.0.0.1 is refused even when a connection to that host is open and
 * carrying the template's own requests (which may go there), and no
 * request for it reaches the server.
 */
START_TEST(test_policy_shared_connection)
{
	struct proc	 p;
	json_t		*j, *l;
	char		*in = NULL, *spec, *s;
	size_t		 len = 0;
	u_int		 i, requests, conns, h2;
	FILE		*f;

	ck_assert_ptr_nonnull(f = open_memstream(&in, &len));
	for (i = 0; i < 20; i++)
		fprintf(f, "{\"id\":%u,\"entities\":{\"urls\":[{\"url\":"
		    "\"https://127.0.0.1:%d/json/%u\"}]}}\n", i, h2_port, i);
	fclose(f);
	spec = tls_spec(h2_port, "/latency/800?{/id}");
	te_run(&p, in, "-e", spec, "-e", "unshorten", "--cacert", cacert,
	    "--retries", "0", "--stats", NULL);
	ck_assert_msg(p.status == 0, "%.*s", (int)p.elen, p.ebuf);
	exactly_once(&p, 20);
	for (i = 0; i < 20; i++) {
		j = line_of(&p, i);
		ck_assert_msg(err(j, "http") == NULL, "%s", err(j, "http"));
		l = json_array_get(enr(j, "unshorten"), 0);
		s = (char *)json_string_value(json_object_get(l, "error"));
		ck_assert_msg(s != NULL && strcmp(s, "destination not allowed")
		    == 0, "%s", s);
		json_decref(j);
	}
	access_log(20, &requests, &conns, "HTTP/2.0", &h2);
	ck_assert_uint_eq(requests, 20);
	ck_assert_uint_eq(h2, 20);
	proc_free(&p);
	free(spec);
	free(in);
}
END_TEST

/*
 * The native HTTP/2 path (h2.c): once libcurl's first connection has said
 * h2, lookups go on our own streams, multiplexed on at most ceil(-j / 128)
 * + 2 connections of ours (nginx's 128 streams a connection), every one
 * answered as libcurl answers it.
 */
START_TEST(test_native_h2)
{
	struct proc	 p;
	json_t		*j;
	char		*in = make_tweets(400, NULL), *spec;
	u_int		 requests, conns, h2, i;

	spec = tls_spec(h2_port, "/latency/20?{/id}");
	te_run(&p, in, "-e", spec, "-j", "200", "--cacert", cacert,
	    "--allow-net", allow, "--stats", NULL);
	ck_assert_msg(p.status == 0, "%.*s", (int)p.elen, p.ebuf);
	exactly_once(&p, 400);
	for (i = 0; i < 400; i++) {
		j = line_of(&p, i);
		ck_assert_msg(err(j, "http") == NULL, "%s", err(j, "http"));
		ck_assert(json_is_object(enr(j, "http")));
		json_decref(j);
	}
	access_log(400, &requests, &conns, "HTTP/2.0", &h2);
	ck_assert_uint_eq(requests, 400);
	ck_assert_uint_eq(h2, 400);
	ck_assert_int_ge(http_stat(&p, "native_h2"), 150);
	ck_assert_int_eq(version_stat(&p, "2"), 400);
	/* libcurl's (200 / 128 + 1) and ours (200 / 128 + 2). */
	ck_assert_msg(conns <= 7, "%u connections", conns);
	ck_assert_int_le(http_stat(&p, "connections"), 7);
	proc_free(&p);
	free(spec);
	free(in);
}
END_TEST

/*
 * Issue 14's slow host on the native path: two answers that never come
 * time out, with libcurl's words, and hold none of the others (the first
 * four lookups teach the host's version to libcurl).
 */
START_TEST(test_native_slow_host)
{
	struct proc	 p;
	json_t		*j;
	char		*in = NULL, *spec;
	size_t		 len = 0;
	long long	 id;
	u_int		 i;
	FILE		*f;

	ck_assert_ptr_nonnull(f = open_memstream(&in, &len));
	for (i = 0; i < 36; i++)
		fprintf(f, "{\"id\":%u,\"p\":\"%s\",\"ms\":%u}\n", i,
		    i == 4 || i == 5 ? "latency" : "json",
		    i == 4 || i == 5 ? 50000 + i : 0);
	fclose(f);
	spec = tls_spec(h2_port, "/{/p}/{/ms}?{/id}");
	te_run(&p, in, "-e", spec, "-j", "4", "--timeout", "3000",
	    "--retries", "0", "--cacert", cacert, "--allow-net", allow,
	    "--stats", NULL);
	ck_assert_int_eq(p.status, 0);
	exactly_once(&p, 36);
	for (i = 0; i < 36; i++) {
		j = line_of(&p, i);
		id = json_integer_value(json_object_get(j, "id"));
		if (id == 4 || id == 5)
			ck_assert_msg(err(j, "http") != NULL &&
			    strstr(err(j, "http"), "timeout: Operation timed "
			    "out after 3000 milliseconds") != NULL,
			    "%lld: %s", id, err(j, "http"));
		else
			ck_assert_msg(err(j, "http") == NULL, "%lld: %s", id,
			    err(j, "http"));
		json_decref(j);
	}
	ck_assert_int_ge(http_stat(&p, "native_h2"), 25);
	proc_free(&p);
	free(spec);
	free(in);
}
END_TEST

/*
 * A body and another method on the native path, as libcurl sends them:
 * the test server echoes the method, the body and a header of ours.
 */
START_TEST(test_native_post)
{
	struct proc	 p;
	json_t		*j, *e;
	char		*in = make_tweets(10, NULL), *spec, *s;
	u_int		 i;
	long long	 id;

	spec = tls_spec(h2_port, "/echo?{/id},method=PUT,body=n={/id},"
	    "header=X-Test: one");
	te_run(&p, in, "-e", spec, "-j", "1", "--cacert", cacert,
	    "--allow-net", allow, "--stats", NULL);
	ck_assert_msg(p.status == 0, "%.*s", (int)p.elen, p.ebuf);
	exactly_once(&p, 10);
	for (i = 0; i < 10; i++) {
		j = line_of(&p, i);
		id = json_integer_value(json_object_get(j, "id"));
		e = enr(j, "http");
		ck_assert_msg(e != NULL && json_is_object(e), "%s",
		    err(j, "http"));
		ck_assert_str_eq(json_string_value(json_object_get(e,
		    "method")), "PUT");
		ck_assert(asprintf(&s, "n=%lld", id) != -1);
		ck_assert_str_eq(json_string_value(json_object_get(e, "body")),
		    s);
		free(s);
		ck_assert_str_eq(json_string_value(json_object_get(e,
		    "x_test")), "one");
		json_decref(j);
	}
	ck_assert_int_ge(http_stat(&p, "native_h2"), 9);
	proc_free(&p);
	free(spec);
	free(in);
}
END_TEST

/* What the native client told of its one request (test_native_trust). */
static int	nt_done, nt_fallback;

static void
nt_done_cb(__unused void *arg, __unused int rc)
{
	nt_done++;
}

static void
nt_fallback_cb(__unused struct fetch_entry *fe)
{
	nt_fallback++;
}

static int
nt_body_cb(__unused struct fetch_entry *fe, __unused const char *p,
    __unused size_t n)
{
	return (1);
}

static void
nt_stop(__unused int sig)
{
}

static int
nt_is_done(void)
{
	return (0);
}

/*
 * libcurl learns a host (verifying its peer or not), then one request to
 * url goes on the native client with the trust of the moment: its status
 * if it was answered there, -1 if its connection failed (refused) and it
 * went back to libcurl.
 */
static long
native_once(const char *learn, int verify, const char *url)
{
	struct te_fetch_request	 req = { "GET", NULL, 0, NULL };
	struct fetch_entry	 fe;
	struct fetch_easy	 fx;
	long			 status = -1;

	h2_init(nt_done_cb, nt_fallback_cb, nt_body_cb);
	conn_easy(&fx, learn);
	if (!verify) {
		curl_easy_setopt(fx.curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(fx.curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	ck_assert_int_eq(curl_easy_perform(fx.curl), CURLE_OK);
	conn_done(&fx);
	curl_easy_cleanup(fx.curl);
	memset(&fe, 0, sizeof fe);
	fe.req = &req;
	nt_done = nt_fallback = 0;
	ck_assert_int_eq(h2_start(&fe, url), 1);
	while (nt_done + nt_fallback == 0)
		event_base_loop(loop_base(), EVLOOP_ONCE);
	if (nt_done) {
		status = h2_status(&fe);
		h2_end(&fe);
	}
	h2_free();
	conn_free();
	return (status);
}

/*
 * The native client trusts as libcurl does: the private CA by --cacert,
 * or the server's own certificate alone (a partial chain, as libcurl
 * allows); refused without them, and a name the certificate does not
 * have (localhost: it names 127.0.0.1) refused.
 */
START_TEST(test_native_trust)
{
	char	*ip, *name, *learn, *self;

	ck_assert(asprintf(&ip, "https://127.0.0.1:%d/json/2", h2_port) !=
	    -1);
	ck_assert(asprintf(&learn, "https://127.0.0.1:%d/json/1", h2_port) !=
	    -1);
	ck_assert(asprintf(&name, "https://localhost:%d/json/2", h2_port) !=
	    -1);
	ck_assert(asprintf(&self, "%s/srv.pem", dir) != -1);
	loop_init(nt_stop, nt_is_done);

	opts.cacert = cacert;
	ck_assert_int_eq(native_once(learn, 1, ip), 200);
	ck_assert_int_eq(nt_fallback, 0);
	opts.cacert = self;
	ck_assert_int_eq(native_once(learn, 1, ip), 200);
	opts.cacert = NULL;
	ck_assert_int_eq(native_once(learn, 0, ip), -1);
	ck_assert_int_eq(nt_fallback, 1);
	opts.cacert = cacert;
	free(learn);
	ck_assert(asprintf(&learn, "https://localhost:%d/json/1", h2_port) !=
	    -1);
	ck_assert_int_eq(native_once(learn, 0, name), -1);
	ck_assert_int_eq(nt_fallback, 1);
	opts.cacert = NULL;

	loop_free();
	free(ip);
	free(name);
	free(learn);
	free(self);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("conn");
	TCase	*tc = tcase_create("conn");

	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, ca_setup, ca_teardown);
	tcase_add_checked_fixture(tc, ngx_setup, ngx_teardown);
	tcase_add_test(tc, test_h2_multiplexed);
	tcase_add_test(tc, test_http1_1);
	tcase_add_test(tc, test_private_ca);
	tcase_add_test(tc, test_system_bundle_once);
	tcase_add_test(tc, test_slow_host_h2);
	tcase_add_test(tc, test_slow_host_tls_h1);
	tcase_add_test(tc, test_long_url_h2);
	tcase_add_test(tc, test_policy_shared_connection);
	tcase_add_test(tc, test_known_h2_quiet);
	tcase_add_test(tc, test_native_h2);
	tcase_add_test(tc, test_native_slow_host);
	tcase_add_test(tc, test_native_trust);
	tcase_add_test(tc, test_native_post);
	suite_add_tcase(s, tc);
	return (run_suite(s));
}
