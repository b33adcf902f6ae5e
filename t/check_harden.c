/*
 * Hardening: what a tweet or a mistaken command line can and cannot make the
 * program do. Each test runs the whole program; those about requests assert
 * what the test server received (its /echo endpoint says so).
 */

#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "run.h"

/* The enrichments of the only output line. */
static json_t *
enrichments_of(struct proc *p)
{
	json_t	*line, *e;

	ck_assert_uint_eq(count_lines(p->obuf, p->olen), 1);
	line = line_of(p, 0);
	e = json_object_get(line, "enrichments");
	ck_assert_msg(json_is_object(e), "no enrichments: %s", p->obuf);
	json_incref(e);
	json_decref(line);
	return (e);
}

/* What the server received for one enrichment: its /echo member. */
static const char *
received(json_t *e, const char *name, const char *member)
{
	json_t	*v = json_object_get(json_object_get(e, name), member);

	ck_assert_msg(json_is_string(v), "%s: no %s", name, member);
	return (json_string_value(v));
}

/* A value made only of dots stays one path segment, sent as such. */
START_TEST(test_dot_segments)
{
	struct proc	 p;
	json_t		*e;
	char		 a[256], b[256], c[256], d[256];

	snprintf(a, sizeof a, "http:url=http://127.0.0.1:%d/echo/api/users/"
	    "{/id}/profile,as=a", server_port);
	snprintf(b, sizeof b, "http:url=http://127.0.0.1:%d/echo/api/{/a}/"
	    "{/b},as=b", server_port);
	snprintf(c, sizeof c, "http:url=http://127.0.0.1:%d/echo/x/{/one}/"
	    "{/three}/{/pct}/{/dotted}/{/n}/y,as=c", server_port);
	snprintf(d, sizeof d, "http:url=http://127.0.0.1:%d/echo/z/{/a}/"
	    "../{/one}?q={/a},as=d", server_port);
	te_run(&p, "{\"id\":\"..\",\"a\":\"..\",\"b\":\"admin\",\"one\":\".\","
	    "\"three\":\"...\",\"pct\":\"%2e%2E\",\"dotted\":\"v1.2\","
	    "\"n\":1.5}\n", "-e", a, "-e", b, "-e", c, "-e", d, NULL);
	ck_assert_int_eq(p.status, 0);
	e = enrichments_of(&p);
	ck_assert_str_eq(received(e, "a", "uri"),
	    "/echo/api/users/%2E%2E/profile");
	ck_assert_str_eq(received(e, "b", "uri"), "/echo/api/%2E%2E/admin");
	ck_assert_str_eq(received(e, "c", "uri"),
	    "/echo/x/%2E/%2E%2E%2E/%252e%252E/v1.2/1.5/y");
	/* The template's own dot segments are sent as written, too. */
	ck_assert_str_eq(received(e, "d", "uri"),
	    "/echo/z/%2E%2E/../%2E?q=%2E%2E");
	json_decref(e);
	proc_free(&p);
}
END_TEST

/*
 * In a body, a field inside a JSON string is escaped as the text of its
 * value, whatever its type; a field outside quotes is the value as JSON.
 */
