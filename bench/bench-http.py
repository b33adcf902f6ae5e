#!/usr/bin/python3
"""HTTP lookup benchmark: tweet-enricher against the Little's-law limit,
wrk, curl --parallel and two Python peers, in one run, on a local backend
(t/testserver, /latency/MS) that answers after a fixed latency.

usage: bench/bench-http.py [-n TWEETS] [-r RUNS] [--latency MS] [-j J ...]
                           [--nginx] [--no-python] [--no-curl] [--no-rss]
                           [--bin PATH]
Run from the top of a built tree (make && make check, or make t/testserver).
--nginx: nginx answering at once instead (no latency, so no Little's limit:
the two cores are the limit; Debian: nginx-light).
Prints a Markdown table of medians over RUNS runs, and peak RSS.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

from benchcommon import TOP, TE, SERVER, GEN, PY, timed, start_nginx


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
    ap.add_argument("--nginx", action="store_true",
                    help="nginx answering at once as the backend (no "
                    "latency: the limit is the CPU)")
    ap.add_argument("--bin", default=TE, help="the tweet-enricher to run")
    ap.add_argument("--no-curl", action="store_true")
    ap.add_argument("--no-rss", action="store_true",
                    help="skip the peak RSS runs (see bench-rss.py)")
    a = ap.parse_args()
    if not a.no_python and subprocess.run(
            [PY, "-c", "import aiohttp"], capture_output=True).returncode:
        # The Python peers are a comparison, not the anchor (wrk is).
        print("python3-aiohttp is not installed: the Python peers are "
              "left out\n")
        a.no_python = True

    tmp = tempfile.mkdtemp(prefix="te-bench-")
    if a.nginx:
        srv, port = start_nginx(tmp)
        prefix = "/lookup?"
        a.latency = 0
    else:
        srv = subprocess.Popen([SERVER], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE)
        port = int(srv.stdout.readline().split()[0])
        prefix = "/latency/%d?" % a.latency
    base = "http://127.0.0.1:%d%s" % (port, prefix)
    tweets = os.path.join(tmp, "tweets.jsonl")
    urls = os.path.join(tmp, "urls.cfg")

    print("# Lookups at %d ms latency (%s), median of %d runs (nproc %d)\n"
          % (a.latency, "nginx" if a.nginx else "t/testserver", a.runs,
             os.cpu_count()))
    print("tweet-enricher: %s\n" % a.bin)
    print("curl --parallel is capped at 300 transfers by curl itself.\n")
    print("| -j | lookups | tweet-enricher /s | Little's limit /s | vs limit "
          "| wrk /s | vs wrk | curl --parallel /s | aiohttp /s "
          "| thread pool /s | vs best Python |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    runs, ratios = [], []
    for j in a.j:
        n = max(a.n, 100 * j)
        with open(tweets, "w") as f:
            subprocess.run([PY, GEN, str(n)], stdout=f, check=True)
        with open(urls, "w") as f:
            for i in range(n):
                f.write('url = "%s%d"\noutput = "/dev/null"\n' % (base, i))
        te, wr, cu, ai, th = [], [], [], [], []
        for _ in range(a.runs):
            dt = timed([a.bin, "-q", "-j", str(j), "-e",
                           "http:url=%s{/seq},select=/ok" % base], tweets)
            te.append(n / dt)
            wr.append(wrk(base + "0", j, 5))
            if not a.no_curl:
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
                               "127.0.0.1", str(port), prefix, str(j)],
                              tweets)
                th.append(n / dt)
        m = statistics.median
        limit = j * 1000.0 / a.latency if a.latency > 0 else None
        best_py = max(m(ai), m(th)) if ai else float("nan")
        print("| %d | %d | %.0f | %s | %s | %.0f | %.1f%% | %.0f | %s "
              "| %s | %s |" % (
                  j, n, m(te), "%.0f" % limit if limit else "-",
                  "%.1f%%" % (100 * m(te) / limit) if limit else "-", m(wr),
                  100 * m(te) / m(wr), m(cu) if cu else float("nan"),
                  "%.0f" % m(ai) if ai else "-",
                  "%.0f" % m(th) if th else "-",
                  "%.1fx" % (m(te) / best_py) if ai else "-"))
        sys.stdout.flush()
        runs.append("-j %d runs: tweet-enricher %s; wrk %s" % (
            j, " ".join("%.0f" % x for x in te),
            " ".join("%.0f" % x for x in wr)))
        ratios.append("-j %d: tweet-enricher/wrk %.3f%s" % (
            j, m(te) / m(wr), "; tweet-enricher/Little %.3f" %
            (m(te) / limit) if limit else ""))

    print("\n" + "\n".join(runs))
    # The ratios issue 19 names: -j 1000 / wrk >= 0.92, -j 100 / Little's
    # limit >= 0.96 (medians of the same run's runs, load in uptime).
    print("\nRatios (medians, same run; load %.1f %.1f %.1f):\n%s" % (
        os.getloadavg() + ("\n".join(ratios),)))
    if a.no_rss:
        finish(a, srv, tmp)
        return
    print("\n# Peak RSS of tweet-enricher, -j 1000, by input size\n")
    print("| tweets | peak RSS (KB) |")
    print("|---|---|")
    for n in (20000, 200000):
        path = os.path.join(tmp, "rss-%d.jsonl" % n)
        with open(path, "w") as f:
            subprocess.run([PY, GEN, str(n)], stdout=f, check=True)
        rss = rss_of([a.bin, "-q", "-j", "1000", "-e",
                      "http:url=%s{/seq},select=/ok" % base], path)
        print("| %d | %d |" % (n, rss))
        os.unlink(path)
    finish(a, srv, tmp)


def finish(a, srv, tmp):
    if a.nginx:
        srv.terminate()
    else:
        srv.stdin.close()
    srv.wait()
    subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
