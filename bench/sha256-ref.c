/*
 * The reference for the sha256 benchmark: the same iterated SHA-256 of the
 * same tweet bodies with libcrypto on T threads, as a plain loop with no
 * event loop, no JSON output and no queue.
 *
 * usage: sha256-ref ROUNDS THREADS < tweets.jsonl   (prints seconds)
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

static EVP_MD		*md;
static char		**bodies;
static size_t		*lens;
static size_t		 n;
static unsigned		 rounds, nthreads;

static void *
worker(void *arg)
{
	size_t		 i, t = (size_t)arg;
	unsigned char	 out[32];
	unsigned	 k, len;
	EVP_MD_CTX	*ctx = EVP_MD_CTX_new();

	for (i = t; i < n; i += nthreads) {
		for (k = 0; k < rounds; k++) {
			EVP_DigestInit_ex2(ctx, md, NULL);
			EVP_DigestUpdate(ctx, k == 0 ? (unsigned char *)bodies[i] :
			    out, k == 0 ? lens[i] : 32);
			EVP_DigestFinal_ex(ctx, out, &len);
		}
		bodies[i][0] = out[0];	/* keep the work */
	}
	EVP_MD_CTX_free(ctx);
	return (NULL);
}

int
main(int argc, char **argv)
{
	char		*line = NULL;
	size_t		 size = 0, cap = 0, i;
	pthread_t	*th;
	struct timespec	 a, b;
	json_t		*j;

	if (argc != 3)
		return (2);
	rounds = atoi(argv[1]);
	nthreads = atoi(argv[2]);
	md = EVP_MD_fetch(NULL, "SHA256", NULL);
	while (getline(&line, &size, stdin) > 0) {
		j = json_loads(line, 0, NULL);
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			bodies = realloc(bodies, cap * sizeof *bodies);
			lens = realloc(lens, cap * sizeof *lens);
		}
		lens[n] = json_string_length(json_object_get(j, "body"));
		bodies[n] = malloc(lens[n] + 1);
		memcpy(bodies[n], json_string_value(json_object_get(j, "body")),
		    lens[n] + 1);
		n++;
		json_decref(j);
	}
	th = calloc(nthreads, sizeof *th);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < nthreads; i++)
		pthread_create(&th[i], NULL, worker, (void *)i);
	for (i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.6f\n", (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
	return (0);
}
