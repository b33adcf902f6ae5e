#!/usr/bin/env python3
"""Derive t/check_tables' fixtures from the real samples (../shared/realdata).

Run by hand from the top of the tree:
    python3 tools/tables-fixtures.py ../shared/realdata t/data
It writes, each line kept in order and every string and number as written
(nothing is re-encoded that the table reads):
  tables-v11.jsonl   v11_tweet_parser_original.jsonl, each "user" cut to
                     id, id_str, screen_name and name; place, gnip and
                     matching_rules left out
  tables-gnip.jsonl  gnip_tweet_parser_activity_streams.jsonl, each
                     "actor" cut to id, preferredUsername, displayName;
                     gnip reduced to its urls
  tables-v2.jsonl    v2_twarc_streaming_output_with_error.jsonl as it is
                     (its line 8 is a real truncated line)
  tables-page.jsonl  v2_twarc_two_tweets.jsonl as it is (an API page)
  tables-v2-page.jsonl  the good lines of tables-v2.jsonl as one page,
                     {"data": [...], "includes": {...}} (includes merged)
  tables-v2-lines.jsonl the good lines of tables-v2.jsonl: the same
                     tweets as twarc2 lines, each with its own includes
  tables-v2-flat.jsonl  the same tweets as twarc2 flatten writes them:
                     author, attachments.media, in_reply_to_user and the
                     referenced tweets inline (twarc's expansions.flatten)
"""

import json
import os
import sys
from collections import OrderedDict


def load(line):
    return json.loads(line, object_pairs_hook=OrderedDict,
                      parse_int=lambda s: Raw(s), parse_float=lambda s: Raw(s))


class Raw(str):
    """A number kept as written."""


def dump(obj):
    # numbers as written: Raw strings are emitted bare
    if isinstance(obj, Raw):
        return str(obj)
    if isinstance(obj, dict):
        return "{" + ", ".join(json.dumps(k, ensure_ascii=False) + ": " + dump(v)
                               for k, v in obj.items()) + "}"
    if isinstance(obj, list):
        return "[" + ", ".join(dump(v) for v in obj) + "]"
    return json.dumps(obj, ensure_ascii=False)


def cut_users(o):
    if isinstance(o, dict):
        for k in list(o.keys()):
            if k == "user" and isinstance(o[k], dict):
                o[k] = OrderedDict((x, o[k][x]) for x in
                                   ("id", "id_str", "screen_name", "name")
                                   if x in o[k])
            else:
                cut_users(o[k])
    elif isinstance(o, list):
        for v in o:
            cut_users(v)


def cut_actors(o):
    if isinstance(o, dict):
        for k in list(o.keys()):
            if k == "actor" and isinstance(o[k], dict):
                o[k] = OrderedDict((x, o[k][x]) for x in
                                   ("id", "preferredUsername", "displayName")
                                   if x in o[k])
            else:
                cut_actors(o[k])
    elif isinstance(o, list):
        for v in o:
            cut_actors(v)


def merge_includes(lines):
    inc = OrderedDict()
    seen = {}
    for d in lines:
        for name, items in d.get("includes", {}).items():
            lst = inc.setdefault(name, [])
            for it in items:
                key = it.get("id", it.get("media_key"))
                if (name, key) in seen:
                    continue
                seen[(name, key)] = 1
                lst.append(it)
    return inc


def flatten(tweet, inc, depth=0):
    """twarc's expansions.flatten for one tweet."""
    users = {u["id"]: u for u in inc.get("users", [])}
    media = {m["media_key"]: m for m in inc.get("media", [])}
    tweets = {t["id"]: t for t in inc.get("tweets", [])}
    t = OrderedDict(tweet)
    if "author_id" in t and t["author_id"] in users:
        t["author"] = users[t["author_id"]]
    if "in_reply_to_user_id" in t and t["in_reply_to_user_id"] in users:
        t["in_reply_to_user"] = users[t["in_reply_to_user_id"]]
    if "attachments" in t and "media_keys" in t["attachments"]:
        att = OrderedDict(t["attachments"])
        att["media"] = [media[k] for k in att["media_keys"] if k in media]
        t["attachments"] = att
    if "referenced_tweets" in t and depth < 2:
        refs = []
        for r in t["referenced_tweets"]:
            if r["id"] in tweets:
                x = OrderedDict(r)
                x.update(flatten(tweets[r["id"]], inc, depth + 1))
                refs.append(x)
            else:
                refs.append(r)
        t["referenced_tweets"] = refs
    return t


def main():
    src, out = sys.argv[1], sys.argv[2]

    def rd(name):
        with open(os.path.join(src, name), encoding="utf-8") as f:
            return f.read().splitlines()

    def wr(name, lines):
        with open(os.path.join(out, name), "w", encoding="utf-8") as f:
            for l in lines:
                f.write(l + "\n")

    v11 = []
    for l in rd("v11_tweet_parser_original.jsonl"):
        d = load(l)
        for k in ("place", "gnip", "matching_rules"):
            d.pop(k, None)
        cut_users(d)
        v11.append(dump(d))
    wr("tables-v11.jsonl", v11)

    gnip = []
    for l in rd("gnip_tweet_parser_activity_streams.jsonl"):
        d = load(l)
        if "gnip" in d:
            d["gnip"] = OrderedDict((k, v) for k, v in d["gnip"].items()
                                    if k == "urls")
        cut_actors(d)
        gnip.append(dump(d))
    wr("tables-gnip.jsonl", gnip)

    v2 = rd("v2_twarc_streaming_output_with_error.jsonl")
    wr("tables-v2.jsonl", v2)
    wr("tables-page.jsonl", rd("v2_twarc_two_tweets.jsonl"))

    good, raw = [], []
    for l in v2:
        try:
            good.append(load(l))
            raw.append(l)
        except ValueError:
            pass
    inc = merge_includes(good)
    page = OrderedDict([("data", [d["data"] for d in good]),
                        ("includes", inc)])
    wr("tables-v2-page.jsonl", [dump(page)])
    wr("tables-v2-lines.jsonl", raw)
    wr("tables-v2-flat.jsonl", [dump(flatten(d["data"], inc)) for d in good])


if __name__ == "__main__":
    main()
