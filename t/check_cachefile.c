/*
 * Unit tests of the LMDB cache file (src/cachefile.c): entries survive a
 * reopen, expire by the TTL of the reader, stay within the map size (the
 * oldest go), and a file that is not ours, of another format or corrupt is
 * refused with its name.
 */

#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>
#include <openssl/evp.h>

#include "lib/lib.h"
#include "core.h"
#include "http/http.h"
#include "run.h"

static char	path[64];
static char	lockpath[80];

static void
setup(void)
{
	int	fd;

	strcpy(path, "/tmp/te-cachefile.XXXXXX");
	fd = mkstemp(path);
	ck_assert(fd != -1);
	close(fd);
	unlink(path);	/* a name that does not exist yet */
	snprintf(lockpath, sizeof lockpath, "%s-lock", path);
}

static void
teardown(void)
{
	unlink(path);
	unlink(lockpath);
}

static struct cachefile *
open_ok(size_t size)
{
	struct cachefile	*cf;
	char			*cause = NULL;

	cf = cachefile_open(path, size, &cause);
	ck_assert_msg(cf != NULL, "open: %s", cause);
	return (cf);
}

static char *
open_fails(void)
{
	struct cachefile	*cf;
	char			*cause = NULL;

	cf = cachefile_open(path, 1 << 20, &cause);
	ck_assert_ptr_null(cf);
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strstr(cause, path) != NULL, "no name in: %s", cause);
	return (cause);
}

START_TEST(test_put_get_reopen)
{
	struct stat		 sb;
	struct cachefile	*cf;
	struct cachefile_entry	 e;
	struct cachefile_stats	 st;

	cf = open_ok(1 << 20);
	/* Answers to authenticated requests: the owner's only. */
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 077, 0);
	ck_assert_int_eq(cachefile_get(cf, "k1", 2, 3600, &e), 0);
	cachefile_put(cf, "k1", 2, 200, "body one", 8, NULL);
	cachefile_put(cf, "k2\0x", 4, 302, "", 0, "http://x/to");
	ck_assert_uint_eq(cachefile_pending(cf), 2);
	cachefile_flush(cf);
	ck_assert_uint_eq(cachefile_pending(cf), 0);
	cachefile_wait(cf);
	ck_assert_int_eq(cachefile_get(cf, "k1", 2, 3600, &e), 1);
	ck_assert_int_eq(e.status, 200);
	ck_assert_uint_eq(e.bodylen, 8);
	ck_assert_str_eq(e.body, "body one");
	ck_assert_ptr_null(e.location);
	/* When it was stored, for the tiers' own look at its age. */
	ck_assert(e.stored > 0 && e.stored <= (int64_t)clock_wall() &&
	    e.stored >= (int64_t)clock_wall() - 60);
	free(e.body);
	cachefile_close(cf);

	/* Another open (another run) finds them. */
	cf = open_ok(1 << 20);
	ck_assert_int_eq(cachefile_get(cf, "k2\0x", 4, 3600, &e), 1);
	ck_assert_int_eq(e.status, 302);
	ck_assert_str_eq(e.location, "http://x/to");
	free(e.body);
	free(e.location);
	ck_assert_int_eq(cachefile_get(cf, "k2\0y", 4, 3600, &e), 0);
	/* A reader with a TTL of 0 sees them expired. */
	ck_assert_int_eq(cachefile_get(cf, "k1", 2, 0, &e), 0);
	cachefile_stats(cf, &st);
	ck_assert_uint_eq(st.hits, 1);
	ck_assert_uint_eq(st.misses, 1);
	ck_assert_uint_eq(st.expired, 1);
	ck_assert_uint_eq(st.entries, 2);
	ck_assert(st.bytes > 0);
	cachefile_close(cf);
}
END_TEST

