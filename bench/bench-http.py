#!/usr/bin/python3
"""HTTP lookup benchmark: tweet-enricher against the Little's-law limit,
wrk, curl --parallel and two Python peers, in one run, on a local backend
(t/testserver, /latency/MS) that answers after a fixed latency.

usage: bench/bench-http.py [-n TWEETS] [-r RUNS] [--latency MS] [-j J ...]
Run from the top of a built tree (make && make check, or make t/testserver).
Prints a Markdown table of medians over RUNS runs, and peak RSS.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

from benchcommon import TOP, TE, SERVER, GEN, PY, timed


def rss_of(cmd, stdin_path):
    out = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd,
                         stdin=open(stdin_path, "rb"),
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         check=True).stderr.decode().strip().splitlines()
    return int(out[-1])


def wrk(url, conns, seconds):
    out = subprocess.run(["wrk", "-t", "1", "-c", str(conns), "-d",
                          "%ds" % seconds, url], capture_output=True,
                         check=True).stdout.decode()
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=20000,
                    help="lookups (at least 100 per unit of -j, so that "
                    "connection set-up and the tail do not dominate)")
    ap.add_argument("-r", "--runs", type=int, default=3)
    ap.add_argument("--latency", type=int, default=50)
    ap.add_argument("-j", type=int, nargs="+", default=[100, 1000])
    ap.add_argument("--no-python", action="store_true")
    a = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="te-bench-")
    srv = subprocess.Popen([SERVER], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE)
    port = int(srv.stdout.readline().split()[0])
    base = "http://127.0.0.1:%d/latency/%d?" % (port, a.latency)
    tweets = os.path.join(tmp, "tweets.jsonl")
    urls = os.path.join(tmp, "urls.cfg")

    print("# Lookups at %d ms latency, median of %d runs (nproc %d)\n"
          % (a.latency, a.runs, os.cpu_count()))
    print("curl --parallel is capped at 300 transfers by curl itself.\n")
    print("| -j | lookups | tweet-enricher /s | Little's limit /s | vs limit "
          "| wrk /s | vs wrk | curl --parallel /s | aiohttp /s "
          "| thread pool /s | vs best Python |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for j in a.j:
        n = max(a.n, 100 * j)
        with open(tweets, "w") as f:
            subprocess.run([PY, GEN, str(n)], stdout=f, check=True)
        with open(urls, "w") as f:
            for i in range(n):
                f.write('url = "%s%d"\noutput = "/dev/null"\n' % (base, i))
        te, wr, cu, ai, th = [], [], [], [], []
        for _ in range(a.runs):
            dt = timed([TE, "-q", "-j", str(j), "-e",
                           "http:url=%s{/seq},select=/ok" % base], tweets)
            te.append(n / dt)
            wr.append(wrk(base + "0", j, 5))
            dt = timed(["curl", "-s", "--parallel", "--parallel-max",
                           str(j), "-K", urls])
            cu.append(n / dt)
            if not a.no_python:
                dt = timed([PY, os.path.join(TOP, "bench",
                                                "py_aiohttp.py"),
                               base, str(j)], tweets)
                ai.append(n / dt)
                dt = timed([PY, os.path.join(TOP, "bench",
                                                "py_threads.py"),
                               "127.0.0.1", str(port),
                               "/latency/%d?" % a.latency, str(j)], tweets)
                th.append(n / dt)
        m = statistics.median
        limit = j * 1000.0 / a.latency
        best_py = max(m(ai), m(th)) if ai else float("nan")
        print("| %d | %d | %.0f | %.0f | %.1f%% | %.0f | %.1f%% | %.0f | %s "
              "| %s | %s |" % (
                  j, n, m(te), limit, 100 * m(te) / limit, m(wr),
                  100 * m(te) / m(wr), m(cu),
                  "%.0f" % m(ai) if ai else "-",
                  "%.0f" % m(th) if th else "-",
                  "%.1fx" % (m(te) / best_py) if ai else "-"))
        sys.stdout.flush()

    print("\n# Peak RSS of tweet-enricher, -j 1000, by input size\n")
    print("| tweets | peak RSS (KB) |")
    print("|---|---|")
    for n in (20000, 200000):
        path = os.path.join(tmp, "rss-%d.jsonl" % n)
        with open(path, "w") as f:
            subprocess.run([PY, GEN, str(n)], stdout=f, check=True)
        rss = rss_of([TE, "-q", "-j", "1000", "-e",
                      "http:url=%s{/seq},select=/ok" % base], path)
        print("| %d | %d |" % (n, rss))
        os.unlink(path)
    srv.stdin.close()
    srv.wait()
    subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