START_TEST(test_body_fields)
{
	struct proc	 p;
	json_t		*e, *body;
	char		 a[256], b[256], c[256];
	const char	*s;

	snprintf(a, sizeof a, "http:url=http://127.0.0.1:%d/echo,body={\"text\""
	    ":\"{/body}\"\\,\"user\":\"bob\"},as=a", server_port);
	snprintf(b, sizeof b, "http:url=http://127.0.0.1:%d/echo,body=[{/s}\\,"
	    "{/n}\\,{/body}\\,{/o}\\,{/t}\\,\"{/o}\\\\n{/s}\"],as=b",
	    server_port);
	snprintf(c, sizeof c, "http:url=http://127.0.0.1:%d/echo,body={\"k\":"
	    "\"a\\\\\"{/s}\"},as=c", server_port);
	te_run(&p, "{\"body\":[\",\",\":true,\",\":\"],\"s\":\"1\\\",\\\"x\\\","
	    "\\\\\\n\",\"n\":-2.5,\"o\":{\"k\":\"v\\\"\"},\"t\":true}\n",
	    "-e", a, "-e", b, "-e", c, NULL);
	ck_assert_int_eq(p.status, 0);
	e = enrichments_of(&p);

	/* The reproducer: no member can be injected. */
	body = json_loads(received(e, "a", "body"), 0, NULL);
	ck_assert_ptr_nonnull(body);
	ck_assert_uint_eq(json_object_size(body), 2);
	ck_assert_str_eq(json_string_value(json_object_get(body, "text")),
	    "[\",\",\":true,\",\":\"]");
	ck_assert_str_eq(json_string_value(json_object_get(body, "user")),
	    "bob");
	json_decref(body);

	/* Outside quotes: values as JSON, one element each. */
	s = received(e, "b", "body");
	body = json_loads(s, 0, NULL);
	ck_assert_msg(json_is_array(body), "not an array: %s", s);
	ck_assert_uint_eq(json_array_size(body), 6);
	ck_assert_str_eq(json_string_value(json_array_get(body, 0)),
	    "1\",\"x\",\\\n");
	ck_assert(json_real_value(json_array_get(body, 1)) == -2.5);
	ck_assert_uint_eq(json_array_size(json_array_get(body, 2)), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    body, 3), "k")), "v\"");
	ck_assert(json_is_true(json_array_get(body, 4)));
	ck_assert_str_eq(json_string_value(json_array_get(body, 5)),
	    "{\"k\":\"v\\\"\"}\n1\",\"x\",\\\n");
	json_decref(body);

	/* An escaped quote in the template does not end its string. */
	body = json_loads(received(e, "c", "body"), 0, NULL);
	ck_assert_ptr_nonnull(body);
	ck_assert_str_eq(json_string_value(json_object_get(body, "k")),
	    "a\"1\",\"x\",\\\n");
	json_decref(body);
	json_decref(e);
	proc_free(&p);

	/* After an escaped backslash the field is in the string, as text. */
	snprintf(a, sizeof a, "http:url=http://127.0.0.1:%d/echo,body={\"k\":"
	    "\"\\\\\\\\{/n}\"},select=/body", server_port);
	te_run(&p, "{\"n\":[1,\"x\"]}\n", "-e", a, NULL);
	ck_assert_int_eq(p.status, 0);
	e = enrichments_of(&p);
	body = json_loads(json_string_value(json_object_get(e, "http")), 0,
	    NULL);
	ck_assert_ptr_nonnull(body);
	ck_assert_str_eq(json_string_value(json_object_get(body, "k")),
	    "\\[1,\"x\"]");
	json_decref(body);
	json_decref(e);
	proc_free(&p);

	/* A field right after a backslash in a string is refused. */
	snprintf(a, sizeof a, "http:url=http://127.0.0.1:%d/echo,body={\"k\":"
	    "\"\\\\{/s}\"}", server_port);
	te_run(&p, "", "-e", a, NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "follows a backslash"));
	proc_free(&p);
}
END_TEST

/* A temporary file holding text. */
static char *
file_with(const char *text)
{
	return (tmpfile_with(text, strlen(text)));
}

