#!/usr/bin/env python3
"""Shared pacing (issue 20): three instances on one Redis stream with
--host-rate 127.0.0.1=20 for about 30 s (the pacing server is the stream's,
by default), against one instance alone at the same rate and, as a control,
three with --pace-url none. The test server's /log gives each request's
time: the most requests in any one-second window and the mean rate.
Then the shared quota window: a server answering 429 with
x-rate-limit-reset beyond 100 requests in each 5 s window, counted over
three instances (--host-rate 127.0.0.1=100): every tweet enriched, no
error, at most one 429 per instance per window (the test server's
/counters).

Usage: bench-sharedpace.py [RUNS]   (default 3; medians are printed)
"""
import bisect
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchcommon import TE, SERVER, free_port  # noqa: E402

RATE = 20
SECONDS = 30


def start_redis(tmp):
    port = free_port()
    p = subprocess.Popen(["redis-server", "--port", str(port), "--bind",
                          "127.0.0.1", "--save", "", "--appendonly", "no",
                          "--dir", tmp, "--loglevel", "warning"],
                         stdout=subprocess.DEVNULL)
    for _ in range(500):
        r = subprocess.run(["redis-cli", "-p", str(port), "ping"],
                           capture_output=True, text=True)
        if r.stdout.strip() == "PONG":
            return p, port
        time.sleep(0.01)
    sys.exit("redis-server does not answer")


def start_server():
    p = subprocess.Popen([SERVER], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    port = int(p.stdout.readline().split()[0])
    return p, port


def load(rport, stream, n):
    lines = "".join('{"id":%d}\n' % i for i in range(n))
    subprocess.run([TE, "--to", "redis://127.0.0.1:%d/%s" % (rport, stream)],
                   input=lines, text=True, check=True,
                   stdout=subprocess.DEVNULL)


def instances(k, rport, sport, stream, extra):
    url = ("redis://127.0.0.1:%d/%s?group=g&start=0&drain=yes&prefetch=20"
           % (rport, stream))
    procs = [subprocess.Popen(
        [TE, "-e", "http:url=http://127.0.0.1:%d/json/%s?{/id}"
         % (sport, stream), "--allow-net", "127.0.0.0/8", "--host-rate",
         "127.0.0.1=%d" % RATE, "--from", url, "--to",
         "redis://127.0.0.1:%d/%s-out" % (rport, stream)] + extra,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(k)]
    for p in procs:
        if p.wait() != 0:
            sys.exit("an instance failed")


def measure(sport, stream):
    with urllib.request.urlopen("http://127.0.0.1:%d/log" % sport) as r:
        log = json.load(r)
    t = sorted(e["ms"] for e in log if e["uri"].startswith("/json/%s?"
                                                          % stream))
    most = max(bisect.bisect_left(t, x + 1000) - i for i, x in enumerate(t))
    mean = (len(t) - 1) / ((t[-1] - t[0]) / 1000.0)
    return len(t), most, mean


def quota_run():
    """Three instances, 250 tweets each, on /window/q/100/5; returns
    (tweets enriched, errors, most 429s of one instance in one window,
    windows with a 429, seconds)."""
    with tempfile.TemporaryDirectory() as tmp:
        rds, rport = start_redis(tmp)
        srv, sport = start_server()
        try:
            load(rport, "q", 750)
            t0 = time.monotonic()
            url = ("redis://127.0.0.1:%d/q?group=g&start=0&drain=yes"
                   "&prefetch=20" % rport)
            procs = [subprocess.Popen(
                [TE, "-e", "http:url=http://127.0.0.1:%d/window/q/100/5"
                 "?i=%d&{/id}" % (sport, i), "--allow-net", "127.0.0.0/8",
                 "--host-rate", "127.0.0.1=100", "--from", url],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
                for i in range(3)]
            ok = errors = 0
            for p in procs:
                for line in p.stdout:
                    j = json.loads(line)
                    if "enrichment_errors" in j:
                        errors += 1
                    elif j["enrichments"]["http"].get("ok"):
                        ok += 1
                if p.wait() != 0:
                    sys.exit("an instance failed")
            secs = time.monotonic() - t0
            with urllib.request.urlopen("http://127.0.0.1:%d/counters"
                                        % sport) as r:
                c = json.load(r)
            n429 = {k: v for k, v in c.items() if k.startswith("429 ")}
            windows = {k.split()[2] for k in n429}
            return ok, errors, max(n429.values() or [0]), len(windows), secs
        finally:
            srv.stdin.close()
            srv.wait()
            rds.terminate()
            rds.wait()


def one_run():
    with tempfile.TemporaryDirectory() as tmp:
        rds, rport = start_redis(tmp)
        srv, sport = start_server()
        try:
            res = {}
            for name, k, n, extra in (
                    ("shared", 3, RATE * SECONDS, []),
                    ("alone", 1, RATE * SECONDS // 3, []),
                    ("none", 3, RATE * SECONDS // 3,
                     ["--pace-url", "none"])):
                load(rport, name, n)
                instances(k, rport, sport, name, extra)
                res[name] = measure(sport, name)
            return res
        finally:
            srv.stdin.close()
            srv.wait()
            rds.terminate()
            rds.wait()


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    print("load: %s" % open("/proc/loadavg").read().strip())
    all_runs = []
    for i in range(runs):
        r = one_run()
        all_runs.append(r)
        print("run %d: " % (i + 1) + ", ".join(
            "%s n=%d max/1s=%d mean=%.2f/s" % (k, *v) for k, v in r.items()))
    med = {k: (statistics.median(r[k][1] for r in all_runs),
               statistics.median(r[k][2] for r in all_runs))
           for k in all_runs[0]}
    print("median max in any 1 s: shared %d, alone %d, none %d (limit %d)"
          % (med["shared"][0], med["alone"][0], med["none"][0], RATE))
    print("median mean rate: shared %.2f/s, alone %.2f/s, none %.2f/s"
          % (med["shared"][1], med["alone"][1], med["none"][1]))
    print("ratio shared/alone: %.3f; none/alone: %.3f"
          % (med["shared"][1] / med["alone"][1],
             med["none"][1] / med["alone"][1]))
    q = quota_run()
    print("quota 100 per 5 s over 3 instances: %d of 750 enriched, %d errors,"
          " at most %d 429 per instance per window, %d windows closed,"
          " %.1f s" % q)
    print("load: %s" % open("/proc/loadavg").read().strip())


if __name__ == "__main__":
    main()
