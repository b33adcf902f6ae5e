#!/usr/bin/python3
"""exec benchmark.

1. Overhead per tweet: -e test (built in) against -e exec with a minimal
   worker that answers 42 to every line without parsing it (Python, and
   awk), and a Python worker that parses each tweet with json.loads, with
   1 and 2 workers, on N tweets of about 500 bytes: lines/s, and the extra
   microseconds per tweet over the built-in.
2. The Gnip adapter (examples/gnip_enrichment.py) against the classic
   pipeline's one-process loop (bench/py_gnip_loop.py) on the same classes:
   TestEnrichment on N tweets (lines/s), and SlowEnrichment on ten tweets
   whose bodies end in 0..9 (they nap 1..10 s: 55 s in a row).

usage: bench/bench-exec.py [-r RUNS] [-n N] [--no-slow]   (from a built tree)
"""
import argparse
import os
import statistics
import subprocess
import tempfile

from benchcommon import TE, GEN, PY, TOP, timed

ADAPTER = os.path.join(TOP, "examples", "gnip_enrichment.py")
LOOP = os.path.join(TOP, "bench", "py_gnip_loop.py")
MIN_PY = """import sys
for l in sys.stdin.buffer:
    sys.stdout.write("42\\n")
    sys.stdout.flush()
"""
PARSE_PY = """import json
import sys
for l in sys.stdin.buffer:
    t = json.loads(l)
    sys.stdout.write(json.dumps(len(t["body"])) + "\\n")
    sys.stdout.flush()
"""


def py_worker(tmp, name, src):
    """Write a worker script; return its exec cmd."""
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(src)
    return "%s %s" % (PY, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-r", "--runs", type=int, default=5)
    ap.add_argument("-n", type=int, default=20000)
    ap.add_argument("--no-slow", action="store_true")
    a = ap.parse_args()
    m = statistics.median
    n = a.n
    tmp = tempfile.mkdtemp(prefix="te-exec-")
    data = os.path.join(tmp, "tweets.jsonl")
    with open(data, "w") as f:
        subprocess.run([PY, GEN, str(n), "500"], stdout=f, check=True)
    minimal = py_worker(tmp, "min.py", MIN_PY)
    parse = py_worker(tmp, "parse.py", PARSE_PY)

    rows = [("-e test (built in)", ["-e", "test"])]
    for w in (1, 2):
        rows.append(("exec, minimal Python worker, workers=%d" % w,
                     ["-e", "exec:cmd=%s,workers=%d" % (minimal, w)]))
    rows.append(("exec, mawk -W interactive worker, workers=1",
                 ["-e", "exec:cmd=mawk -W interactive '{ print 42 }'"]))
    for w in (1, 2):
        rows.append(("exec, Python json.loads worker, workers=%d" % w,
                     ["-e", "exec:cmd=%s,workers=%d" % (parse, w)]))
    times = {}
    for _ in range(a.runs):
        for label, args in rows:
            times.setdefault(label, []).append(
                timed([TE, "-q"] + args, data))
    base = m(times[rows[0][0]])
    print("# exec overhead: %d tweets of ~500 bytes, median of %d runs\n"
          % (n, a.runs))
    print("| run | seconds | lines/s | extra us/tweet |")
    print("|---|---|---|---|")
    for label, _ in rows:
        t = m(times[label])
        print("| %s | %.3f | %.0f | %s |" % (
            label, t, n / t,
            "-" if label == rows[0][0] else "%.1f" % ((t - base) / n * 1e6)))

    gt = {}
    cmds = [
        ("py_gnip_loop.py TestEnrichment (classic loop)",
         [PY, LOOP, "TestEnrichment"]),
        ("adapter, workers=1", [TE, "-q", "-e", "exec:cmd=%s %s "
                                "TestEnrichment,as=TestEnrichment"
                                % (PY, ADAPTER)]),
        ("adapter, workers=2", [TE, "-q", "-e", "exec:cmd=%s %s "
                                "TestEnrichment,workers=2,as=TestEnrichment"
                                % (PY, ADAPTER)]),
    ]
    for _ in range(a.runs):
        for label, cmd in cmds:
            gt.setdefault(label, []).append(timed(cmd, data))
    print("\n# Gnip TestEnrichment: %d tweets, median of %d runs\n"
          % (n, a.runs))
    print("| run | seconds | lines/s |")
    print("|---|---|---|")
    for label, _ in cmds:
        t = m(gt[label])
        print("| %s | %.3f | %.0f |" % (label, t, n / t))

    if a.no_slow:
        return
    slow = os.path.join(tmp, "slow.jsonl")
    with open(slow, "w") as f:
        for d in range(10):
            f.write('{"id":%d,"body":"tweet ending in %d"}\n' % (d, d))
    loop = timed([PY, LOOP, "SlowEnrichment"], slow)
    ours = timed([TE, "-q", "-e", "exec:cmd=%s %s SlowEnrichment,"
                  "workers=10,as=SlowEnrichment" % (PY, ADAPTER)], slow)
    print("\n# Gnip SlowEnrichment: 10 tweets napping 1..10 s, one run\n")
    print("| run | seconds |")
    print("|---|---|")
    print("| py_gnip_loop.py SlowEnrichment (classic loop) | %.1f |" % loop)
    print("| adapter, workers=10 | %.1f |" % ours)
    subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
