#!/usr/bin/python3
"""Streaming-core benchmark.

1. Concurrency without threads: N tweets with -e sleep:ms=1000 -p 5000; the
   wall time should be about 1 s, not N s.
2. Pass-through: -e test on 100,000 tweets of about 500 bytes, beside
   jq -c '. + {enrichments:{test:42}}' on the same file: lines/s and ratio.

usage: bench/bench-core.py [-r RUNS]     (from the top of a built tree)
"""
import argparse
import os
import statistics
import subprocess
import tempfile

from benchcommon import TE, GEN, PY, timed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-r", "--runs", type=int, default=5)
    a = ap.parse_args()
    m = statistics.median
    tmp = tempfile.mkdtemp(prefix="te-core-")
    small = os.path.join(tmp, "2k.jsonl")
    big = os.path.join(tmp, "100k.jsonl")
    with open(small, "w") as f:
        subprocess.run([PY, GEN, "2000"], stdout=f, check=True)
    with open(big, "w") as f:
        subprocess.run([PY, GEN, "100000", "500"], stdout=f, check=True)

    w = [timed([TE, "-q", "-p", "5000", "-e", "sleep:ms=1000"], small)
         for _ in range(a.runs)]
    print("# Concurrency: 2,000 tweets, sleep:ms=1000, -p 5000\n")
    print("wall time, median of %d runs: %.3f s (serial: 2000 s)\n"
          % (a.runs, m(w)))

    te, jq = [], []
    for _ in range(a.runs):
        te.append(timed([TE, "-q", "-e", "test"], big))
        jq.append(timed(["jq", "-c", ". + {enrichments:{test:42}}"], big))
    print("# Pass-through: 100,000 tweets of ~500 bytes, median of %d runs\n"
          % a.runs)
    print("| tool | seconds | lines/s |")
    print("|---|---|---|")
    print("| tweet-enricher -e test | %.3f | %.0f |" % (m(te), 1e5 / m(te)))
    print("| jq -c '. + {enrichments:{test:42}}' | %.3f | %.0f |"
          % (m(jq), 1e5 / m(jq)))
    print("\nratio: tweet-enricher is %.1fx jq" % (m(jq) / m(te)))
    subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
