#!/usr/bin/env python3
"""t/check_tables' reader: do the CSV (read by Python's csv module), the
SQLite table and the JSON-lines output of one input agree tweet by tweet,
and with what the input says (ids to the byte)?

    tables-check.py INPUT JSONL CSV DB [--split]

The three outputs were made with -k, so they are in input order. The
expected columns are computed here from the input, independently of the
program, for each format. Exit 0, or 1 with the differences on stderr."""

import csv
import datetime
import json
import sqlite3
import sys


class Raw(str):
    """A number as written."""


def load(s):
    return json.loads(s, parse_int=Raw, parse_float=Raw)


def tail(s, c):
    return None if s is None else s.rsplit(c, 1)[-1]


def v11_time(s):
    t = datetime.datetime.strptime(s, "%a %b %d %H:%M:%S %z %Y")
    return t.astimezone(datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.000Z")


def ref(t, kind):
    for r in t.get("referenced_tweets") or []:
        if r.get("type") == kind:
            return r.get("id")
    return None


def expect(tweet, includes):
    """The schema columns this script can tell from the input."""
    if isinstance(tweet.get("data"), dict):         # a twarc2 line
        includes, tweet = tweet.get("includes", {}), tweet["data"]
    if "body" in tweet or "verb" in tweet:          # Gnip
        actor = tweet.get("actor", {})
        return {
            "id": tail(tweet["id"], ":"),
            "created_at": tweet.get("postedTime"),
            "author_id": tail(actor.get("id"), ":"),
            "author": actor.get("preferredUsername"),
            "lang": tweet.get("twitter_lang"),
            "reply_to": tail((tweet.get("inReplyTo") or {}).get("link"), "/"),
            "quoted": tail((tweet.get("twitter_quoted_status") or {})
                           .get("id"), ":"),
            "retweeted": tail(tweet["object"]["id"], ":")
            if tweet.get("verb") == "share" else None,
            "conversation_id": None,
        }
    if "id_str" in tweet or "user" in tweet:        # v1.1
        return {
            "id": tweet.get("id_str") or tweet.get("id"),
            "created_at": v11_time(tweet["created_at"]),
            "author_id": tweet["user"].get("id_str"),
            "author": tweet["user"].get("screen_name"),
            "lang": tweet.get("lang"),
            "reply_to": tweet.get("in_reply_to_status_id_str"),
            "quoted": tweet.get("quoted_status_id_str"),
            "retweeted": (tweet.get("retweeted_status") or {}).get("id_str"),
            "conversation_id": None,
        }
    if "author" in tweet:                           # flatten
        author = tweet["author"].get("username")
    else:
        author = None
        for u in includes.get("users", []):
            if u.get("id") == tweet.get("author_id"):
                author = u.get("username")
                break
    return {
        "id": tweet["id"],
        "created_at": tweet.get("created_at"),
        "author_id": tweet.get("author_id"),
        "author": author,
        "lang": tweet.get("lang"),
        "reply_to": ref(tweet, "replied_to"),
        "quoted": ref(tweet, "quoted"),
        "retweeted": ref(tweet, "retweeted"),
        "conversation_id": tweet.get("conversation_id"),
    }


def cell(v):
    """A JSON value as the table writes it."""
    if v is None:
        return ""
    if isinstance(v, Raw):
        return str(v)
    if isinstance(v, str):
        return v
    if v is True or v is False:
        return "true" if v else "false"
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def main():
    inp, jsonl, csvf, db = sys.argv[1:5]
    split = "--split" in sys.argv
    bad = []

    tweets = []         # (raw line, parsed tweet, includes)
    for line in open(inp, encoding="utf-8").read().splitlines():
        try:
            d = load(line)
        except ValueError:
            continue                                # a bad line: no row
        if split:
            for t in d["data"]:
                tweets.append((line, t, d.get("includes", {})))
        elif len(d) == 1 and isinstance(next(iter(d.values())), dict) \
                and next(iter(d)) in ("delete", "limit", "scrub_geo",
                                      "status_withheld", "user_withheld",
                                      "disconnect", "warning", "info",
                                      "error"):
            continue                                # a notice: no row
        else:
            tweets.append((line, d, {}))

    out = [load(l) for l in open(jsonl, encoding="utf-8")]
    out = [o for o in out if "enrichments" in o]
    with open(csvf, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    sq = [dict(r) for r in con.execute("SELECT * FROM tweets ORDER BY rowid")]

    if not (len(tweets) == len(out) == len(rows) == len(sq)):
        bad.append("counts: input %d, json %d, csv %d, sqlite %d" %
                   (len(tweets), len(out), len(rows), len(sq)))
    for i, ((line, t, inc), o, r, s) in enumerate(zip(tweets, out, rows, sq)):
        exp = expect(t, inc)
        for k, v in exp.items():
            if (v or "") != r[k]:
                bad.append("tweet %d %s: csv %r, input %r" % (i, k, r[k], v))
        if '"%s"' % r["id"] not in line and r["id"] not in line:
            bad.append("tweet %d: id %r is not in the input" % (i, r["id"]))
        if set(r) != set(s):
            bad.append("tweet %d: columns differ: %s / %s" % (i, sorted(r),
                                                             sorted(s)))
        for k in r:
            sv = s.get(k)
            sv = "" if sv is None else str(sv)
            if r[k] != sv:
                bad.append("tweet %d %s: csv %r, sqlite %r" % (i, k, r[k], sv))
        for name, v in o["enrichments"].items():
            col = name + "_value" if name in ("type", "text", "id") else name
            if r[col] != cell(v):
                bad.append("tweet %d %s: csv %r, json %r" % (i, col, r[col],
                                                            cell(v)))
            err = (o.get("enrichment_errors") or {}).get(name)
            if r[name + "_error"] != (err or ""):
                bad.append("tweet %d %s_error: csv %r, json %r" %
                           (i, name, r[name + "_error"], err))
        if r["type"] != o["enrichments"].get("type", r["type"]):
            bad.append("tweet %d: type %r, the type enricher %r" %
                       (i, r["type"], o["enrichments"]["type"]))
    for b in bad[:40]:
        print(b, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
