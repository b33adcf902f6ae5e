/*
 * The cache file's writes (cachefile.c opens and reads it): puts are
 * gathered on the loop into batches of plain bytes, which a writer thread
 * of our own commits, one transaction a batch, with no fsync (it is a
 * cache). When the map is full the oldest entries go, through the index
 * by time stored. A batch that finds the writer too far behind is dropped
 * and counted: a cache may forget, the loop must not wait.
 */

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "lib/lib.h"
#include "core.h"
#include "http/http.h"
#include "http/cachefile-int.h"

static int	 cachefile_evict(struct cachefile *, u_int);

/*
 * The SHA-256 of a request key, the file's key for it. One context and one
 * fetched digest reused: SHA256() fetches and allocates both on every call,
 * which cost a warm rerun three times the hashing itself.
 */
void
cachefile_hash(struct cachefile *cf, const char *key, size_t keylen,
    u_char *out)
{
	if (EVP_DigestInit_ex2(cf->mdctx, cf->md, NULL) != 1 ||
	    EVP_DigestUpdate(cf->mdctx, key, keylen) != 1 ||
	    EVP_DigestFinal_ex(cf->mdctx, out, NULL) != 1)
		fatalx("%s: SHA-256 failed", __func__);
}

/* The age index key: stored time (big-endian) then the hash. */
static void
cachefile_age_key(u_char *out, int64_t stored, const u_char *hash)
{
	uint64_t	v = (uint64_t)stored;
	int		i;

	for (i = 7; i >= 0; i--) {
		out[i] = v & 0xff;
		v >>= 8;
	}
	memcpy(out + 8, hash, SHA256_DIGEST_LENGTH);
}

/* Drop the oldest entries (about a tenth, at least n) to make room. */
static int
cachefile_evict(struct cachefile *cf, u_int n)
{
	MDB_txn		*txn;
	MDB_cursor	*cur;
	MDB_val		 k, v, dk, dv;
	MDB_stat	 ms;
	struct cachefile_value h;
	u_int		 want, done = 0;
	int		 rc;

	if ((rc = mdb_txn_begin(cf->env, NULL, 0, &txn)) != 0)
		return (-1);
	if ((rc = mdb_stat(txn, cf->age, &ms)) != 0)
		goto fail;
	want = ms.ms_entries / 8;
	if (want < n)
		want = n;
	if ((rc = mdb_cursor_open(txn, cf->age, &cur)) != 0)
		goto fail;
	while (done < want && mdb_cursor_get(cur, &k, &v, MDB_FIRST) == 0) {
		if (k.mv_size != 8 + SHA256_DIGEST_LENGTH)
			break;
		dk.mv_data = (u_char *)k.mv_data + 8;
		dk.mv_size = SHA256_DIGEST_LENGTH;
		/* The entry goes only if this index item is its latest. */
		if (mdb_get(txn, cf->data, &dk, &dv) == 0 &&
		    dv.mv_size >= sizeof h) {
			memcpy(&h, dv.mv_data, sizeof h);
			{
				u_char	ak[8 + SHA256_DIGEST_LENGTH];

				cachefile_age_key(ak, h.stored, dk.mv_data);
				if (memcmp(ak, k.mv_data, sizeof ak) == 0)
					mdb_del(txn, cf->data, &dk, NULL);
			}
		}
		if (mdb_cursor_del(cur, 0) != 0)
			break;
		done++;
	}
	mdb_cursor_close(cur);
	if ((rc = mdb_txn_commit(txn)) != 0)
		return (-1);
	pthread_mutex_lock(&cf->lock);
	cf->wst.evicted += done;
	pthread_mutex_unlock(&cf->lock);
	return (0);

fail:
	mdb_txn_abort(txn);
	return (-1);
}

