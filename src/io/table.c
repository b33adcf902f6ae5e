/*
 * The columns of the table sinks (CSV, SQLite) and a row read from a
 * finished line: the one tweet schema (the model's, tweet/model-schema.c),
 * the columns --columns adds (NAME=POINTER) or drops (-NAME), then per
 * enrichment its value (its as name) and its error (NAME_error). A value
 * is a cell: a string decoded, a number as written, an array or object as
 * compact JSON text. When unshorten runs, each of its links is also a row
 * of a links table. A notice is no row.
 *
 * A row is made in two halves, so that the tweet is read once: the schema
 * and --columns cells when its enrichments start, from the model the
 * enrichers use (table_row_start), and the enrichments' cells when it is
 * written (table_row_write). Rows go to the sink as plain bytes: 'R' and
 * the cells of a row, 'L' and those of a links table row, each cell its
 * type (a byte), its length (4 bytes) and its bytes (table_cell_next).
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "lib/lib.h"
#include "json/json.h"
#include "tweet/tweet.h"
#include "io/io.h"

static struct table_column	*table_columns;
static u_int			 table_n;
static int			 table_links = -1;	/* its column */

static const char *const table_link_names[TABLE_LINK_COLUMNS] = {
	"tweet_id", "position", "url", "expanded", "status", "hops", "error"
};
static const char *const table_link_decls[TABLE_LINK_COLUMNS] = {
	"TEXT", "INTEGER", "TEXT", "TEXT", "INTEGER", "INTEGER", "TEXT"
};

/* Is a --to value a table sink (csv: or sqlite:)? */
int
table_is_to(const char *to)
{
	return (to != NULL && (strncmp(to, "csv:", 4) == 0 ||
	    strncmp(to, "sqlite:", 7) == 0));
}

/* Add a column. */
static struct table_column *
table_add(const char *name, enum table_kind kind, u_int col,
    const char *decl)
{
	struct table_column	*c;

	table_columns = xreallocarray(table_columns, table_n + 1,
	    sizeof *table_columns);
	c = &table_columns[table_n++];
	memset(c, 0, sizeof *c);
	c->name = xstrdup(name);
	c->kind = kind;
	c->col = col;
	c->decl = decl;
	return (c);
}

/* The column named name, or -1. */
static int
table_find(const char *name)
{
	u_int	i;

	for (i = 0; i < table_n; i++) {
		if (strcmp(table_columns[i].name, name) == 0)
			return (i);
	}
	return (-1);
}

/* Take out column i. */
static void
table_drop(u_int i)
{
	free(table_columns[i].name);
	free(table_columns[i].pointer);
	memmove(&table_columns[i], &table_columns[i + 1],
	    (table_n - i - 1) * sizeof *table_columns);
	table_n--;
}

/* The SQLite type of an enricher's values ("": none declared). */
static const char *
table_decl(const char *enricher)
{
	if (strcmp(enricher, "type") == 0 || strcmp(enricher, "sha256") == 0)
		return ("TEXT");
	if (strcmp(enricher, "test") == 0 || strcmp(enricher, "sleep") == 0 ||
	    strcmp(enricher, "length") == 0)
		return ("INTEGER");
	return ("");
}

/* One item of --columns: NAME=POINTER adds a column, -NAME drops one. */
static int
table_item(const char *item, int adding, char **cause)
{
	struct table_column	*c;
	const char		*eq;
	char			*name;
	int			 i;

	if (*item == '-') {
		if (adding)
			return (0);
		if ((i = table_find(item + 1)) == -1) {
			xasprintf(cause, "--columns: no column \"%s\" to drop",
			    item + 1);
			return (-1);
		}
		table_drop(i);
		return (0);
	}
	if (!adding)
		return (0);
	if ((eq = strchr(item, '=')) == NULL || eq == item ||
	    !pointer_valid(eq + 1)) {
		xasprintf(cause, "--columns: \"%s\" is not NAME=/POINTER or "
		    "-NAME", item);
		return (-1);
	}
	name = xstrndup(item, eq - item);
	if (table_find(name) != -1) {
		xasprintf(cause, "--columns: two columns named \"%s\"", name);
		free(name);
		return (-1);
	}
	c = table_add(name, TABLE_POINTER, 0, "");
	c->pointer = xstrdup(eq + 1);
	free(name);
	return (0);
}

