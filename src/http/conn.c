/*
 * How a transfer's connection is made and what it was: the HTTP version
 * (HTTP/2 by ALPN over TLS, many requests multiplexed on one connection;
 * HTTP/1.1 with --http1.1), the CAs trusted (--cacert, --capath, as curl's
 * options of those names) and the counters --stats shows: connections
 * opened and the HTTP version of each response.
 *
 * To multiplex, a transfer to an https host not yet known waits for the
 * connection being made to learn by ALPN whether it can carry more streams
 * (CURLOPT_PIPEWAIT, on the multiplexing multi handle of fetch-multi.c),
 * else each of -j transfers opens its own. The wait ends with the TLS
 * handshake, before any request, so a slow answer keeps no one waiting. It
 * is never asked for plain http (there libcurl learns the version only from
 * a response: the hang of issue 14), through a proxy, or of a host whose
 * version is known: a host's version is learnt from the handshake of its
 * first connection (libcurl's ALPN line, read while the host is unknown) or
 * else from its first response. Once it is known, transfers still waiting
 * for a connection stop waiting and listening (conn_recheck): libcurl
 * formats every informational line of a verbose transfer, and the first -j
 * transfers would stay verbose all their life (25,000 lines a run at -j
 * 1000). To an HTTP/2 host they take a stream where one is free or open a
 * connection, within the multiplexing handle's cap per host; to an HTTP/1
 * host they move to the other multi handle (fetch_multi_unmux).
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "lib/lib.h"
#include "core.h"
#include "http/http.h"
#include "http/fetch-int.h"

#define CONN_MAX_HOSTS 10000	/* hosts remembered at most */

/* A host (host:port) whose HTTP version is known. */
struct conn_host {
	struct hash_node	 node;
	char			*key;
	int			 version;	/* CONN_H2, CONN_H1 */
	char			 ip[64];	/* libcurl connected to */
	int			 port;
};
static struct hash	conn_hosts;
static u_int		conn_nhosts;
static u_int		conn_learnt;		/* versions learnt or changed */
static char		conn_last[256];		/* the last host's authority */
static struct conn_host	*conn_last_host;	/* and its host */

/* Is this CA file or directory one we can read? -1 and a cause if not. */
static int
conn_check_path(const char *option, const char *path, int dir, char **cause)
{
	struct stat	sb;
	int		fd;

	if ((fd = open(path, O_RDONLY|(dir ? O_DIRECTORY : 0))) == -1) {
		xasprintf(cause, "--%s %s: %s", option, path, strerror(errno));
		return (-1);
	}
	if (fstat(fd, &sb) != 0 || (!dir && !S_ISREG(sb.st_mode))) {
		xasprintf(cause, "--%s %s: not a regular file", option, path);
		close(fd);
		return (-1);
	}
	close(fd);
	return (0);
}

/* --cacert FILE: a PEM file of CAs, in place of libcurl's bundle. */
int
conn_check_cacert(const char *path, char **cause)
{
	return (conn_check_path("cacert", path, 0, cause));
}

/* --capath DIR: CA certificates by hash, in place of libcurl's directory. */
int
conn_check_capath(const char *path, char **cause)
{
	return (conn_check_path("capath", path, 1, cause));
}

/*
 * The record of a URL's host, NULL if none. The host last found is kept by the bytes of its URL's authority, so that a run of
 * requests to one API does not parse each URL again.
 */
static struct conn_host *
conn_find(const char *url)
{
	struct conn_host	*ch;
	const char		*auth;
	char			*key;
	size_t			 n = 0;

	if (conn_nhosts == 0)
		return (NULL);
	if ((auth = strstr(url, "://")) != NULL) {
		auth += 3;
		n = strcspn(auth, "/?#");
		if (n < sizeof conn_last && conn_last_host != NULL &&
		    strncmp(auth, conn_last, n) == 0 && conn_last[n] == '\0')
			return (conn_last_host);
	}
	if ((key = pace_key(url)) == NULL)
		return (NULL);
	ch = HASH_ENTRY(hash_find(&conn_hosts, key, strlen(key)),
	    struct conn_host, node);
	free(key);
	if (ch != NULL && auth != NULL && n < sizeof conn_last) {
		memcpy(conn_last, auth, n);
		conn_last[n] = '\0';
		conn_last_host = ch;
	}
	return (ch);
}

/* The HTTP version known of a URL's host: CONN_H2, CONN_H1 or 0. */
int
conn_version(const char *url)
{
	struct conn_host	*ch = conn_find(url);

	return (ch != NULL ? ch->version : 0);
}

