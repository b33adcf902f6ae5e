#!/usr/bin/python3
"""The thread-pool peer (the classic tweet_enricher.py shape): the same
enrichment with J worker threads, each with a keep-alive connection.

usage: py_threads.py HOST PORT PATHPREFIX J < tweets.jsonl > out.jsonl
"""
import concurrent.futures
import http.client
import json
import sys
import threading

host, port, prefix, j = sys.argv[1], int(sys.argv[2]), sys.argv[3], \
    int(sys.argv[4])
local = threading.local()


def one(line):
    t = json.loads(line)
    c = getattr(local, "conn", None)
    if c is None:
        c = local.conn = http.client.HTTPConnection(host, port, timeout=10)
    c.request("GET", prefix + str(t["seq"]))
    r = c.getresponse()
    t["enrichments"] = {"http": json.loads(r.read())["ok"]}
    return json.dumps(t, ensure_ascii=False)


with concurrent.futures.ThreadPoolExecutor(max_workers=j) as ex:
    for s in ex.map(one, sys.stdin, chunksize=16):
        sys.stdout.write(s + "\n")