/* Each comma-separated item of the --columns values, adding or dropping. */
static int
table_items(char **columns, u_int ncolumns, int adding, char **cause)
{
	char	*copy, *p, *item;
	u_int	 i;
	int	 rc = 0;

	for (i = 0; i < ncolumns && rc == 0; i++) {
		p = copy = xstrdup(columns[i]);
		while (rc == 0 && (item = strsep(&p, ",")) != NULL) {
			if (*item != '\0')
				rc = table_item(item, adding, cause);
		}
		free(copy);
	}
	return (rc);
}

/*
 * The columns: the schema, --columns' additions, each enrichment (names
 * and enricher names, n of them) and its error, less --columns' drops.
 */
int
table_configure(const char *const *names, const char *const *enrichers,
    u_int n, char **columns, u_int ncolumns, char **cause)
{
	struct table_column	*c;
	char			*name, *value;
	u_int			 i;

	for (i = 0; i < MCOL_COUNT; i++)
		table_add(model_column_name(i), TABLE_SCHEMA, i, "TEXT");
	if (table_items(columns, ncolumns, 1, cause) != 0)
		return (-1);
	for (i = 0; i < n; i++) {
		/* An enrichment named as a schema column: NAME_value. */
		if (table_find(names[i]) != -1 && table_find(names[i]) <
		    MCOL_COUNT)
			xasprintf(&value, "%s_value", names[i]);
		else
			value = xstrdup(names[i]);
		xasprintf(&name, "%s_error", names[i]);
		if (table_find(value) != -1 || table_find(name) != -1) {
			xasprintf(cause, "--columns: the enrichment \"%s\" "
			    "has a column of its name", names[i]);
			free(value);
			free(name);
			return (-1);
		}
		c = table_add(value, TABLE_VALUE, i, table_decl(
		    enrichers[i]));
		c->links = strcmp(enrichers[i], "unshorten") == 0;
		c->pointer = xstrdup(names[i]);
		c = table_add(name, TABLE_ERROR, i, "TEXT");
		c->pointer = xstrdup(names[i]);
		free(value);
		free(name);
	}
	if (table_items(columns, ncolumns, 0, cause) != 0)
		return (-1);
	for (i = 0; i < table_n; i++) {
		if (table_columns[i].links && table_links == -1)
			table_links = i;
	}
	return (0);
}

/* How many columns. */
u_int
table_ncolumns(void)
{
	return (table_n);
}

/* Column i. */
const struct table_column *
table_column(u_int i)
{
	return (&table_columns[i]);
}

/* Has the run a links table (unshorten runs)? */
int
table_has_links(void)
{
	return (table_links != -1);
}

/* The name of column i of the links table, and its declared type. */
const char *
table_link_column(u_int i, const char **decl)
{
	*decl = table_link_decls[i];
	return (table_link_names[i]);
}

/* Free the columns. */
void
table_free(void)
{
	u_int	i;

	for (i = 0; i < table_n; i++) {
		free(table_columns[i].name);
		free(table_columns[i].pointer);
	}
	free(table_columns);
	table_columns = NULL;
	table_n = 0;
	table_links = -1;
}

/* Append one cell to b. */
static void
table_put(struct evbuffer *b, enum cell_type type, const char *s, size_t len)
{
	uint8_t		t = type;
	uint32_t	n = len;

	evbuffer_add(b, &t, 1);
	evbuffer_add(b, &n, sizeof n);
	if (n > 0)
		evbuffer_add(b, s, n);
}