START_TEST(test_bounded)
{
	struct cachefile	*cf;
	struct cachefile_entry	 e;
	struct cachefile_stats	 st;
	char			 key[32], body[2000];
	u_int			 i;

	/* 5000 entries of 2 KB do not fit in 1 MB: the oldest go. */
	memset(body, 'b', sizeof body);
	cf = open_ok(1 << 20);
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof key, "key %u", i);
		cachefile_put(cf, key, strlen(key), 200, body, sizeof body,
		    NULL);
		if (i % 200 == 0)
			cachefile_wait(cf);	/* none dropped */
	}
	cachefile_flush(cf);
	cachefile_wait(cf);
	cachefile_stats(cf, &st);
	ck_assert_msg(st.write_errors == 0 && st.stored == 5000, "%llu write "
	    "errors, %llu stored, %llu evicted, %llu entries, %llu bytes",
	    (unsigned long long)st.write_errors,
	    (unsigned long long)st.stored, (unsigned long long)st.evicted,
	    (unsigned long long)st.entries, (unsigned long long)st.bytes);
	ck_assert(st.evicted > 0);
	ck_assert(st.bytes <= 1 << 20);
	ck_assert_msg(st.entries < 5000 && st.entries > 20, "%llu entries, %llu evicted", (unsigned long long)st.entries, (unsigned long long)st.evicted);
	ck_assert_int_eq(cachefile_get(cf, "key 4999", 8, 3600, &e), 1);
	free(e.body);
	cachefile_close(cf);
}
END_TEST

START_TEST(test_refused)
{
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_dbi		 dbi;
	MDB_val		 k, v;
	char		*cause, buf[8192];
	FILE		*f;

	/* Not LMDB at all: refused, and left as it was. */
	f = fopen(path, "w");
	fputs("{\"id\":1}\nnot a cache\n", f);
	fclose(f);
	ck_assert_int_eq(chmod(path, 0600), 0);
	cause = open_fails();
	ck_assert_ptr_nonnull(strstr(cause, "not a cache file"));
	free(cause);
	f = fopen(path, "r");
	ck_assert_uint_eq(fread(buf, 1, sizeof buf, f), 21);
	fclose(f);
	ck_assert_int_ne(access(lockpath, F_OK), 0);
	unlink(path);

	/* LMDB, but someone else's. */
	ck_assert_int_eq(mdb_env_create(&env), 0);
	ck_assert_int_eq(mdb_env_open(env, path, MDB_NOSUBDIR, 0600), 0);
	ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
	ck_assert_int_eq(mdb_dbi_open(txn, NULL, 0, &dbi), 0);
	k.mv_data = "theirs";
	k.mv_size = 6;
	v = k;
	ck_assert_int_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
	ck_assert_int_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	cause = open_fails();
	ck_assert_ptr_nonnull(strstr(cause, "not a tweet-enricher cache"));
	free(cause);
	unlink(path);
	unlink(lockpath);

	/* Ours, but another format version. */
	ck_assert_int_eq(mdb_env_create(&env), 0);
	ck_assert_int_eq(mdb_env_open(env, path, MDB_NOSUBDIR, 0600), 0);
	ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
	ck_assert_int_eq(mdb_dbi_open(txn, NULL, 0, &dbi), 0);
	k.mv_data = "format";
	k.mv_size = 6;
	v.mv_data = "tweet-enricher cache file, format 99";
	v.mv_size = strlen(v.mv_data);
	ck_assert_int_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
	ck_assert_int_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	cause = open_fails();
	ck_assert_ptr_nonnull(strstr(cause, "another format"));
	free(cause);
}
END_TEST

/* Write a small file. */
static void
put_file(const char *p, const char *text, mode_t mode)
{
	FILE	*f;

	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(p, mode), 0);
}

