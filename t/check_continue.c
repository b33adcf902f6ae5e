/*
 * -o FILE and --continue: runs of the real program killed by SIGKILL at
 * random instants, each finished by the same command plus --continue, must
 * leave every input line's output exactly once (the same lines, CSV rows or
 * SQLite rows a run never killed writes), whatever the input (files, gzip,
 * --split, stdin); a torn last line and a torn journal are cut; what cannot
 * be continued is refused. TE_CONTINUE_RUNS and TE_CONTINUE_TWEETS set the
 * kill test's size (make check-long: 20 runs over 20,000 tweets).
 */

#include <sys/stat.h>

#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "run.h"

/* A bad line every this many lines, a stream notice every that many. */
#define BAD_EVERY 997
#define NOTICE_EVERY 501

/* The sinks a run may write. */
enum out_kind {
	OUT_JSONL,
	OUT_CSV,
	OUT_SQLITE
};

/* The test's files, under one temporary directory. */
struct files {
	char	 dir[64];
	char	 in[192];
	char	 out[128];
	char	 bad[128];
	char	 spec[160];	/* -o's argument */
	char	 in2[128];	/* --split: a second input, gzip */
	int	 from_stdin;	/* in is the standard input */
	enum out_kind kind;
	u_int	 ntweets;
	u_int	 nlines;	/* tweets and notices */
	u_int	 nnotices;	/* (which have no row) */
	u_int	 nbad;
};

static u_int
env_uint(const char *name, u_int dflt)
{
	const char	*s = getenv(name);

	return (s != NULL && atoi(s) > 0 ? (u_int)atoi(s) : dflt);
}

/*
 * Write n tweets with random sleeps, a few notices and bad lines; the
 * output is of kind.
 */
