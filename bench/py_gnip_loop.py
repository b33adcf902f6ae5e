#!/usr/bin/python3
"""The Gnip pipeline's tweet_enricher.py main loop, on the same enrichment
classes as examples/gnip_enrichment.py: read a tweet, run every class's
enrich() on it in turn, write it. One tweet at a time, one process.

usage: py_gnip_loop.py CLASS [CLASS ...] < tweets > enriched
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "examples"))
import gnip_enrichment  # noqa: E402

classes = [getattr(gnip_enrichment, name)() for name in sys.argv[1:]]
for line in sys.stdin:
    try:
        tweet = json.loads(line)
    except ValueError:
        continue
    if "body" not in tweet:
        continue
    for instance in classes:
        instance.enrich(tweet)
    try:
        sys.stdout.write(json.dumps(tweet) + "\n")
    except IOError:
        break
