#!/usr/bin/python3
"""What -o FILE's journal costs, and how fast --continue skips.

For each sink (JSON lines, CSV, SQLite), -e test -e length on N tweets:
1. the same output without a journal (JSON lines: stdout redirected to the
   file; CSV and SQLite: --to csv:/sqlite:) beside -o FILE, which journals
   every line's input position: CPU seconds (user + sys) and the ratio;
2. --continue over the finished output (every line skipped) beside the
   whole run: CPU seconds and the ratio.
CPU time, not wall time: the machine these figures come from is shared.

usage: bench/bench-continue.py [-n N] [-r RUNS]   (from the top of a built tree)
"""
import argparse
import glob
import os
import resource
import statistics
import subprocess
import tempfile

from benchcommon import TE, GEN, PY


def cpu(cmd, stdout_path=None):
    """Run cmd; its CPU seconds (user + sys)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    subprocess.run(cmd, stdout=out, stderr=subprocess.DEVNULL, check=True)
    if stdout_path:
        out.close()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime +
            after.ru_stime - before.ru_stime)


def rm(prefix):
    for p in glob.glob(prefix + "*"):
        os.unlink(p)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=200000)
    ap.add_argument("-r", "--runs", type=int, default=3)
    a = ap.parse_args()
    m = statistics.median
    tmp = tempfile.mkdtemp(prefix="te-continue-")
    src = os.path.join(tmp, "in.jsonl")
    with open(src, "w") as f:
        subprocess.run([PY, GEN, str(a.n), "500"], stdout=f, check=True)
    base = [TE, "-q", "-e", "test", "-e", "length", src]
    out = os.path.join(tmp, "out")
    sinks = [("JSON lines", [], "", True), ("CSV", ["--to", "csv:" + out],
             "csv:", False), ("SQLite", ["--to", "sqlite:" + out],
             "sqlite:", False)]
    print("# -o FILE and --continue: %d tweets, -e test -e length, CPU "
          "seconds, median of %d runs\n" % (a.n, a.runs))
    print("| sink | no journal | -o FILE | -o / no journal | --continue "
          "(all skipped) | --continue / whole run |")
    print("|---|---|---|---|---|---|")
    for name, to, prefix, redirect in sinks:
        plain, journal, cont = [], [], []
        for _ in range(a.runs):
            rm(out)
            plain.append(cpu(base + to, out if redirect else None))
            rm(out)
            journal.append(cpu(base + ["-o", prefix + out]))
            cont.append(cpu(base + ["-o", prefix + out, "--continue"]))
        print("| %s | %.3f | %.3f | %.2f | %.3f | %.2f |" % (
            name, m(plain), m(journal), m(journal) / m(plain), m(cont),
            m(cont) / m(journal)))
    subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
