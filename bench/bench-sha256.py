#!/usr/bin/python3
"""CPU pool benchmark: sha256:rounds=R through tweet-enricher at -T 1 and -T 2,
each beside the plain C loop (bench/sha256-ref.c) on as many threads, and a
Python ProcessPoolExecutor peer; then the mixed workload (http lookups at
50 ms with -j 100 together with sha256:rounds=2000 at -T 1).

usage: bench/bench-sha256.py [-n TWEETS] [-r RUNS] [--rounds R]
Run from the top of a built tree (make, and make t/testserver).
"""
import argparse
import os
import statistics
import subprocess
import tempfile

from benchcommon import TOP, TE, SERVER, GEN, PY, timed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=2000)
    ap.add_argument("-r", "--runs", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=20000)
    ap.add_argument("--mixed-n", type=int, default=10000)
    a = ap.parse_args()
    m = statistics.median

    tmp = tempfile.mkdtemp(prefix="te-sha-")
    ref = os.path.join(tmp, "sha256-ref")
    subprocess.run("cc -O2 -o %s %s/bench/sha256-ref.c -lcrypto -ljansson "
                   "-lpthread" % (ref, TOP), shell=True, check=True)
    tweets = os.path.join(tmp, "tweets.jsonl")
    with open(tweets, "w") as f:
        subprocess.run([PY, GEN, str(a.n)], stdout=f, check=True)

    print("# sha256:rounds=%d on %d tweets, median of %d runs (nproc %d)\n"
          % (a.rounds, a.n, a.runs, os.cpu_count()))
    print("| threads | tweet-enricher s | C loop s | tweet-enricher / C "
          "loop | Python ProcessPool s | Python / tweet-enricher |")
    print("|---|---|---|---|---|---|")
    for t in (1, 2):
        te, rf, py = [], [], []
        for _ in range(a.runs):
            te.append(timed([TE, "-q", "-T", str(t), "-e",
                             "sha256:rounds=%d" % a.rounds], tweets))
            with open(tweets, "rb") as fin:
                rf.append(float(subprocess.run(
                    [ref, str(a.rounds), str(t)], stdin=fin,
                    capture_output=True, check=True).stdout))
            py.append(timed([PY, os.path.join(TOP, "bench", "py_sha256.py"),
                             str(a.rounds), str(t)], tweets))
        print("| %d | %.3f | %.3f | %.3f | %.3f | %.1fx |" % (
            t, m(te), m(rf), m(te) / m(rf), m(py), m(py) / m(te)))

    # The mixed workload.
    srv = subprocess.Popen([SERVER], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE)
    port = int(srv.stdout.readline().split()[0])
    mixed = os.path.join(tmp, "mixed.jsonl")
    with open(mixed, "w") as f:
        subprocess.run([PY, GEN, str(a.mixed_n)], stdout=f, check=True)
    http = ["-e", "http:url=http://127.0.0.1:%d/latency/50?{/seq},"
            "select=/ok" % port]
    sha = ["-e", "sha256:rounds=2000"]
    base = [TE, "-q", "-j", "100", "-T", "1"]
    h, s, both = [], [], []
    for _ in range(a.runs):
        h.append(timed(base + http, mixed))
        s.append(timed(base + sha, mixed))
        both.append(timed(base + http + sha, mixed))
    slower = max(m(h), m(s))
    print("\n# Mixed: %d tweets, http at 50 ms (-j 100) and "
          "sha256:rounds=2000 (-T 1)\n" % a.mixed_n)
    print("| http alone s | sha256 alone s | both s | both / slower alone |")
    print("|---|---|---|---|")
    print("| %.3f | %.3f | %.3f | %.3f |" % (m(h), m(s), m(both),
                                           m(both) / slower))
    srv.stdin.close()
    srv.wait()
    subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
