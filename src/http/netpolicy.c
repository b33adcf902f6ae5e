/*
 * Where tweet-chosen URLs may connect: the destination policy. By default
 * only global unicast addresses, on ports 80 and 443; --allow-net CIDR
 * admits a range on any port, --allow-port N adds a port for global
 * addresses. The check is made on the address about to be connected, so
 * every spelling of an address (numeric forms, IDN, names that resolve to
 * an inside address, DNS rebinding) meets the same rule.
 */

#include <sys/socket.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "http/http.h"

#define NETPOLICY_MAX_PORTS 64

/* A name to resolve on a pool worker and judge by its addresses. */
struct netpolicy_job {
	struct te_pool_job	  job;
	char		 *host;
	char		 *port;
	int		  allowed;
	void		(*cb)(void *, int);
	void		 *arg;
};

struct netpolicy_net {
	int		 family;	/* AF_INET or AF_INET6 */
	u_char		 addr[16];
	u_int		 bits;
};

static struct netpolicy_net	*netpolicy_nets;
static u_int			 netpolicy_nnets;
static u_short			 netpolicy_ports[NETPOLICY_MAX_PORTS] = { 80, 443 };
static u_int			 netpolicy_nports = 2;

/* IPv4 ranges that are not global (IANA special-purpose registry). */
static const struct {
	uint32_t	net;
	u_int		bits;
} netpolicy_v4_special[] = {
	{ 0x00000000, 8 },	/* 0.0.0.0/8 "this network" */
	{ 0x0a000000, 8 },	/* 10.0.0.0/8 private */
	{ 0x64400000, 10 },	/* 100.64.0.0/10 shared (CGN) */
	{ 0x7f000000, 8 },	/* 127.0.0.0/8 loopback */
	{ 0xa9fe0000, 16 },	/* 169.254.0.0/16 link-local, metadata */
	{ 0xac100000, 12 },	/* 172.16.0.0/12 private */
	{ 0xc0000000, 24 },	/* 192.0.0.0/24 IETF protocol assignments */
	{ 0xc0000200, 24 },	/* 192.0.2.0/24 documentation */
	{ 0xc0586300, 24 },	/* 192.88.99.0/24 6to4 relay anycast */
	{ 0xc0a80000, 16 },	/* 192.168.0.0/16 private */
	{ 0xc6120000, 15 },	/* 198.18.0.0/15 benchmarking */
	{ 0xc6336400, 24 },	/* 198.51.100.0/24 documentation */
	{ 0xcb007100, 24 },	/* 203.0.113.0/24 documentation */
	{ 0xe0000000, 4 },	/* 224.0.0.0/4 multicast */
	{ 0xf0000000, 4 },	/* 240.0.0.0/4 reserved, broadcast */
};

/* Do the first bits of two addresses agree? */
static int
netpolicy_match(const u_char *a, const u_char *b, u_int bits)
{
	u_int	full = bits / 8, rest = bits % 8;
	u_char	mask;

	if (memcmp(a, b, full) != 0)
		return (0);
	if (rest == 0)
		return (1);
	mask = 0xff << (8 - rest);
	return ((a[full] & mask) == (b[full] & mask));
}

/* Is an IPv4 address (network order bytes) global unicast? */
static int
netpolicy_global4(const u_char *a)
{
	uint32_t	v, mask;
	size_t		i;

	v = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
	    (uint32_t)a[2] << 8 | a[3];
	for (i = 0; i < sizeof netpolicy_v4_special /
	    sizeof netpolicy_v4_special[0]; i++) {
		mask = 0xffffffffu << (32 - netpolicy_v4_special[i].bits);
		if ((v & mask) == netpolicy_v4_special[i].net)
			return (0);
	}
	return (1);
}

/*
 * Is an IPv6 address global unicast? Only 2000::/3 is, less its special
 * ranges; forms that carry an IPv4 address (mapped, NAT64, 6to4) are
 * judged by that address.
 */