static void
files_make(struct files *f, u_int n, u_int seed, enum out_kind kind)
{
	static const char	*prefix[] = { "", "csv:", "sqlite:" };
	static const char	*suffix[] = { "jsonl", "csv", "db" };
	FILE			*fp;
	u_int			 i, line = 0;

	memset(f, 0, sizeof *f);
	strcpy(f->dir, "/tmp/te-continue.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(f->dir));
	f->kind = kind;
	snprintf(f->in, sizeof f->in, "%s/in.jsonl", f->dir);
	snprintf(f->out, sizeof f->out, "%s/out.%s", f->dir, suffix[kind]);
	snprintf(f->spec, sizeof f->spec, "%s%s", prefix[kind], f->out);
	snprintf(f->bad, sizeof f->bad, "%s/bad.txt", f->dir);
	ck_assert_ptr_nonnull(fp = fopen(f->in, "w"));
	srand(seed);
	for (i = 0; i < n; i++) {
		if (++line % BAD_EVERY == 0) {
			fprintf(fp, "not json %u {\n", i);
			f->nbad++;
		}
		if (line % NOTICE_EVERY == 0) {
			fprintf(fp, "{\"limit\":{\"track\":%u}}\n", i);
			f->nlines++;
			f->nnotices++;
		}
		fprintf(fp, "{\"id\":%u,\"body\":\"tweet number %u\",\"ms\":%d}\n",
		    i, i, rand() % 4);
	}
	ck_assert_int_eq(fclose(fp), 0);
	f->ntweets = n;
	f->nlines += n;
}

/*
 * The input as two files of v2 pages (--split /data), n tweets in pages of
 * 50, the first file gzip-compressed.
 */
static void
files_make_pages(struct files *f, u_int n, u_int seed)
{
	FILE	*fp;
	char	 cmd[512], plain[160];
	u_int	 i;

	files_make(f, 0, seed, OUT_JSONL);
	snprintf(plain, sizeof plain, "%s/a.json", f->dir);
	snprintf(f->in2, sizeof f->in2, "%s/b.json", f->dir);
	for (i = 0; i < n; i++) {
		if (i == 0)
			ck_assert_ptr_nonnull(fp = fopen(plain, "w"));
		if (i == n / 2) {
			ck_assert_int_eq(fclose(fp), 0);
			ck_assert_ptr_nonnull(fp = fopen(f->in2, "w"));
		}
		fprintf(fp, "%s{\"id\":\"%u\",\"text\":\"tweet %u\","
		    "\"ms\":%d}%s", i % 50 == 0 || i == n / 2 ? "{\"data\":[" :
		    ",", i, i, rand() % 4, i % 50 == 49 || i == n / 2 - 1 ||
		    i == n - 1 ? "]}\n" : "");
	}
	ck_assert_int_eq(fclose(fp), 0);
	snprintf(f->in, sizeof f->in, "%s.gz", plain);
	snprintf(cmd, sizeof cmd, "gzip -c '%s' > '%s'", plain, f->in);
	ck_assert_int_eq(system(cmd), 0);
	f->ntweets = f->nlines = n;
}

/* Remove the test's files. */
static void
files_free(struct files *f)
{
	char	cmd[256];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* A whole file, NUL-terminated; its length in *len. */
static char *
slurp(const char *path, size_t *len)
{
	struct stat	 sb;
	char		*buf;
	int		 fd;

	ck_assert_int_ne(fd = open(path, O_RDONLY), -1);
	ck_assert_int_eq(fstat(fd, &sb), 0);
	ck_assert_ptr_nonnull(buf = malloc(sb.st_size + 1));
	ck_assert(read(fd, buf, sb.st_size) == sb.st_size);
	buf[sb.st_size] = '\0';
	close(fd);
	*len = sb.st_size;
	return (buf);
}

/* Size of a file, 0 if there is none. */
static off_t
file_size(const char *path)
{
	struct stat	sb;

	return (stat(path, &sb) == 0 ? sb.st_size : 0);
}

/* How much output there is: the file's size (and its SQLite WAL's). */
static off_t
out_size(struct files *f)
{
	char	wal[160];

	snprintf(wal, sizeof wal, "%s-wal", f->out);
	return (file_size(f->out) + file_size(wal));
}

/* Add a string to a growing buffer. */
static void
buf_add(char **buf, size_t *len, size_t *size, const char *s, size_t n)
{
	if (*len + n + 1 > *size) {
		*size = (*len + n + 1) * 2;
		ck_assert_ptr_nonnull(*buf = realloc(*buf, *size));
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
}

/* The rows of the SQLite table, a line each, in rowid order. */
static char *
sqlite_lines(const char *path, size_t *len)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	const char	*s;
	char		*buf = NULL;
	size_t		 size = 0;
	int		 i;

	*len = 0;
	buf_add(&buf, len, &size, "", 0);
	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT * FROM tweets "
	    "ORDER BY rowid", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (i = 0; i < sqlite3_column_count(st); i++) {
			s = (const char *)sqlite3_column_text(st, i);
			if (i > 0)
				buf_add(&buf, len, &size, "|", 1);
			if (s == NULL)
				s = "NULL";
			buf_add(&buf, len, &size, s, strlen(s));
		}
		buf_add(&buf, len, &size, "\n", 1);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return (buf);
}

/* The output as lines: the file's, or the SQLite table's rows. */
static char *
out_lines(struct files *f, size_t *len)
{
	if (f->kind == OUT_SQLITE)
		return (sqlite_lines(f->out, len));
	return (slurp(f->out, len));
}

/* Remove the output (and what is beside it), for a new run. */
static void
out_remove(struct files *f)
{
	char	path[192];

	unlink(f->out);
	snprintf(path, sizeof path, "%s-wal", f->out);
	unlink(path);
	snprintf(path, sizeof path, "%s-shm", f->out);
	unlink(path);
	snprintf(path, sizeof path, "%s.continue", f->out);
	unlink(path);
}

/* Start the run's command (plus --continue when cont) and leave it. */
static void
start(struct proc *p, struct files *f, int keep, int cont)
{
	const char	*argv[32];
	int		 n = 0, fd = -1;

	argv[n++] = run_bin();
	argv[n++] = "-e";
	argv[n++] = "sleep:ms={/ms}";
	argv[n++] = "-e";
	argv[n++] = "test";
	argv[n++] = "-o";
	argv[n++] = f->spec;
	argv[n++] = "--bad-lines";
	argv[n++] = f->bad;
	argv[n++] = "--stats";
	argv[n++] = "-q";
	argv[n++] = "-p";
	argv[n++] = "1000";
	if (keep)
		argv[n++] = "-k";
	if (cont)
		argv[n++] = "--continue";
	if (f->from_stdin)
		ck_assert_int_ne(fd = open(f->in, O_RDONLY), -1);
	else
		argv[n++] = f->in;
	if (f->in2[0] != '\0') {
		argv[n++] = f->in2;
		argv[n++] = "--split";
		argv[n++] = "/data";
	}
	argv[n] = NULL;
	proc_start(p, argv, fd);
	if (fd != -1)
		close(fd);
}

/* Run the command to its end; its exit status. */
static int
run(struct files *f, int keep, int cont, json_t **stats)
{
	struct proc	p;
	int		status;

	start(&p, f, keep, cont);
	proc_finish(&p);
	status = p.status;
	ck_assert_msg(p.status == 0, "exit %d: %s", p.status, p.ebuf);
	if (stats != NULL)
		*stats = stats_of(&p);
	proc_free(&p);
	return (status);
}

/* Milliseconds on the monotonic clock. */
static long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000L + ts.tv_nsec / 1000000);
}