/* The first bytes of a file, or "" if it cannot be read. */
static const char *
file_head(const char *p)
{
	static char	 buf[64];
	FILE		*f;
	size_t		 n = 0;

	if ((f = fopen(p, "r")) != NULL) {
		n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return (buf);
}

/*
 * Never through a symbolic link (the file or its lock), never a file that
 * is not ours or that others may read: refused, naming the path, and
 * nothing written where a link points.
 */
START_TEST(test_links_and_owners)
{
	struct cachefile	*cf;
	char			 victim[96], *cause;
	struct stat		 sb;

	snprintf(victim, sizeof victim, "%s-victim", path);

	/* A link at PATH-lock: the file it points to stays as it was. */
	put_file(victim, "precious", 0600);
	ck_assert_int_eq(symlink(victim, lockpath), 0);
	cause = open_fails();
	ck_assert_msg(strstr(cause, lockpath) != NULL &&
	    strstr(cause, "symbolic link") != NULL, "%s", cause);
	free(cause);
	ck_assert_str_eq(file_head(victim), "precious");
	unlink(lockpath);
	unlink(path);

	/* A link at PATH, to a file or to nothing: nothing is made. */
	ck_assert_int_eq(symlink(victim, path), 0);
	cause = open_fails();
	ck_assert_msg(strstr(cause, "symbolic link") != NULL, "%s", cause);
	free(cause);
	ck_assert_str_eq(file_head(victim), "precious");
	unlink(path);
	unlink(victim);
	ck_assert_int_eq(symlink(victim, path), 0);
	cause = open_fails();
	ck_assert_msg(strstr(cause, "symbolic link") != NULL, "%s", cause);
	free(cause);
	ck_assert_int_ne(lstat(victim, &sb), 0);
	ck_assert_int_ne(lstat(lockpath, &sb), 0);
	unlink(path);

	/* An empty file that others may read: refused, mode left as is. */
	put_file(path, "", 0644);
	cause = open_fails();
	ck_assert_msg(strstr(cause, "others") != NULL, "%s", cause);
	free(cause);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0644);
	ck_assert_int_eq(sb.st_size, 0);
	unlink(path);

	/* A lock file that others may write: refused too. */
	put_file(lockpath, "", 0666);
	cause = open_fails();
	ck_assert_msg(strstr(cause, lockpath) != NULL, "%s", cause);
	free(cause);
	unlink(lockpath);
	unlink(path);

	/* Another user's file, even owner-only (root can make one). */
	if (geteuid() == 0) {
		put_file(path, "", 0600);
		ck_assert_int_eq(chown(path, 65534, 65534), 0);
		cause = open_fails();
		ck_assert_msg(strstr(cause, "not ours") != NULL, "%s", cause);
		free(cause);
		unlink(path);
		unlink(lockpath);
	}

	/* A new file, and the lock, are the owner's alone. */
	cf = open_ok(1 << 20);
	cachefile_close(cf);
	ck_assert_int_eq(lstat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 077, 0);
	ck_assert_int_eq(lstat(lockpath, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 077, 0);
	cf = open_ok(1 << 20);
	cachefile_close(cf);
}
END_TEST

/* The program says so and exits 2. */
START_TEST(test_link_exit_2)
{
	struct proc	 p;
	char		 victim[96];

	snprintf(victim, sizeof victim, "%s-victim", path);
	ck_assert_int_eq(symlink(victim, path), 0);
	te_run(&p, "{\"id\":1}\n", "--cache-file", path, "-e",
	    "http:url=http://127.0.0.1:9/{/id}", "--timeout", "500", NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_msg(strstr(p.ebuf, path) != NULL, "%s", p.ebuf);
	ck_assert_uint_eq(p.olen, 0);
	ck_assert_int_ne(access(victim, F_OK), 0);
	proc_free(&p);
}
END_TEST

START_TEST(test_corrupt)
{
	struct cachefile	*cf;
	struct cachefile_entry	 e;
	struct cachefile_stats	 st;
	char			*cause, *buf, *hit;
	FILE			*f;
	long			 size;

	cf = open_ok(1 << 20);
	cachefile_put(cf, "k", 1, 200, "a distinctive body", 18, NULL);
	cachefile_close(cf);

	/* A flipped byte in an entry: a miss, counted, never a wrong hit. */
	f = fopen(path, "r+");
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	buf = malloc(size);
	rewind(f);
	ck_assert_int_eq(fread(buf, 1, size, f), size);
	hit = memmem(buf, size, "distinctive", 11);
	ck_assert_ptr_nonnull(hit);
	fseek(f, hit - buf, SEEK_SET);
	fputc('D', f);
	fclose(f);
	cf = open_ok(1 << 20);
	ck_assert_int_eq(cachefile_get(cf, "k", 1, 3600, &e), 0);
	cachefile_stats(cf, &st);
	ck_assert_uint_eq(st.corrupt, 1);
	cachefile_close(cf);

	/* Both meta pages gone: refused. */
	memset(buf, 0x5a, 8192);
	f = fopen(path, "r+");
	ck_assert_int_eq(fwrite(buf, 1, 8192, f), 8192);
	fclose(f);
	cause = open_fails();
	free(cause);

	/* A truncated file (a crash while created, say): refused. */
	ck_assert_int_eq(truncate(path, 100), 0);
	cause = open_fails();
	free(cause);
	free(buf);
}
END_TEST

/*
 * A record of another format version (another magic) or cut short under
 * a key of ours: a miss, counted as corrupt, never a hit or a crash.
 */
START_TEST(test_old_record)
{
	struct cachefile	*cf;
	struct cachefile_entry	 e;
	struct cachefile_stats	 st;
	MDB_env			*env;
	MDB_txn			*txn;
	MDB_dbi			 dbi;
	MDB_val			 k, v;
	u_char			 hash[32], rec[48];
	const char		*keys[] = { "old", "short" };
	u_int			 i;

	cf = open_ok(1 << 20);
	cachefile_close(cf);
	ck_assert_int_eq(mdb_env_create(&env), 0);
	ck_assert_int_eq(mdb_env_set_maxdbs(env, 2), 0);
	ck_assert_int_eq(mdb_env_open(env, path, MDB_NOSUBDIR, 0600), 0);
	ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
	ck_assert_int_eq(mdb_dbi_open(txn, "data", 0, &dbi), 0);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(EVP_Digest(keys[i], strlen(keys[i]), hash,
		    NULL, EVP_sha256(), NULL), 1);
		memset(rec, 0, sizeof rec);
		memcpy(rec, i == 0 ? "0CET" : "1CET", 4);  /* "TEC0", "TEC1" */
		rec[16] = 200;
		k.mv_data = hash;
		k.mv_size = sizeof hash;
		v.mv_data = rec;
		v.mv_size = i == 0 ? sizeof rec : 12;
		ck_assert_int_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
	}
	ck_assert_int_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);

	cf = open_ok(1 << 20);
	ck_assert_int_eq(cachefile_get(cf, "old", 3, 3600, &e), 0);
	ck_assert_int_eq(cachefile_get(cf, "short", 5, 3600, &e), 0);
	cachefile_stats(cf, &st);
	ck_assert_uint_eq(st.corrupt, 2);
	ck_assert_uint_eq(st.hits, 0);
	cachefile_close(cf);
}
END_TEST

