#!/usr/bin/python3
"""Soak: stream an endless generated input through http + unshorten + sha256
against the test server's /random endpoint (random latency, 503s, resets,
hangs, redirects) for a set time, sampling tweet-enricher's RSS each second.
RSS must level off. Writes soak.csv and, with gnuplot, soak-rss.png.

usage: bench/soak.py [-t SECONDS] [-o DIR]   (from the top of a built tree)
"""
import argparse
import os
import random
import shutil
import signal
import subprocess
import threading
import time

from benchcommon import TE, SERVER


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-t", "--seconds", type=int, default=300)
    ap.add_argument("-o", "--out", default=".")
    a = ap.parse_args()

    srv = subprocess.Popen([SERVER], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE)
    port = int(srv.stdout.readline().split()[0])
    base = "http://127.0.0.1:%d" % port
    te = subprocess.Popen(
        [TE, "-q", "--stats", "-j", "200", "--timeout", "1000",
         "--retries", "1", "--max-retry-wait", "200",
         "-e", "http:url=%s/random?{/seq},as=lookup" % base,
         "-e", "unshorten", "-e", "sha256:rounds=200",
         "--allow-net", "127.0.0.0/8"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sent = [0]
    written = [0]
    stop = threading.Event()

    def feed():
        rnd = random.Random(1)
        seq = 0
        try:
            while not stop.is_set():
                lines = []
                for _ in range(100):
                    link = "%s/random?l=%d" % (base, rnd.randrange(5000))
                    lines.append(
                        '{"id":%d,"seq":%d,"body":"soak tweet %d %s",'
                        '"entities":{"urls":[{"url":"%s"}]}}\n'
                        % (seq, seq, seq, "x" * rnd.randrange(300), link))
                    seq += 1
                te.stdin.write("".join(lines).encode())
                sent[0] = seq
        except (BrokenPipeError, ValueError):
            pass

    def drain():
        for _ in te.stdout:
            written[0] += 1

    threads = [threading.Thread(target=feed), threading.Thread(target=drain)]
    for t in threads:
        t.start()
    csv = os.path.join(a.out, "soak.csv")
    t0 = time.monotonic()
    with open(csv, "w") as f:
        f.write("seconds,rss_kb,written\n")
        while time.monotonic() - t0 < a.seconds:
            time.sleep(1)
            f.write("%.0f,%d,%d\n" % (time.monotonic() - t0, rss_kb(te.pid),
                                      written[0]))
            f.flush()
    stop.set()
    te.send_signal(signal.SIGTERM)
    threads[0].join()
    te.stdin.close()
    threads[1].join()
    stats = te.stderr.read().decode().strip().splitlines()[-1]
    status = te.wait()
    srv.stdin.close()
    srv.wait()

    rows = [l.split(",") for l in open(csv).read().splitlines()[1:]]
    rss = [int(r[1]) for r in rows]
    n = len(rss)
    print("soak: %d s, %d tweets written (%.0f/s), exit %d" % (
        n, written[0], written[0] / max(n, 1), status))
    print("soak: RSS KB at 10%%: %d, 50%%: %d, end: %d, max: %d" % (
        rss[n // 10], rss[n // 2], rss[-1], max(rss)))
    print("soak: stats %s" % stats)
    if shutil.which("gnuplot"):
        png = os.path.join(a.out, "soak-rss.png")
        subprocess.run(["gnuplot", "-e",
                        "set terminal png size 640,360; set output '%s'; "
                        "set datafile separator ','; set key off; "
                        "set xlabel 'seconds'; set ylabel 'RSS (MB)'; "
                        "set yrange [0:*]; set title 'tweet-enricher RSS "
                        "during a soak'; plot '%s' every ::1 using 1:($2/1024) "
                        "with lines lw 2" % (png, csv)], check=True)
        print("soak: plot in %s" % png)


if __name__ == "__main__":
    main()
