/*
 * The sha256 enricher: hex SHA-256 of a string field, iterated: round 1
 * hashes the field's UTF-8 bytes, each later round the previous 32-byte
 * digest. The hashing runs on the CPU pool; the job holds a copy of the
 * bytes, never the tweet.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <tweet-enricher/enricher.h>

static const struct te_api	*te;

#define SHA256_MAX_ROUNDS 1000000000

static const char *const sha256_keys[] = {
	"field", "JSON pointer to the text (default: the tweet's text)",
	"rounds", "times to hash (default 1)",
	NULL
};

struct sha256_conf {
	char		*field;
	u_int		 rounds;
};

struct sha256_job {
	struct te_pool_job	 job;
	struct slot	*slot;		/* opaque to the worker */
	u_int		 rounds;
	int		 failed;
	char		 hex[2 * 32 + 1];
	size_t		 len;
	u_char		 data[];
};

/* Fetched once: an implicit fetch on every call costs more than a hash. */
static EVP_MD	*sha256_md;

/* field= and rounds=; fetch the digest once. */
static void *
sha256_configure(struct spec *sp, char **cause)
{
	struct sha256_conf	*sc;
	const char		*field = te->spec_get(sp, "field");
	long long		 rounds;

	if (field != NULL && !te->pointer_valid(field)) {
		te->xasprintf(cause, "sha256: bad JSON pointer: %s", field);
		return (NULL);
	}
	if (te->spec_number(sp, "rounds", 1, SHA256_MAX_ROUNDS, 1, &rounds,
	    cause) != 0)
		return (NULL);
	if (sha256_md == NULL &&
	    (sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		te->fatalx("%s: EVP_MD_fetch(SHA256) failed", __func__);
	sc = te->xcalloc(1, sizeof *sc);
	if (field != NULL)
		sc->field = te->xstrdup(field);
	sc->rounds = rounds;
	return (sc);
}

/* Free what sha256_configure made. */
static void
sha256_free(void *data)
{
	struct sha256_conf	*sc = data;

	free(sc->field);
	free(sc);
}

/*
 * Hash len bytes, then the digest rounds - 1 more times, into out. Runs on
 * a worker thread.
 */
static int
sha256_rounds(const u_char *data, size_t len, u_int rounds, u_char out[32])
{
	EVP_MD_CTX	*ctx;
	u_int		 i, n;
	int		 ok = 1;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return (-1);
	for (i = 0; i < rounds && ok; i++) {
		/* Stop early if the program is quitting (stdout closed). */
		if ((i & 4095) == 4095 && te->pool_cancelled()) {
			ok = 0;
			break;
		}
		ok = EVP_DigestInit_ex2(ctx, sha256_md, NULL) &&
		    EVP_DigestUpdate(ctx, i == 0 ? data : out,
		    i == 0 ? len : 32) &&
		    EVP_DigestFinal_ex(ctx, out, &n);
	}
	EVP_MD_CTX_free(ctx);
	return (ok ? 0 : -1);
}

/* On a worker. */
static void
sha256_work(struct te_pool_job *job)
{
	struct sha256_job	*sj = (struct sha256_job *)job;
	static const char	 hex[] = "0123456789abcdef";
	u_char			 md[32];
	u_int			 i;

	if (sha256_rounds(sj->data, sj->len, sj->rounds, md) != 0) {
		sj->failed = 1;
		return;
	}
	for (i = 0; i < 32; i++) {
		sj->hex[2 * i] = hex[md[i] >> 4];
		sj->hex[2 * i + 1] = hex[md[i] & 15];
	}
	sj->hex[64] = '\0';
}

/* Back on the loop. */
static void
sha256_done(struct te_pool_job *job)
{
	struct sha256_job	*sj = (struct sha256_job *)job;

	if (sj->failed)
		te->slot_settle(sj->slot, NULL, "libcrypto failed to hash");
	else
		te->slot_settle(sj->slot, json_stringn(sj->hex, 64), NULL);
	free(sj);
}

/* The program exits before the job is done: free it. */
static void
sha256_cancel(struct te_pool_job *job)
{
	free(job);
}

/* Copy the text into a job for the pool. */
static void
sha256_start(void *data, struct slot *s)
{
	struct sha256_conf	*sc = data;
	struct sha256_job	*sj;
	const char		*text;
	char			*cause;
	size_t			 len;

	if (te->slot_text(s, sc->field, &text, &len, &cause) != 0) {
		te->slot_settle(s, NULL, "%s", cause);
		free(cause);
		return;
	}
	sj = te->xmalloc(sizeof *sj + len);
	memset(sj, 0, sizeof *sj);
	sj->job.work = sha256_work;
	sj->job.done = sha256_done;
	sj->job.cancel = sha256_cancel;
	sj->slot = s;
	sj->rounds = sc->rounds;
	sj->len = len;
	memcpy(sj->data, text, len);
	te->pool_submit(&sj->job);
}

/* Free what was fetched (at exit). */
static void
sha256_cleanup(void)
{
	EVP_MD_free(sha256_md);
	sha256_md = NULL;
}

static const struct te_enricher sha256_enricher = {
	.name = "sha256",
	.kind = TE_CPU,
	.help = "hex SHA-256 of a string field, iterated, on the CPU pool",
	.keys = sha256_keys,
	.configure = sha256_configure,
	.start = sha256_start,
	.free = sha256_free,
	.cleanup = sha256_cleanup,
};

/* The entry point: keep the table, register the enricher. */
int
sha256_register(const struct te_api *api, char **cause)
{
	te = api;
	return (te->register_enricher(&sha256_enricher, cause));
}