/*
 * Start the command and SIGKILL it once the output has target bytes (if
 * target is not -1) or ms milliseconds after its start (if ms is not -1);
 * 1 if it was killed with a torn line at the end of the output.
 */
static int
run_killed(struct files *f, int keep, int cont, off_t target, long ms)
{
	struct proc	 p;
	char		 c = '\n';
	long		 t0;
	int		 fd;

	t0 = now_ms();
	start(&p, f, keep, cont);
	while (proc_running(&p) && (target == -1 || out_size(f) < target) &&
	    (ms == -1 || now_ms() - t0 < ms))
		proc_pump(&p, 1);
	proc_signal(&p, SIGKILL);
	proc_finish(&p);
	proc_free(&p);
	if (f->kind != OUT_JSONL || (fd = open(f->out, O_RDONLY)) == -1)
		return (0);
	if (lseek(fd, -1, SEEK_END) != -1 && read(fd, &c, 1) != 1)
		c = '\n';
	close(fd);
	return (c != '\n');
}

/* Compare two sets of lines (sorted copies of a and b). */
static int
line_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

static char **
lines_sorted(char *buf, u_int *n)
{
	char	**v = NULL, *s, *nl;
	u_int	  k = 0, size = 0;

	for (s = buf; (nl = strchr(s, '\n')) != NULL; s = nl + 1) {
		if (k == size) {
			size = size == 0 ? 1024 : size * 2;
			ck_assert_ptr_nonnull(v = realloc(v, size * sizeof *v));
		}
		*nl = '\0';
		v[k++] = s;
	}
	ck_assert_msg(*s == '\0', "a torn last line: %.60s", s);
	qsort(v, k, sizeof *v, line_cmp);
	*n = k;
	return (v);
}

/*
 * The output is the reference's lines (or rows), each once (with -k, in
 * the same order: byte for byte), and the bad lines file holds each bad
 * line once.
 */
static void
check_output(struct files *f, const char *ref, size_t reflen, int keep)
{
	char	*out, *copy, **a, **b, *bad;
	size_t	 len, badlen;
	u_int	 na, nb, i, header;

	header = f->kind == OUT_CSV;
	out = out_lines(f, &len);
	if (keep) {
		ck_assert_msg(len == reflen && memcmp(out, ref, len) == 0,
		    "-k: the output differs from a run never killed");
	}
	ck_assert_ptr_nonnull(copy = strdup(ref));
	a = lines_sorted(out, &na);
	b = lines_sorted(copy, &nb);
	ck_assert_uint_eq(nb, f->nlines - (f->kind != OUT_JSONL ?
	    f->nnotices : 0) + header);
	ck_assert_msg(na == nb, "%u lines, not %u", na, nb);
	for (i = 0; i < na; i++) {
		ck_assert_msg(strcmp(a[i], b[i]) == 0, "line %u: %.80s, not "
		    "%.80s", i, a[i], b[i]);
		ck_assert_msg(i == 0 || strcmp(a[i], a[i - 1]) != 0,
		    "written twice: %.80s", a[i]);
	}
	if (f->nbad > 0) {
		bad = slurp(f->bad, &badlen);
		ck_assert_uint_eq(count_lines(bad, badlen), f->nbad);
		free(bad);
	}
	free(a);
	free(b);
	free(copy);
	free(out);
}