/* Write a batch in one transaction; 0 or an LMDB code. */
static int
cachefile_commit(struct cachefile *cf, struct cachefile_put *puts, u_int n)
{
	struct cachefile_put	*p;
	MDB_txn			*txn;
	MDB_val			 k, v, ak, av;
	u_char			 agekey[8 + SHA256_DIGEST_LENGTH];
	u_int			 i;
	int			 rc;

	if ((rc = mdb_txn_begin(cf->env, NULL, 0, &txn)) != 0)
		return (rc);
	for (i = 0; i < n; i++) {
		p = &puts[i];
		k.mv_data = p->key;
		k.mv_size = sizeof p->key;
		v.mv_data = p->value;
		v.mv_size = p->len;
		cachefile_age_key(agekey, p->stored, p->key);
		ak.mv_data = agekey;
		ak.mv_size = sizeof agekey;
		av.mv_data = "";
		av.mv_size = 0;
		if ((rc = mdb_put(txn, cf->data, &k, &v, 0)) != 0 ||
		    (rc = mdb_put(txn, cf->age, &ak, &av, 0)) != 0) {
			mdb_txn_abort(txn);
			return (rc);
		}
	}
	return (mdb_txn_commit(txn));
}

/*
 * Keep room: when the pages in use and the batch would take more than
 * 7/8 of the map, drop the oldest first. A full map could not even delete
 * (LMDB copies the pages it changes), so it must never fill up.
 */
static void
cachefile_room(struct cachefile *cf, struct cachefile_batch *b)
{
	MDB_txn		*txn;
	MDB_stat	 d, a;
	size_t		 used, need, total, bytes = 0;
	u_int		 i, k;

	if (mdb_txn_begin(cf->env, NULL, MDB_RDONLY, &txn) != 0)
		return;
	if (mdb_stat(txn, cf->data, &d) != 0 || mdb_stat(txn, cf->age,
	    &a) != 0) {
		mdb_txn_abort(txn);
		return;
	}
	mdb_txn_abort(txn);
	for (i = 0; i < b->n; i++)
		bytes += b->puts[i].len + 64;
	total = cf->size / d.ms_psize;
	used = d.ms_branch_pages + d.ms_leaf_pages + d.ms_overflow_pages +
	    a.ms_branch_pages + a.ms_leaf_pages + a.ms_overflow_pages;
	need = bytes / d.ms_psize + b->n + 16;
	/* Freed pages come back two commits later: evict twice. */
	for (k = 0; k < 2 && used + need > total - total / 8; k++) {
		if (cachefile_evict(cf, b->n) != 0)
			break;
		used -= used / 8;
	}
}

/* Commit one batch (making room if the map is full); on the writer. */
static void
cachefile_write(struct cachefile *cf, struct cachefile_batch *b)
{
	double		t0, ms;
	u_int		i;
	int		rc;

	t0 = clock_mono();
	cachefile_room(cf, b);
	rc = cachefile_commit(cf, b->puts, b->n);
	/*
	 * Full: drop the oldest, in two transactions, for LMDB reuses the
	 * pages a commit frees only two commits later (the previous
	 * snapshot stays whole).
	 */
	for (i = 0; i < 4 && (rc == MDB_MAP_FULL || rc == MDB_TXN_FULL); i++) {
		if (cachefile_evict(cf, b->n * (1 << i)) != 0 ||
		    cachefile_evict(cf, b->n * (1 << i)) != 0)
			break;
		rc = cachefile_commit(cf, b->puts, b->n);
	}
	ms = clock_ms_since(t0);
	pthread_mutex_lock(&cf->lock);
	if (rc != 0) {
		cf->wst.write_errors++;
		if (cf->wrc == 0)
			cf->wrc = rc;
	} else
		cf->wst.stored += b->n;
	cf->wst.commits++;
	cf->wst.write_ms += ms;
	if (ms > cf->wst.write_ms_max)
		cf->wst.write_ms_max = ms;
	pthread_mutex_unlock(&cf->lock);
	for (i = 0; i < b->n; i++)
		free(b->puts[i].value);
	free(b->puts);
}

