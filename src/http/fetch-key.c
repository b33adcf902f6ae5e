/*
 * The key of a request, for coalescing and every cache tier: its method,
 * flags, URL, each header in order and its body, each field tagged and
 * counted so that none can run into the next.
 */

#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "core.h"
#include "http/http.h"
#include "http/fetch-int.h"

/* Write n in decimal before end; returns where it starts. */
static char *
fetch_key_dec(char *end, size_t n)
{
	do {
		*--end = '0' + n % 10;
		n /= 10;
	} while (n > 0);
	return (end);
}

/*
 * Add a field to a request key: a tag, its length in decimal and ':', the
 * bytes, and a NUL (so the URL and body are C strings in place). Tagged
 * and counted, no field can run into the next: a body that reads like a
 * header is not that header. Returns where the bytes start.
 */
static size_t
fetch_key_add(struct fetch_key *k, char tag, const char *s, size_t n)
{
	char	num[24], *p;
	size_t	nl;

	p = fetch_key_dec(num + sizeof num, n);
	nl = num + sizeof num - p;
	if (k->len + nl + n + 3 > k->size) {
		k->size = (k->len + nl + n + 3) * 2;
		k->buf = xreallocarray(k->buf, 1, k->size);
	}
	k->buf[k->len++] = tag;
	memcpy(k->buf + k->len, p, nl);
	k->len += nl;
	k->buf[k->len++] = ':';
	memcpy(k->buf + k->len, s, n);
	k->len += n;
	k->buf[k->len++] = '\0';
	return (k->len - n - 1);
}

/*
 * The key of a request, for coalescing and every cache tier: method,
 * flags, URL, each header in order, and the body if there is one.
 */
void
fetch_key(struct fetch_key *k, const struct te_fetch_request *req,
    const char *url, const char *body, size_t bodylen)
{
	struct curl_slist	*h;
	char			 num[24], *flags;
	size_t			 urllen = strlen(url);

	memset(k, 0, sizeof *k);
	k->size = urllen + (body != NULL ? bodylen : 0) + 256;
	k->buf = xmalloc(k->size);
	flags = fetch_key_dec(num + sizeof num, (u_int)req->flags);
	fetch_key_add(k, 'M', req->method, strlen(req->method));
	fetch_key_add(k, 'F', flags, num + sizeof num - flags);
	k->url_off = fetch_key_add(k, 'U', url, urllen);
	for (h = req->headers; h != NULL; h = h->next)
		fetch_key_add(k, 'H', h->data, strlen(h->data));
	if (body != NULL)
		k->body_off = fetch_key_add(k, 'B', body, bodylen);
}
