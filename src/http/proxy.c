/*
 * Which proxy a request goes through, decided by us rather than left to
 * libcurl, so that the destination policy knows when the address it sees
 * connected is a proxy's: --proxy, else the environment as curl reads it
 * (http_proxy for http, https_proxy or HTTPS_PROXY for https, then
 * all_proxy or ALL_PROXY), less the hosts no_proxy or NO_PROXY names.
 * The program never changes its environment, so the variables are read
 * once, at the first request, not at each (a search of the whole
 * environment for each name).
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "lib/lib.h"
#include "core.h"
#include "http/http.h"

/* The proxy variables, as read at the first request. */
static struct {
	int		 read;
	const char	*http;		/* http_proxy */
	const char	*https;		/* https_proxy, else HTTPS_PROXY */
	const char	*all;		/* all_proxy, else ALL_PROXY */
	const char	*no;		/* no_proxy, else NO_PROXY */
} proxy_env;

/* A variable, or its upper-case twin when it is unset or empty. */
static const char *
proxy_getenv(const char *lower, const char *upper)
{
	const char	*p;

	if ((p = getenv(lower)) == NULL || *p == '\0')
		p = upper != NULL ? getenv(upper) : p;
	return (p);
}

/* Read the environment's proxy variables, the first time. */
static void
proxy_env_read(void)
{
	if (proxy_env.read)
		return;
	proxy_env.read = 1;
	proxy_env.http = proxy_getenv("http_proxy", NULL);
	proxy_env.https = proxy_getenv("https_proxy", "HTTPS_PROXY");
	proxy_env.all = proxy_getenv("all_proxy", "ALL_PROXY");
	proxy_env.no = proxy_getenv("no_proxy", "NO_PROXY");
}

/* Does one no_proxy entry (n bytes) name this host? */
static int
proxy_skip_entry(const char *host, const char *e, size_t n)
{
	char	*entry, *cause = NULL;
	u_char	 net[16], addr[16];
	u_int	 bits, abits;
	int	 family, afamily, match = 0;
	size_t	 hlen = strlen(host);

	while (n > 0 && *e == '.') {
		e++;
		n--;
	}
	while (n > 0 && e[n - 1] == '.')
		n--;
	if (n == 0)
		return (0);
	entry = xstrndup(e, n);
	if (entry[0] == '[' && entry[n - 1] == ']') {
		memmove(entry, entry + 1, n - 2);
		entry[n - 2] = '\0';
	}
	/* An address or range: against a numeric host. */
	if (netpolicy_parse_net(entry, &family, net, &bits, &cause) == 0) {
		if (netpolicy_parse_net(host, &afamily, addr, &abits,
		    &cause) == 0 && afamily == family) {
			match = 1;
			for (abits = 0; abits < bits && match; abits++) {
				if (((addr[abits / 8] ^ net[abits / 8]) &
				    (0x80 >> (abits % 8))) != 0)
					match = 0;
			}
		}
	} else if (strcasecmp(host, entry) == 0)
		match = 1;
	else if (hlen > n && host[hlen - n - 1] == '.' &&
	    strcasecmp(host + hlen - n, entry) == 0)
		match = 1;
	free(cause);
	free(entry);
	return (match);
}

/* Does no_proxy exempt this host? */
static int
proxy_skip(const char *host)
{
	const char	*np = proxy_env.no, *p;
	size_t		 n;

	if (np == NULL)
		return (0);
	if (strcmp(np, "*") == 0)
		return (1);
	for (p = np; *p != '\0'; p += n) {
		p += strspn(p, ", \t");
		n = strcspn(p, ", \t");
		if (n > 0 && proxy_skip_entry(host, p, n))
			return (1);
	}
	return (0);
}

/* The proxy for a URL, or NULL to connect directly. */
const char *
proxy_for(const char *url)
{
	const char	*p = NULL;
	char		*host;
	size_t		 n;
	int		 skip;

	if (opts.proxy != NULL)
		return (opts.proxy);
	proxy_env_read();
	if (strncasecmp(url, "http://", 7) == 0)
		p = proxy_env.http;
	else if (strncasecmp(url, "https://", 8) == 0)
		p = proxy_env.https;
	if (p == NULL || *p == '\0')
		p = proxy_env.all;
	if (p == NULL || *p == '\0')
		return (NULL);
	if (location_host_port(url, &host, NULL) != 0)
		return (p);
	n = strlen(host);
	if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
		memmove(host, host + 1, n - 2);
		host[n - 2] = '\0';
	}
	skip = proxy_skip(host);
	free(host);
	return (skip ? NULL : p);
}
