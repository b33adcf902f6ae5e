/*
 * Whole-program tests of issue 11, lookups users can trust: where headers
 * and secrets go (asserted on what the test server received), proxies,
 * per-host pacing and quota windows, the cache file, --errors, --resume,
 * --max-error-rate and ok=/status= on http.
 */

#include <sys/socket.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "run.h"

static char	url[512];

/* "http://127.0.0.1:PORT" followed by a formatted path. */
static const char *
srv(const char *fmt, ...)
{
	va_list	ap;
	int	n;

	n = snprintf(url, sizeof url, "http://127.0.0.1:%d", server_port);
	va_start(ap, fmt);
	vsnprintf(url + n, sizeof url - n, fmt, ap);
	va_end(ap);
	return (url);
}

/* A formatted string that lives until free(). */
static char *
fmt(const char *f, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, f);
	ck_assert(vasprintf(&s, f, ap) != -1);
	va_end(ap);
	return (s);
}

/* What a server received: GET /log, the requests as a JSON array. */
static json_t *
server_log(int port)
{
	struct sockaddr_in	 sin;
	const char		*req = "GET /log HTTP/1.0\r\n\r\n";
	char			*buf = NULL, *body;
	size_t			 len = 0, size = 0;
	ssize_t			 n;
	json_t			*j;
	int			 fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert(fd != -1);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert(connect(fd, (struct sockaddr *)&sin, sizeof sin) == 0);
	ck_assert(write(fd, req, strlen(req)) == (ssize_t)strlen(req));
	for (;;) {
		if (len + 4096 + 1 > size) {
			size = (len + 4096 + 1) * 2;
			buf = realloc(buf, size);
			ck_assert_ptr_nonnull(buf);
		}
		if ((n = read(fd, buf + len, 4096)) <= 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	body = strstr(buf, "\r\n\r\n");
	ck_assert_ptr_nonnull(body);
	j = json_loads(body + 4, 0, NULL);
	ck_assert_msg(json_is_array(j), "bad log: %s", body + 4);
	free(buf);
	return (j);
}

/* How many logged requests have a URI that starts with prefix. */
static u_int
log_count(json_t *log, const char *prefix)
{
	json_t	*r;
	size_t	 i;
	u_int	 n = 0;

	json_array_foreach(log, i, r) {
		if (strncmp(json_string_value(json_object_get(r, "uri")),
		    prefix, strlen(prefix)) == 0)
			n++;
	}
	return (n);
}

static json_t *
enr(json_t *line, const char *name)
{
	return (json_object_get(json_object_get(line, "enrichments"), name));
}

static const char *
err(json_t *line, const char *name)
{
	return (json_string_value(json_object_get(json_object_get(line,
	    "enrichment_errors"), name)));
}

/* The output line whose "id" is id. */
static json_t *
line_id(struct proc *p, u_int n, long id)
{
	json_t	*j;
	u_int	 i;

	for (i = 0; i < n; i++) {
		j = line_of(p, i);
		if (json_integer_value(json_object_get(j, "id")) == id)
			return (j);
		json_decref(j);
	}
	ck_abort_msg("no tweet %ld in the output", id);
	return (NULL);
}

START_TEST(test_header_scoping)
{
	struct proc	 p;
	json_t		*log, *r;
	char		*in, *a, *b;
	size_t		 i;

	/* --header goes to http only; header= to its own enrichment only. */
	in = fmt("{\"id\":1,\"body\":\"see %s\"}\n", srv("/redirect/1"));
	a = fmt("http:url=%s,as=a,header=X-Test: mine", srv("/json/a"));
	b = fmt("http:url=%s,as=b", srv("/json/b"));
	te_run(&p, in, "-e", a, "-e", b, "-e", "unshorten",
	    "--header", "Authorization: Bearer g10bal", "--header",
	    "Cookie: c=1", "--allow-net", "127.0.0.0/8", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	log = server_log(server_port);
	ck_assert_uint_eq(json_array_size(log), 4);
	json_array_foreach(log, i, r) {
		const char *uri = json_string_value(json_object_get(r, "uri"));
		const char *auth = json_string_value(json_object_get(r,
		    "authorization"));
		const char *xt = json_string_value(json_object_get(r,
		    "x_test"));

		if (strncmp(uri, "/json/", 6) == 0) {
			ck_assert_str_eq(auth, "Bearer g10bal");
			ck_assert_str_eq(json_string_value(json_object_get(r,
			    "cookie")), "c=1");
			if (uri[6] == 'a')
				ck_assert_str_eq(xt, "mine");
			else
				ck_assert_ptr_null(xt);
		} else {
			/* unshorten: both hops, no credentials at all */
			ck_assert(strncmp(uri, "/redirect/", 10) == 0);
			ck_assert_ptr_null(auth);
			ck_assert(json_is_null(json_object_get(r, "cookie")));
			ck_assert_ptr_null(xt);
		}
	}
	json_decref(log);
	proc_free(&p);
	free(a);
	free(b);
	free(in);

	/* unshorten refuses a credential header outright. */
	te_run(&p, "{}\n", "-e", "unshorten:header=authorization: x", NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "sends no credentials"));
	proc_free(&p);
	setenv("TE_T_TOKEN", "tok", 1);
	te_run(&p, "{}\n", "-e", "unshorten:header=X-Key: ${TE_T_TOKEN}",
	    NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_null(strstr(p.ebuf, "tok"));
	proc_free(&p);
}
END_TEST

START_TEST(test_secrets)
{
	struct proc	 p;
	json_t		*log, *j, *r;
	char		*spec, *conf, *path;

	setenv("TE_T_SECRET", "s3cr3t-v4lue", 1);
	/* Expanded in a spec value, sent, and masked in what we say. */
	spec = fmt("http:url=%s,header=Authorization: Bearer ${TE_T_SECRET},"
	    "header=X-Test: $${TE_T_SECRET}", srv("/reflect/403?key="
	    "${TE_T_SECRET}&x=1"));
	te_run(&p, "{\"id\":1}\n", "-e", spec, "--stats", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	log = server_log(server_port);
	ck_assert_uint_eq(json_array_size(log), 1);
	r = json_array_get(log, 0);
	ck_assert_str_eq(json_string_value(json_object_get(r,
	    "authorization")), "Bearer s3cr3t-v4lue");
	ck_assert_str_eq(json_string_value(json_object_get(r, "uri")),
	    "/reflect/403?key=s3cr3t-v4lue&x=1");
	ck_assert_str_eq(json_string_value(json_object_get(r, "x_test")),
	    "${TE_T_SECRET}");
	json_decref(log);
	j = line_of(&p, 0);
	/* The server echoed both: the error excerpt shows neither. */
	ck_assert_str_eq(err(j, "http"), "HTTP 403: uri=/reflect/403?key="
	    "***&x=1 auth=Bearer ***");
	json_decref(j);
	ck_assert_ptr_null(strstr(p.obuf, "s3cr3t"));
	ck_assert_ptr_null(strstr(p.ebuf, "s3cr3t"));
	proc_free(&p);
	free(spec);

	/* An unset variable: exit 2 naming it, wherever it is. */
	unsetenv("TE_T_UNSET");
	te_run(&p, "{}\n", "-e", "http:url=http://x.invalid/${TE_T_UNSET}",
	    NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "TE_T_UNSET is not set"));
	proc_free(&p);
	te_run(&p, "{}\n", "-e", "test", "--header", "X-A: ${TE_T_UNSET}",
	    NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "TE_T_UNSET is not set"));
	proc_free(&p);

	/* In a config file: option strings and enrichment members. */
	conf = fmt("{\"header\": \"X-Test: ${TE_T_SECRET}\", \"enrich\": "
	    "[{\"name\": \"http\", \"url\": \"%s?k=${TE_T_SECRET}\"}]}",
	    srv("/status/500"));
	path = tmpfile_with(conf, strlen(conf));
	te_run(&p, "{\"id\":1}\n", "-c", path, "--retries", "0", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	log = server_log(server_port);
	r = json_array_get(log, 1);
	ck_assert_str_eq(json_string_value(json_object_get(r, "x_test")),
	    "s3cr3t-v4lue");
	ck_assert_str_eq(json_string_value(json_object_get(r, "uri")),
	    "/status/500?k=s3cr3t-v4lue");
	json_decref(log);
	proc_free(&p);
	unlink(path);
	free(path);
	free(conf);
}
END_TEST

START_TEST(test_errors_file_and_rate)
{
	struct proc	 p;
	char		*in, *spec, *path, *got;
	FILE		*f;
	json_t		*j;
	size_t		 n;

	/* Tweets 0-3: tweet 1 and 3 fail. */
	in = strdup("{\"id\":0,\"s\":200}\n{\"id\":1,\"s\":500}\n"
	    "{\"id\":2,\"s\":204}\n{\"id\":3,\"s\":404}\n");
	spec = fmt("http:url=%s", srv("/status/{/s}"));
	path = tmpfile_with("", 0);
	te_run(&p, in, "-e", spec, "-e", "test", "--retries", "0", "--errors",
	    path, "--stats", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	exactly_once(&p, 4);
	proc_free(&p);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	got = calloc(1, 4096);
	n = fread(got, 1, 4095, f);
	fclose(f);
	ck_assert_uint_eq(count_lines(got, n), 2);
	ck_assert_ptr_nonnull(strstr(got, "\"id\":1,"));
	ck_assert_ptr_nonnull(strstr(got, "\"id\":3,"));
	j = json_loadb(got, strchr(got, '\n') - got, 0, NULL);
	ck_assert_ptr_nonnull(err(j, "http"));
	json_decref(j);
	free(got);

	/* 2 of 8 enrichments failed: 0.25 is within 0.25, not within 0.2. */
	te_run(&p, in, "-e", spec, "-e", "test", "--retries", "0",
	    "--max-error-rate", "0.25", NULL);
	ck_assert_int_eq(p.status, 0);
	proc_free(&p);
	te_run(&p, in, "-e", spec, "-e", "test", "--retries", "0",
	    "--max-error-rate", "0.2", "--stats", NULL);
	ck_assert_int_eq(p.status, 1);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "2 of 8 enrichments failed"));
	exactly_once(&p, 4);
	proc_free(&p);
	te_run(&p, in, "-e", "test", "--max-error-rate", "1.5", NULL);
	ck_assert_int_eq(p.status, 2);
	proc_free(&p);
	unlink(path);
	free(path);
	free(spec);
	free(in);
}
END_TEST

START_TEST(test_ok_and_status)
{
	struct proc	 p;
	char		*a, *b, *c;
	json_t		*j, *v;

	a = fmt("http:url=%s,ok=404\\,410,as=a", srv("/status/{/s}"));
	b = fmt("http:url=%s,ok=410,status=yes,as=b", srv("/status/{/s}"));
	c = fmt("http:url=%s,status=yes,select=/nested/list/2,as=c",
	    srv("/json"));
	te_run(&p, "{\"id\":0,\"s\":404}\n{\"id\":1,\"s\":410}\n", "-e", a,
	    "-e", b, "-e", c, "-k", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	j = line_of(&p, 0);
	ck_assert_str_eq(json_string_value(enr(j, "a")),
	    "failure body 404\nsecond line");
	ck_assert(json_is_null(enr(j, "b")));
	ck_assert_str_eq(err(j, "b"), "HTTP 404: failure body 404 second line");
	v = enr(j, "c");
	ck_assert_int_eq(json_integer_value(json_object_get(v, "status")), 200);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(v,
	    "body"), "deep")), "yes");
	json_decref(j);
	j = line_of(&p, 1);
	ck_assert_ptr_nonnull(enr(j, "a"));
	ck_assert_ptr_null(err(j, "a"));
	v = enr(j, "b");
	ck_assert_int_eq(json_integer_value(json_object_get(v, "status")), 410);
	ck_assert_str_eq(json_string_value(json_object_get(v, "body")),
	    "failure body 410\nsecond line");
	json_decref(j);
	proc_free(&p);
	free(a);
	free(b);

	te_run(&p, "{}\n", "-e", "http:url=http://x/,ok=2000", NULL);
	ck_assert_int_eq(p.status, 2);
	proc_free(&p);
	te_run(&p, "{}\n", "-e", "http:url=http://x/,status=maybe", NULL);
	ck_assert_int_eq(p.status, 2);
	proc_free(&p);
	free(c);
}
END_TEST

