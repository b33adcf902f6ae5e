#!/usr/bin/python3
"""Scale-out benchmark: one Redis stream of N tweets whose lookup takes
LATENCY ms (t/testserver /latency/MS), worked by 1, 2 and 3 instances of
tweet-enricher (-j 100 each) in one consumer group, stream to stream.
Prints each rate against the Little's-law limit of that many instances
(instances x J / latency) and against the single instance; then a run
where one of three instances is SIGKILLed half way: time to recover,
duplicates and losses in the output stream.

usage: bench/bench-scale.py [-n TWEETS] [-r RUNS] [--latency MS] [-j J]
Run from the top of a built tree; needs redis-server (Debian redis-server).
The rate is taken from the first entry in to the last entry out, as seen in
the output stream (each instance then waits a little to see the group is
drained, which is not work).
"""
import argparse
import os
import signal
import socket
import statistics
import subprocess
import tempfile
import time

from benchcommon import TE, SERVER, GEN, PY


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def rcli(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port)] + list(args),
                          capture_output=True, check=True,
                          text=True).stdout.strip()


def wait_len(port, stream, n, timeout=600):
    """Poll XLEN until it reaches n; the time it did."""
    t_end = time.monotonic() + timeout
    while time.monotonic() < t_end:
        if int(rcli(port, "XLEN", stream) or 0) >= n:
            return time.monotonic()
        time.sleep(0.01)
    raise SystemExit("%s never reached %d entries" % (stream, n))


def start(port, group, consumer, out, base, j, claim_idle=None):
    cmd = [TE, "-q", "-j", str(j), "--from",
           "redis://127.0.0.1:%d/in?group=%s&start=0&drain=yes&consumer=%s"
           % (port, group, consumer),
           "--to", "redis://127.0.0.1:%d/%s" % (port, out),
           "-e", "http:url=%s{/seq},select=/ok" % base]
    if claim_idle is not None:
        cmd += ["--claim-idle", str(claim_idle)]
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL)


def check_out(port, out, n):
    """(duplicates, losses) among the seq values of the output stream."""
    seen = {}
    raw = rcli(port, "XRANGE", out, "-", "+")
    for line in raw.splitlines():
        k = line.find('"seq":')
        if k >= 0:
            v = int(line[k + 6:].split(",")[0].split("}")[0])
            seen[v] = seen.get(v, 0) + 1
    dups = sum(c - 1 for c in seen.values())
    lost = sum(1 for i in range(n) if i not in seen)
    return dups, lost


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=30000)
    ap.add_argument("-r", "--runs", type=int, default=3)
    ap.add_argument("--latency", type=int, default=50)
    ap.add_argument("-j", type=int, default=100)
    a = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="te-scale-")
    srv = subprocess.Popen([SERVER], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE)
    hport = int(srv.stdout.readline().split()[0])
    base = "http://127.0.0.1:%d/latency/%d?" % (hport, a.latency)
    port = free_port()
    rds = subprocess.Popen(["redis-server", "--port", str(port), "--bind",
                            "127.0.0.1", "--save", "", "--appendonly", "no",
                            "--dir", tmp, "--loglevel", "warning"],
                           stdout=subprocess.DEVNULL)
    for _ in range(500):
        try:
            if rcli(port, "PING") == "PONG":
                break
        except subprocess.CalledProcessError:
            pass
        time.sleep(0.01)

    tweets = os.path.join(tmp, "tweets.jsonl")
    with open(tweets, "w") as f:
        subprocess.run([PY, GEN, str(a.n)], stdout=f, check=True)
    with open(tweets, "rb") as f:
        subprocess.run([TE, "-q", "--to", "redis://127.0.0.1:%d/in" % port],
                       stdin=f, check=True)
    assert int(rcli(port, "XLEN", "in")) == a.n

    limit1 = a.j * 1000.0 / a.latency
    print("# %d tweets, lookups of %d ms, -j %d per instance, median of %d "
          "runs (nproc %d)\n" % (a.n, a.latency, a.j, a.runs, os.cpu_count()))
    print("| instances | tweets/s | Little's limit /s | vs limit "
          "| vs 1 instance |")
    print("|---|---|---|---|---|")
    run = 0
    rates = {}
    for k in (1, 2, 3):
        rs = []
        for _ in range(a.runs):
            run += 1
            group, out = "g%d" % run, "out%d" % run
            t0 = time.monotonic()
            ps = [start(port, group, "c%d" % i, out, base, a.j)
                  for i in range(k)]
            t1 = wait_len(port, out, a.n)
            for p in ps:
                p.wait()
            rs.append(a.n / (t1 - t0))
            dups, lost = check_out(port, out, a.n)
            assert dups == 0 and lost == 0, (dups, lost)
            rcli(port, "DEL", out)
        rates[k] = statistics.median(rs)
        print("| %d | %.0f | %.0f | %.2f | %.2fx |" % (
            k, rates[k], k * limit1, rates[k] / (k * limit1),
            rates[k] / rates[1]))

    print("\n# One of three instances SIGKILLed half way "
          "(--claim-idle 2000)\n")
    print("| run | total s | kill to last entry s | duplicates | losses |")
    print("|---|---|---|---|---|")
    for r in range(a.runs):
        run += 1
        group, out = "g%d" % run, "out%d" % run
        t0 = time.monotonic()
        ps = [start(port, group, "c%d" % i, out, base, a.j, 2000)
              for i in range(3)]
        wait_len(port, out, a.n // 2)
        ps[0].send_signal(signal.SIGKILL)
        tk = time.monotonic()
        t1 = wait_len(port, out, a.n)
        for p in ps:
            p.wait()
        dups, lost = check_out(port, out, a.n)
        print("| %d | %.2f | %.2f | %d | %d |" % (r + 1, t1 - t0, t1 - tk,
                                                 dups, lost))
        rcli(port, "DEL", out)

    rds.terminate()
    rds.wait()
    srv.stdin.close()
    srv.wait()
    subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
