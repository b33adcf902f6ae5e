/*
 * The options every module reads, with their defaults; main.c and config
 * files set them.
 */

#include "tweet-enricher.h"

struct options opts = {
	.max_pending = 10000,
	.max_line = 16 * 1024 * 1024,
	.progress = -1,
	.max_in_flight = 100,
	.timeout_ms = 10000,
	.connect_timeout_ms = 5000,
	.retries = 2,
	.retry_max_ms = 30000,
	.max_response = 1024 * 1024,
	.cache_size = 10000,
	.cache_bytes = 64 * 1024 * 1024,
	.cache_ttl = 3600,
};