/* CR or LF in a header or the user agent is a configuration error. */
START_TEST(test_header_line_breaks)
{
	struct proc	 p;
	char		 spec[256], *conf;
	const char	*cases[][4] = {
		{ "--header", "X-A: b\r\nX-Evil: 1", "--header", NULL },
		{ "--header", "X-A: b\nX-Evil: 1", "--header", NULL },
		{ "--user-agent", "ua\r\nX-Evil: 1", "--user-agent", NULL },
		{ "--user-agent", "ua\rX-Evil: 1", "--user-agent", NULL },
		{ NULL },
	};
	u_int		 i;

	snprintf(spec, sizeof spec, "http:url=http://127.0.0.1:%d/echo",
	    server_port);
	for (i = 0; cases[i][0] != NULL; i++) {
		te_run(&p, "{}\n", "-e", spec, cases[i][0], cases[i][1], NULL);
		ck_assert_int_eq(p.status, 2);
		ck_assert_str_eq(p.obuf, "");
		ck_assert_ptr_nonnull(strstr(p.ebuf, cases[i][2]));
		ck_assert_ptr_nonnull(strstr(p.ebuf, "CR or LF"));
		proc_free(&p);
	}
	snprintf(spec, sizeof spec, "http:url=http://127.0.0.1:%d/echo,"
	    "header=X-Test: a\nX-Evil: 1", server_port);
	te_run(&p, "{}\n", "-e", spec, NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "header= must not contain CR"));
	proc_free(&p);
	te_run(&p, "{}\n", "-e", "unshorten:header=X-Test: a\rb", NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "unshorten: header="));
	proc_free(&p);

	/* The same from a config file. */
	conf = file_with("{\"header\":\"X-A: 1\\r\\nX-Evil: 2\","
	    "\"enrich\":[\"test\"]}");
	te_run(&p, "{}\n", "-c", conf, NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "--header must not contain CR"));
	proc_free(&p);
	unlink(conf);
	free(conf);
	conf = file_with("{\"user_agent\":\"a\\nb\",\"enrich\":[\"test\"]}");
	te_run(&p, "{}\n", "-c", conf, NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "--user-agent must not"));
	proc_free(&p);
	unlink(conf);
	free(conf);
	conf = file_with("{\"enrich\":[{\"name\":\"http\",\"url\":\"http://"
	    "127.0.0.1/\",\"header\":\"X-A: 1\\nX-B: 2\"}]}");
	te_run(&p, "{}\n", "-c", conf, NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "http: header= must not"));
	proc_free(&p);
	unlink(conf);
	free(conf);

	/* Nothing reached the server. */
	ck_assert_int_eq(server_count(server_port, "requests"), 0);
}
END_TEST

/* No input can be opened: exit 1 at once with a message, no hang. */
START_TEST(test_no_input_opened)
{
	struct proc	 p;
	char		*a;

	te_run(&p, "", "-e", "test", "/nonexistent/missing.jsonl", NULL);
	ck_assert_int_eq(p.status, 1);
	ck_assert_str_eq(p.obuf, "");
	ck_assert_ptr_nonnull(strstr(p.ebuf, "/nonexistent/missing.jsonl: No "
	    "such file or directory"));
	proc_free(&p);

	te_run(&p, "", "-e", "test", "/tmp", NULL);
	ck_assert_int_eq(p.status, 1);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "/tmp: is a directory"));
	proc_free(&p);

	te_run(&p, "", "-e", "test", "--stats", "/nonexistent/a", "/tmp",
	    "/nonexistent/b", NULL);
	ck_assert_int_eq(p.status, 1);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "/nonexistent/a"));
	ck_assert_ptr_nonnull(strstr(p.ebuf, "/nonexistent/b"));
	ck_assert_ptr_nonnull(strstr(p.ebuf, "\"written\":0"));
	proc_free(&p);

	/* One missing among several: the others are read, then exit 1. */
	a = file_with("{\"id\":0}\n{\"id\":1}\n");
	te_run(&p, "{\"id\":2}\n", "--stats", "-e", "test", "/nonexistent/x",
	    a, "-", "/tmp", NULL);
	ck_assert_int_eq(p.status, 1);
	exactly_once(&p, 3);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "/nonexistent/x"));
	proc_free(&p);
	unlink(a);
	free(a);
}
END_TEST