static int
netpolicy_global6(const u_char *a)
{
	static const u_char	mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				    0xff, 0xff };
	static const u_char	nat64[12] = { 0x00, 0x64, 0xff, 0x9b };

	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
		return (netpolicy_global4(a + 12));
	if ((a[0] & 0xe0) != 0x20)
		return (0);	/* not 2000::/3: loopback, ULA, link-local... */
	if (a[0] == 0x20 && a[1] == 0x02)
		return (netpolicy_global4(a + 2));	/* 6to4 2002::/16 */
	if (a[0] == 0x20 && a[1] == 0x01 && a[2] < 0x02)
		return (0);	/* 2001::/23 IETF assignments, Teredo */
	if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8)
		return (0);	/* 2001:db8::/32 documentation */
	if (a[0] == 0x3f && a[1] == 0xff && (a[2] & 0xf0) == 0)
		return (0);	/* 3fff::/20 documentation */
	return (1);
}

/* Is an address global unicast? */
int
netpolicy_global(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (netpolicy_global4((const u_char *)
		    &((const struct sockaddr_in *)sa)->sin_addr));
	if (sa->sa_family == AF_INET6)
		return (netpolicy_global6(
		    ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr));
	return (0);
}

/* Is an address inside one of the --allow-net ranges? */
static int
netpolicy_in_nets(const struct sockaddr *sa)
{
	static const u_char	 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				     0xff, 0xff };
	const struct netpolicy_net *n;
	const u_char		*a;
	int			 family = sa->sa_family;
	u_int			 i;

	if (family == AF_INET)
		a = (const u_char *)&((const struct sockaddr_in *)sa)->sin_addr;
	else if (family == AF_INET6) {
		a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		if (memcmp(a, mapped, 12) == 0) {
			family = AF_INET;	/* ::ffff:a.b.c.d is a.b.c.d */
			a += 12;
		}
	} else
		return (0);
	for (i = 0; i < netpolicy_nnets; i++) {
		n = &netpolicy_nets[i];
		if (n->family == family && netpolicy_match(a, n->addr, n->bits))
			return (1);
	}
	return (0);
}

/* May a tweet-chosen URL connect to this address (and its port)? */
int
netpolicy_allowed(const struct sockaddr *sa)
{
	u_short	port;
	u_int	i;

	if (netpolicy_in_nets(sa))
		return (1);
	if (!netpolicy_global(sa))
		return (0);
	if (sa->sa_family == AF_INET)
		port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
	else
		port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	for (i = 0; i < netpolicy_nports; i++) {
		if (netpolicy_ports[i] == port)
			return (1);
	}
	return (0);
}

/* The same, for an address given as text and a port (tests, proxies). */
int
netpolicy_allowed_text(const char *addr, u_int port)
{
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;

	memset(&sin, 0, sizeof sin);
	memset(&sin6, 0, sizeof sin6);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		sin.sin_port = htons(port);
		return (netpolicy_allowed((struct sockaddr *)&sin));
	}
	if (inet_pton(AF_INET6, addr, &sin6.sin6_addr) == 1) {
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(port);
		return (netpolicy_allowed((struct sockaddr *)&sin6));
	}
	return (0);
}

/*
 * Parse ADDR or ADDR/BITS (IPv4 dotted quad or IPv6) into a range; the bits
 * past the prefix must be zero. -1 with *cause if it is not one.
 */
int
netpolicy_parse_net(const char *s, int *family, u_char *addr, u_int *bits,
    char **cause)
{
	char		*copy, *slash, *end;
	u_long		 n;
	u_int		 max, i;
	u_char		 mask;

	copy = xstrdup(s);
	if ((slash = strchr(copy, '/')) != NULL)
		*slash++ = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, copy, addr) == 1) {
		*family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, copy, addr) == 1) {
		*family = AF_INET6;
		max = 128;
	} else
		goto fail;
	*bits = max;
	if (slash != NULL) {
		errno = 0;
		n = strtoul(slash, &end, 10);
		if (*slash < '0' || *slash > '9' || *end != '\0' ||
		    errno != 0 || n > max)
			goto fail;
		*bits = n;
	}
	for (i = *bits; i < max; i++) {
		mask = 0x80 >> (i % 8);
		if (addr[i / 8] & mask) {
			xasprintf(cause, "--allow-net %s has bits set past the "
			    "/%u prefix", s, *bits);
			free(copy);
			return (-1);
		}
	}
	free(copy);
	return (0);