START_TEST(test_resume)
{
	struct proc	 p;
	char		*a, *b, *out1, *out2;
	json_t		*log, *j;
	u_int		 before;

	/* Tweet 1's "a" fails once (503, no retries); everything else works. */
	a = fmt("http:url=%s,as=a", srv("/flaky/k{/id}/{/fails}"));
	b = fmt("http:url=%s,as=b", srv("/json?id={/id}"));
	te_run(&p, "{\"id\":0,\"fails\":0}\n{\"id\":1,\"fails\":1}\n"
	    "{\"id\":2,\"fails\":0,\"enrichments\":{\"old\":1}}\n", "-e", a,
	    "-e", b, "--retries", "0", "-k", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	j = line_of(&p, 1);
	ck_assert_ptr_nonnull(err(j, "a"));
	json_decref(j);
	out1 = strdup(p.obuf);
	proc_free(&p);
	log = server_log(server_port);
	before = json_array_size(log);
	ck_assert_uint_eq(before, 6);
	json_decref(log);

	/* --resume redoes exactly the failed enrichment. */
	te_run(&p, out1, "-e", a, "-e", b, "--retries", "0", "-k", "--resume",
	    "--stats", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	log = server_log(server_port);
	ck_assert_uint_eq(json_array_size(log), before + 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(log,
	    before), "uri")), "/flaky/k1/1");
	json_decref(log);
	j = line_of(&p, 1);
	ck_assert_int_eq(json_integer_value(json_object_get(enr(j, "a"),
	    "tries")), 2);
	ck_assert_ptr_null(json_object_get(j, "enrichment_errors"));
	json_decref(j);
	j = line_of(&p, 0);
	ck_assert_str_eq(json_string_value(json_object_get(enr(j, "b"),
	    "uri")), "/json?id=0");
	json_decref(j);
	j = line_of(&p, 2);
	ck_assert_int_eq(json_integer_value(enr(j, "old")), 1);
	json_decref(j);
	out2 = strdup(p.obuf);
	proc_free(&p);

	/* On a complete file: no request at all, the same output. */
	te_run(&p, out2, "-e", a, "-e", b, "-k", "--resume", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	log = server_log(server_port);
	ck_assert_uint_eq(json_array_size(log), before + 1);
	json_decref(log);
	ck_assert_str_eq(p.obuf, out2);
	proc_free(&p);
	free(out1);
	free(out2);
	free(a);
	free(b);
}
END_TEST

/* Only the proxy variables a test sets. */
static void
proxy_env_clear(void)
{
	static const char *const v[] = { "http_proxy", "https_proxy",
	    "all_proxy", "no_proxy", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY",
	    NULL };
	u_int	i;

	for (i = 0; v[i] != NULL; i++)
		unsetenv(v[i]);
}

START_TEST(test_proxy)
{
	struct proc	 p;
	json_t		*log, *r, *j;
	char		*proxy, *dead;

	proxy_env_clear();
	proxy = fmt("http://127.0.0.1:%d", server_port);
	dead = fmt("http://127.0.0.1:%d", free_port());

	/* http_proxy: a host that does not exist is reached through it. */
	setenv("http_proxy", proxy, 1);
	te_run(&p, "{\"id\":1}\n", "-e", "http:url=http://api.invalid/json/p",
	    NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	j = line_of(&p, 0);
	ck_assert_str_eq(json_string_value(json_object_get(enr(j, "http"),
	    "uri")), "/json/p");
	json_decref(j);
	proc_free(&p);
	log = server_log(server_port);
	ck_assert_uint_eq(json_array_size(log), 1);
	r = json_array_get(log, 0);
	ck_assert(json_is_true(json_object_get(r, "proxied")));
	ck_assert_str_eq(json_string_value(json_object_get(r, "host")),
	    "api.invalid");
	json_decref(log);

	/* no_proxy: straight to the server, not through the proxy. */
	setenv("no_proxy", "127.0.0.1", 1);
	setenv("http_proxy", dead, 1);
	snprintf(url, sizeof url, "http:url=http://127.0.0.1:%d/json/direct",
	    server_port);
	te_run(&p, "{\"id\":1}\n", "-e", url, NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	j = line_of(&p, 0);
	ck_assert_ptr_null(err(j, "http"));
	json_decref(j);
	proc_free(&p);
	log = server_log(server_port);
	r = json_array_get(log, json_array_size(log) - 1);
	ck_assert(json_is_false(json_object_get(r, "proxied")));
	ck_assert_str_eq(json_string_value(json_object_get(r, "uri")),
	    "/json/direct");
	json_decref(log);

	/* --proxy over a dead http_proxy (and over no_proxy). */
	setenv("http_proxy", dead, 1);
	setenv("no_proxy", "*", 1);
	te_run(&p, "{\"id\":1}\n", "-e", "http:url=http://other.invalid/"
	    "json/q", "--proxy", proxy, NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	j = line_of(&p, 0);
	ck_assert_ptr_null(err(j, "http"));
	json_decref(j);
	proc_free(&p);
	log = server_log(server_port);
	r = json_array_get(log, json_array_size(log) - 1);
	ck_assert(json_is_true(json_object_get(r, "proxied")));
	ck_assert_str_eq(json_string_value(json_object_get(r, "uri")),
	    "/json/q");
	json_decref(log);
	proxy_env_clear();
	free(proxy);
	free(dead);
}
END_TEST

static Suite *
trust_suite(void)
{
	Suite	*s = suite_create("trust");
	TCase	*tc = tcase_create("trust");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, server_setup, server_teardown);
	tcase_add_test(tc, test_header_scoping);
	tcase_add_test(tc, test_secrets);
	tcase_add_test(tc, test_errors_file_and_rate);
	tcase_add_test(tc, test_ok_and_status);
	tcase_add_test(tc, test_resume);
	tcase_add_test(tc, test_proxy);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (run_suite(trust_suite()));
}
