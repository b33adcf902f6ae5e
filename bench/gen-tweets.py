#!/usr/bin/env python3
"""Write N synthetic tweets (JSON lines of about SIZE bytes) to stdout.

usage: gen-tweets.py N [SIZE] [LINKS] [URLBASE]
LINKS distinct links are shared among the tweets (0: none); URLBASE is the
prefix of each link (default https://t.co/).
"""
import json
import random
import sys

n = int(sys.argv[1])
size = int(sys.argv[2]) if len(sys.argv) > 2 else 500
links = int(sys.argv[3]) if len(sys.argv) > 3 else 0
base = sys.argv[4] if len(sys.argv) > 4 else "https://t.co/"
rnd = random.Random(42)
words = ("the quick brown fox jumps over lazy dog café naïve 東京 "
         "tweet stream enrich analyse #data @user").split()
out = sys.stdout
for i in range(n):
    t = {
        "id": "tag:search.twitter.com,2005:%d" % (10**17 + i),
        "postedTime": "2016-05-01T12:%02d:%02d.000Z" % (i // 60 % 60, i % 60),
        "actor": {"id": "id:twitter.com:%d" % rnd.randrange(10**9),
                  "preferredUsername": "user%d" % rnd.randrange(10**6)},
        "body": "",
        "twitter_entities": {"urls": []},
        "seq": i,
    }
    if links:
        u = "%s%d" % (base, rnd.randrange(links))
        t["twitter_entities"]["urls"].append({"url": u})
    line = json.dumps(t, ensure_ascii=False, separators=(",", ":"))
    body = []
    while len(line.encode()) + len(" ".join(body).encode()) < size:
        body.append(rnd.choice(words))
    t["body"] = " ".join(body)
    out.write(json.dumps(t, ensure_ascii=False, separators=(",", ":")) + "\n")