/*
 * The whole program: a rerun answered from the file (no request) writes
 * byte for byte what the run that asked wrote: JSON, a selected part of
 * it, text, an error; across a reopen, as each run opens the file anew.
 */
START_TEST(test_rerun_identical)
{
	struct proc	 p;
	char		*in, *first, *a, *b, *c, *d;
	long		 before;

	in = make_tweets(50, NULL);
	a = fmt("http:url=http://127.0.0.1:%d/json?{/id},as=a", server_port);
	b = fmt("http:url=http://127.0.0.1:%d/json?{/id},select=/nested/list,"
	    "as=b", server_port);
	c = fmt("http:url=http://127.0.0.1:%d/text?{/id},as=c", server_port);
	d = fmt("http:url=http://127.0.0.1:%d/json?{/id},select=/none,as=d",
	    server_port);
	te_run(&p, in, "-k", "--cache-file", path, "-e", a, "-e", b, "-e", c,
	    "-e", d, NULL);
	ck_assert_msg(p.status == 0, "%d: %s", p.status, p.ebuf);
	ck_assert_uint_eq(count_lines(p.obuf, p.olen), 50);
	first = xstrndup(p.obuf, p.olen);
	proc_free(&p);
	before = server_count(server_port, "requests");
	te_run(&p, in, "-k", "--cache-file", path, "-e", a, "-e", b, "-e", c,
	    "-e", d, NULL);
	ck_assert_msg(p.status == 0, "%d: %s", p.status, p.ebuf);
	ck_assert_int_eq(server_count(server_port, "requests"), before);
	ck_assert_uint_eq(p.olen, strlen(first));
	ck_assert(memcmp(p.obuf, first, p.olen) == 0);
	proc_free(&p);
	free(first);
	free(in);
	free(a);
	free(b);
	free(c);
	free(d);
}
END_TEST

