#!/usr/bin/python3
"""Latency figures' overhead (--stats latency, --progress p99): the same
workloads through this tree's tweet-enricher and through a reference
binary that records nothing, in one run, by instructions executed
(callgrind: the figure the machine's load does not move) and by CPU time
(user + system, medians of RUNS runs). The reference is --ref BIN, or else
built here from this tree's commit (git archive HEAD) with the recording
stubbed out: no clock read, no histogram, no host table.

  test     -e test on N tweets of ~500 bytes (every enrichment timed)
  http     -e http against nginx answering at once, -j 100, N/10 distinct
           lookups (every lookup timed per enrichment and per host)

usage: bench/bench-latency.py [--ref BIN] [-n N] [-r RUNS] [--no-callgrind]
Run from the top of a built tree; needs nginx (Debian nginx-light) and
valgrind. Prints a Markdown table: new / reference for each figure.
"""
import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile

from benchcommon import TE, GEN, PY, TOP, start_nginx

# What the reference leaves out: (file, text, replacement).
STUBS = [
    ("src/tweet/tweet.c", "\t\tt->started = clock_mono();\n", "\t\t;\n"),
    ("src/tweet/tweet-latency.c",
     "\tdouble\tus = start == 0 ? 0 : (clock_mono() - start) * 1e6;\n",
     "\tdouble\tus = 0;\n\n\treturn;\n"),
    ("src/http/fetch.c", "\tw->since = clock_mono();\n", ""),
    ("src/http/hostlat.c",
     "\tstruct latency\t*l = hostlat_of(url);\n"
     "\tdouble\t\t us = (clock_mono() - since) * 1e6;\n",
     "\tstruct latency\t*l;\n\tdouble\t\t us;\n\n\treturn;\n"),
    ("src/http/hostlat.c", "\thostlat_of(url)->hits++;\n", ""),
]


def build_ref(tmp):
    """This commit with the recording stubbed out, built in tmp."""
    src = os.path.join(tmp, "ref")
    os.mkdir(src)
    subprocess.run("git -C %s archive HEAD | tar -x -C %s" % (TOP, src),
                   shell=True, check=True)
    for path, old, new in STUBS:
        with open(os.path.join(src, path)) as f:
            text = f.read()
        if old not in text:
            sys.exit("bench-latency: %s changed; update STUBS" % path)
        with open(os.path.join(src, path), "w") as f:
            f.write(text.replace(old, new, 1))
    subprocess.run("./autogen.sh && ./configure -q && "
                   "make -j2 src/tweet-enricher", shell=True, cwd=src,
                   check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return os.path.join(src, "src", "tweet-enricher")


def cpu(cmd, stdin_path):
    """Run cmd once; its user + system CPU seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(stdin_path, "rb") as fin:
        subprocess.run(cmd, stdin=fin, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime +
            after.ru_stime - before.ru_stime)


def instructions(cmd, stdin_path, tmp):
    """Instructions executed by cmd (callgrind's Collected, all threads)."""
    out = os.path.join(tmp, "cg.out")
    with open(stdin_path, "rb") as fin:
        r = subprocess.run(["valgrind", "--tool=callgrind",
                            "--callgrind-out-file=" + out] + cmd,
                           stdin=fin, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, check=True)
    m = re.search(rb"Collected : (\d+)", r.stderr)
    os.unlink(out)
    return int(m.group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ref",
                    help="a tweet-enricher without the latency figures")
    ap.add_argument("-n", type=int, default=100000)
    ap.add_argument("-r", "--runs", type=int, default=5)
    ap.add_argument("--no-callgrind", action="store_true")
    a = ap.parse_args()
    m = statistics.median
    tmp = tempfile.mkdtemp(prefix="te-latency-")
    if a.ref is None:
        a.ref = build_ref(tmp)
    ngx, port = start_nginx(tmp)
    try:
        tweets = os.path.join(tmp, "tweets.jsonl")
        with open(tweets, "w") as f:
            subprocess.run([PY, GEN, str(a.n), "500"], stdout=f, check=True)
        few = os.path.join(tmp, "few.jsonl")
        with open(tweets) as fin, open(few, "w") as fout:
            for i, line in enumerate(fin):
                if i >= a.n // 10:
                    break
                fout.write(line)
        work = {
            "test": (["-q", "--stats", "-e", "test"], tweets, a.n),
            "http": (["-q", "--stats", "--allow-net", "127.0.0.0/8",
                      "-j", "100", "-e",
                      "http:url=http://127.0.0.1:%d/lookup?id={/id}" % port],
                     few, a.n // 10),
        }
        print("# Overhead of the latency figures: %d tweets (%d lookups)\n"
              % (a.n, a.n // 10))
        print("| workload | figure | reference | new | new / reference |")
        print("|---|---|---:|---:|---:|")
        for name, (args, path, n) in work.items():
            ref, new = [], []
            for _ in range(a.runs):	# interleaved: the load hits both
                ref.append(cpu([a.ref] + args, path))
                new.append(cpu([TE] + args, path))
            print("| %s | CPU µs per tweet, median of %d | %.2f | %.2f | "
                  "%.3f |" % (name, a.runs, m(ref) / n * 1e6,
                              m(new) / n * 1e6, m(new) / m(ref)))
            if a.no_callgrind:
                continue
            ir, inew = [], []
            for _ in range(3):	# the loop's wake-ups vary by about 1%
                ir.append(instructions([a.ref] + args, path, tmp))
                inew.append(instructions([TE] + args, path, tmp))
            print("| %s | instructions per tweet (callgrind), median of 3 "
                  "| %.0f | %.0f | %.3f |" % (name, m(ir) / n, m(inew) / n,
                                              m(inew) / m(ir)))
    finally:
        ngx.terminate()
        ngx.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
