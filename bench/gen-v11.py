#!/usr/bin/env python3
"""Write N real-shaped API v1.1 tweets (JSON lines) to stdout.

usage: gen-v11.py N [REALDATA_DIR]

Each is one of the real v1.1 tweets of REALDATA_DIR (default
../shared/realdata beside the tree) of at most 6 KB (so about 4.5 KB on
average), with a new id and its text (text, full_text, extended_tweet's
full_text) replaced by a text taken from any of the real samples (v1.1,
Gnip, v2), so that texts, emoji, links and tags vary from line to line.
"""
import json
import os
import random
import sys

n = int(sys.argv[1])
top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
real = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
    os.path.dirname(top), "shared", "realdata")


def texts(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k in ("text", "full_text", "body") and isinstance(v, str):
                yield v
            else:
                yield from texts(v)
    elif isinstance(o, list):
        for v in o:
            yield from texts(v)


tweets, pool = [], []
for name in sorted(os.listdir(real)):
    if not name.endswith(".jsonl"):
        continue
    with open(os.path.join(real, name), encoding="utf-8") as f:
        for line in f:
            try:
                d = json.loads(line)
            except ValueError:
                continue
            pool.extend(texts(d))
            if name.startswith("v11") and len(line) <= 6000:
                tweets.append(d)
rnd = random.Random(42)
out = sys.stdout
for i in range(n):
    t = dict(tweets[i % len(tweets)])
    t["id"] = 10**18 + i
    t["id_str"] = str(10**18 + i)
    text = rnd.choice(pool)
    if "extended_tweet" in t:
        t["extended_tweet"] = dict(t["extended_tweet"], full_text=text)
        t["text"] = text[:140]
    elif "full_text" in t:
        t["full_text"] = text
    else:
        t["text"] = text
    out.write(json.dumps(t, ensure_ascii=False, separators=(",", ":")) +
              "\n")