/* The output of a run never killed (with -k or without). */
static char *
reference(struct files *f, int keep, size_t *len)
{
	json_t	*st;
	char	*ref;

	run(f, keep, 0, &st);
	ck_assert_int_eq(stat_int(st, "written"), f->nlines);
	ck_assert_int_eq(stat_int(st, "bad"), f->nbad);
	json_decref(st);
	ref = out_lines(f, len);
	return (ref);
}

/*
 * Kill a run at a random instant: when its output reaches a random part of
 * size, or a random part of ms (how long a whole run took) after its start.
 */
static int
kill_random(struct files *f, int keep, int cont, off_t size, long ms)
{
	if (rand() % 2)
		return (run_killed(f, keep, cont, rand() % size, -1));
	return (run_killed(f, keep, cont, -1, rand() % ms));
}

/*
 * The kill test: runs SIGKILLed at a random instant (the output's size, or
 * the time since the start, a random fraction of a whole run's), some
 * killed again while continuing, each
 * finished with --continue: every input line's output exactly once.
 */
static void
kill_test(enum out_kind kind)
{
	struct files	 f;
	json_t		*st;
	char		*ref[2];
	size_t		 reflen[2];
	off_t		 size[2];
	long		 ms[2];
	u_int		 runs, n, r, seed, torn = 0, mid = 0;
	long long	 skipped;
	int		 keep;

	static const char *names[] = { "JSON lines", "CSV", "SQLite" };

	runs = env_uint("TE_CONTINUE_RUNS", 4);
	n = env_uint("TE_CONTINUE_TWEETS", 5000);
	seed = env_uint("TE_CONTINUE_SEED", (u_int)getpid());
	files_make(&f, n, seed, kind);
	for (keep = 0; keep < 2; keep++) {
		out_remove(&f);
		ms[keep] = now_ms();
		ref[keep] = reference(&f, keep, &reflen[keep]);
		ms[keep] = now_ms() - ms[keep] + 1;
		size[keep] = out_size(&f);
	}
	srand(seed);
	for (r = 0; r < runs; r++) {
		keep = r % 2;
		out_remove(&f);
		torn += kill_random(&f, keep, 0, size[keep], ms[keep]);
		if (r % 4 == 3)
			torn += kill_random(&f, keep, 1, size[keep], ms[keep]);
		run(&f, keep, 1, &st);
		skipped = stat_int(st, "skipped");
		ck_assert_int_eq(skipped + stat_int(st, "written"), f.nlines);
		if (skipped > 0 && skipped < f.nlines)
			mid++;
		ck_assert_int_eq(stat_int(st, "bad"), f.nbad);
		json_decref(st);
		check_output(&f, ref[keep], reflen[keep], keep);
	}
	printf("continue, %s: %u runs over %u tweets (seed %u): every line "
	    "once; %u continued mid-way, %u kills left a torn line\n",
	    names[kind], runs, n, seed, mid, torn);
	free(ref[0]);
	free(ref[1]);
	files_free(&f);
}

START_TEST(test_kill_jsonl)
{
	kill_test(OUT_JSONL);
}
END_TEST

/*
 * Killed and continued with other inputs: the standard input (the same
 * bytes again), and two files of pages (--split /data), one gzip.
 */
START_TEST(test_inputs)
{
	struct files	 f;
	char		*ref;
	size_t		 reflen;
	off_t		 size;
	u_int		 i;

	for (i = 0; i < 2; i++) {
		if (i == 0) {
			files_make(&f, 3000, 11, OUT_JSONL);
			f.from_stdin = 1;
		} else
			files_make_pages(&f, 3000, 12);
		ref = reference(&f, 0, &reflen);
		size = out_size(&f);
		out_remove(&f);
		run_killed(&f, 0, 0, size / 3, -1);
		run_killed(&f, 0, 1, 2 * size / 3, -1);
		run(&f, 0, 1, NULL);
		check_output(&f, ref, reflen, 0);
		free(ref);
		files_free(&f);
	}
}
END_TEST

