/*
 * Diagnostics on stderr and allocation helpers that treat running out of
 * memory as fatal.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tweet-enricher.h"

static const char	*log_name = PACKAGE_NAME;
static int		 log_clear;	/* a progress line is on stderr */

/* Say whether a live progress line is shown (messages clear it first). */
void
log_progress_line(int shown)
{
	log_clear = shown;
}

static void
log_vwrite(const char *fmt, va_list ap, const char *suffix)
{
	if (log_clear)
		fputs("\r\033[K", stderr);
	fprintf(stderr, "%s: ", log_name);
	vfprintf(stderr, fmt, ap);
	if (suffix != NULL)
		fprintf(stderr, ": %s", suffix);
	fputc('\n', stderr);
}

/* Print a warning. */
void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(fmt, ap, NULL);
	va_end(ap);
}

/* Print a warning with the current errno. */
void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	char	*e = strerror(errno);

	va_start(ap, fmt);
	log_vwrite(fmt, ap, e);
	va_end(ap);
}

/* Print an error and exit. */
__dead void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(fmt, ap, NULL);
	va_end(ap);
	exit(1);
}

/* Print an error with the current errno and exit. */
__dead void
fatal(const char *fmt, ...)
{
	va_list	ap;
	char	*e = strerror(errno);

	va_start(ap, fmt);
	log_vwrite(fmt, ap, e);
	va_end(ap);
	exit(1);
}

/* Allocate or die. */
void *
xmalloc(size_t size)
{
	void	*p;

	if (size == 0)
		size = 1;
	if ((p = malloc(size)) == NULL)
		fatalx("%s: out of memory (%zu bytes)", __func__, size);
	return (p);
}

/* Allocate zeroed memory or die. */
void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = calloc(n, size)) == NULL)
		fatalx("%s: out of memory (%zu * %zu bytes)", __func__, n, size);
	return (p);
}

/* Resize an array or die. */
void *
xreallocarray(void *old, size_t n, size_t size)
{
	void	*p;

	if (n == 0 || size == 0)
		n = size = 1;
	if (size != 0 && n > SIZE_MAX / size)
		fatalx("%s: size overflow", __func__);
	if ((p = realloc(old, n * size)) == NULL)
		fatalx("%s: out of memory (%zu * %zu bytes)", __func__, n, size);
	return (p);
}

/* Copy a string or die. */
char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		fatalx("%s: out of memory", __func__);
	return (p);
}

/* Copy at most n bytes of a string or die. */
char *
xstrndup(const char *s, size_t n)
{
	char	*p;

	if ((p = strndup(s, n)) == NULL)
		fatalx("%s: out of memory", __func__);
	return (p);
}

/* Format into a new string or die. */
int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = xvasprintf(ret, fmt, ap);
	va_end(ap);
	return (n);
}

/* Format into a new string or die. */
int
xvasprintf(char **ret, const char *fmt, va_list ap)
{
	int	n;

	if ((n = vasprintf(ret, fmt, ap)) == -1)
		fatalx("%s: out of memory", __func__);
	return (n);
}
