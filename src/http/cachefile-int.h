/*
 * http/cachefile-int.h: what the cache file's two halves share, included
 * by them alone: the record format and the state of an open file.
 * cachefile.c opens and checks the file and reads it on the loop;
 * cachefile-write.c hashes keys, gathers puts and commits them on the
 * writer thread.
 */

#ifndef TE_CACHEFILE_INT_H
#define TE_CACHEFILE_INT_H

#include <sys/stat.h>

#include <pthread.h>
#include <stdint.h>

#include <lmdb.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#define CACHEFILE_FORMAT "tweet-enricher cache file, format 1"
#define CACHEFILE_MAGIC 0x54454331u	/* "TEC1" */
#define CACHEFILE_BATCH 256		/* puts gathered before a commit */
#define CACHEFILE_QUEUE 16		/* batches waiting for the writer */
#define CACHEFILE_READS 256		/* look-ups in one read transaction */

/* The header in front of every stored value. */
struct cachefile_value {
	uint32_t	magic;
	uint32_t	check;		/* FNV-1a of what follows the header */
	int64_t		stored;		/* epoch seconds */
	int32_t		status;
	uint32_t	bodylen;
	uint32_t	loclen;		/* 0: no redirect target */
	uint32_t	pad;
};

struct cachefile_put {
	u_char		 key[SHA256_DIGEST_LENGTH];
	void		*value;
	size_t		 len;
	int64_t		 stored;
};

/* A batch of puts handed to the writer thread. */
struct cachefile_batch {
	struct cachefile_put	*puts;
	u_int			 n;
};

struct cachefile {
	char			*path;
	char			*lockpath;	/* LMDB's, beside it */
	struct stat		 data_sb;	/* the files as checked */
	struct stat		 lock_sb;
	MDB_env			*env;
	MDB_dbi			 data;		/* hash -> value */
	MDB_dbi			 age;		/* stored | hash -> "" */
	MDB_txn			*rtxn;		/* the loop's reads */
	u_int			 rgets;		/* 0: rtxn is reset */
	EVP_MD			*md;		/* SHA-256, fetched once */
	EVP_MD_CTX		*mdctx;		/* the loop's, reused */
	struct cachefile_put	*puts;		/* the batch being gathered */
	u_int			 nputs;
	size_t			 putbytes;
	size_t			 size;		/* the map */
	struct cachefile_stats	 st;		/* the loop's counters */

	/* The writer thread and what it shares with the loop (lock). */
	pthread_t		 writer;
	int			 started;
	pthread_mutex_t		 lock;
	pthread_cond_t		 wake;		/* work, or stop */
	pthread_cond_t		 idle;		/* the queue emptied */
	struct cachefile_batch	 queue[CACHEFILE_QUEUE];
	u_int			 qhead;
	u_int			 qlen;
	int			 busy;		/* committing a batch */
	int			 stop;
	struct cachefile_stats	 wst;		/* the writer's counters */
	int			 wrc;		/* its first LMDB error */
};

/* End the loop's read transaction, if one is held (cachefile_idle). */
static inline void
cachefile_let_go(struct cachefile *cf)
{
	if (cf->rgets > 0) {
		mdb_txn_reset(cf->rtxn);
		cf->rgets = 0;
	}
}

/* cachefile-write.c */
void		 cachefile_hash(struct cachefile *, const char *, size_t,
		     u_char *);
void		*cachefile_writer(void *);

#endif
