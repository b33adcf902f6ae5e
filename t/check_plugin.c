/*
 * Plugins: install the program with make install DESTDIR=..., build the
 * out-of-tree example (examples/plugin, its own Makefile and pkg-config),
 * the test plugins (t/plugin-kinds.c) and the built-in enrichers but exec
 * against the installed header only, load the plugins with --plugin and
 * check the output; plugins built for another ABI, missing a symbol or an
 * entry point are refused (exit 2).
 */

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "run.h"

static char	 plug_dir[] = "/tmp/te-plugin.XXXXXX";
static char	*plug_env;	/* PKG_CONFIG_* for the installed tree */
static int	 plug_ready;
static char	 plug_log[8192];

static const char *
plug_getenv(const char *name, const char *dflt)
{
	const char	*v = getenv(name);

	return (v != NULL && *v != '\0' ? v : dflt);
}

/* Run a shell command in the plugin directory; 0 if it succeeded. */
static int
plug_sh(const char *fmt, ...)
{
	va_list	 ap;
	char	*cmd, *full, path[512];
	FILE	*f;
	size_t	 n;
	int	 r;

	va_start(ap, fmt);
	ck_assert(vasprintf(&cmd, fmt, ap) != -1);
	va_end(ap);
	snprintf(path, sizeof path, "%s/log", plug_dir);
	ck_assert(asprintf(&full, "cd %s && { %s; } >%s 2>&1", plug_dir, cmd,
	    path) != -1);
	r = system(full);
	if (r != 0 && (f = fopen(path, "r")) != NULL) {
		n = fread(plug_log, 1, sizeof plug_log - 1, f);
		plug_log[n] = '\0';
		fclose(f);
		fprintf(stderr, "%s\nfailed:\n%s\n", cmd, plug_log);
	}
	free(full);
	free(cmd);
	return (r);
}

/* Install, then build the example and the test plugins against it. */
static void
plug_setup(void)
{
	const char	*src = run_srcdir();
	const char	*cc = plug_getenv("TE_CC", "cc");
	const char	*make = plug_getenv("TE_MAKE", "make");
	const char	*build = plug_getenv("TE_BUILDDIR", "..");
	const char	*libdir = plug_getenv("TE_LIBDIR", "/usr/local/lib");
	const char	*pc = "pkg-config --cflags --libs tweet-enricher";
	static const char *const variants[][2] = {
		{ "kinds.so", "" },
		{ "badabi.so", "-DBAD_ABI" },
		{ "missing.so", "-DMISSING_SYMBOL" },
		{ "noentry.so", "-DNO_ENTRY" },
	};
	u_int		 i;

	ck_assert_ptr_nonnull(mkdtemp(plug_dir));
	ck_assert(asprintf(&plug_env, "PKG_CONFIG_PATH=%s/root%s/pkgconfig "
	    "PKG_CONFIG_SYSROOT_DIR=%s/root", plug_dir, libdir, plug_dir) !=
	    -1);
	/* Our own make's jobserver is not for this one. */
	if (plug_sh("env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL %s -C %s "
	    "install DESTDIR=%s/root", make, build, plug_dir) != 0)
		return;
	if (plug_sh("%s env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL %s -f "
	    "%s/examples/plugin/Makefile VPATH=%s/examples/plugin CC=%s",
	    plug_env, make, src, src, cc) != 0)
		return;
	for (i = 0; i < sizeof variants / sizeof variants[0]; i++) {
		if (plug_sh("export %s; %s -shared -fPIC %s -o %s "
		    "%s/t/plugin-kinds.c `%s`", plug_env, cc, variants[i][1],
		    variants[i][0], src, pc) != 0)
			return;
	}
	plug_ready = 1;
}

static void
plug_teardown(void)
{
	char	*cmd;

	ck_assert(asprintf(&cmd, "rm -rf %s", plug_dir) != -1);
	if (system(cmd) != 0)
		fprintf(stderr, "%s failed\n", cmd);
	free(cmd);
	free(plug_env);
}

