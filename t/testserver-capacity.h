/*
 * t/testserver-capacity.h: the test server's capacity-limited endpoints
 * (testserver-capacity.c).
 */

#ifndef TESTSERVER_CAPACITY_H
#define TESTSERVER_CAPACITY_H

struct event_base;
struct evhttp_request;

/* Answer req with code and a JSON body; req NULL: one fewer in flight. */
typedef void	(*cap_reply_cb)(struct evhttp_request *, int, const char *);
void		 capacity_init(struct event_base *, cap_reply_cb);
int		 capacity_serve(struct evhttp_request *, const char *);

#endif
