/*
 * json: what the readers of JSON text share inside src/json only (and its
 * tests): one reader of \u escapes, for the checker and the scanner alike.
 */

#ifndef TE_JSON_INT_H
#define TE_JSON_INT_H

#include "json/json.h"

/* scan.c */
#define SCAN_U_HEX 1		/* not four hex digits */
#define SCAN_U_SURROGATE 2	/* half a surrogate pair alone */
const char	*scan_unicode(const char *, const char *, u_int *, int *);
enum scan_type	 scan_type_at(const char *);

#endif