/* The path of a built plugin. */
static char *
plug(const char *name)
{
	char	*s;

	ck_assert_msg(plug_ready, "plugins not built: %s", plug_log);
	ck_assert(asprintf(&s, "%s/%s", plug_dir, name) != -1);
	return (s);
}

START_TEST(test_installed)
{
	/* The header and the .pc file are installed; no internal header. */
	ck_assert_msg(plug_ready, "plugins not built: %s", plug_log);
	ck_assert(plug_sh("%s pkg-config --exists tweet-enricher && "
	    "find root -path '*/include/tweet-enricher/enricher.h' | grep . "
	    "&& ! find root -name 'tweet-enricher.h' | grep .", plug_env) ==
	    0);
}
END_TEST

START_TEST(test_builtins)
{
	static const char *const names[] = {
		"test", "length", "sleep", "sha256", "http", "unshorten",
		"type", "entities", "registry"
	};
	const char	*cc = plug_getenv("TE_CC", "cc");
	u_int		 i;

	/*
	 * Every built-in enricher but exec builds against the installed
	 * header alone: no other header of ours is on the path.
	 */
	ck_assert_msg(plug_ready, "plugins not built: %s", plug_log);
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		ck_assert_msg(plug_sh("export %s; %s -fsyntax-only -Wall "
		    "-Wextra -Werror `pkg-config --cflags tweet-enricher "
		    "libcrypto` %s/enrichers/%s.c", plug_env, cc,
		    run_srcdir(), names[i]) == 0, "enrichers/%s.c: %s",
		    names[i], plug_log);
	}
}
END_TEST

