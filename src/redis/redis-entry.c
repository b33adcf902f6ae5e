/*
 * Stream entries as a server sends them to the source. The shape of an
 * XREADGROUP or claim reply is checked whole before anything in it is used:
 * a reply of another shape is a protocol error (the caller reconnects),
 * never a crash. And an entry's tweet is found among its fields.
 */

#include <ctype.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "redis/redis-int.h"

/* Is this an entry id, MS-SEQ in digits? */
static int
redis_entry_id_ok(redisReply *r)
{
	size_t	i, dash = 0;

	if (r == NULL || r->type != REDIS_REPLY_STRING || r->len == 0 ||
	    r->len > 41)
		return (0);
	for (i = 0; i < r->len; i++) {
		if (r->str[i] == '-') {
			if (dash != 0 || i == 0)
				return (0);
			dash = i;
		} else if (!isdigit((u_char)r->str[i]))
			return (0);
	}
	return (dash != 0 && dash + 1 < r->len);
}

/* Is this one entry: [ID, [FIELD, VALUE, ...]], or [ID, nil] if deleted? */
static int
redis_entry_ok(redisReply *e)
{
	redisReply	*f;
	size_t		 i;

	if (e == NULL || e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
	    !redis_entry_id_ok(e->element[0]))
		return (0);
	f = e->element[1];
	if (f->type == REDIS_REPLY_NIL)
		return (1);
	if (f->type != REDIS_REPLY_ARRAY || f->elements % 2 != 0)
		return (0);
	for (i = 0; i < f->elements; i++) {
		if (f->element[i]->type != REDIS_REPLY_STRING)
			return (0);
	}
	return (1);
}

/* Is this a list of entries? */
int
redis_entry_list_ok(redisReply *list)
{
	size_t	i;

	if (list == NULL || list->type != REDIS_REPLY_ARRAY)
		return (0);
	for (i = 0; i < list->elements; i++) {
		if (!redis_entry_ok(list->element[i]))
			return (0);
	}
	return (1);
}

/*
 * Is this an XREADGROUP reply of one stream: nil or empty (nothing new), or
 * [[NAME, ENTRIES]]? The entries are in *list (NULL if there are none).
 */
int
redis_entry_read_ok(redisReply *r, redisReply **list)
{
	redisReply	*s;

	*list = NULL;
	if (r == NULL)
		return (0);
	if (r->type == REDIS_REPLY_NIL ||
	    (r->type == REDIS_REPLY_ARRAY && r->elements == 0))
		return (1);
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 1)
		return (0);
	s = r->element[0];
	if (s->type != REDIS_REPLY_ARRAY || s->elements != 2 ||
	    s->element[0]->type != REDIS_REPLY_STRING ||
	    !redis_entry_list_ok(s->element[1]))
		return (0);
	*list = s->element[1];
	return (1);
}

/*
 * Is this the reply of a read or claim script: {ENTRIES, DEAD, LAST, LONG},
 * LAST an id or empty, LONG the entries too long as {{ID, LENGTH}, ...}?
 */
int
redis_entry_batch_ok(redisReply *r)
{
	redisReply	*last, *long_, *e;
	size_t		 i;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 4 ||
	    !redis_entry_list_ok(r->element[0]) ||
	    r->element[1]->type != REDIS_REPLY_INTEGER ||
	    r->element[1]->integer < 0)
		return (0);
	last = r->element[2];
	if (last->type != REDIS_REPLY_STRING ||
	    (last->len != 0 && !redis_entry_id_ok(last)))
		return (0);
	long_ = r->element[3];
	if (long_->type != REDIS_REPLY_ARRAY)
		return (0);
	for (i = 0; i < long_->elements; i++) {
		e = long_->element[i];
		if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
		    !redis_entry_id_ok(e->element[0]) ||
		    e->element[1]->type != REDIS_REPLY_INTEGER)
			return (0);
	}
	return (1);
}

/*
 * The tweet among an entry's fields (checked by redis_entry_list_ok): the
 * value of the one field named exactly "tweet". NULL with *why if there is
 * none, or more than one (which to take would be a guess).
 */
const char *
redis_entry_tweet(redisReply *f, size_t *len, const char **why)
{
	redisReply	*name, *tweet = NULL;
	size_t		 i;

	*len = 0;
	for (i = 0; i + 1 < f->elements; i += 2) {
		name = f->element[i];
		if (name->len != 5 || memcmp(name->str, "tweet", 5) != 0)
			continue;
		if (tweet != NULL) {
			*why = "more than one field \"tweet\"";
			return (NULL);
		}
		tweet = f->element[i + 1];
	}
	if (tweet == NULL) {
		*why = "no field \"tweet\"";
		return (NULL);
	}
	*len = tweet->len;
	return (tweet->str);
}