/*
 * Is a URL's host known to speak HTTP/2, at an address libcurl connected
 * to (the native path's, h2.c)? 1 and the address if so.
 */
int
conn_native(const char *url, char *ip, size_t size, int *port)
{
	struct conn_host	*ch = conn_find(url);

	if (ch == NULL || ch->version != CONN_H2 || ch->ip[0] == '\0')
		return (0);
	snprintf(ip, size, "%s", ch->ip);
	*port = ch->port;
	return (1);
}

/* The address a transfer's connection went to, if its host has none. */
static void
conn_addr(struct conn_host *ch, CURL *e)
{
	char	*ip = NULL;
	long	 port = 0;

	if (ch->ip[0] != '\0' || curl_easy_getinfo(e, CURLINFO_PRIMARY_IP,
	    &ip) != CURLE_OK || ip == NULL || *ip == '\0' ||
	    curl_easy_getinfo(e, CURLINFO_PRIMARY_PORT, &port) != CURLE_OK ||
	    port <= 0)
		return;
	snprintf(ch->ip, sizeof ch->ip, "%s", ip);
	ch->port = port;
}

/*
 * Remember the HTTP version of a URL's host (HTTP/1 overrules), and the
 * address a transfer's connection to it went to.
 */
static void
conn_learn(CURL *e, const char *url, int version)
{
	struct conn_host	*ch;
	char			*key;

	if (url == NULL || (key = pace_key(url)) == NULL)
		return;
	ch = HASH_ENTRY(hash_find(&conn_hosts, key, strlen(key)),
	    struct conn_host, node);
	if (ch == NULL && conn_nhosts < CONN_MAX_HOSTS) {
		ch = xcalloc(1, sizeof *ch);
		ch->key = key;
		key = NULL;
		hash_insert(&conn_hosts, &ch->node, ch->key, strlen(ch->key));
		conn_nhosts++;
	}
	free(key);
	if (ch == NULL)
		return;
	conn_addr(ch, e);
	if (ch->version == version || ch->version == CONN_H1)
		return;
	ch->version = version;
	conn_learnt++;
}

/* How many times a host's version was learnt (it only grows). */
u_int
conn_learnt_count(void)
{
	return (conn_learnt);
}

/* Does an informational line start with this text? */
static int
conn_text_is(const char *data, size_t size, const char *prefix, size_t *off)
{
	size_t	n = strlen(prefix);

	if (size < n || memcmp(data, prefix, n) != 0)
		return (0);
	*off = n;
	return (1);
}

/*
 * libcurl's informational lines of a transfer to a host not yet known: its
 * ALPN outcome ("ALPN: server accepted h2", or ", ... to use" before 7.87)
 * says at once what the host speaks. A line not understood teaches nothing;
 * the first response will.
 */
static int
conn_debug_cb(CURL *e, curl_infotype type, char *data, size_t size,
    __unused void *userp)
{
	char	*url = NULL;
	size_t	 off;
	int	 version = 0;

	if (type != CURLINFO_TEXT || size < 5 || memcmp(data, "ALPN", 4) != 0)
		return (0);
	if (conn_text_is(data, size, "ALPN: server accepted ", &off) ||
	    conn_text_is(data, size, "ALPN, server accepted to use ", &off)) {
		if (size - off >= 2 && memcmp(data + off, "h2", 2) == 0)
			version = CONN_H2;
		else if (size - off >= 6 && memcmp(data + off, "http/1", 6) == 0)
			version = CONN_H1;
	} else if (conn_text_is(data, size, "ALPN: server did not agree", &off) ||
	    conn_text_is(data, size, "ALPN, server did not agree", &off))
		version = CONN_H1;
	if (version != 0 &&
	    curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &url) == CURLE_OK)
		conn_learn(e, url, version);
	return (0);
}

/*
 * With neither --cacert nor --capath, verify with libcurl's CA bundle alone,
 * not also its CA directory, if it has a bundle we can read (Debian's
 * /etc/ssl/certs/ca-certificates.crt, made by update-ca-certificates from
 * the same certificates as the directory /etc/ssl/certs). libcurl 7.88 then
 * reads the bundle once and keeps it (CURLOPT_CA_CACHE_TIMEOUT, a day);
 * with a directory it makes a new store for every connection, 43% of a
 * handshake's instructions, and at -j 1000 over HTTP/1.1 the handshakes made
 * together ran past --connect-timeout and were made again. With either
 * option, libcurl's defaults stay as curl's (see the manual).
 */
