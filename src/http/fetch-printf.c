/*
 * libcurl's formatted strings, made by the C library's printf rather than
 * by libcurl's own engine. libcurl 7.88 builds its URL, its Host and
 * User-Agent lines and its connection keys with curl_maprintf and
 * curl_msnprintf, through its exported symbols; ours, defined in the
 * program, are the ones it calls (ELF symbol interposition). Its engine
 * appends to a growing buffer one byte at a time: about a fifth of the
 * loop's instructions per lookup at -j 1000, for strings of a few dozen
 * bytes. The formats libcurl uses are C's (%s, %d, %ld, %zu, %.*s, %x,
 * %c, %p); what it is given it prints the same, and curl_mvsnprintf keeps
 * libcurl's return value, the bytes stored (curl_failf counts on it),
 * not C's length before truncation; a NULL string alone reads "(null)",
 * not "(nil)". A libcurl that calls its own inside keeps its engine:
 * fetch_printf_calls() then stays 0. t/check_curlfmt compares the two.
 */

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <curl/mprintf.h>

#include "lib/lib.h"
#include "core.h"
#include "http/http.h"
#include "http/fetch-int.h"

static u_long	fetch_printf_n;	/* atomic: any thread may call libcurl's */

/* Count from 0 (fetch_multi_init; it also links this file in). */
void
fetch_printf_init(void)
{
	__atomic_store_n(&fetch_printf_n, 0, __ATOMIC_RELAXED);
}

/* How many of libcurl's strings were made here (none: it keeps its own). */
u_long
fetch_printf_calls(void)
{
	return (__atomic_load_n(&fetch_printf_n, __ATOMIC_RELAXED));
}

/*
 * The formats libcurl uses most are plain: text, %s, %d, %u, %ld, %lu and
 * %%, no flag, width or precision. Those are written here (a NULL string
 * as libcurl writes it, "(nil)"); the answer is the length in full, as
 * vsnprintf's, or -1 for any other format, left to vsnprintf. Only as many
 * bytes as fit in size, with a NUL, are stored.
 */
static int
fetch_printf_plain(char *out, size_t size, const char *format, va_list ap)
{
	const char	*f, *s;
	char		 num[24], *np;
	size_t		 len = 0, n;
	u_long		 u;
	long		 l;
	int		 lng, neg;

	for (f = format; (f = strchr(f, '%')) != NULL; f++) {
		f++;
		if (*f == 'l' && f[1] != 'd' && f[1] != 'u')
			return (-1);
		if (*f == 'l')
			f++;
		else if (*f != 's' && *f != 'd' && *f != 'u' && *f != '%')
			return (-1);
	}
	for (f = format; *f != '\0'; f++) {
		if (*f != '%' || *++f == '%') {
			s = f;
			n = f[0] == '%' ? 1 : strcspn(f, "%");
			f += n - 1;
		} else {
			if ((lng = (*f == 'l')))
				f++;
			if (*f == 's') {
				if ((s = va_arg(ap, const char *)) == NULL)
					s = "(nil)";
				n = strlen(s);
			} else {
				neg = 0;
				if (*f == 'u')
					u = lng ? va_arg(ap, u_long) :
					    va_arg(ap, u_int);
				else {
					l = lng ? va_arg(ap, long) :
					    va_arg(ap, int);
					neg = l < 0;
					u = neg ? -(u_long)l : (u_long)l;
				}
				np = num + sizeof num;
				do
					*--np = '0' + u % 10;
				while ((u /= 10) != 0);
				if (neg)
					*--np = '-';
				s = np;
				n = num + sizeof num - np;
			}
		}
		if (len < size)
			memcpy(out + len, s, len + n < size ? n : size - len);
		len += n;
	}
	if (size > 0)
		out[len < size ? len : size - 1] = '\0';
	if (len > INT_MAX)
		return (-1);
	return ((int)len);
}

/* A new string, or NULL (freed by libcurl with free(), as its own). */
char *
curl_mvaprintf(const char *format, va_list ap)
{
	char	 buf[256], *s;
	va_list	 ap2;
	int	 n;

	__atomic_add_fetch(&fetch_printf_n, 1, __ATOMIC_RELAXED);
	va_copy(ap2, ap);
	n = fetch_printf_plain(buf, sizeof buf, format, ap2);
	va_end(ap2);
	if (n >= 0 && (size_t)n < sizeof buf) {
		if ((s = malloc(n + 1)) != NULL)
			memcpy(s, buf, n + 1);
		return (s);
	}
	if (vasprintf(&s, format, ap) == -1)
		return (NULL);
	return (s);
}

char *
curl_maprintf(const char *format, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, format);
	s = curl_mvaprintf(format, ap);
	va_end(ap);
	return (s);
}

/* Into a buffer: the bytes stored, truncated or not (libcurl's answer). */
int
curl_mvsnprintf(char *buffer, size_t maxlength, const char *format,
    va_list ap)
{
	va_list	ap2;
	int	n;

	__atomic_add_fetch(&fetch_printf_n, 1, __ATOMIC_RELAXED);
	if (maxlength == 0)
		return (0);
	va_copy(ap2, ap);
	n = fetch_printf_plain(buffer, maxlength, format, ap2);
	va_end(ap2);
	if (n < 0 && (n = vsnprintf(buffer, maxlength, format, ap)) < 0)
		return (-1);
	if ((size_t)n >= maxlength)
		return ((int)(maxlength - 1));
	return (n);
}

int
curl_msnprintf(char *buffer, size_t maxlength, const char *format, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, format);
	n = curl_mvsnprintf(buffer, maxlength, format, ap);
	va_end(ap);
	return (n);
}