/* Read the cell at *p (of the bytes table_put wrote) into c; move on. */
void
table_cell_next(const char **p, struct table_cell *c)
{
	uint32_t	n;

	c->type = (uint8_t)**p;
	memcpy(&n, *p + 1, sizeof n);
	c->s = *p + 1 + sizeof n;
	c->len = n;
	*p = c->s + n;
}

/* JSON text without the white space outside its strings (allocated). */
static char *
table_compact(const char *s, size_t len, size_t *out)
{
	char	*c;
	size_t	 i, o = 0;
	int	 in = 0;

	c = xmalloc(len + 1);
	for (i = 0; i < len; i++) {
		if (in) {
			if (s[i] == '\\' && i + 1 < len) {
				c[o++] = s[i++];
			} else if (s[i] == '"')
				in = 0;
		} else if (s[i] == '"')
			in = 1;
		else if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
		    s[i] == '\r')
			continue;
		c[o++] = s[i];
	}
	c[o] = '\0';
	*out = o;
	return (c);
}

/* Append the cell of a value of the text (a scan value). */
static void
table_put_scan(struct evbuffer *b, const struct scan_value *v)
{
	char	*s;
	size_t	 len;

	switch (v->type) {
	case SCAN_STRING:
		s = scan_string(v, &len);
		table_put(b, CELL_TEXT, s, len);
		free(s);
		return;
	case SCAN_NUMBER:
		table_put(b, memchr(v->text, '.', v->len) == NULL &&
		    memchr(v->text, 'e', v->len) == NULL &&
		    memchr(v->text, 'E', v->len) == NULL ? CELL_INT : CELL_REAL,
		    v->text, v->len);
		return;
	case SCAN_TRUE:
		table_put(b, CELL_BOOL, "true", 4);
		return;
	case SCAN_FALSE:
		table_put(b, CELL_BOOL, "false", 5);
		return;
	case SCAN_OBJECT:
	case SCAN_ARRAY:
		s = table_compact(v->text, v->len, &len);
		table_put(b, CELL_JSON, s, len);
		free(s);
		return;
	default:
		table_put(b, CELL_NULL, NULL, 0);
		return;
	}
}

/*
 * The first half of a tweet's row: the cells of the schema and --columns
 * columns, from its model (line is its checked text); allocated, *len its
 * length.
 */
char *
table_row_start(struct model *m, const char *line, size_t len, size_t *out)
{
	static struct evbuffer		*b;	/* kept: one per tweet costs */
	const struct table_column	*c;
	struct scan_value		 root, v;
	const char			*s;
	char				*row;
	size_t				 n;
	u_int				 i;

	if (b == NULL && (b = evbuffer_new()) == NULL)
		fatalx("%s: evbuffer_new failed", __func__);
	scan_line(line, len, &root);
	for (i = 0; i < table_n; i++) {
		c = &table_columns[i];
		if (c->kind == TABLE_SCHEMA) {
			s = model_column(m, c->col, &n);
			table_put(b, s == NULL ? CELL_NULL :
			    model_column_is_list(c->col) ? CELL_JSON :
			    CELL_TEXT, s, n);
		} else if (c->kind == TABLE_POINTER) {
			if (scan_pointer(&root, c->pointer, &v) != 0)
				v.type = SCAN_NONE;
			table_put_scan(b, &v);
		}
	}
	*out = evbuffer_get_length(b);
	row = xmalloc(*out + 1);
	evbuffer_remove(b, row, *out);
	return (row);
}

static int
table_dump_cb(const char *buf, size_t size, void *data)
{
	return (evbuffer_add(data, buf, size));
}