START_TEST(test_kill_csv)
{
	kill_test(OUT_CSV);
}
END_TEST

START_TEST(test_kill_sqlite)
{
	kill_test(OUT_SQLITE);
}
END_TEST

/* A journal record and an output line torn by a kill are cut. */
START_TEST(test_torn)
{
	struct files	 f;
	char		*ref, path[160];
	size_t		 reflen;
	off_t		 jlen;
	int		 fd;

	files_make(&f, 300, 7, OUT_JSONL);
	ref = reference(&f, 1, &reflen);
	/* A kill mid-write: half a line in the output, and lines written
	 * but not yet journaled; half a record in the journal. */
	ck_assert_int_eq(truncate(f.out, reflen / 2), 0);
	ck_assert_int_ne(fd = open(f.out, O_WRONLY|O_APPEND), -1);
	ck_assert_int_eq(write(fd, "{\"id\":12,\"bo", 12), 12);
	close(fd);
	snprintf(path, sizeof path, "%s.continue", f.out);
	jlen = file_size(path);
	ck_assert_int_ne(fd = open(path, O_WRONLY|O_APPEND), -1);
	ck_assert_int_eq(write(fd, "\x05\x00\x00", 3), 3);
	close(fd);
	ck_assert_int_eq(file_size(path), jlen + 3);
	run(&f, 1, 1, NULL);
	check_output(&f, ref, reflen, 1);

	/* The whole journal cut short of its mark: all is done again. */
	ck_assert_int_eq(truncate(path, 12), 0);
	run(&f, 1, 1, NULL);
	check_output(&f, ref, reflen, 1);
	free(ref);
	files_free(&f);
}
END_TEST

/* --continue after a run that finished: nothing is written again. */
START_TEST(test_finished)
{
	struct files	 f;
	json_t		*st;
	char		*ref, *out;
	size_t		 reflen, len;

	files_make(&f, 200, 3, OUT_JSONL);
	ref = reference(&f, 0, &reflen);
	run(&f, 0, 1, &st);
	ck_assert_int_eq(stat_int(st, "skipped"), f.nlines);
	ck_assert_int_eq(stat_int(st, "written"), 0);
	json_decref(st);
	out = slurp(f.out, &len);
	ck_assert(len == reflen && memcmp(out, ref, len) == 0);
	free(out);
	free(ref);
	files_free(&f);
}
END_TEST

/* What --continue cannot finish is refused, before anything is written. */
START_TEST(test_refused)
{
	struct files	 f;
	struct proc	 p;
	int		 fd;

	files_make(&f, 10, 1, OUT_JSONL);
	te_run(&p, "", "-e", "test", "--continue", f.in, NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "-o FILE"));
	proc_free(&p);
	te_run(&p, "", "-e", "test", "-o", f.out, "--continue", "--from",
	    "redis://127.0.0.1:1/s?group=g", NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "--from"));
	proc_free(&p);
	te_run(&p, "", "-e", "test", "-o", f.in, f.in, NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "an input"));
	proc_free(&p);
	/* An output that was not written with -o has no journal. */
	ck_assert_int_ne(fd = open(f.out, O_WRONLY|O_CREAT, 0666), -1);
	ck_assert_int_eq(write(fd, "{}\n", 3), 3);
	close(fd);
	te_run(&p, "", "-e", "test", "-o", f.out, "--continue", f.in, NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "out.jsonl.continue"));
	ck_assert_int_eq(file_size(f.out), 3);
	proc_free(&p);
	files_free(&f);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("continue");
	TCase	*tc = tcase_create("continue");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_kill_jsonl);
	tcase_add_test(tc, test_inputs);
	tcase_add_test(tc, test_kill_csv);
	tcase_add_test(tc, test_kill_sqlite);
	tcase_add_test(tc, test_torn);
	tcase_add_test(tc, test_finished);
	tcase_add_test(tc, test_refused);
	suite_add_tcase(s, tc);
	return (run_suite(s));
}