static int
conn_bundle_only(CURL *e)
{
	static int	 known, only;
	char		*bundle = NULL;

	if (!known) {
		known = 1;
		if (curl_easy_getinfo(e, CURLINFO_CAINFO, &bundle) == CURLE_OK &&
		    bundle != NULL && access(bundle, R_OK) == 0)
			only = 1;
	}
	return (only);
}

/*
 * Set a transfer's connection options: its HTTP version; whether it may
 * multiplex (https, not proxied, the host not known to be HTTP/1: then it
 * goes on the multiplexing multi handle), waiting for a connection being
 * made and listening for its handshake while its host is unknown; the CAs
 * trusted.
 */
void
conn_setopt(struct fetch_easy *fx, const char *url, int proxied)
{
	CURL	*e = fx->curl;
	int	 version = 0;

	fx->mux = 0;
	if (!opts.http1_1 && !proxied && strncasecmp(url, "https://", 8) == 0 &&
	    (version = conn_version(url)) != CONN_H1)
		fx->mux = 1;
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, opts.http1_1 ?
	    (long)CURL_HTTP_VERSION_1_1 : (long)CURL_HTTP_VERSION_2TLS);
	fx->waits = fx->mux && version == 0;
	curl_easy_setopt(e, CURLOPT_PIPEWAIT, (long)fx->waits);
	curl_easy_setopt(e, CURLOPT_VERBOSE, (long)fx->waits);
	if (fx->waits)
		curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, conn_debug_cb);
	if (opts.cacert != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, opts.cacert);
	if (opts.capath != NULL)
		curl_easy_setopt(e, CURLOPT_CAPATH, opts.capath);
	if (opts.cacert == NULL && opts.capath == NULL && conn_bundle_only(e))
		curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
}

/*
 * A transfer set to wait while its host was unknown, and not yet connected:
 * its host's version now (CONN_H2, CONN_H1 or 0). Known, it waits and
 * listens no more; to an HTTP/1 host, it no longer multiplexes (the caller
 * moves it to another multi handle). Not from a libcurl callback.
 */
int
conn_recheck(struct fetch_easy *fx, const char *url)
{
	int	version;

	if (!fx->waits || (version = conn_version(url)) == 0)
		return (0);
	fx->waits = 0;
	curl_easy_setopt(fx->curl, CURLOPT_PIPEWAIT, 0L);
	curl_easy_setopt(fx->curl, CURLOPT_VERBOSE, 0L);
	if (version == CONN_H1)
		fx->mux = 0;
	return (version);
}

/*
 * A transfer ended: count the connections it opened and its version, and
 * learn its host's version if it might have multiplexed.
 */
void
conn_done(struct fetch_easy *fx)
{
	CURL	*e = fx->curl;
	long	 n = 0, version = 0;
	char			*url = NULL;
	struct conn_host	*ch;
	int			 known;

	if (curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &n) == CURLE_OK &&
	    n > 0)
		stats.http_connections += n;
	if (curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &version) !=
	    CURLE_OK)
		return;
	switch (version) {
	case CURL_HTTP_VERSION_1_0:
		stats.http_versions[0]++;
		break;
	case CURL_HTTP_VERSION_1_1:
		stats.http_versions[1]++;
		break;
	case CURL_HTTP_VERSION_2_0:
		stats.http_versions[2]++;
		break;
	case CURL_HTTP_VERSION_3:
		stats.http_versions[3]++;
		break;
	}
	if (!fx->mux || version == 0 || curl_easy_getinfo(e,
	    CURLINFO_EFFECTIVE_URL, &url) != CURLE_OK || url == NULL)
		return;
	known = version == CURL_HTTP_VERSION_2_0 ? CONN_H2 : CONN_H1;
	if ((ch = conn_find(url)) == NULL || ch->version != known)
		conn_learn(e, url, known);
	else if (ch->ip[0] == '\0')
		conn_addr(ch, e);
}

/* Forget the hosts remembered. */
void
conn_free(void)
{
	struct hash		 all = conn_hosts;
	struct hash_node	*hn, *next;
	struct conn_host	*ch;

	hash_init(&conn_hosts);
	conn_nhosts = conn_learnt = 0;
	conn_last_host = NULL;
	for (hn = hash_first(&all); hn != NULL; hn = next) {
		next = hash_next(&all, hn);
		ch = HASH_ENTRY(hn, struct conn_host, node);
		free(ch->key);
		free(ch);
	}
	hash_free(&all);
}