START_TEST(test_example_plugin)
{
	struct proc	 p;
	char		*so = plug("wordcount.so"), *conf, *cfile;

	/* Listed with -L, and run like a built-in. */
	te_run(&p, "", "--plugin", so, "-L", NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_ptr_nonnull(strstr(p.obuf, "\nwords (inline): the number of "
	    "words in field (a plugin's)\n    field "));
	proc_free(&p);

	te_run(&p, "{\"id\":1,\"body\":\" two  words \",\"t\":\"a b c\"}\n"
	    "{\"id\":2}\n", "-k", "--plugin", so, "-e", "words", "-e",
	    "words:field=/t,as=w", "-e", "test", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	ck_assert_str_eq(p.obuf, "{\"id\":1,\"body\":\" two  words \",\"t\":"
	    "\"a b c\",\"enrichments\":{\"words\":2,\"w\":3,\"test\":42}}\n"
	    "{\"id\":2,\"enrichments\":{\"words\":null,\"w\":null,\"test\":42},"
	    "\"enrichment_errors\":{\"words\":\"no field /body\",\"w\":"
	    "\"no field /t\"}}\n");
	proc_free(&p);

	/* "plugins" in a config file. */
	ck_assert(asprintf(&conf, "{\"plugins\": [\"%s\"], \"enrich\": "
	    "[\"words\"]}", so) != -1);
	cfile = tmpfile_with(conf, strlen(conf));
	te_run(&p, "{\"body\":\"x y\"}\n", "-c", cfile, NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	ck_assert_str_eq(p.obuf, "{\"body\":\"x y\",\"enrichments\":"
	    "{\"words\":2}}\n");
	proc_free(&p);
	unlink(cfile);
	free(cfile);
	free(conf);
	free(so);
}
END_TEST

START_TEST(test_kinds)
{
	struct proc	 p;
	char		*so = plug("kinds.so"), *url;
	json_t		*j, *e;

	/* Inline, timer, CPU pool, HTTP and process, as a built-in would. */
	ck_assert(asprintf(&url, "phttp:url=http://127.0.0.1:%d/text",
	    server_port) != -1);
	te_run(&p, "{\"id\":0,\"body\":\"ab\"}\n{\"id\":1,\"body\":\"\"}\n",
	    "-k", "--stats", "--plugin", so, "-e", "pinline", "-e",
	    "ptimer:ms=30", "-e", "pcpu", "-e", url, "-e",
	    "pprocess:cmd=tr a-z A-Z", "-e", "sleep:ms=30", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	exactly_once(&p, 2);
	j = line_of(&p, 0);
	e = json_object_get(j, "enrichments");
	ck_assert_int_eq(json_integer_value(json_object_get(e, "pinline")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(e, "ptimer")), 30);
	ck_assert_int_eq(json_integer_value(json_object_get(e, "pcpu")),
	    'a' + 'b');
	ck_assert_str_eq(json_string_value(json_object_get(e, "phttp")),
	    "200 hello, world");
	ck_assert_str_eq(json_string_value(json_object_get(e, "pprocess")),
	    "AB");
	ck_assert(json_equal(json_object_get(e, "ptimer"),
	    json_object_get(e, "sleep")));
	json_decref(j);
	ck_assert_uint_eq(server_count(server_port, "requests"), 1);
	proc_free(&p);
	free(url);
	free(so);
}
END_TEST

/* The tweets of test_contract: v1.1 with a link, a retweet, a reply. */
static const char contract_in[] =
    "{\"id\":0,\"id_str\":\"1\",\"text\":\"see https://t.co/abc #x\","
    "\"entities\":{\"urls\":[{\"url\":\"https://t.co/abc\",\"expanded_url\":"
    "\"http://example.com/x\"}],\"hashtags\":[{\"text\":\"x\"}]},\"user\":"
    "{\"screen_name\":\"a\"}}\n"
    "{\"id\":1,\"id_str\":\"2\",\"text\":\"RT @b: h\\u00e9 https://t.co/q\","
    "\"retweeted_status\":{\"id_str\":\"3\",\"text\":\"h\\u00e9 "
    "https://t.co/q\",\"entities\":{\"urls\":[{\"url\":\"https://t.co/q\","
    "\"expanded_url\":\"https://example.org/q\"}]},\"user\":{\"screen_name\":"
    "\"b\"}},\"entities\":{\"urls\":[]},\"user\":{\"screen_name\":"
    "\"a\"}}\n"
    "{\"id\":2,\"id_str\":\"4\",\"text\":\"@a yes\","
    "\"in_reply_to_status_id_str\":\"1\",\"entities\":{\"urls\":[]},"
    "\"user\":{\"screen_name\":\"c\"}}\n";

START_TEST(test_contract)
{
	struct proc	 p;
	char		*so = plug("kinds.so"), *pe, *ht;
	json_t		*j, *e, *echo, *body, *un, *links;
	const char	*text;
	size_t		 i, k, n;

	/*
	 * What a plugin reads of a tweet without a parse (its type, text and
	 * links) is what the built-ins read; a template and a header reach
	 * the server as the built-in http's do.
	 */
	ck_assert(asprintf(&pe, "pecho:url=http://127.0.0.1:%d/echo/"
	    "{/id_str},header=X-Test: plug,rate=1000", server_port) != -1);
	ck_assert(asprintf(&ht, "http:url=http://127.0.0.1:%d/echo/"
	    "{/id_str},header=X-Test: plug", server_port) != -1);
	te_run(&p, contract_in, "-k", "--stats", "--plugin", so, "-e",
	    "ptype", "-e", "type", "-e", pe, "-e", ht, "-e",
	    "unshorten:hosts=none.invalid", "-e", "length", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	exactly_once(&p, 3);
	for (i = 0; i < 3; i++) {
		j = line_of(&p, i);
		e = json_object_get(j, "enrichments");
		ck_assert_ptr_null(json_object_get(j, "enrichment_errors"));
		ck_assert_str_eq(json_string_value(json_object_get(e, "ptype")),
		    json_string_value(json_object_get(e, "type")));
		echo = json_object_get(e, "pecho");
		ck_assert_str_eq(json_string_value(json_object_get(echo,
		    "method")), "POST");
		ck_assert(json_equal(json_object_get(echo, "uri"),
		    json_object_get(json_object_get(e, "http"), "uri")));
		ck_assert_str_eq(json_string_value(json_object_get(echo,
		    "x_test")), "plug");
		ck_assert(json_equal(json_object_get(echo, "x_test"),
		    json_object_get(json_object_get(e, "http"), "x_test")));
		body = json_loads(json_string_value(json_object_get(echo,
		    "body")), 0, NULL);
		ck_assert_ptr_nonnull(body);
		text = json_string_value(json_object_get(body, "text"));
		for (k = 0, n = 0; text[k] != '\0'; k++)
			n += ((unsigned char)text[k] & 0xc0) != 0x80;
		ck_assert_int_eq(n, json_integer_value(json_object_get(e,
		    "length")));
		links = json_object_get(body, "links");
		un = json_object_get(e, "unshorten");
		ck_assert_uint_eq(json_array_size(links), json_array_size(un));
		ck_assert_uint_eq(json_array_size(links), i < 2 ? 1 : 0);
		for (k = 0; k < json_array_size(links); k++) {
			ck_assert(json_equal(json_object_get(json_array_get(
			    links, k), "url"), json_object_get(json_array_get(
			    un, k), "url")));
			ck_assert(json_equal(json_object_get(json_array_get(
			    links, k), "expanded"), json_object_get(
			    json_array_get(un, k), "expanded")));
		}
		json_decref(body);
		json_decref(j);
	}
	j = line_of(&p, 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    j, "enrichments"), "ptype")), "retweet");
	json_decref(j);
	proc_free(&p);

	/* -L names the new kind. */
	te_run(&p, "", "--plugin", so, "-L", NULL);
	ck_assert_ptr_nonnull(strstr(p.obuf, "\npprocess (process): "));
	proc_free(&p);
	free(pe);
	free(ht);
	free(so);
}
END_TEST

START_TEST(test_refused)
{
	struct proc	 p;
	char		*bad = plug("badabi.so"), *missing = plug("missing.so");
	char		*noentry = plug("noentry.so"), *so = plug("wordcount.so");

	te_run(&p, "", "--plugin", bad, "-e", "pinline", NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "badabi.so: built for plugin ABI "
	    "3, this tweet-enricher has ABI 2"));
	proc_free(&p);

	te_run(&p, "", "--plugin", missing, "-e", "pinline", NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "undefined symbol: "
	    "te_no_such_function"));
	proc_free(&p);

	te_run(&p, "", "--plugin", noentry, "-e", "pinline", NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "no tweet_enricher_plugin "
	    "symbol"));
	proc_free(&p);

	te_run(&p, "", "--plugin", so, "--plugin", so, "-e", "words", NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "already an enricher named "
	    "\"words\""));
	proc_free(&p);

	te_run(&p, "", "--plugin", "no-such-plugin.so", "-e", "test", NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "plugin no-such-plugin.so: "
	    "./no-such-plugin.so: cannot open shared object file"));
	proc_free(&p);
	free(bad);
	free(missing);
	free(noentry);
	free(so);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("plugin");
	TCase	*tc = tcase_create("plugin");

	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, plug_setup, plug_teardown);
	tcase_add_checked_fixture(tc, server_setup, server_teardown);
	tcase_add_test(tc, test_installed);
	tcase_add_test(tc, test_builtins);
	tcase_add_test(tc, test_example_plugin);
	tcase_add_test(tc, test_kinds);
	tcase_add_test(tc, test_contract);
	tcase_add_test(tc, test_refused);
	suite_add_tcase(s, tc);
	return (run_suite(s));
}
