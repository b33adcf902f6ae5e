/*
 * libFuzzer: config files, through a memfd named by /proc/self/fd.
 */

#include <sys/mman.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/lib.h"
#include "core.h"
#include "enrich/enrich.h"

static int
option_cb(const char *name, const char *value, char **cause)
{
	if (strlen(name) > 1000 || strlen(value) > 1000) {
		xasprintf(cause, "long");
		return (-1);
	}
	return (0);
}

static int
enrich_cb(struct spec *sp, char **cause)
{
	spec_free(sp);
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 fd = -1;
	char		 path[64], *cause = NULL;

	if (fd == -1 && (fd = memfd_create("config", 0)) == -1)
		abort();
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) !=
	    (ssize_t)size)
		abort();
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	if (config_load(path, option_cb, enrich_cb, &cause) != 0)
		free(cause);
	return (0);
}
