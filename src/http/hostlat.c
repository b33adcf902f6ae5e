/*
 * How long lookups take, per host: from a request's first ask to its
 * answer (the wait for a transfer slot, pacing, quota windows, retries and
 * redirects included), in one fixed-memory histogram per host, with its
 * cache hits, retries and quota waits. The first HOSTLAT_MAX hosts have
 * figures of their own; the others share one entry, so that memory stays
 * bounded whatever hosts the tweets' links name.
 */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "http/http.h"

#define HOSTLAT_MAX	64
#define HOSTLAT_OTHER	"(other hosts)"

struct hostlat {
	char			*name;
	struct hash_node	 node;
	struct latency		 lat;
};

static struct hash	 hostlat_table;
static struct hostlat	*hostlat_list[HOSTLAT_MAX + 1];
static u_int		 hostlat_n;

/* The last URL's scheme and authority, and its figures. */
static char		 hostlat_last[256];
static size_t		 hostlat_lastlen;
static struct latency	*hostlat_lastlat;

/*
 * The host (and port) of an http(s) URL, lower case, into buf: what is
 * between "//" and the path, without any user:password@.
 */
static size_t
hostlat_host(const char *url, char *buf, size_t size)
{
	const char	*p, *end, *at;
	size_t		 n, i;

	if ((p = strstr(url, "://")) == NULL)
		return (0);
	p += 3;
	end = p + strcspn(p, "/?#");
	for (at = p; at < end; at++) {
		if (*at == '@')
			p = at + 1;	/* never a credential in --stats */
	}
	n = end - p;
	if (n >= size)
		n = size - 1;
	for (i = 0; i < n; i++)
		buf[i] = tolower((u_char)p[i]);
	buf[n] = '\0';
	return (n);
}

/* The figures of a URL's host (or of the other hosts, past the cap). */
struct latency *
hostlat_of(const char *url)
{
	struct hostlat	*hl;
	char		 host[256];
	const char	*p;
	size_t		 n, len;

	/* The same scheme and authority as the last: the same figures. */
	len = hostlat_lastlen;
	if (len > 0 && strncmp(url, hostlat_last, len) == 0 &&
	    (url[len] == '\0' || url[len] == '/' || url[len] == '?' ||
	    url[len] == '#'))
		return (hostlat_lastlat);

	n = hostlat_host(url, host, sizeof host);
	if (hostlat_n >= HOSTLAT_MAX) {
		hl = HASH_ENTRY(hash_find(&hostlat_table, host, n),
		    struct hostlat, node);
		if (hl == NULL) {
			n = strlen(HOSTLAT_OTHER);
			memcpy(host, HOSTLAT_OTHER, n + 1);
		}
	}
	hl = HASH_ENTRY(hash_find(&hostlat_table, host, n), struct hostlat,
	    node);
	if (hl == NULL) {
		hl = xcalloc(1, sizeof *hl);
		hl->name = xstrdup(host);
		hash_insert(&hostlat_table, &hl->node, hl->name, n);
		hostlat_list[hostlat_n++] = hl;
	}
	hostlat_lastlen = 0;
	if ((p = strstr(url, "://")) != NULL) {
		len = p + 3 - url;
		len += strcspn(url + len, "/?#");
		if (len < sizeof hostlat_last) {
			memcpy(hostlat_last, url, len);
			hostlat_lastlen = len;
			hostlat_lastlat = &hl->lat;
		}
	}
	return (&hl->lat);
}

/*
 * A lookup of url asked first at since (clock_mono) is answered, after
 * retries retries and (if quota) a wait for a quota window.
 */
void
hostlat_done(const char *url, double since, u_int retries, int quota)
{
	struct latency	*l = hostlat_of(url);
	double		 us = (clock_mono() - since) * 1e6;

	histo_add(&l->h, us > 0 ? (uint64_t)us : 0);
	l->retries += retries;
	if (quota)
		l->quota_waits++;
}

/* A lookup of url was answered by a cache. */
void
hostlat_hit(const char *url)
{
	hostlat_of(url)->hits++;
}

/* Every host's figures, in the order first seen, for --stats; or NULL. */
json_t *
hostlat_json(void)
{
	json_t	*o;
	u_int	 i;

	if (hostlat_n == 0)
		return (NULL);
	if ((o = json_object()) == NULL)
		fatalx("%s: json_object failed", __func__);
	for (i = 0; i < hostlat_n; i++)
		json_object_set_new(o, hostlat_list[i]->name,
		    histo_latency_json(&hostlat_list[i]->lat));
	return (o);
}

/* Free every host's figures. */
void
hostlat_free(void)
{
	u_int	i;

	for (i = 0; i < hostlat_n; i++) {
		free(hostlat_list[i]->name);
		free(hostlat_list[i]);
	}
	hostlat_n = 0;
	hostlat_lastlen = 0;
	hash_free(&hostlat_table);
}