/* Append the cell of an enrichment's value (NULL: null). */
static void
table_put_json(struct evbuffer *b, json_t *v)
{
	static struct evbuffer	*tmp;	/* kept: one per value costs */
	enum cell_type		 type;
	char			 num[32];

	if (v == NULL) {
		table_put(b, CELL_NULL, NULL, 0);
		return;
	}
	switch (json_typeof(v)) {
	case JSON_STRING:
		table_put(b, CELL_TEXT, json_string_value(v),
		    json_string_length(v));
		return;
	case JSON_TRUE:
		table_put(b, CELL_BOOL, "true", 4);
		return;
	case JSON_FALSE:
		table_put(b, CELL_BOOL, "false", 5);
		return;
	case JSON_INTEGER:
		table_put(b, CELL_INT, num, snprintf(num, sizeof num,
		    "%" JSON_INTEGER_FORMAT, json_integer_value(v)));
		return;
	case JSON_REAL:
		type = CELL_REAL;
		break;
	case JSON_OBJECT:
	case JSON_ARRAY:
		type = CELL_JSON;
		break;
	default:
		table_put(b, CELL_NULL, NULL, 0);
		return;
	}
	/* As the JSON lines have it. */
	if (tmp == NULL && (tmp = evbuffer_new()) == NULL)
		fatalx("%s: evbuffer_new failed", __func__);
	if (json_dump_callback(v, table_dump_cb, tmp,
	    JSON_COMPACT|JSON_ENCODE_ANY) != 0)
		fatalx("%s: json_dump_callback failed", __func__);
	table_put(b, type, (char *)evbuffer_pullup(tmp, -1),
	    evbuffer_get_length(tmp));
	evbuffer_drain(tmp, evbuffer_get_length(tmp));
}

/* The links table's rows of an unshorten value (an array of links). */
static void
table_put_links(struct evbuffer *b, const struct table_cell *id,
    json_t *links)
{
	static const char *const keys[] = {
		"url", "expanded", "status", "hops", "error"
	};
	json_t	*l;
	size_t	 i;
	u_int	 k;
	char	 pos[32];

	json_array_foreach(links, i, l) {
		evbuffer_add(b, "L", 1);
		table_put(b, id->type, id->s, id->len);
		table_put(b, CELL_INT, pos, snprintf(pos, sizeof pos, "%zu",
		    i));
		for (k = 0; k < 5; k++)
			table_put_json(b, json_object_get(l, keys[k]));
	}
}

/*
 * The second half: the row of a tweet (pre, the first half, prelen long)
 * with its enrichments' values and errors, then its links table rows, to
 * out.
 */
void
table_row_write(const char *pre, size_t prelen,
    const struct table_value *vals, struct evbuffer *out)
{
	const struct table_column	*c;
	struct table_cell		 id, cell;
	const char			*p = pre;
	u_int				 i;

	evbuffer_add(out, "R", 1);
	evbuffer_add(out, pre, prelen);
	id.type = CELL_NULL;
	id.s = NULL;
	id.len = 0;
	for (i = 0; i < table_n; i++) {
		c = &table_columns[i];
		if (c->kind == TABLE_SCHEMA || c->kind == TABLE_POINTER) {
			table_cell_next(&p, &cell);
			if (c->kind == TABLE_SCHEMA && c->col == MCOL_ID)
				id = cell;
		} else if (c->kind == TABLE_VALUE)
			table_put_json(out, vals[c->col].value);
		else if (vals[c->col].error != NULL)
			table_put(out, CELL_TEXT, vals[c->col].error,
			    strlen(vals[c->col].error));
		else
			table_put(out, CELL_NULL, NULL, 0);
	}
	if (table_links != -1 && json_is_array(vals[table_columns[
	    table_links].col].value))
		table_put_links(out, &id, vals[table_columns[
		    table_links].col].value);
}

/* An earlier run's value of enrichment name in a line (--resume kept it). */
json_t *
table_kept(const char *line, size_t len, const char *name)
{
	struct scan_value	root, e, v;

	if (scan_line(line, len, &root) != 0 ||
	    scan_member(&root, "enrichments", 11, &e) != 0 ||
	    scan_member(&e, name, strlen(name), &v) != 0)
		return (NULL);
	return (scan_json(&v));
}
