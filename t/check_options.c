/*
 * Unit tests for the options table: defaults, the command line and config
 * files set the same fields, --help fits on a screen and the man page
 * states the defaults the table has.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/lib.h"
#include "core.h"
#include "run.h"

START_TEST(test_defaults)
{
	options_init();
	ck_assert_uint_eq(opts.max_pending, 10000);
	ck_assert_uint_eq(opts.max_in_flight, 100);
	ck_assert_int_eq(opts.timeout_ms, 10000);
	ck_assert_uint_eq(opts.max_response, 1024 * 1024);
	ck_assert_uint_eq(opts.cache_bytes, 64 * 1024 * 1024);
	ck_assert_uint_eq(opts.max_line, 16 * 1024 * 1024);
	ck_assert_int_eq(opts.progress, -1);
	ck_assert_int_eq(opts.keep_order, 0);
	ck_assert_ptr_nonnull(strstr(opts.user_agent, "tweet-enricher/"));
	ck_assert_ptr_null(opts.bad_lines);
	options_free();
}
END_TEST

START_TEST(test_command_line)
{
	char	*argv[] = { "te", "-p", "5", "--cache-memory", "2k", "-k",
		    "--header", "A: b", "--header", "C: d", "--rate", "2.5",
		    "-e", "test", "--user-agent", "x", "FILE", NULL };
	char	*cause = NULL;
	int	 n;

	options_init();
	optind = 1;
	n = options_parse(17, argv, &cause);
	ck_assert_int_eq(n, 16);
	ck_assert_uint_eq(opts.max_pending, 5);
	ck_assert_uint_eq(opts.cache_bytes, 2048);
	ck_assert_int_eq(opts.keep_order, 1);
	ck_assert_uint_eq(opts.nheaders, 2);
	ck_assert_str_eq(opts.headers[1], "C: d");
	ck_assert(opts.rate == 2.5);
	ck_assert_uint_eq(opts.nspecs, 1);
	ck_assert_str_eq(opts.user_agent, "x");
	options_free();
	ck_assert_uint_eq(opts.nheaders, 0);
	ck_assert_ptr_null(opts.user_agent);
}
END_TEST

START_TEST(test_config_same_fields)
{
	const char	*text = "{\"max_pending\": 7, \"cache-memory\": \"3k\", "
	    "\"keep_order\": true, \"stats\": false, \"header\": [\"A: b\"], "
	    "\"rate\": 4, \"enrich\": [\"test\"]}";
	char		*cfg, *cause = NULL;

	cfg = tmpfile_with(text, strlen(text));
	options_init();
	ck_assert_int_eq(options_set("config", cfg, &cause), 0);
	ck_assert_uint_eq(opts.max_pending, 7);
	ck_assert_uint_eq(opts.cache_bytes, 3072);
	ck_assert_int_eq(opts.keep_order, 1);
	ck_assert_int_eq(opts.stats, 0);
	ck_assert_uint_eq(opts.nheaders, 1);
	ck_assert(opts.rate == 4);
	ck_assert_uint_eq(opts.nspecs, 1);
	options_free();
	unlink(cfg);
	free(cfg);
}
END_TEST

START_TEST(test_errors)
{
	const char	*bad[][2] = {
		{ "max-pending", "0" },
		{ "max-pending", "-1" },
		{ "max-pending", "10000001" },
		{ "max-response", "3G" },
		{ "max-response", "1X" },
		{ "timeout", "" },
		{ "rate", "-1" },
		{ "rate", "fast" },
		{ "header", "no colon" },
		{ "header", ": empty" },
		{ "stats", "yes" },
		{ "nope", "1" },
		{ NULL, NULL },
	};
	char		*cause;
	u_int		 i;

	options_init();
	for (i = 0; bad[i][0] != NULL; i++) {
		cause = NULL;
		ck_assert_msg(options_set(bad[i][0], bad[i][1], &cause) == -1,
		    "%s=%s accepted", bad[i][0], bad[i][1]);
		ck_assert_ptr_nonnull(cause);
		free(cause);
	}
	ck_assert_uint_eq(opts.max_pending, 10000);
	options_free();
}
END_TEST

START_TEST(test_help_fits)
{
	char	*buf = NULL, *p, *nl;
	size_t	 len = 0;
	FILE	*f;
	u_int	 lines = 0, i;

	f = open_memstream(&buf, &len);
	options_usage(f);
	fclose(f);
	for (p = buf; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		ck_assert_msg(nl - p <= 79, "long --help line: %.*s",
		    (int)(nl - p), p);
		lines++;
	}
	ck_assert_uint_le(lines, 40);
	/* Every option is named. */
	for (i = 0; options_name(i) != NULL; i++)
		ck_assert_msg(strstr(buf, options_name(i)) != NULL,
		    "--%s not in --help", options_name(i));
	free(buf);
}
END_TEST

/* The text of the man page's item for --name, up to the next item. */
static char *
man_item(const char *man, const char *name)
{
	char		 pat[128];
	const char	*p, *eol, *end, *hit;
	size_t		 n;

	n = snprintf(pat, sizeof pat, "Fl -%s", name);
	for (p = man; (p = strstr(p, "\n.It ")) != NULL; p = eol) {
		p++;
		if ((eol = strchr(p, '\n')) == NULL)
			eol = p + strlen(p);
		for (hit = p; (hit = strstr(hit, pat)) != NULL && hit < eol;
		    hit++) {
			if (hit[n] == ' ' || hit[n] == '\n')
				break;
		}
		if (hit != NULL && hit < eol)
			break;
	}
	if (p == NULL)
		return (NULL);
	if ((end = strstr(p, "\n.It ")) == NULL)
		end = p + strlen(p);
	return (strndup(p, end - p));
}

START_TEST(test_man_defaults)
{
	char		 path[4096], *man, *item, want[128];
	const char	*name, *dflt;
	size_t		 len;
	FILE		*f;
	u_int		 i;

	snprintf(path, sizeof path, "%s/man/tweet-enricher.1", run_srcdir());
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	man = calloc(1, 1 << 20);
	len = fread(man, 1, (1 << 20) - 1, f);
	fclose(f);
	ck_assert_uint_gt(len, 0);
	for (i = 0; (name = options_name(i)) != NULL; i++) {
		item = man_item(man, name);
		ck_assert_msg(item != NULL, "--%s not in the man page", name);
		dflt = options_default(name);
		if (dflt != NULL && strchr(dflt, '/') == NULL) {
			snprintf(want, sizeof want, "default %s", dflt);
			ck_assert_msg(strstr(item, want) != NULL,
			    "man page: --%s does not say \"%s\"", name, want);
		}
		free(item);
	}
	free(man);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("options");
	TCase	*tc = tcase_create("options");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_command_line);
	tcase_add_test(tc, test_config_same_fields);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_help_fits);
	tcase_add_test(tc, test_man_defaults);
	suite_add_tcase(s, tc);
	return (run_suite(s));
}