/* The contents of a file, or NULL if there is none. */
static char *
slurp(const char *path)
{
	struct stat	 sb;
	char		*buf;
	int		 fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		return (NULL);
	ck_assert(fstat(fd, &sb) == 0);
	buf = calloc(1, sb.st_size + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert(read(fd, buf, sb.st_size) == sb.st_size);
	close(fd);
	return (buf);
}

/* Run a program with stdin and stdout on files; its exit status. */
static int
run_on_files(const char *const *argv, const char *in, const char *out)
{
	pid_t	pid;
	int	status;

	pid = fork();
	ck_assert(pid != -1);
	if (pid == 0) {
		if (!freopen(in, "r", stdin) || !freopen(out, "w", stdout) ||
		    !freopen("/dev/null", "w", stderr))
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	ck_assert(waitpid(pid, &status, 0) == pid);
	ck_assert(WIFEXITED(status));
	return (WEXITSTATUS(status));
}

/* --bad-lines is never an input, the output or a symbolic link. */
START_TEST(test_bad_lines_safety)
{
	struct proc	 p;
	const char	*in = "{\"id\":0}\nnot json\n";
	const char	*argv[8];
	char		*path, *out, link[64], *s;
	int		 fd;

	/* The input itself: refused, the input untouched. */
	path = tmpfile_with(in, strlen(in));
	te_run(&p, "", "-e", "test", "--bad-lines", path, path, NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "is an input"));
	s = slurp(path);
	ck_assert_str_eq(s, in);
	free(s);
	proc_free(&p);

	/* The same file on stdin. */
	argv[0] = run_bin();
	argv[1] = "-e";
	argv[2] = "test";
	argv[3] = "--bad-lines";
	argv[4] = path;
	argv[5] = NULL;
	fd = open(path, O_RDONLY);
	proc_start(&p, argv, fd);
	close(fd);
	proc_finish(&p);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "is an input"));
	s = slurp(path);
	ck_assert_str_eq(s, in);
	free(s);
	proc_free(&p);

	/* Through a symbolic link: refused, the target untouched. */
	snprintf(link, sizeof link, "%s.link", path);
	ck_assert(symlink(path, link) == 0);
	te_run(&p, in, "-e", "test", "--bad-lines", link, NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "symbolic link"));
	s = slurp(path);
	ck_assert_str_eq(s, in);
	free(s);
	proc_free(&p);
	unlink(link);

	/* The output: refused (the shell has made it already). */
	out = file_with("");
	argv[4] = out;
	ck_assert_int_eq(run_on_files(argv, path, out), 2);
	s = slurp(out);
	ck_assert_str_eq(s, "");
	free(s);
	unlink(out);
	free(out);

	/* No bad line: the file is not created. */
	unlink(path);
	te_run(&p, "{\"id\":0}\n", "-e", "test", "--bad-lines", path, NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_ptr_null(slurp(path));
	proc_free(&p);

	/* A bad line: created then, holding it. */
	te_run(&p, in, "-e", "test", "--bad-lines", path, NULL);
	ck_assert_int_eq(p.status, 0);
	s = slurp(path);
	ck_assert_str_eq(s, "not json\n");
	free(s);
	proc_free(&p);

	/* A directory that does not exist: refused before reading. */
	te_run(&p, in, "-e", "test", "--bad-lines", "/nonexistent/bad", NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_str_eq(p.obuf, "");
	proc_free(&p);
	unlink(path);
	free(path);
}
END_TEST

/* --errors is checked the same way (it is opened at the start). */
START_TEST(test_errors_file_safety)
{
	struct proc	 p;
	const char	*in = "{\"id\":0}\n";
	const char	*argv[] = { run_bin(), "-e", "test", "--errors", NULL,
			    "-", NULL };
	char		*path, *out, link[64], *s;

	path = file_with(in);
	te_run(&p, "", "-e", "test", "--errors", path, path, NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "--errors"));
	ck_assert_ptr_nonnull(strstr(p.ebuf, "is an input"));
	s = slurp(path);
	ck_assert_str_eq(s, in);
	free(s);
	proc_free(&p);

	snprintf(link, sizeof link, "%s.link", path);
	ck_assert(symlink(path, link) == 0);
	te_run(&p, in, "-e", "test", "--errors", link, NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "symbolic link"));
	s = slurp(path);
	ck_assert_str_eq(s, in);
	free(s);
	proc_free(&p);
	unlink(link);

	out = file_with("");
	argv[4] = out;
	ck_assert_int_eq(run_on_files(argv, path, out), 2);
	unlink(out);
	free(out);
	unlink(path);
	free(path);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("harden");
	TCase	*tc = tcase_create("harden");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, server_setup, server_teardown);
	tcase_add_test(tc, test_dot_segments);
	tcase_add_test(tc, test_body_fields);
	tcase_add_test(tc, test_header_line_breaks);
	tcase_add_test(tc, test_no_input_opened);
	tcase_add_test(tc, test_bad_lines_safety);
	tcase_add_test(tc, test_errors_file_safety);
	suite_add_tcase(s, tc);
	return (run_suite(s));
}
