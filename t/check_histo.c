/*
 * Unit tests for the latency histogram (histo.c): quantiles of known
 * samples against the exact nearest-rank quantiles computed by sorting,
 * within the stated bound (never below, above by less than 1/64), exact
 * below 128, the largest values clamped, and merging.
 */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "run.h"

/* qsort order for uint64_t. */
static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

/* The exact nearest-rank q-quantile of sorted v[0..n). */
static uint64_t
exact(const uint64_t *v, size_t n, double q)
{
	size_t	rank = (size_t)(q * n + 0.999999999);

	if (rank < 1)
		rank = 1;
	return (v[rank - 1]);
}

/* Check every percentile of n samples against the exact ones. */
static void
check_samples(uint64_t *v, size_t n)
{
	struct histo	*h = xcalloc(1, sizeof *h);
	uint64_t	 e, got;
	size_t		 i;
	int		 p;

	for (i = 0; i < n; i++)
		histo_add(h, v[i]);
	qsort(v, n, sizeof *v, cmp_u64);
	ck_assert_uint_eq(h->count, n);
	ck_assert_uint_eq(h->min, v[0]);
	ck_assert_uint_eq(h->max, v[n - 1]);
	for (p = 1; p <= 100; p++) {
		e = exact(v, n, p / 100.0);
		got = histo_quantile(h, p / 100.0);
		ck_assert_msg(got >= e, "p%d: %ju below exact %ju", p,
		    (uintmax_t)got, (uintmax_t)e);
		ck_assert_msg(got - e < (e + 63) / 64 || got == e,
		    "p%d: %ju too far above exact %ju", p, (uintmax_t)got,
		    (uintmax_t)e);
		if (e < 128)
			ck_assert_uint_eq(got, e);
	}
	ck_assert_uint_eq(histo_quantile(h, 1), v[n - 1]);
	free(h);
}

START_TEST(test_small_exact)
{
	uint64_t	v[100];
	size_t		i;

	for (i = 0; i < 100; i++)
		v[i] = 100 - i;		/* 1..100 */
	check_samples(v, 100);
}
END_TEST

START_TEST(test_known_quantiles)
{
	struct histo	*h = xcalloc(1, sizeof *h);
	int		 i;

	/* 1000 samples: 900 of 100 ms, 90 of 250 ms, 10 of 2 s (in us). */
	for (i = 0; i < 900; i++)
		histo_add(h, 100000);
	for (i = 0; i < 90; i++)
		histo_add(h, 250000);
	for (i = 0; i < 10; i++)
		histo_add(h, 2000000);
	ck_assert_uint_ge(histo_quantile(h, .5), 100000);
	ck_assert_uint_lt(histo_quantile(h, .5), 100000 + 100000 / 64);
	ck_assert_uint_ge(histo_quantile(h, .9), 100000);
	ck_assert_uint_lt(histo_quantile(h, .9), 100000 + 100000 / 64);
	ck_assert_uint_ge(histo_quantile(h, .99), 250000);
	ck_assert_uint_lt(histo_quantile(h, .99), 250000 + 250000 / 64);
	ck_assert_uint_eq(histo_quantile(h, 1), 2000000);
	free(h);
}
END_TEST

START_TEST(test_random_spread)
{
	uint64_t	*v;
	size_t		 i, n = 100000;

	v = xcalloc(n, sizeof *v);
	srandom(19);
	/* Log-uniform from 1 us to about 1000 s. */
	for (i = 0; i < n; i++)
		v[i] = (uint64_t)1 << (random() % 30) | random() % 1024;
	check_samples(v, n);
	free(v);
}
END_TEST

START_TEST(test_huge_and_empty)
{
	struct histo	*h = xcalloc(1, sizeof *h);

	ck_assert_uint_eq(histo_quantile(h, .5), 0);
	histo_add(h, UINT64_MAX);
	histo_add(h, HISTO_MAX);
	ck_assert_uint_eq(h->max, UINT64_MAX);
	ck_assert_uint_le(histo_quantile(h, .5), UINT64_MAX);
	ck_assert_uint_ge(histo_quantile(h, .5), HISTO_MAX - HISTO_MAX / 64);
	free(h);
}
END_TEST

START_TEST(test_merge)
{
	struct histo	*a = xcalloc(1, sizeof *a), *b = xcalloc(1, sizeof *b);
	int		 i;

	for (i = 1; i <= 50; i++)
		histo_add(a, i);
	for (i = 51; i <= 100; i++)
		histo_add(b, i);
	histo_merge(a, b);
	ck_assert_uint_eq(a->count, 100);
	ck_assert_uint_eq(a->min, 1);
	ck_assert_uint_eq(a->max, 100);
	ck_assert_uint_eq(histo_quantile(a, .5), 50);
	ck_assert_uint_eq(histo_quantile(a, .99), 99);
	free(a);
	free(b);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("histo");
	TCase	*tc = tcase_create("histo");

	tcase_add_test(tc, test_small_exact);
	tcase_add_test(tc, test_known_quantiles);
	tcase_add_test(tc, test_random_spread);
	tcase_add_test(tc, test_huge_and_empty);
	tcase_add_test(tc, test_merge);
	suite_add_tcase(s, tc);
	return (run_suite(s));
}
