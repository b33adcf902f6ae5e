/*
 * The table sinks through the whole program (--to csv:, --to sqlite:,
 * --columns) and the one tweet schema they write (tweet/model-schema.c):
 * on every real sample (t/data/tables-*.jsonl, derived from
 * ../shared/realdata by tools/tables-fixtures.py) the CSV read back by
 * Python's csv module, the SQLite table and the JSON-lines output agree
 * tweet by tweet and with the input (t/tables-check.py); the same v2
 * tweets as a page, as twarc2 lines and as flatten lines give the same
 * rows; RFC 4180; notices and bad lines never become rows; declared types
 * and the links table of unshorten; what is refused.
 */

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>
#include <sqlite3.h>

#include "lib/lib.h"
#include "json/json.h"
#include "tweet/tweet.h"
#include "run.h"

/* The path of a fixture in t/data. */
static char *
fixture(const char *name)
{
	static char	path[4096];

	snprintf(path, sizeof path, "%s/t/data/%s", run_srcdir(), name);
	return (path);
}

/* A fresh temporary path (nothing there). */
static char *
tmp_path(const char *suffix)
{
	char	*p, *q;
	int	 fd;

	p = strdup("/tmp/te-tables.XXXXXX");
	ck_assert((fd = mkstemp(p)) != -1);
	close(fd);
	unlink(p);
	ck_assert(asprintf(&q, "%s%s", p, suffix) != -1);
	free(p);
	return (q);
}

/* Remove a database and its WAL files. */
static void
rm_db(const char *path)
{
	char	buf[4096];

	unlink(path);
	snprintf(buf, sizeof buf, "%s-wal", path);
	unlink(buf);
	snprintf(buf, sizeof buf, "%s-shm", path);
	unlink(buf);
}

