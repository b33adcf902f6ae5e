/*
 * redis:// URLs (redis-url.c, on libcurl's URL API): every form the manual
 * documents for --from, --to and --cache-url, what is refused, and that a
 * password shows in no message, of the parser or of the program.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"
#include "lib/lib.h"
#include "redis/redis-int.h"

/* Parse s, which must be accepted. */
static struct redis_url *
ok(const char *s, int with_key)
{
	struct redis_url	*u;
	char			*cause = NULL;

	u = redis_url_parse(s, with_key, &cause);
	ck_assert_msg(u != NULL, "%s: %s", s, cause);
	return (u);
}

/* Parse s, which must be refused with a message containing want. */
static void
refused(const char *s, int with_key, const char *want)
{
	char	*cause = NULL;

	ck_assert_msg(redis_url_parse(s, with_key, &cause) == NULL,
	    "%s accepted", s);
	ck_assert_msg(strstr(cause, want) != NULL, "%s: %s", s, cause);
	ck_assert_msg(strstr(cause, "hunter2") == NULL, "%s", cause);
	free(cause);
}

/* The forms of the manual and README, and what each part comes to. */
START_TEST(test_forms)
{
	struct redis_url	*u;

	u = ok("redis://bob:s%40cret@host.example:6380/3/tw"
	    "?group=g&consumer=c1", 1);
	ck_assert_str_eq(u->host, "host.example");
	ck_assert_int_eq(u->port, 6380);
	ck_assert_str_eq(u->user, "bob");
	ck_assert_str_eq(u->pass, "s@cret");
	ck_assert_int_eq(u->db, 3);
	ck_assert_str_eq(u->key, "tw");
	ck_assert_str_eq(redis_url_param(u, "group"), "g");
	ck_assert_str_eq(redis_url_param(u, "consumer"), "c1");
	ck_assert_ptr_null(redis_url_param(u, "start"));
	redis_url_free(u);

	u = ok("redis://h/7", 1);	/* 7 is a stream */
	ck_assert_str_eq(u->key, "7");
	ck_assert_int_eq(u->db, 0);
	ck_assert_int_eq(u->port, 6379);
	redis_url_free(u);

	u = ok("redis://[::1]:7000/2?prefix=p:", 0);
	ck_assert_str_eq(u->host, "::1");
	ck_assert_int_eq(u->port, 7000);
	ck_assert_int_eq(u->db, 2);
	ck_assert_ptr_null(u->key);
	ck_assert_str_eq(redis_url_param(u, "prefix"), "p:");
	redis_url_free(u);

	u = ok("redis://redis.example/enriched?group=dump&start=0&drain=yes",
	    1);
	ck_assert_str_eq(u->host, "redis.example");
	ck_assert_str_eq(u->key, "enriched");
	ck_assert_str_eq(redis_url_param(u, "drain"), "yes");
	redis_url_free(u);

	u = ok("redis://127.0.0.1:6379/tweets?maxlen=5", 1);
	ck_assert_str_eq(u->host, "127.0.0.1");
	ck_assert_str_eq(redis_url_param(u, "maxlen"), "5");
	redis_url_free(u);

	u = ok("redis://127.0.0.1:1234", 0);	/* a cache: no path */
	ck_assert_int_eq(u->port, 1234);
	ck_assert_int_eq(u->db, 0);
	ck_assert_ptr_null(u->key);
	redis_url_free(u);

	u = ok("redis://secret@h/s", 1);	/* a password alone */
	ck_assert_ptr_null(u->user);
	ck_assert_str_eq(u->pass, "secret");
	redis_url_free(u);

	u = ok("redis://:pw@h/s", 1);
	ck_assert_ptr_null(u->user);
	ck_assert_str_eq(u->pass, "pw");
	redis_url_free(u);

	/* Escapes decoded part by part: %2F and %26 stay inside. */
	u = ok("redis://h/a%2Fb?x=a%26b&&y=%3D", 1);
	ck_assert_str_eq(u->key, "a/b");
	ck_assert_str_eq(redis_url_param(u, "x"), "a&b");
	ck_assert_str_eq(redis_url_param(u, "y"), "=");
	redis_url_free(u);
}
END_TEST

/* What is refused, and the password never in the message. */
START_TEST(test_refused)
{
	refused("redis://:hunter2@h:+26379/s", 1, "redis://:***@h:+26379/s");
	refused("redis://hunter2@h:+26379/s", 1, "redis://***@h");
	refused("redis:///s", 1, "no host");	/* not host "s" */
	refused("redis://:hunter2@/s", 1, "bad redis URL");
	refused("redis://:6379/s", 1, "bad redis URL");
	refused("redis://h:0/s", 1, "port 0");
	refused("redis://h:65536/s", 1, "bad redis URL");
	refused("http://h/s", 1, "not a redis:// URL");
	refused("redis:/h/s", 1, "not a redis:// URL");
	refused("redis://h", 1, "no stream");
	refused("redis://:hunter2@h?group=g", 1, "no stream");
	refused("redis://h/a/b/c", 1, "bad redis URL");
	refused("redis://h/s#x", 1, "fragment");
	refused("redis://h/s%00x", 1, "bad path");
	refused("redis://h/s?a", 1, "without a value");
	refused("redis://h/0/s", 0, "bad redis URL");	/* no key there */
}
END_TEST

/* The program's own messages: a usage error, and no password in it. */
START_TEST(test_program_masks)
{
	const char	*opt[] = { "--from", "--to", "--cache-url" };
	const char	*url[] = {
	    "redis://:hunter2@127.0.0.1:+26379/s?group=g",
	    "redis://u:hunter2@127.0.0.1:+26379/s",
	    "redis://hunter2@127.0.0.1:+26379" };
	struct proc	 p;
	u_int		 i;

	for (i = 0; i < 3; i++) {
		te_run(&p, "", opt[i], url[i], "-e", "test", NULL);
		ck_assert_msg(p.status == 2, "%s: exit %d", opt[i], p.status);
		ck_assert_msg(strstr(p.ebuf, "***") != NULL &&
		    strstr(p.ebuf, "hunter2") == NULL, "%s", p.ebuf);
		proc_free(&p);
	}
}
END_TEST

static Suite *
redisurl_suite(void)
{
	Suite	*s = suite_create("redisurl");
	TCase	*tc;

	tc = tcase_create("url");
	tcase_add_test(tc, test_forms);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_program_masks);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (run_suite(redisurl_suite()));
}
