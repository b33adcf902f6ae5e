/*
 * The cache file (--cache-file): responses kept on disk across runs, in an
 * LMDB environment that several processes on one machine may share. An
 * entry is keyed by the SHA-256 of the memory cache's key (method, URL,
 * headers, body), so no header value (a token) is written as a key; its
 * value is a small header (magic, time stored, status, lengths, checksum)
 * then the body and the redirect target. Entries older than --cache-ttl
 * are misses. Reads are short memory-mapped look-ups on the loop, here;
 * writes are gathered into batches that a writer thread of our own
 * commits (cachefile-write.c), so the loop never waits for the disk or for
 * another process's write lock.
 * A file that is not a cache of ours, is from another format version, or
 * is corrupt is refused with a message that names it; so is a symbolic
 * link (at the file or its lock), a file of another user's, or one that
 * others may read or write.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "lib/lib.h"
#include "core.h"
#include "http/http.h"
#include "http/cachefile-int.h"

static void
cachefile_error(char **cause, const char *path, const char *what, int rc)
{
	switch (rc) {
	case MDB_INVALID:
		xasprintf(cause, "%s: not a cache file (not an LMDB file)",
		    path);
		break;
	case MDB_VERSION_MISMATCH:
		xasprintf(cause, "%s: a cache file of an incompatible LMDB "
		    "version", path);
		break;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
		xasprintf(cause, "%s: corrupt cache file", path);
		break;
	default:
		xasprintf(cause, "%s: %s: %s", path, what, mdb_strerror(rc));
		break;
	}
}

/*
 * Check (or, in a new file, write) the format record, and open the
 * databases. A file with other databases or keys is not ours.
 */
static int
cachefile_check_format(struct cachefile *cf, char **cause)
{
	MDB_txn		*txn;
	MDB_dbi		 main_dbi;
	MDB_cursor	*cur;
	MDB_val		 k, v;
	MDB_stat	 ms;
	const char	*fmt = CACHEFILE_FORMAT;
	int		 rc, fresh;

	if ((rc = mdb_txn_begin(cf->env, NULL, 0, &txn)) != 0) {
		cachefile_error(cause, cf->path, "begin", rc);
		return (-1);
	}
	if ((rc = mdb_dbi_open(txn, NULL, 0, &main_dbi)) != 0 ||
	    (rc = mdb_stat(txn, main_dbi, &ms)) != 0)
		goto lmdb;
	fresh = ms.ms_entries == 0;
	k.mv_data = "format";
	k.mv_size = 6;
	if (fresh) {
		v.mv_data = (void *)fmt;
		v.mv_size = strlen(fmt);
		if ((rc = mdb_put(txn, main_dbi, &k, &v, 0)) != 0)
			goto lmdb;
	} else {
		rc = mdb_get(txn, main_dbi, &k, &v);
		if (rc == MDB_NOTFOUND || (rc == 0 && (v.mv_size < 23 ||
		    memcmp(v.mv_data, fmt, 23) != 0))) {
			xasprintf(cause, "%s: an LMDB file that is not a "
			    "tweet-enricher cache; not touching it", cf->path);
			goto fail;
		}
		if (rc != 0)
			goto lmdb;
		if (v.mv_size != strlen(fmt) || memcmp(v.mv_data, fmt,
		    v.mv_size) != 0) {
			xasprintf(cause, "%s: a cache file of another format "
			    "(\"%.*s\", this is \"%s\"); remove it or use "
			    "another", cf->path, (int)(v.mv_size > 64 ? 64 :
			    v.mv_size), (char *)v.mv_data, fmt);
			goto fail;
		}
		/* Only our three names may be in the main database. */
		if ((rc = mdb_cursor_open(txn, main_dbi, &cur)) != 0)
			goto lmdb;
		while ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
			if ((k.mv_size == 6 && memcmp(k.mv_data, "format",
			    6) == 0) || (k.mv_size == 4 &&
			    memcmp(k.mv_data, "data", 4) == 0) ||
			    (k.mv_size == 3 && memcmp(k.mv_data, "age", 3) == 0))
				continue;
			mdb_cursor_close(cur);
			xasprintf(cause, "%s: an LMDB file that is not a "
			    "tweet-enricher cache; not touching it", cf->path);
			goto fail;
		}
		mdb_cursor_close(cur);
		if (rc != MDB_NOTFOUND)
			goto lmdb;
	}
	if ((rc = mdb_dbi_open(txn, "data", MDB_CREATE, &cf->data)) != 0 ||
	    (rc = mdb_dbi_open(txn, "age", MDB_CREATE, &cf->age)) != 0)
		goto lmdb;
	if ((rc = mdb_txn_commit(txn)) != 0) {
		cachefile_error(cause, cf->path, "commit", rc);
		return (-1);
	}
	return (0);