/* Run tweet-enricher on a file as its stdin; args end with NULL. */
static void
te_file(struct proc *p, const char *input, ...)
{
	const char	*argv[64];
	va_list		 ap;
	int		 fd, n = 0;

	argv[n++] = run_bin();
	va_start(ap, input);
	while ((argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	ck_assert((fd = open(input, O_RDONLY)) != -1);
	proc_start(p, argv, fd);
	close(fd);
	proc_finish(p);
}

/* Run a program to its end; its exit status (stderr shown on failure). */
static int
run_prog(const char *const *argv)
{
	struct proc	p;
	int		status;

	proc_start(&p, argv, -1);
	proc_close_in(&p);
	proc_finish(&p);
	status = p.status;
	if (status != 0)
		fprintf(stderr, "%s: %s\n", argv[1], p.ebuf != NULL ?
		    p.ebuf : "");
	proc_free(&p);
	return (status);
}

/*
 * One sample: JSON lines, CSV and SQLite made from it (-k, -e type -e
 * length) agree, checked by t/tables-check.py.
 */
static void
agree(const char *name, int split)
{
	struct proc	 p;
	char		*csv, *db, *to_csv, *to_db, script[4096];
	const char	*in = strdup(fixture(name));
	const char	*sp = split ? "--split" : "-k";
	const char	*sv = split ? "/data" : "-k";
	FILE		*f;
	char		*jsonl;

	csv = tmp_path(".csv");
	db = tmp_path(".db");
	jsonl = tmp_path(".jsonl");
	ck_assert(asprintf(&to_csv, "csv:%s", csv) != -1);
	ck_assert(asprintf(&to_db, "sqlite:%s", db) != -1);

	te_file(&p, in, "-q", "-k", sp, sv, "-e", "type", "-e", "length",
	    NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert((f = fopen(jsonl, "w")) != NULL);
	fwrite(p.obuf, 1, p.olen, f);
	fclose(f);
	proc_free(&p);
	te_file(&p, in, "-q", "-k", sp, sv, "-e", "type", "-e", "length",
	    "--to", to_csv, NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	ck_assert_uint_eq(p.olen, 0);
	proc_free(&p);
	te_file(&p, in, "-q", "-k", sp, sv, "-e", "type", "-e", "length",
	    "--to", to_db, NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	proc_free(&p);

	snprintf(script, sizeof script, "%s/t/tables-check.py", run_srcdir());
	{
		const char *argv[] = { "python3", script, in, jsonl, csv, db,
		    split ? "--split" : NULL, NULL };
		ck_assert_msg(run_prog(argv) == 0, "%s: the outputs disagree",
		    name);
	}
	unlink(csv);
	unlink(jsonl);
	rm_db(db);
	free(csv);
	free(db);
	free(jsonl);
	free(to_csv);
	free(to_db);
	free((char *)in);
}

START_TEST(test_agree_v11)
{
	agree("tables-v11.jsonl", 0);
}
END_TEST

START_TEST(test_agree_gnip)
{
	agree("tables-gnip.jsonl", 0);
}
END_TEST

START_TEST(test_agree_twarc2)
{
	/* Its line 8 is a real truncated line: no row. */
	agree("tables-v2.jsonl", 0);
}
END_TEST

START_TEST(test_agree_page)
{
	agree("tables-page.jsonl", 1);
}
END_TEST

/* The rows of an SQLite table as text, one line each (free it). */
static char *
sqlite_dump(const char *path, const char *sql)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	char		*out = NULL;
	size_t		 len = 0;
	FILE		*f;
	int		 i;

	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK,
	    "%s", sqlite3_errmsg(db));
	f = open_memstream(&out, &len);
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (i = 0; i < sqlite3_column_count(st); i++) {
			fprintf(f, "%s%s:%s", i > 0 ? "|" : "",
			    sqlite3_column_decltype(st, i) != NULL ?
			    sqlite3_column_decltype(st, i) : "",
			    sqlite3_column_type(st, i) == SQLITE_NULL ? "NULL" :
			    (const char *)sqlite3_column_text(st, i));
		}
		fputc('\n', f);
	}
	fclose(f);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return (out);
}

/* CSV on stdout and the SQLite rows of one input. */
static void
rows_of(const char *name, int split, char **csv, char **rows)
{
	struct proc	 p;
	char		*db, *to_db;

	te_file(&p, fixture(name), "-q", "-k", split ? "--split" : "-k",
	    split ? "/data" : "-k", "-e", "type", "--to", "csv:-", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	*csv = xstrdup(p.obuf);
	proc_free(&p);
	db = tmp_path(".db");
	ck_assert(asprintf(&to_db, "sqlite:%s", db) != -1);
	te_file(&p, fixture(name), "-q", "-k", split ? "--split" : "-k",
	    split ? "/data" : "-k", "-e", "type", "--to", to_db, NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	proc_free(&p);
	*rows = sqlite_dump(db, "SELECT * FROM tweets ORDER BY rowid");
	rm_db(db);
	free(db);
	free(to_db);
}

START_TEST(test_same_rows_page_lines_flat)
{
	char	*c1, *c2, *c3, *r1, *r2, *r3;

	rows_of("tables-v2-page.jsonl", 1, &c1, &r1);
	rows_of("tables-v2-lines.jsonl", 0, &c2, &r2);
	rows_of("tables-v2-flat.jsonl", 0, &c3, &r3);
	ck_assert_ptr_nonnull(strstr(c1, "\r\n1377650529766154240,"));
	/* Authors and media come from the includes, or inline. */
	ck_assert_ptr_nonnull(strstr(c1, ",blackheart_265,quote,"));
	ck_assert_ptr_nonnull(strstr(c1,
	    "\"[\"\"https://pbs.twimg.com/media/Ex5ldKwXEAEnEnI.jpg\"\"]\""));
	ck_assert_str_eq(c1, c2);
	ck_assert_str_eq(c1, c3);
	ck_assert_str_eq(r1, r2);
	ck_assert_str_eq(r1, r3);
	free(c1);
	free(c2);
	free(c3);
	free(r1);
	free(r2);
	free(r3);
}
END_TEST

START_TEST(test_csv_rfc4180)
{
	struct proc	p;

	/* Quotes doubled, commas and line breaks quoted; CRLF; UTF-8. */
	te_run(&p, "{\"id_str\":\"7\",\"text\":\"a, \\\"b\\\"\\r\\nc ☕\","
	    "\"user\":{\"id_str\":\"9\",\"screen_name\":\"ann\"},"
	    "\"n\":9007199254740993,\"o\":{ \"k\" : [1, 2.50] },"
	    "\"created_at\":\"Tue Dec 01 23:17:54 -0100 2015\"}\n",
	    "-q", "-e", "test", "--to", "csv:-", "--columns",
	    "big=/n,obj=/o,-links,-hashtags,-mentions", "--columns",
	    "-media,-test_error,-conversation_id", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	ck_assert_str_eq(p.obuf,
	    "id,created_at,author_id,author,type,text,lang,reply_to,quoted,"
	    "retweeted,big,obj,test\r\n"
	    "7,2015-12-02T00:17:54.000Z,9,ann,original,\"a, \"\"b\"\"\r\nc "
	    "☕\",,,,,9007199254740993,\"{\"\"k\"\":[1,2.50]}\",42\r\n");
	proc_free(&p);
}
END_TEST

START_TEST(test_ids_as_written)
{
	struct proc	p;

	/* Number ids beyond a double's 53 bits, Gnip's tag ids, as written. */
	te_run(&p, "{\"id\":1377650090978992134,\"text\":\"x\","
	    "\"user\":{\"id\":9007199254740993}}\n"
	    "{\"id\":\"tag:search.twitter.com,2005:887453193294282752\","
	    "\"body\":\"y\",\"actor\":{\"id\":\"id:twitter.com:0815\"},"
	    "\"verb\":\"share\",\"object\":{\"id\":"
	    "\"tag:search.twitter.com,2005:0042\"},\"inReplyTo\":{\"link\":"
	    "\"http://twitter.com/a/statuses/0099\"}}\n",
	    "-q", "-k", "-e", "test", "--to", "csv:-", "--columns",
	    "-text,-links,-hashtags,-mentions,-media,-created_at,-lang,"
	    "-quoted,-conversation_id,-author,-test,-test_error", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	ck_assert_str_eq(p.obuf,
	    "id,author_id,type,reply_to,retweeted\r\n"
	    "1377650090978992134,9007199254740993,original,,\r\n"
	    "887453193294282752,0815,retweet,0099,0042\r\n");
	proc_free(&p);
}
END_TEST

START_TEST(test_notices_bad_lines_no_rows)
{
	struct proc	 p;
	char		*db, *to_db, *rows, *input;
	FILE		*f;
	size_t		 len;

	/* notices.jsonl: two tweets around notices; and a bad line. */
	ck_assert((f = fopen(fixture("notices.jsonl"), "r")) != NULL);
	input = xcalloc(1, 65536);
	len = fread(input, 1, 65000, f);
	fclose(f);
	memcpy(input + len, "{\"id\":\n", 8);
	te_run(&p, input, "-q", "-k", "-e", "test", "--to", "csv:-", NULL);
	ck_assert_int_eq(p.status, 0);
	ck_assert_uint_eq(count_lines(p.obuf, p.olen), 3);
	proc_free(&p);
	/* The JSON lines have the notices, the tables do not. */
	te_run(&p, input, "-q", "-k", "-e", "test", NULL);
	ck_assert_uint_eq(count_lines(p.obuf, p.olen), 11);
	proc_free(&p);

	db = tmp_path(".db");
	ck_assert(asprintf(&to_db, "sqlite:%s?table=t1", db) != -1);
	te_run(&p, input, "-q", "-k", "-e", "test", "--to", to_db, NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	proc_free(&p);
	rows = sqlite_dump(db, "SELECT count(*) FROM t1");
	ck_assert_str_eq(rows, ":2\n");
	free(rows);
	rm_db(db);
	free(db);
	free(to_db);
	free(input);
}
END_TEST

START_TEST(test_sqlite_types_and_refusals)
{
	struct proc	 p;
	char		*db, *to_db, *rows;

	db = tmp_path(".db");
	ck_assert(asprintf(&to_db, "sqlite:%s", db) != -1);
	te_run(&p, "{\"id_str\":\"1\",\"text\":\"héllo\"}\n", "-q", "-e", "type",
	    "-e", "length", "-e", "sha256", "--columns", "x=/text", "--to",
	    to_db, NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	proc_free(&p);
	rows = sqlite_dump(db, "SELECT id, type, type_value, length, "
	    "typeof(length), x, length(sha256) FROM tweets");
	ck_assert_str_eq(rows, "TEXT:1|TEXT:original|TEXT:original|"
	    "INTEGER:5|:integer|:héllo|:64\n");
	free(rows);
	rows = sqlite_dump(db, "PRAGMA journal_mode");
	ck_assert_str_eq(rows, ":wal\n");
	free(rows);

	/* A table with rows already is refused, and left alone. */
	te_run(&p, "{\"id_str\":\"2\",\"text\":\"x\"}\n", "-q", "-e", "type",
	    "--to", to_db, NULL);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(p.ebuf, "has rows already"));
	proc_free(&p);
	rows = sqlite_dump(db, "SELECT count(*) FROM tweets");
	ck_assert_str_eq(rows, ":1\n");
	free(rows);

	/* --columns: bad items, or without a table. */
	te_run(&p, "", "-e", "test", "--to", to_db, "--columns", "-nope",
	    NULL);
	ck_assert_int_eq(p.status, 2);
	proc_free(&p);
	te_run(&p, "", "-e", "test", "--to", "csv:-", "--columns", "a=b",
	    NULL);
	ck_assert_int_eq(p.status, 2);
	proc_free(&p);
	te_run(&p, "", "-e", "test", "--columns", "a=/b", NULL);
	ck_assert_int_eq(p.status, 2);
	proc_free(&p);
	rm_db(db);
	free(db);
	free(to_db);
}
END_TEST

START_TEST(test_sqlite_links_table)
{
	struct proc	 p;
	char		*db, *to_db, *rows, *in, net[] = "127.0.0.0/8";
	char		 expect[1024];

	db = tmp_path(".db");
	ck_assert(asprintf(&to_db, "sqlite:%s?table=t", db) != -1);
	ck_assert(asprintf(&in, "{\"id_str\":\"5\",\"text\":\"x\",\"entities\":"
	    "{\"urls\":[{\"url\":\"http://127.0.0.1:%d/redirect/2\"},"
	    "{\"url\":\"http://127.0.0.1:%d/status/404\"}]}}\n"
	    "{\"id_str\":\"6\",\"text\":\"none\",\"entities\":{\"urls\":[]}}\n",
	    server_port, server_port) != -1);
	te_run(&p, in, "-q", "-k", "--allow-net", net, "--retries", "0",
	    "-e", "unshorten", "--to", to_db, NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	proc_free(&p);
	rows = sqlite_dump(db, "SELECT tweet_id, position, url, "
	    "substr(expanded, -11), status, hops, error IS NOT NULL "
	    "FROM t_links ORDER BY rowid");
	snprintf(expect, sizeof expect,
	    "TEXT:5|INTEGER:0|TEXT:http://127.0.0.1:%d/redirect/2|"
	    ":/redirect/0|INTEGER:200|INTEGER:2|:0\n"
	    "TEXT:5|INTEGER:1|TEXT:http://127.0.0.1:%d/status/404|"
	    ":/status/404|INTEGER:404|INTEGER:0|:%d\n", server_port,
	    server_port, 0);
	ck_assert_str_eq(rows, expect);
	free(rows);
	rows = sqlite_dump(db, "SELECT id, json_array_length(unshorten) "
	    "FROM t ORDER BY rowid");
	ck_assert_str_eq(rows, "TEXT:5|:2\nTEXT:6|:0\n");
	free(rows);
	rm_db(db);
	free(db);
	free(to_db);
	free(in);
}
END_TEST

START_TEST(test_cut_entities)
{
	struct proc	p;

	/* What a cut text ends with ("#Br…", "@IanCoo…") is no entity. */
	te_run(&p, "{\"id_str\":\"1\",\"text\":\"RT @ann: hi #Brexit and "
	    "@IanCoo\u2026\",\"entities\":{\"hashtags\":[{\"text\":"
	    "\"Brexit\"}],\"user_mentions\":[{\"screen_name\":\"ann\"},"
	    "{\"screen_name\":\"IanCoo\"}]}}\n"
	    "{\"id_str\":\"2\",\"text\":\"RT @ann: hi #Br\u2026 \","
	    "\"entities\":{\"hashtags\":[{\"text\":\"Br\"}],"
	    "\"user_mentions\":[{\"screen_name\":\"ann\"}]}}\n",
	    "-q", "-k", "-e", "test", "--to", "csv:-", "--columns",
	    "-created_at,-author_id,-author,-type,-text,-lang,-reply_to,"
	    "-quoted,-retweeted,-conversation_id,-links,-media,-test,"
	    "-test_error", NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	ck_assert_str_eq(p.obuf, "id,hashtags,mentions\r\n"
	    "1,\"[\"\"Brexit\"\"]\",\"[\"\"ann\"\"]\"\r\n"
	    "2,[],\"[\"\"ann\"\"]\"\r\n");
	proc_free(&p);
}
END_TEST

START_TEST(test_errors_file_stays_json)
{
	struct proc	 p;
	char		*errs, *to, buf[4096];
	FILE		*f;
	size_t		 n;

	/* --errors gets JSON lines whatever the sink. */
	errs = tmp_path(".jsonl");
	ck_assert(asprintf(&to, "csv:-") != -1);
	te_run(&p, "{\"id\":1}\n{\"id_str\":\"2\",\"text\":\"ok\"}\n", "-q",
	    "-k", "-e", "length", "--errors", errs, "--to", to, NULL);
	ck_assert_msg(p.status == 0, "%s", p.ebuf);
	ck_assert_ptr_nonnull(strstr(p.obuf,
	    "\r\n,,,,,,,,,,,,,,,,no tweet text (give field=)\r\n"));
	ck_assert_ptr_nonnull(strstr(p.obuf, "\r\n2,,,,original,ok,"));
	proc_free(&p);
	ck_assert((f = fopen(errs, "r")) != NULL);
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	ck_assert_str_eq(buf, "{\"id\":1,\"enrichments\":{\"length\":null},"
	    "\"enrichment_errors\":{\"length\":\"no tweet text (give "
	    "field=)\"}}\n");
	unlink(errs);
	free(errs);
	free(to);
}
END_TEST

/* A v1.1 time with an offset, and a format without it, unit by unit. */
START_TEST(test_schema_unit)
{
	static struct validate_members	 top;
	const char	*line = "{\"id_str\":\"3\",\"created_at\":"
	    "\"Sun Dec 31 23:30:00 -0100 2017\",\"text\":\"t\","
	    "\"extended_entities\":{\"media\":[{\"media_url_https\":"
	    "\"https://m/1.jpg\"}]}}";
	struct model	*m;
	const char	*s;
	size_t		 len;
	char		 why[256];

	ck_assert(validate_tweet(line, strlen(line), &top, why,
	    sizeof why) != -1);
	m = model_new(line, strlen(line), top.m, top.n);
	s = model_column(m, MCOL_CREATED_AT, &len);
	ck_assert_str_eq(s, "2018-01-01T00:30:00.000Z");
	s = model_column(m, MCOL_MEDIA, &len);
	ck_assert_str_eq(s, "[\"https://m/1.jpg\"]");
	ck_assert_ptr_null(model_column(m, MCOL_CONVERSATION_ID, &len));
	ck_assert_ptr_null(model_column(m, MCOL_REPLY_TO, &len));
	ck_assert_str_eq(model_column(m, MCOL_TYPE, &len), "original");
	model_free(m);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("tables");
	TCase	*tc = tcase_create("tables");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, server_setup, server_teardown);
	tcase_add_test(tc, test_agree_v11);
	tcase_add_test(tc, test_agree_gnip);
	tcase_add_test(tc, test_agree_twarc2);
	tcase_add_test(tc, test_agree_page);
	tcase_add_test(tc, test_same_rows_page_lines_flat);
	tcase_add_test(tc, test_csv_rfc4180);
	tcase_add_test(tc, test_ids_as_written);
	tcase_add_test(tc, test_notices_bad_lines_no_rows);
	tcase_add_test(tc, test_sqlite_types_and_refusals);
	tcase_add_test(tc, test_sqlite_links_table);
	tcase_add_test(tc, test_cut_entities);
	tcase_add_test(tc, test_errors_file_stays_json);
	tcase_add_test(tc, test_schema_unit);
	suite_add_tcase(s, tc);
	return (run_suite(s));
}
