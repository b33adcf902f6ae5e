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

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <curl/curl.h>
#include <curl/mprintf.h>

#include "lib/lib.h"
#include "core.h"
#include "http/http.h"
#include "http/fetch-int.h"

static u_long	fetch_printf_n;

/* Count from 0 (fetch_multi_init; it also links this file in). */
void
fetch_printf_init(void)
{
	fetch_printf_n = 0;
}

/* How many of libcurl's strings were made here (none: it keeps its own). */
u_long
fetch_printf_calls(void)
{
	return (fetch_printf_n);
}

/* A new string, or NULL (freed by libcurl with free(), as its own). */
char *
curl_mvaprintf(const char *format, va_list ap)
{
	char	*s;

	fetch_printf_n++;
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
	int	n;

	fetch_printf_n++;
	if (maxlength == 0)
		return (0);
	n = vsnprintf(buffer, maxlength, format, ap);
	if (n < 0)
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
