/*
 * Diagnostics on stderr: warnings, fatal errors, and clearing the live
 * progress line before either.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"

static const char	*log_name = PACKAGE_NAME;
static int		 log_clear;	/* a progress line is on stderr */

/* Say whether a live progress line is shown (messages clear it first). */
void
log_progress_line(int shown)
{
	log_clear = shown;
}

/* Write a message; secrets from ${NAME} never reach stderr. */
static void
log_vwrite(const char *fmt, va_list ap, const char *suffix)
{
	char	*msg, *masked;

	if (log_clear)
		fputs("\r\033[K", stderr);
	fprintf(stderr, "%s: ", log_name);
	if (secret_any() && vasprintf(&msg, fmt, ap) != -1) {
		masked = secret_mask(msg);
		fputs(masked, stderr);
		free(masked);
		free(msg);
	} else
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

/* Print a line without our name (a child's stderr), secrets masked. */
void
log_raw(const char *fmt, ...)
{
	va_list	 ap;
	char	*msg, *masked;

	if (log_clear)
		fputs("\r\033[K", stderr);
	va_start(ap, fmt);
	if (secret_any() && vasprintf(&msg, fmt, ap) != -1) {
		masked = secret_mask(msg);
		fputs(masked, stderr);
		free(masked);
		free(msg);
	} else
		vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
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
