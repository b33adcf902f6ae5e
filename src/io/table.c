/*
 * The columns of the table sinks (CSV, SQLite) and a row read from a
 * finished line: the one tweet schema (the model's, tweet/model-schema.c),
 * the columns --columns adds (NAME=POINTER) or drops (-NAME), then per
 * enrichment its value (its as name) and its error (NAME_error). A value
 * is a cell: a string decoded, a number as written, an array or object as
 * compact JSON text. When unshorten runs, each of its links is also a row
 * of a links table. A notice is no row.
 */

#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "json/json.h"
#include "tweet/tweet.h"
#include "io/io.h"

struct table_row {
	struct model		*model;
	struct table_cell	*cells;
	char			**kept;		/* what the cells point into */
	u_int			  nkept;
	u_int			  skept;
	struct table_link	*links;
	u_int			  nlinks;
	u_int			  slinks;
};

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

/* Empty a row. */
void
table_row_clear(struct table_row *r)
{
	u_int	i;

	for (i = 0; i < r->nkept; i++)
		free(r->kept[i]);
	r->nkept = 0;
	r->nlinks = 0;
	model_free(r->model);
	r->model = NULL;
}

/* Free a row. */
void
table_row_free(struct table_row *r)
{
	if (r == NULL)
		return;
	table_row_clear(r);
	free(r->kept);
	free(r->links);
	free(r->cells);
	free(r);
}

/* The cells of a row read. */
const struct table_cell *
table_row_cells(struct table_row *r)
{
	return (r->cells);
}

/* How many links table rows a row has. */
u_int
table_row_nlinks(struct table_row *r)
{
	return (r->nlinks);
}

/* Links table row i. */
const struct table_link *
table_row_link(struct table_row *r, u_int i)
{
	return (&r->links[i]);
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

/* A row to read lines into. */
struct table_row *
table_row_new(void)
{
	struct table_row	*r;

	r = xcalloc(1, sizeof *r);
	r->cells = xcalloc(table_n > 0 ? table_n : 1, sizeof *r->cells);
	return (r);
}

/* Keep s (allocated) until the row is cleared. */
static char *
table_keep(struct table_row *r, char *s)
{
	if (r->nkept == r->skept) {
		r->skept = r->skept == 0 ? 8 : r->skept * 2;
		r->kept = xreallocarray(r->kept, r->skept, sizeof *r->kept);
	}
	r->kept[r->nkept++] = s;
	return (s);
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

/* A cell of a value of the line. */
static void
table_cell(struct table_row *r, const struct scan_value *v,
    struct table_cell *cell)
{
	cell->s = NULL;
	cell->len = 0;
	switch (v->type) {
	case SCAN_STRING:
		cell->type = CELL_TEXT;
		cell->s = table_keep(r, scan_string(v, &cell->len));
		return;
	case SCAN_NUMBER:
		cell->type = memchr(v->text, '.', v->len) == NULL &&
		    memchr(v->text, 'e', v->len) == NULL &&
		    memchr(v->text, 'E', v->len) == NULL ? CELL_INT : CELL_REAL;
		cell->s = v->text;
		cell->len = v->len;
		return;
	case SCAN_TRUE:
	case SCAN_FALSE:
		cell->type = CELL_BOOL;
		cell->s = v->type == SCAN_TRUE ? "true" : "false";
		cell->len = strlen(cell->s);
		return;
	case SCAN_OBJECT:
	case SCAN_ARRAY:
		cell->type = CELL_JSON;
		cell->s = table_keep(r, table_compact(v->text, v->len,
		    &cell->len));
		return;
	default:
		cell->type = CELL_NULL;
		return;
	}
}

/* The links table's rows of an unshorten value (an array of links). */
static void
table_row_links(struct table_row *r, const struct scan_value *v,
    const struct table_cell *id)
{
	static const char *const keys[] = {
		"url", "expanded", "status", "hops", "error"
	};
	struct table_link	*l;
	struct scan_iter	 it;
	struct scan_value	 e, f;
	char			*pos;
	u_int			 i;

	if (v->type != SCAN_ARRAY)
		return;
	scan_iter_init(&it, v);
	while (scan_next(&it, NULL, &e)) {
		if (r->nlinks == r->slinks) {
			r->slinks = r->slinks == 0 ? 8 : r->slinks * 2;
			r->links = xreallocarray(r->links, r->slinks,
			    sizeof *r->links);
		}
		l = &r->links[r->nlinks];
		l->cells[0] = *id;
		xasprintf(&pos, "%u", r->nlinks++);
		l->cells[1].type = CELL_INT;
		l->cells[1].s = table_keep(r, pos);
		l->cells[1].len = strlen(pos);
		for (i = 0; i < 5; i++) {
			if (e.type != SCAN_OBJECT || scan_member(&e, keys[i],
			    strlen(keys[i]), &f) != 0)
				f.type = SCAN_NONE;
			table_cell(r, &f, &l->cells[2 + i]);
		}
	}
}

/* The cell of an enrichment's value or error (obj: the line's object). */
static void
table_enrichment(struct table_row *r, const struct table_column *c,
    const struct scan_value *obj, struct table_cell *cell,
    struct scan_value *v)
{
	if (obj->type != SCAN_OBJECT ||
	    scan_member(obj, c->pointer, strlen(c->pointer), v) != 0)
		v->type = SCAN_NONE;
	table_cell(r, v, cell);
}

/*
 * Read a finished line (a checked JSON object) into the row: 0, or -1 if
 * it is no row (a notice). Valid until the row is cleared.
 */
int
table_row_read(struct table_row *r, const char *line, size_t len)
{
	const struct table_column	*c;
	struct scan_value		 root, ev, ee, v;
	struct table_cell		 id;
	u_int				 i;

	table_row_clear(r);
	if (tweet_kind_is_notice(line, len) ||
	    scan_root(line, len, &root) != 0)
		return (-1);
	r->model = model_new(line, len, NULL, -1);
	if (scan_member(&root, "enrichments", 11, &ev) != 0)
		ev.type = SCAN_NONE;
	if (scan_member(&root, "enrichment_errors", 17, &ee) != 0)
		ee.type = SCAN_NONE;
	id.s = model_column(r->model, MCOL_ID, &id.len);
	id.type = id.s != NULL ? CELL_TEXT : CELL_NULL;
	for (i = 0; i < table_n; i++) {
		c = &table_columns[i];
		switch (c->kind) {
		case TABLE_SCHEMA:
			r->cells[i].s = model_column(r->model, c->col,
			    &r->cells[i].len);
			r->cells[i].type = r->cells[i].s == NULL ? CELL_NULL :
			    model_column_is_list(c->col) ? CELL_JSON : CELL_TEXT;
			break;
		case TABLE_POINTER:
			if (scan_pointer(&root, c->pointer, &v) != 0)
				v.type = SCAN_NONE;
			table_cell(r, &v, &r->cells[i]);
			break;
		case TABLE_VALUE:
			table_enrichment(r, c, &ev, &r->cells[i], &v);
			if ((int)i == table_links)
				table_row_links(r, &v, &id);
			break;
		case TABLE_ERROR:
			table_enrichment(r, c, &ee, &r->cells[i], &v);
			break;
		}
	}
	return (0);
}