fail:
	xasprintf(cause, "--allow-net must be an address or ADDRESS/BITS "
	    "(IPv4 or IPv6), not \"%s\"", s);
	free(copy);
	return (-1);
}

/* --allow-net CIDR: admit a range, on any port. */
int
netpolicy_allow_net(const char *s, char **cause)
{
	struct netpolicy_net	n;

	if (netpolicy_parse_net(s, &n.family, n.addr, &n.bits, cause) != 0)
		return (-1);
	netpolicy_nets = xreallocarray(netpolicy_nets, netpolicy_nnets + 1,
	    sizeof *netpolicy_nets);
	netpolicy_nets[netpolicy_nnets++] = n;
	return (0);
}

/* --allow-port N: admit a port on global addresses. */
int
netpolicy_allow_port(const char *s, char **cause)
{
	char	*end;
	u_long	 n;

	errno = 0;
	n = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || n < 1 ||
	    n > 65535) {
		xasprintf(cause, "--allow-port must be a port from 1 to 65535, "
		    "not \"%s\"", s);
		return (-1);
	}
	if (netpolicy_nports == NETPOLICY_MAX_PORTS) {
		xasprintf(cause, "--allow-port: at most %d ports",
		    NETPOLICY_MAX_PORTS - 2);
		return (-1);
	}
	netpolicy_ports[netpolicy_nports++] = n;
	return (0);
}

/* On a worker: resolve, and allow only if every address is allowed. */
static void
netpolicy_job_work(struct te_pool_job *job)
{
	struct netpolicy_job	*nj = (struct netpolicy_job *)job;
	struct addrinfo		 hints, *res, *ai;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
#ifdef AI_IDN
	hints.ai_flags = AI_IDN;
#endif
	nj->allowed = 0;
	if (getaddrinfo(nj->host, nj->port, &hints, &res) != 0)
		return;
	nj->allowed = 1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (!netpolicy_allowed(ai->ai_addr))
			nj->allowed = 0;
	}
	freeaddrinfo(res);
}

static void
netpolicy_job_free(struct netpolicy_job *nj)
{
	free(nj->host);
	free(nj->port);
	free(nj);
}

/* Back on the loop: the verdict. */
static void
netpolicy_job_done(struct te_pool_job *job)
{
	struct netpolicy_job	*nj = (struct netpolicy_job *)job;

	nj->cb(nj->arg, nj->allowed);
	netpolicy_job_free(nj);
}

static void
netpolicy_job_cancel(struct te_pool_job *job)
{
	netpolicy_job_free((struct netpolicy_job *)job);
}

/*
 * Judge a host by the addresses it resolves to here (for a request that
 * goes through a proxy, which connects for us): cb(arg, allowed) later, on
 * the loop. A name that does not resolve is not allowed.
 */
void
netpolicy_check_host(const char *host, const char *port,
    void (*cb)(void *, int), void *arg)
{
	struct netpolicy_job	*nj;
	size_t			 n = strlen(host);

	nj = xcalloc(1, sizeof *nj);
	if (n > 2 && host[0] == '[' && host[n - 1] == ']')
		nj->host = xstrndup(host + 1, n - 2);
	else
		nj->host = xstrdup(host);
	nj->port = xstrdup(port);
	nj->cb = cb;
	nj->arg = arg;
	nj->job.work = netpolicy_job_work;
	nj->job.done = netpolicy_job_done;
	nj->job.cancel = netpolicy_job_cancel;
	pool_submit(&nj->job);
}

/* Back to the default policy. */
void
netpolicy_free(void)
{
	free(netpolicy_nets);
	netpolicy_nets = NULL;
	netpolicy_nnets = 0;
	netpolicy_nports = 2;
}
