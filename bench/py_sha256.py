#!/usr/bin/python3
"""The Python peer for sha256: a ProcessPoolExecutor enricher doing the same
iterated SHA-256 of /body.

usage: py_sha256.py ROUNDS WORKERS < tweets.jsonl > out.jsonl
"""
import concurrent.futures
import hashlib
import json
import sys

ROUNDS = int(sys.argv[1])


def digest(line):
    t = json.loads(line)
    d = t["body"].encode()
    for _ in range(ROUNDS):
        d = hashlib.sha256(d).digest()
    t["enrichments"] = {"sha256": d.hex()}
    return json.dumps(t, ensure_ascii=False)


if __name__ == "__main__":
    with concurrent.futures.ProcessPoolExecutor(int(sys.argv[2])) as ex:
        for s in ex.map(digest, sys.stdin, chunksize=64):
            sys.stdout.write(s + "\n")
