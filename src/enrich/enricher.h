/*
 * enrich/enricher.h: what a built-in enricher (enrichers/) may use: the
 * enricher table and specs, the slot and the tweet model, JSON readers and
 * templates, HTTP fetches, the CPU pool, the loop for timers, logging and
 * allocation. Plugins use the installed <tweet-enricher/enricher.h>.
 */

#ifndef TE_ENRICHER_H
#define TE_ENRICHER_H

#include "lib/lib.h"
#include "core.h"
#include "json/json.h"
#include "tweet/tweet.h"
#include "http/http.h"
#include "enrich/enrich.h"

#endif
