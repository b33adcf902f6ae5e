/*
 * Unit tests for fetch-printf.c, libcurl's formatted strings made by the
 * C library's printf: libcurl's own calls reach ours (a URL it puts
 * together), and ours print what libcurl's engine prints, the value
 * curl_msnprintf returns when it truncates included, for the formats
 * libcurl 7.88 uses on a request's way (the plain ones written by us, the
 * others by vsnprintf).
 */

#include <check.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <curl/mprintf.h>

#include "lib/lib.h"
#include "core.h"
#include "http/http.h"
#include "http/fetch-int.h"
#include "run.h"

typedef char	*(*aprintf_fn)(const char *, ...);
typedef int	 (*snprintf_fn)(char *, size_t, const char *, ...);

/* libcurl's own engine, found in libcurl itself rather than in us. */
static void *
curl_own(const char *name)
{
	void	*h, *f;

	h = dlopen("libcurl.so.4", RTLD_NOW|RTLD_NOLOAD);
	ck_assert_ptr_nonnull(h);
	f = dlsym(h, name);
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_ne(f, dlsym(RTLD_DEFAULT, name));
	return (f);
}

START_TEST(test_libcurl_calls_ours)
{
	CURLU	*u;
	char	*s;
	u_long	 before;

	fetch_printf_init();
	before = fetch_printf_calls();
	ck_assert_ptr_nonnull(u = curl_url());
	ck_assert_int_eq(curl_url_set(u, CURLUPART_URL,
	    "HTTP://127.0.0.1:8080/a/b?c=d#e", 0), CURLUE_OK);
	ck_assert_int_eq(curl_url_get(u, CURLUPART_URL, &s, 0), CURLUE_OK);
	ck_assert_str_eq(s, "http://127.0.0.1:8080/a/b?c=d#e");
	/*
	 * Measured and relied on for libcurl 7.88 (Debian 12). Another
	 * libcurl may build its strings inside, with its own engine: then
	 * ours are not called, which costs speed, not correctness.
	 */
	if ((curl_version_info(CURLVERSION_NOW)->version_num >> 8) == 0x0758)
		ck_assert_uint_gt(fetch_printf_calls(), before);
	else if (fetch_printf_calls() == before)
		fprintf(stderr, "check_curlfmt: libcurl %s keeps its own "
		    "printf engine\n", curl_version_info(CURLVERSION_NOW)->version);
	curl_free(s);
	curl_url_cleanup(u);
}
END_TEST

#define SAME(...) do {							\
	a = curl_maprintf(__VA_ARGS__);					\
	b = theirs(__VA_ARGS__);					\
	ck_assert_ptr_nonnull(a);					\
	ck_assert_ptr_nonnull(b);					\
	ck_assert_str_eq(a, b);						\
	free(a);							\
	free(b);							\
} while (0)

START_TEST(test_same_as_curl)
{
	aprintf_fn	 theirs = (aprintf_fn)curl_own("curl_maprintf");
	char		*a, *b, long_text[1000];

	memset(long_text, 'x', sizeof long_text - 1);
	long_text[sizeof long_text - 1] = '\0';

	SAME("%s://%s%s%s%s%s%s%s%s%s%s%s%s%s%s", "http", "", "", "", "",
	    "", "", "127.0.0.1", ":8080", "/latency/50", "?", "17", "", "",
	    "");
	SAME("Host: %s%s%s:%d\r\n", "[", "::1", "]", 443);
	SAME("User-Agent: %s\r\n", "tweet-enricher/0.1.0");
	SAME("%ld%s", 80L, "example.com");
	SAME("%u/%ld/%s", 0U, -1L, "x");
	SAME("%.*s|%-6s|%6s|%%", 3, "abcdef", "ab", "cd");
	SAME("%" CURL_FORMAT_CURL_OFF_T " %zu %zd", (curl_off_t)-1234567890123LL,
	    (size_t)42, (ssize_t)-42);
	SAME("%x %X %02x %o %c %5.2f", 255U, 255U, 7U, 8U, 'z', 3.14159);
	SAME("%s", "");
	SAME("%s%s", "Accept-Encoding: ", "deflate, gzip, br, zstd");
	SAME("%u/%ld/%s", 4294967295U, LONG_MIN, "host");
	SAME(":%u%%%d|%ld|%lu", 0U, INT_MIN, LONG_MAX, ULONG_MAX);
	SAME("%u.%u.%u.%u", 127U, 0U, 0U, 1U);
	SAME("Connection #%ld to host %s left intact", 12L, "127.0.0.1");
	SAME("%s?%s|%s", "/a", (char *)NULL, "b");
	SAME("%s", long_text);
	SAME("%5s|%-3d|%.1s|%lld|%zu", "a", 1, "bc", -1LL, (size_t)3);
}
END_TEST

START_TEST(test_truncation_as_curl)
{
	snprintf_fn	 theirs = (snprintf_fn)curl_own("curl_msnprintf");
	char		 a[8], b[8];
	int		 na, nb;

	na = curl_msnprintf(a, sizeof a, "%s", "0123456789");
	nb = theirs(b, sizeof b, "%s", "0123456789");
	ck_assert_int_eq(na, nb);
	ck_assert_int_eq(na, 7);
	ck_assert_str_eq(a, b);
	na = curl_msnprintf(a, sizeof a, "%s", "0123456");
	nb = theirs(b, sizeof b, "%s", "0123456");
	ck_assert_int_eq(na, nb);
	ck_assert_str_eq(a, b);
	na = curl_msnprintf(a, sizeof a, "%d", 12);
	nb = theirs(b, sizeof b, "%d", 12);
	ck_assert_int_eq(na, 2);
	ck_assert_int_eq(na, nb);
	ck_assert_str_eq(a, b);
	ck_assert_int_eq(curl_msnprintf(a, 0, "%s", "x"), theirs(b, 0, "%s",
	    "x"));
	na = curl_msnprintf(a, sizeof a, "%u/%ld/%s", 1U, 80L, "example");
	nb = theirs(b, sizeof b, "%u/%ld/%s", 1U, 80L, "example");
	ck_assert_int_eq(na, nb);
	ck_assert_str_eq(a, b);
	na = curl_msnprintf(a, sizeof a, "%5.1f%c", 2.25, 'x');
	nb = theirs(b, sizeof b, "%5.1f%c", 2.25, 'x');
	ck_assert_int_eq(na, nb);
	ck_assert_str_eq(a, b);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("curlfmt");
	TCase	*tc = tcase_create("curlfmt");

	tcase_add_test(tc, test_libcurl_calls_ours);
	tcase_add_test(tc, test_same_as_curl);
	tcase_add_test(tc, test_truncation_as_curl);
	suite_add_tcase(s, tc);
	return (run_suite(s));
}
