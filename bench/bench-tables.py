#!/usr/bin/env python3
"""The table sinks against JSON-lines output, in one run, on N real-shaped
API v1.1 tweets (bench/gen-v11.py, about 4.6 KB each):

  jsonl   tweet-enricher -e type -e length > out.jsonl
  csv     tweet-enricher -e type -e length --to csv:out.csv
  sqlite  tweet-enricher -e type -e length --to sqlite:out.db

usage: bench-tables.py [N] [RUNS]

Each output goes to a file in a temporary directory. Prints, per sink, the
medians of RUNS runs of the wall time, the CPU time (user + system, all
threads) and the peak resident size, the rates (tweets per second of wall
and of CPU time), and the ratios of csv and sqlite to jsonl (the issue asks
for csv >= 0.8 and sqlite >= 0.5). On a loaded machine compare the CPU
rates: wall time there measures the other processes. Memory: the peak size
is also measured on N/4 tweets; a bounded run has about the same.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

from benchcommon import TE, TOP

args = [a for a in sys.argv[1:] if not a.startswith("--")]
N = int(args[0]) if args else 1000000
RUNS = int(args[1]) if len(args) > 1 else 3


def run(cmd, path, out):
    """Wall seconds, CPU seconds and peak KB of one run of cmd."""
    rss = out + ".rss" if out != os.devnull else path + ".rss"
    # GNU time reports the program's own peak (not the forking Python's).
    cmd = ["/usr/bin/time", "-f", "%M", "-o", rss] + cmd
    with open(path, "rb") as fin, open(out, "wb") as fout:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdin=fin, stdout=fout,
                             stderr=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
    if status != 0:
        sys.exit("%s: exit status %d" % (" ".join(cmd), status))
    with open(rss) as f:
        kb = int(f.read().split()[-1])
    os.unlink(rss)
    return wall, ru.ru_utime + ru.ru_stime, kb


def cmds(tmp):
    base = [TE, "-q", "-e", "type", "-e", "length"]
    return {
        "jsonl": (base, os.path.join(tmp, "out.jsonl")),
        "csv": (base + ["--to", "csv:" + os.path.join(tmp, "out.csv")],
                os.devnull),
        "sqlite": (base + ["--to", "sqlite:" + os.path.join(tmp, "out.db")],
                   os.devnull),
    }


def clean(tmp):
    for f in ("out.jsonl", "out.csv", "out.db", "out.db-wal", "out.db-shm"):
        try:
            os.unlink(os.path.join(tmp, f))
        except FileNotFoundError:
            pass


def measure(tmp, data, runs):
    res = {k: [] for k in ("jsonl", "csv", "sqlite")}
    for _ in range(runs):
        # Interleaved, so that a change in the load hits all three.
        for name, (cmd, out) in cmds(tmp).items():
            clean(tmp)
            res[name].append(run(cmd, data, out))
    clean(tmp)
    return {k: tuple(statistics.median(r[i] for r in v) for i in range(3))
            for k, v in res.items()}


def gen(path, n):
    with open(path, "w") as f:
        subprocess.run([sys.executable, os.path.join(TOP, "bench",
                                                     "gen-v11.py"), str(n)],
                       stdout=f, check=True)


def main():
    tmp = tempfile.mkdtemp(prefix="bench-tables.")
    try:
        data = os.path.join(tmp, "tweets.jsonl")
        gen(data, N)
        size = os.path.getsize(data)
        print("input: %d tweets, %.0f bytes each on average; load %s" %
              (N, size / N, open("/proc/loadavg").read().split()[0]))
        med = measure(tmp, data, RUNS)
        print()
        print("| sink | wall s | CPU s | tweets/s (wall) | tweets/s (CPU) "
              "| peak RSS KB |")
        print("|---|---|---|---|---|---|")
        for k, (wall, cpu, rss) in med.items():
            print("| %s | %.2f | %.2f | %.0f | %.0f | %d |" %
                  (k, wall, cpu, N / wall, N / cpu, rss))
        print()
        j = med["jsonl"]
        for k in ("csv", "sqlite"):
            print("%s / jsonl: %.2f of the rate by CPU time, %.2f by wall "
                  "time" % (k, j[1] / med[k][1], j[0] / med[k][0]))
        small = os.path.join(tmp, "quarter.jsonl")
        gen(small, max(N // 4, 1))
        q = measure(tmp, small, 1)
        print()
        print("peak RSS KB, %d tweets / %d tweets: " % (N // 4, N) +
              ", ".join("%s %d / %d" % (k, q[k][2], med[k][2]) for k in q))
        print("load after: %s" % open("/proc/loadavg").read().split()[0])
    finally:
        clean(tmp)
        for f in ("tweets.jsonl", "quarter.jsonl"):
            try:
                os.unlink(os.path.join(tmp, f))
            except FileNotFoundError:
                pass
        os.rmdir(tmp)


if __name__ == "__main__":
    main()