lmdb:
	cachefile_error(cause, cf->path, "format", rc);
fail:
	mdb_txn_abort(txn);
	return (-1);
}

/*
 * Open one of the cache's files (the data, or LMDB's lock) before LMDB
 * does, making it owner-only if it is not there (*created set): never
 * through a symbolic link, and only a regular file of ours that nobody
 * else may read or write, for it holds answers to authenticated requests.
 * The descriptor and *sb, or -1 with *cause naming the file.
 */
static int
cachefile_own(const char *path, struct stat *sb, int *created, char **cause)
{
	int	fd, tries;

	*created = 0;
	/* Another process may make it between the two: open it again. */
	for (tries = 0; tries < 3; tries++) {
		fd = open(path, O_RDONLY|O_NOFOLLOW|O_NONBLOCK|O_CLOEXEC);
		if (fd != -1 || errno != ENOENT)
			break;
		fd = open(path, O_RDWR|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC,
		    0600);
		if (fd != -1 || errno != EEXIST) {
			*created = fd != -1;
			break;
		}
	}
	if (fd == -1) {
		if (errno == ELOOP)
			xasprintf(cause, "%s: a symbolic link; not following "
			    "it", path);
		else
			xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (fstat(fd, sb) == -1)
		xasprintf(cause, "%s: %s", path, strerror(errno));
	else if (!S_ISREG(sb->st_mode))
		xasprintf(cause, "%s: not a regular file", path);
	else if (sb->st_uid != geteuid())
		xasprintf(cause, "%s: not ours (owner uid %u); not touching it",
		    path, (u_int)sb->st_uid);
	else if (sb->st_mode & (S_IRWXG|S_IRWXO))
		xasprintf(cause, "%s: others may read or write it (mode %03o); "
		    "make it owner-only (chmod 600) or use another", path,
		    (u_int)(sb->st_mode & 0777));
	else
		return (fd);
	close(fd);
	return (-1);
}

/*
 * Look at an existing file before LMDB does: its first page must be an
 * LMDB meta page (magic 0xBEEFC0DE after the 16-byte page header, data
 * format 1), so that a file of some other kind is never opened as one.
 */
static int
cachefile_sniff(const char *path, int fd, const struct stat *sb,
    char **cause)
{
	uint32_t	w[6];

	if (sb->st_size == 0)
		return (0);	/* new */
	if (pread(fd, w, sizeof w, 0) != (ssize_t)sizeof w ||
	    w[4] != 0xBEEFC0DEu) {
		xasprintf(cause, "%s: not a cache file (not an LMDB file); "
		    "not touching it", path);
		return (-1);
	}
	if (w[5] != 1) {
		xasprintf(cause, "%s: a cache file of an incompatible LMDB "
		    "data version (%u)", path, w[5]);
		return (-1);
	}
	return (0);
}

/*
 * Check the data file and then its lock (PATH-lock) as cachefile_own and
 * cachefile_sniff say, keeping what they are in cf->data_sb and
 * cf->lock_sb; a file made here is removed again if the other is refused.
 */
static int
cachefile_files(struct cachefile *cf, char **cause)
{
	int	dfd, lfd, dnew, lnew;

	if ((dfd = cachefile_own(cf->path, &cf->data_sb, &dnew, cause)) == -1)
		return (-1);
	if (cachefile_sniff(cf->path, dfd, &cf->data_sb, cause) != 0) {
		close(dfd);
		return (-1);
	}
	close(dfd);
	if ((lfd = cachefile_own(cf->lockpath, &cf->lock_sb, &lnew,
	    cause)) == -1) {
		if (dnew)
			unlink(cf->path);
		return (-1);
	}
	close(lfd);	/* before LMDB locks it: fcntl locks go with any close */
	return (0);
}

/*
 * After mdb_env_open: the files LMDB opened are the ones checked (nobody
 * put a link or another file in their place meanwhile).
 */
static int
cachefile_same(struct cachefile *cf, char **cause)
{
	struct stat	sb;
	int		fd;

	if (mdb_env_get_fd(cf->env, &fd) != 0 || fstat(fd, &sb) != 0 ||
	    sb.st_dev != cf->data_sb.st_dev || sb.st_ino != cf->data_sb.st_ino) {
		xasprintf(cause, "%s: replaced while being opened; not using "
		    "it", cf->path);
		return (-1);
	}
	if (lstat(cf->lockpath, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_dev != cf->lock_sb.st_dev || sb.st_ino != cf->lock_sb.st_ino) {
		xasprintf(cause, "%s: replaced while being opened; not using "
		    "it", cf->lockpath);
		return (-1);
	}
	return (0);
}

/* Open (or create) a cache file of at most size bytes. */
struct cachefile *
cachefile_open(const char *path, size_t size, char **cause)
{
	struct cachefile	*cf;
	int			 rc, dead;

	cf = xcalloc(1, sizeof *cf);
	cf->path = xstrdup(path);
	xasprintf(&cf->lockpath, "%s-lock", path);	/* MDB_NOSUBDIR's */
	if (cachefile_files(cf, cause) != 0) {
		free(cf->lockpath);
		free(cf->path);
		free(cf);
		return (NULL);
	}
	cf->puts = xcalloc(CACHEFILE_BATCH, sizeof *cf->puts);
	cf->size = size;
	if ((cf->md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL ||
	    (cf->mdctx = EVP_MD_CTX_new()) == NULL)
		fatalx("%s: no SHA-256", __func__);
	pthread_mutex_init(&cf->lock, NULL);
	pthread_cond_init(&cf->wake, NULL);
	pthread_cond_init(&cf->idle, NULL);
	if ((rc = mdb_env_create(&cf->env)) != 0) {
		cachefile_error(cause, path, "create", rc);
		goto fail;
	}
	if ((rc = mdb_env_set_mapsize(cf->env, size)) != 0 ||
	    (rc = mdb_env_set_maxdbs(cf->env, 2)) != 0) {
		cachefile_error(cause, path, "set up", rc);
		goto fail;
	}
	/* No fsync: losing the last writes to a power cut is fine here. */
	rc = mdb_env_open(cf->env, path, MDB_NOSUBDIR|MDB_NOTLS|MDB_NOSYNC|
	    MDB_NOMETASYNC, 0600);	/* answers to authenticated requests */
	if (rc != 0) {
		cachefile_error(cause, path, "open", rc);
		goto fail;
	}
	if (cachefile_same(cf, cause) != 0)
		goto fail;
	mdb_reader_check(cf->env, &dead);
	if (cachefile_check_format(cf, cause) != 0)
		goto fail;
	if ((rc = mdb_txn_begin(cf->env, NULL, MDB_RDONLY, &cf->rtxn)) != 0) {
		cachefile_error(cause, path, "read", rc);
		goto fail;
	}
	mdb_txn_reset(cf->rtxn);
	if ((errno = pthread_create(&cf->writer, NULL, cachefile_writer,
	    cf)) != 0) {
		xasprintf(cause, "%s: pthread_create: %s", path,
		    strerror(errno));
		goto fail;
	}
	cf->started = 1;
	return (cf);

fail:
	cachefile_close(cf);
	return (NULL);
}

/*
 * Let go of the read snapshot, if one is held: a reader that stays keeps
 * the writers from reusing the pages freed since it began.
 */
void
cachefile_idle(struct cachefile *cf)
{
	cachefile_let_go(cf);
}

/*
 * A look-up: 1 and *out filled (caller frees body) on a fresh hit. One
 * read transaction serves up to CACHEFILE_READS look-ups (a renewal and
 * the named database's root looked up again cost a warm rerun more than
 * the get itself); cachefile_idle ends it sooner, as a flush does.
 */
int
cachefile_get(struct cachefile *cf, const char *key, size_t keylen,
    u_int ttl, struct cachefile_entry *out)
{
	struct cachefile_value	 h;
	u_char			 hash[SHA256_DIGEST_LENGTH];
	const u_char		*p;
	MDB_val			 k, v;
	int			 rc, found = 0;

	cachefile_hash(cf, key, keylen, hash);
	k.mv_data = hash;
	k.mv_size = sizeof hash;
	if (cf->rgets == 0 && (rc = mdb_txn_renew(cf->rtxn)) != 0) {
		cf->st.errors++;
		return (0);
	}
	cf->rgets++;
	rc = mdb_get(cf->rtxn, cf->data, &k, &v);
	if (rc != 0) {
		if (rc == MDB_NOTFOUND)
			cf->st.misses++;
		else {
			cf->st.errors++;
			cachefile_let_go(cf);	/* a new one next time */
		}
		goto done;
	}
	if (v.mv_size < sizeof h) {
		cf->st.corrupt++;
		goto done;
	}
	memcpy(&h, v.mv_data, sizeof h);
	p = (const u_char *)v.mv_data + sizeof h;
	if (h.magic != CACHEFILE_MAGIC || (uint64_t)h.bodylen + h.loclen !=
	    v.mv_size - sizeof h || h.check != hash_fnv1a(p,
	    v.mv_size - sizeof h) ||
	    memchr(p + h.bodylen, '\0', h.loclen) != NULL) {
		cf->st.corrupt++;
		goto done;
	}
	if ((int64_t)clock_wall() - h.stored >= (int64_t)ttl) {
		cf->st.expired++;
		goto done;
	}
	out->status = h.status;
	out->stored = h.stored;
	out->body = xmalloc(h.bodylen + 1);
	memcpy(out->body, p, h.bodylen);
	out->body[h.bodylen] = '\0';
	out->bodylen = h.bodylen;
	out->location = h.loclen == 0 ? NULL : xstrndup((const char *)p +
	    h.bodylen, h.loclen);
	cf->st.hits++;
	found = 1;
done:
	if (cf->rgets >= CACHEFILE_READS)
		cachefile_let_go(cf);
	return (found);
}










/* The counters, with the file's entries and bytes in use. */
void
cachefile_stats(struct cachefile *cf, struct cachefile_stats *out)
{
	MDB_envinfo	 info;
	MDB_stat	 ms;
	MDB_txn		*txn;

	*out = cf->st;
	pthread_mutex_lock(&cf->lock);
	out->stored = cf->wst.stored;
	out->evicted = cf->wst.evicted;
	out->write_errors = cf->wst.write_errors;
	out->commits = cf->wst.commits;
	out->write_ms = cf->wst.write_ms;
	out->write_ms_max = cf->wst.write_ms_max;
	pthread_mutex_unlock(&cf->lock);
	if (mdb_env_info(cf->env, &info) == 0 && mdb_env_stat(cf->env,
	    &ms) == 0)
		out->bytes = (uint64_t)(info.me_last_pgno + 1) * ms.ms_psize;
	if (mdb_txn_begin(cf->env, NULL, MDB_RDONLY, &txn) == 0) {
		if (mdb_stat(txn, cf->data, &ms) == 0)
			out->entries = ms.ms_entries;
		mdb_txn_abort(txn);
	}
}

/* Write what is gathered, let the writer finish, and close. */
void
cachefile_close(struct cachefile *cf)
{
	u_int	i;

	if (cf == NULL)
		return;
	if (cf->started) {
		cachefile_flush(cf);
		pthread_mutex_lock(&cf->lock);
		cf->stop = 1;
		pthread_cond_signal(&cf->wake);
		pthread_mutex_unlock(&cf->lock);
		pthread_join(cf->writer, NULL);
		if (cf->wrc != 0)
			log_warnx("%s: %llu batches not stored: %s", cf->path,
			    (unsigned long long)cf->wst.write_errors,
			    mdb_strerror(cf->wrc));
	}
	if (cf->rtxn != NULL)
		mdb_txn_abort(cf->rtxn);	/* reset or not */
	if (cf->env != NULL) {
		/* A run that wrote nothing (a warm rerun) has nothing to sync. */
		if (cf->started && cf->wst.commits > 0)
			mdb_env_sync(cf->env, 1);
		mdb_env_close(cf->env);
	}
	for (i = 0; i < cf->nputs; i++)
		free(cf->puts[i].value);
	free(cf->puts);
	EVP_MD_CTX_free(cf->mdctx);
	EVP_MD_free(cf->md);
	pthread_mutex_destroy(&cf->lock);
	pthread_cond_destroy(&cf->wake);
	pthread_cond_destroy(&cf->idle);
	free(cf->lockpath);
	free(cf->path);
	free(cf);
}