START_TEST(test_two_processes)
{
	struct cachefile	*cf;
	struct cachefile_entry	 e;
	pid_t			 pid;
	int			 status;
	char			 key[32];
	u_int			 i, found = 0;

	/* A child writes while we write: both see all entries after. */
	cf = open_ok(8 << 20);
	cachefile_close(cf);
	pid = fork();
	ck_assert(pid != -1);
	if (pid == 0) {
		cf = open_ok(8 << 20);
		for (i = 0; i < 500; i++) {
			snprintf(key, sizeof key, "child %u", i);
			cachefile_put(cf, key, strlen(key), 200, "c", 1, NULL);
			if (i % 50 == 0)
				cachefile_flush(cf);
		}
		cachefile_close(cf);
		_exit(0);
	}
	cf = open_ok(8 << 20);
	for (i = 0; i < 500; i++) {
		snprintf(key, sizeof key, "parent %u", i);
		cachefile_put(cf, key, strlen(key), 200, "p", 1, NULL);
		if (i % 50 == 0)
			cachefile_flush(cf);
	}
	cachefile_flush(cf);
	cachefile_wait(cf);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	for (i = 0; i < 500; i++) {
		snprintf(key, sizeof key, "child %u", i);
		if (cachefile_get(cf, key, strlen(key), 3600, &e) == 1) {
			found++;
			free(e.body);
		}
		snprintf(key, sizeof key, "parent %u", i);
		ck_assert_int_eq(cachefile_get(cf, key, strlen(key), 3600, &e),
		    1);
		free(e.body);
	}
	ck_assert_uint_eq(found, 500);
	cachefile_close(cf);
}
END_TEST

/*
 * Look-ups share a read snapshot, but never for long: what another process
 * wrote meanwhile is seen after cachefile_idle (the tier's timer), and
 * after at most 256 look-ups without it.
 */
static void
write_in_child(const char *key)
{
	struct cachefile	*cf;
	pid_t			 pid;
	int			 status;

	pid = fork();
	ck_assert(pid != -1);
	if (pid == 0) {
		cf = open_ok(1 << 20);
		cachefile_put(cf, key, strlen(key), 200, "theirs", 6, NULL);
		cachefile_close(cf);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

START_TEST(test_snapshot_let_go)
{
	struct cachefile	*cf;
	struct cachefile_entry	 e;
	u_int			 i;

	cf = open_ok(1 << 20);
	ck_assert_int_eq(cachefile_get(cf, "a", 1, 3600, &e), 0);
	write_in_child("a");
	cachefile_idle(cf);
	ck_assert_int_eq(cachefile_get(cf, "a", 1, 3600, &e), 1);
	ck_assert_str_eq(e.body, "theirs");
	free(e.body);

	write_in_child("b");
	for (i = 0; i < 257; i++) {
		if (cachefile_get(cf, "b", 1, 3600, &e) == 1)
			break;
	}
	ck_assert_uint_lt(i, 257);
	free(e.body);
	cachefile_close(cf);
}
END_TEST

/*
 * Processes opening a new cache file at the same moment: each finds it
 * made by another, or makes it; none is refused.
 */
START_TEST(test_first_open_together)
{
	struct cachefile	*cf;
	pid_t			 pids[8];
	int			 go[2], status;
	u_int			 i;
	char			 c, *cause;

	ck_assert_int_eq(pipe(go), 0);
	for (i = 0; i < 8; i++) {
		pids[i] = fork();
		ck_assert(pids[i] != -1);
		if (pids[i] == 0) {
			close(go[1]);
			if (read(go[0], &c, 1) != 0)
				_exit(3);
			cause = NULL;
			if ((cf = cachefile_open(path, 1 << 20, &cause)) ==
			    NULL) {
				fprintf(stderr, "%s\n", cause);
				_exit(1);
			}
			cachefile_close(cf);
			_exit(0);
		}
	}
	close(go[0]);
	close(go[1]);	/* all start at once */
	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "process %u: status %d", i, status);
	}
}
END_TEST

static Suite *
cachefile_suite(void)
{
	Suite	*s = suite_create("cachefile");
	TCase	*tc = tcase_create("cachefile");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_put_get_reopen);
	tcase_add_test(tc, test_bounded);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_links_and_owners);
	tcase_add_test(tc, test_link_exit_2);
	tcase_add_test(tc, test_corrupt);
	tcase_add_test(tc, test_two_processes);
	tcase_add_test(tc, test_snapshot_let_go);
	tcase_add_test(tc, test_first_open_together);
	tcase_add_test(tc, test_old_record);
	suite_add_tcase(s, tc);

	tc = tcase_create("rerun");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, server_setup, server_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_rerun_identical);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (run_suite(cachefile_suite()));
}