/* The writer thread: commit batches as they come, until told to stop. */
void *
cachefile_writer(void *arg)
{
	struct cachefile	*cf = arg;
	struct cachefile_batch	 b;

	pthread_mutex_lock(&cf->lock);
	for (;;) {
		while (cf->qlen == 0 && !cf->stop)
			pthread_cond_wait(&cf->wake, &cf->lock);
		if (cf->qlen == 0)
			break;	/* stopped, and all is written */
		b = cf->queue[cf->qhead];
		cf->qhead = (cf->qhead + 1) % CACHEFILE_QUEUE;
		cf->qlen--;
		cf->busy = 1;
		pthread_mutex_unlock(&cf->lock);
		cachefile_write(cf, &b);
		pthread_mutex_lock(&cf->lock);
		cf->busy = 0;
		if (cf->qlen == 0)
			pthread_cond_broadcast(&cf->idle);
	}
	pthread_mutex_unlock(&cf->lock);
	return (NULL);
}

/*
 * Hand what was gathered to the writer. If it is that far behind (the
 * disk is slow), the batch is dropped and counted: a cache may forget,
 * the loop must not wait.
 */
void
cachefile_flush(struct cachefile *cf)
{
	struct cachefile_batch	*b;
	u_int			 i;

	if (cf == NULL)
		return;
	cachefile_let_go(cf);	/* the next look-up sees what is written */
	if (cf->nputs == 0)
		return;
	pthread_mutex_lock(&cf->lock);
	if (cf->qlen == CACHEFILE_QUEUE) {
		pthread_mutex_unlock(&cf->lock);
		cf->st.dropped += cf->nputs;
		for (i = 0; i < cf->nputs; i++)
			free(cf->puts[i].value);
	} else {
		b = &cf->queue[(cf->qhead + cf->qlen) % CACHEFILE_QUEUE];
		b->puts = cf->puts;
		b->n = cf->nputs;
		cf->qlen++;
		pthread_cond_signal(&cf->wake);
		pthread_mutex_unlock(&cf->lock);
		cf->puts = xcalloc(CACHEFILE_BATCH, sizeof *cf->puts);
	}
	cf->nputs = 0;
	cf->putbytes = 0;
}

/* Wait until the writer has committed everything handed to it. */
void
cachefile_wait(struct cachefile *cf)
{
	pthread_mutex_lock(&cf->lock);
	while (cf->qlen > 0 || cf->busy)
		pthread_cond_wait(&cf->idle, &cf->lock);
	pthread_mutex_unlock(&cf->lock);
	cachefile_let_go(cf);
}

/* Keep an answer; written with the next flush (at most a batch later). */
void
cachefile_put(struct cachefile *cf, const char *key, size_t keylen,
    long status, const char *body, size_t bodylen, const char *location)
{
	struct cachefile_value	 h;
	struct cachefile_put	*p;
	size_t			 loclen = location != NULL ? strlen(location) : 0;
	u_char			*v;

	/* Too big for the map to hold many: not kept. */
	if (bodylen + loclen > cf->size / 16)
		return;
	if (cf->nputs == CACHEFILE_BATCH ||
	    cf->putbytes + bodylen > cf->size / 16)
		cachefile_flush(cf);
	cf->putbytes += sizeof h + bodylen + loclen;
	p = &cf->puts[cf->nputs++];
	cachefile_hash(cf, key, keylen, p->key);
	p->len = sizeof h + bodylen + loclen;
	p->stored = (int64_t)clock_wall();
	v = p->value = xmalloc(p->len);
	memset(&h, 0, sizeof h);
	h.magic = CACHEFILE_MAGIC;
	h.stored = p->stored;
	h.status = status;
	h.bodylen = bodylen;
	h.loclen = loclen;
	memcpy(v + sizeof h, body, bodylen);
	if (loclen > 0)
		memcpy(v + sizeof h + bodylen, location, loclen);
	h.check = hash_fnv1a(v + sizeof h, bodylen + loclen);
	memcpy(v, &h, sizeof h);
}

/* How many puts wait for a flush. */
u_int
cachefile_pending(struct cachefile *cf)
{
	return (cf != NULL ? cf->nputs : 0);
}
