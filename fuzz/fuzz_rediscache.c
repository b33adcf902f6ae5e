/*
 * libFuzzer: what a --cache-url server can hand back as a cached value
 * (any bytes: another program, another version, or someone with write
 * access to the server). The input is the value, in a buffer of exactly
 * its size (no NUL after it). A value the decoder takes must give a body of
 * the input's last bodylen bytes with a NUL after them and a location
 * without a NUL; encoding it again and decoding that gives the same
 * response. The decoder is reached by including its source (fuzz/run.sh
 * then leaves the file out of the link).
 */

#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "core.h"
#include "http/http.h"
#include "redis/redis.h"

#include "../src/redis/redis-cache.c"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cache_value	 v, w;
	char			*buf, *enc;
	size_t			 enclen, loclen;

	buf = xmalloc(size > 0 ? size : 1);
	memcpy(buf, data, size);
	if (rcache_decode(buf, size, &v) != 0) {
		free(buf);
		return (0);
	}
	if (v.bodylen > size || v.body[v.bodylen] != '\0' ||
	    memcmp(v.body, buf + size - v.bodylen, v.bodylen) != 0)
		abort();
	if (v.location != NULL && ((loclen = strlen(v.location)) == 0 ||
	    loclen > size - v.bodylen || memcmp(v.location, buf + size -
	    v.bodylen - loclen, loclen) != 0))
		abort();
	if (v.status < 100 || v.status > 999)
		abort();

	enc = rcache_encode(&v, &enclen);
	if (rcache_decode(enc, enclen, &w) != 0)
		abort();
	if (w.status != v.status || w.bodylen != v.bodylen ||
	    memcmp(w.body, v.body, v.bodylen) != 0 ||
	    (v.location == NULL) != (w.location == NULL) ||
	    (v.location != NULL && strcmp(v.location, w.location) != 0))
		abort();
	free((char *)w.body);
	free((char *)w.location);
	free(enc);
	free((char *)v.body);
	free((char *)v.location);
	free(buf);
	return (0);
}
