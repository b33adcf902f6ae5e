/*
 * Whole-program tests of --progress (stats.c, source-file.c): forced on
 * with stderr a pipe, it shows the rate and, on regular files (gzip by
 * compressed offset), the percentage read, the total and an ETA, as pv
 * does; on a pipe, counts only; and the worst p99 of the enrichments.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "run.h"

#define NTWEETS 20000

/* The progress lines of a run's stderr (they end in \r or \n). */
static u_int
lines(struct proc *p, char ***out)
{
	char	*s, *tok, *save = NULL, **v = NULL;
	u_int	 n = 0;

	s = strndup(p->ebuf, p->elen);
	ck_assert_ptr_nonnull(s);
	for (tok = strtok_r(s, "\r\n", &save); tok != NULL;
	    tok = strtok_r(NULL, "\r\n", &save)) {
		if (strncmp(tok, "\033[K", 3) != 0)
			continue;
		v = realloc(v, (n + 1) * sizeof *v);
		v[n++] = strdup(tok + 3);
	}
	free(s);
	*out = v;
	return (n);
}

/* Free what lines gave. */
static void
lines_free(char **v, u_int n)
{
	while (n > 0)
		free(v[--n]);
	free(v);
}

/*
 * Run on path with --progress; check that every line has a percentage of
 * total, that they never go down, that some line before the last has an
 * ETA, and that the last is 100.0% with none.
 */
static void
check_file(const char *path, const char *total)
{
	struct proc	 p;
	char		**v, want[64];
	u_int		 n, i, etas = 0;
	double		 pct, last = 0;

	te_run(&p, "", "--progress", "-p", "100", "-e", "sleep:ms=10",
	    "-e", "test", path, NULL);
	ck_assert_msg(p.status == 0, "status %d: %s", p.status, p.ebuf);
	ck_assert_uint_eq(count_lines(p.obuf, p.olen), NTWEETS);
	n = lines(&p, &v);
	ck_assert_msg(n >= 2, "progress lines: %s", p.ebuf);
	snprintf(want, sizeof want, "%% of %s", total);
	for (i = 0; i < n; i++) {
		ck_assert_msg(sscanf(v[i], "%lf%%", &pct) == 1 &&
		    strstr(v[i], want) != NULL, "line %u: %s", i, v[i]);
		ck_assert_msg(pct >= last, "went down: %s", v[i]);
		last = pct;
		ck_assert_ptr_nonnull(strstr(v[i], "/s, "));
		ck_assert_ptr_nonnull(strstr(v[i], "p99 "));
		if (strstr(v[i], ", ETA ") != NULL) {
			ck_assert(pct < 100);
			etas++;
		}
	}
	ck_assert_msg(etas > 0 && pct > 0, "no ETA: %s", p.ebuf);
	ck_assert_msg(strncmp(v[n - 1], "100.0% of ", 10) == 0 &&
	    strstr(v[n - 1], "ETA") == NULL, "last: %s", v[n - 1]);
	ck_assert_ptr_nonnull(strstr(v[n - 1], "20000 written"));
	lines_free(v, n);
	proc_free(&p);
}

/* The size of a file as --progress shows it (between 1 and 10 MiB). */
static void
mib(const char *path, char *buf, size_t size)
{
	FILE	*f = fopen(path, "r");
	long	 len;

	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fclose(f);
	if (len >= 1024 * 1024)
		snprintf(buf, size, "%.2fMiB", len / 1048576.0);
	else
		snprintf(buf, size, "%.0fKiB", len / 1024.0);
}

START_TEST(test_regular_file)
{
	char	*in, *path, total[32];

	in = make_tweets(NTWEETS, "\"text\":\"some words to read here\"");
	path = tmpfile_with(in, strlen(in));
	mib(path, total, sizeof total);
	check_file(path, total);
	unlink(path);
	free(path);
	free(in);
}
END_TEST

START_TEST(test_gzip_file)
{
	char	*in, *path, total[32];
	gzFile	 gz;

	in = make_tweets(NTWEETS, "\"text\":\"some words to read here\"");
	path = tmpfile_with("", 0);
	gz = gzopen(path, "wb");
	ck_assert_ptr_nonnull(gz);
	ck_assert_int_eq(gzwrite(gz, in, strlen(in)), (int)strlen(in));
	gzclose(gz);
	mib(path, total, sizeof total);	/* the compressed size */
	check_file(path, total);
	unlink(path);
	free(path);
	free(in);
}
END_TEST

START_TEST(test_pipe_counts_only)
{
	struct proc	 p;
	char		*in, **v;
	u_int		 n;

	in = make_tweets(100, NULL);
	te_run(&p, in, "--progress", "-e", "test", NULL);
	ck_assert_int_eq(p.status, 0);
	n = lines(&p, &v);
	ck_assert_uint_ge(n, 1);
	ck_assert_msg(strncmp(v[n - 1], "100 read, 100 written, ", 23) == 0,
	    "last: %s", v[n - 1]);
	lines_free(v, n);
	proc_free(&p);
	free(in);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("progress");
	TCase	*tc = tcase_create("progress");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_regular_file);
	tcase_add_test(tc, test_gzip_file);
	tcase_add_test(tc, test_pipe_counts_only);
	suite_add_tcase(s, tc);
	return (run_suite(s));
}
