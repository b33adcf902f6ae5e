#!/usr/bin/python3
"""Adaptive concurrency per host (-j auto) against a sweep of fixed -j, in
one run, on the test server's capacity endpoints (t/testserver-capacity.c):

  queue    serves 64 requests at once in 50 ms, queues the rest (latency
           grows with the queue)
  503      serves 64 at once in 50 ms, answers 503 beyond
  nolimit  every request 50 ms, however many at once (auto against -j 1000)

Each lookup is distinct (no cache, no coalescing). For each scenario and
-j: lookups answered per second (medians of RUNS runs), the share of
requests the server refused with 503, and its p99 latency (arrival to
answer, measured by the server) against the unloaded latency (the p50 of
-j 8, far below capacity). Then the ratios the issue asks for: auto over
the best fixed -j (>= 0.9), auto's 503 share (<= 1%), auto's p99 over the
unloaded latency (<= 2), and nolimit auto over -j 1000 (>= 0.9).

usage: bench/bench-adaptive.py [-n N] [-r RUNS] [--sweep 32,64,128,256]
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
    """One run: (lookups answered per second, server stats of the key)."""
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
    return ok / dt, srv


def sweep(port, name, tail, jobs_list, tweets, runs, seq):
    """Medians per -j of rate, 503 share and p99: {jobs: (rate, refused,
    p99, limits)}."""
    out = {}
    for jobs in jobs_list:
        rates, refused, p99, lim = [], [], [], None
        for r in range(runs):
            seq[0] += 1
            rate, srv = one(port, "%s%d" % (name, seq[0]), tail, jobs,
                            tweets)
            rates.append(rate)
            tot = srv["served"] + srv["refused"]
            refused.append(srv["refused"] / tot if tot else 0)
            p99.append(srv["p99_ms"])
            if srv["host_concurrency"]:
                lim = list(srv["host_concurrency"].values())[0]
        out[jobs] = (statistics.median(rates), statistics.median(refused),
                     statistics.median(p99), lim)
        print("%-8s -j %-5s %8.0f/s  503s %5.2f%%  p99 %4.0f ms%s" % (
            name, jobs, out[jobs][0], 100 * out[jobs][1], out[jobs][2],
            "  limit final %(limit)d min %(min)d max %(max)d" % lim
            if lim else ""), flush=True)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=5000, help="lookups a run")
    ap.add_argument("-r", "--runs", type=int, default=3)
    ap.add_argument("--sweep", default="32,64,128,256")
    a = ap.parse_args()
    fixed = a.sweep.split(",")
    srv = subprocess.Popen([SERVER], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE)
    port = int(srv.stdout.readline().split()[0])
    seq = [0]
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl") as f, \
            tempfile.NamedTemporaryFile("w", suffix=".jsonl") as few:
        for i in range(a.n):
            f.write('{"id":%d,"text":"x"}\n' % i)
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
    r = res["nolimit"]
    print("| nolimit | %.2f (auto / -j 1000) | | | %.2f |" % (
        r["auto"][0] / r["1000"][0], r["auto"][2] / unloaded
        if unloaded else 0))


if __name__ == "__main__":
    sys.exit(main())
