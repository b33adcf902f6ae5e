#!/usr/bin/python3
"""Adaptive concurrency per host (-j auto) against a sweep of fixed -j, in
one run, on the test server's capacity endpoints (t/testserver-capacity.c):

  queue    serves 64 requests at once in 50 ms, queues the rest (latency
           grows with the queue)
  503      serves 64 at once in 50 ms, answers 503 beyond
  nolimit  every request 50 ms, however many at once (auto against -j 1000),
           on N lookups and on LONG (6 N by default) lookups

Each lookup is distinct (no cache, no coalescing). For each scenario and
-j: lookups answered per second (medians of RUNS runs), the share of
requests the server refused with 503, and its p99 latency (arrival to
answer, measured by the server) against the unloaded latency (the p50 of
-j 8, far below capacity). Then the ratios the issue asks for: auto over
the best fixed -j (>= 0.9), auto's 503 share (<= 1%), auto's p99 over the
unloaded latency (<= 2), and nolimit auto over -j 1000 (>= 0.9) three
ways: the whole run of N lookups (its start-up, which every adaptive limit
pays, is much of a short run), the whole run of LONG lookups, and the
steady state: the rate of the LONG - N lookups more, (LONG - N) / (time of
LONG - time of N), which leaves out what both runs pay at the start. And
the ramp: how long auto's limit took to reach its highest (--stats
max_after_s; -j 1000 when it gets there).

usage: bench/bench-adaptive.py [-n N] [--long LONG] [-r RUNS]
                               [--sweep 32,64,128,256]
Run from the top of a built tree (make, then make t/testserver).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

from benchcommon import TE, SERVER

ENV = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}


def get(port, path):
    """GET a JSON document from the test server."""
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path)) as r:
        return json.load(r)


def one(port, key, url_tail, jobs, tweets):
    """One run: (lookups answered per second, server stats of the key,
    seconds)."""
    spec = "http:url=http://127.0.0.1:%d/capacity/%s/%s?{/id}" % (
        port, key, url_tail)
    cmd = [TE, "-q", "--stats", "--allow-net", "127.0.0.0/8", "-j", jobs,
           "-e", spec]
    with open(tweets, "rb") as fin:
        t0 = time.monotonic()
        p = subprocess.run(cmd, stdin=fin, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, check=True, env=ENV)
        dt = time.monotonic() - t0
    err = p.stderr.decode()
    st = json.loads(err[err.index("{"):])
    ok = st["written"] - st.get("enrichment_errors", 0)
    srv = get(port, "/capacity-stats/" + key)
    srv["host_concurrency"] = st.get("host_concurrency")
    srv["seconds"] = dt
    return ok / dt, srv


def sweep(port, name, tail, jobs_list, tweets, runs, seq):
    """Medians per -j of rate, 503 share, p99 and seconds: {jobs: (rate,
    refused, p99, limits, seconds, ramp)}; the ramp is auto's median
    max_after_s."""
    out = {}
    for jobs in jobs_list:
        rates, refused, p99, lim, secs, ramp = [], [], [], None, [], []
        for r in range(runs):
            seq[0] += 1
            rate, srv = one(port, "%s%d" % (name, seq[0]), tail, jobs,
                            tweets)
            rates.append(rate)
            tot = srv["served"] + srv["refused"]
            refused.append(srv["refused"] / tot if tot else 0)
            p99.append(srv["p99_ms"])
            secs.append(srv["seconds"])
            if srv["host_concurrency"]:
                lim = list(srv["host_concurrency"].values())[0]
                ramp.append(lim.get("max_after_s", 0))
        out[jobs] = (statistics.median(rates), statistics.median(refused),
                     statistics.median(p99), lim, statistics.median(secs),
                     statistics.median(ramp) if ramp else None)
        print("%-8s -j %-5s %8.0f/s  503s %5.2f%%  p99 %4.0f ms%s" % (
            name, jobs, out[jobs][0], 100 * out[jobs][1], out[jobs][2],
            "  limit final %(limit)d min %(min)d max %(max)d" % lim
            if lim else ""), flush=True)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=5000, help="lookups a run")
    ap.add_argument("--long", type=int, default=0,
                    help="lookups of the long no-limit run (6 N)")
    ap.add_argument("-r", "--runs", type=int, default=3)
    ap.add_argument("--sweep", default="32,64,128,256")
    a = ap.parse_args()
    fixed = a.sweep.split(",")
    long_n = a.long or 6 * a.n
    srv = subprocess.Popen([SERVER], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE)
    port = int(srv.stdout.readline().split()[0])
    seq = [0]
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl") as f, \
            tempfile.NamedTemporaryFile("w", suffix=".jsonl") as few, \
            tempfile.NamedTemporaryFile("w", suffix=".jsonl") as many:
        for i in range(a.n):
            f.write('{"id":%d,"text":"x"}\n' % i)
        for i in range(long_n):
            many.write('{"id":%d,"text":"x"}\n' % i)
        many.flush()
        for i in range(max(200, a.n // 20)):	# -j 8: 160 a second
            few.write('{"id":%d,"text":"x"}\n' % i)
        f.flush()
        few.flush()
        print("load: %s" % os.getloadavg().__repr__(), flush=True)
        base = sweep(port, "idle", "64/50/queue", ["8"], few.name, a.runs,
                     seq)
        unloaded = get(port, "/capacity-stats/idle%d" % seq[0])["p50_ms"]
        res = {}
        for name in ("queue", "503"):
            res[name] = sweep(port, name, "64/50/" + name, fixed + ["auto"],
                              f.name, a.runs, seq)
        res["nolimit"] = sweep(port, "nolimit", "0/50/queue",
                               ["1000", "auto"], f.name, a.runs, seq)
        res["long"] = sweep(port, "long", "0/50/queue",
                            ["1000", "auto"], many.name, a.runs, seq)
        print("load: %s" % os.getloadavg().__repr__())
    srv.stdin.close()
    srv.wait()
    del base
    print("\nunloaded latency (p50 at -j 8): %d ms" % unloaded)
    print("| scenario | auto / best fixed | best fixed | auto 503s | "
          "auto p99 / unloaded |")
    print("|---|---|---|---|---|")
    for name in ("queue", "503"):
        r = res[name]
        best = max(fixed, key=lambda j: r[j][0] * (1 - r[j][1]))
        print("| %s | %.2f | -j %s | %.2f%% | %.2f |" % (
            name, r["auto"][0] / r[best][0], best, 100 * r["auto"][1],
            r["auto"][2] / unloaded if unloaded else 0))
    r, lr = res["nolimit"], res["long"]
    print("| nolimit, %d lookups | %.2f (auto / -j 1000) | | | %.2f |" % (
        a.n, r["auto"][0] / r["1000"][0], r["auto"][2] / unloaded
        if unloaded else 0))
    print("| nolimit, %d lookups | %.2f (auto / -j 1000) | | | %.2f |" % (
        long_n, lr["auto"][0] / lr["1000"][0], lr["auto"][2] / unloaded
        if unloaded else 0))

    def steady(j):
        """The rate of the long run's lookups past the short run's."""
        dt = lr[j][4] - r[j][4]
        return (long_n - a.n) / dt if dt > 0 else 0
    print("| nolimit, steady state (%d - %d lookups) | %.2f (auto / "
          "-j 1000: %.0f/s / %.0f/s) | | | |" % (
              long_n, a.n, steady("auto") / steady("1000")
              if steady("1000") else 0, steady("auto"), steady("1000")))
    print("\nramp: auto's limit reached its highest (%s) after %.2f s "
          "(median, %d lookups; %.2f s on %d)" % (
              r["auto"][3]["max"] if r["auto"][3] else "-",
              r["auto"][5] or 0, a.n, lr["auto"][5] or 0, long_n))


if __name__ == "__main__":
    sys.exit(main())
