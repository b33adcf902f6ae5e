/*
 * What the fuzz targets link instead of main.c: the options it owns.
 */

#include "tweet-enricher.h"

struct options opts = {
	.max_pending = 100,
	.max_line = 1024,
	.max_response = 1024 * 1024,
	.max_in_flight = 1,
};
