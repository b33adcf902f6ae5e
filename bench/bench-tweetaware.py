#!/usr/bin/env python3
"""The tweet-aware enrichers against the usual alternatives, on N
real-shaped API v1.1 tweets (bench/gen-v11.py, about 4.5 KB each):

  ours   tweet-enricher -e type -e entities -e length:count=twitter
  test   tweet-enricher -e test (our pass-through: check, add one member)
  jq     jq -c '[.entities.hashtags[].text]' (hashtags from the data only)
  node   the same three enrichments with twitter-text's JavaScript (npm
         twitter-text, bench/tt-node.js), installed into a temporary
         directory unless NODE_TWITTER_TEXT names an installed copy

usage: bench-tweetaware.py [N] [RUNS] [--check]

Prints lines/s (median of RUNS wall-clock runs, and the median CPU time of
the process), then the ratios. --check also compares our entities and
lengths with twitter-text's on the same input.
"""
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from benchcommon import TE, TOP

args = [a for a in sys.argv[1:] if not a.startswith("--")]
N = int(args[0]) if args else 100000
RUNS = int(args[1]) if len(args) > 1 else 3
CHECK = "--check" in sys.argv


def run(cmd, path, out=subprocess.DEVNULL):
    """Wall and CPU seconds of one run of cmd reading path."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    with open(path, "rb") as fin:
        subprocess.run(cmd, stdin=fin, stdout=out,
                       stderr=subprocess.DEVNULL, check=True)
    wall = time.monotonic() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def node_module(tmp):
    """A path to twitter-text for require(), installing it if need be."""
    if os.environ.get("NODE_TWITTER_TEXT"):
        return os.environ["NODE_TWITTER_TEXT"]
    if shutil.which("node") is None or shutil.which("npm") is None:
        return None
    d = os.path.join(tmp, "npm")
    os.makedirs(d)
    subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund",
                    "--prefix", d, "twitter-text"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return os.path.join(d, "node_modules", "twitter-text")


def main():
    tmp = tempfile.mkdtemp(prefix="bench-tweetaware.")
    try:
        data = os.path.join(tmp, "tweets.jsonl")
        with open(data, "w") as f:
            subprocess.run([sys.executable,
                            os.path.join(TOP, "bench", "gen-v11.py"),
                            str(N)], stdout=f, check=True)
        size = os.path.getsize(data)
        print("input: %d tweets, %.0f bytes each on average" % (N, size / N))
        cmds = {
            "ours": [TE, "-q", "-e", "type", "-e", "entities", "-e",
                     "length:count=twitter"],
            "test": [TE, "-q", "-e", "test"],
        }
        if shutil.which("jq"):
            cmds["jq"] = ["jq", "-c", "[.entities.hashtags[].text]"]
        mod = node_module(tmp)
        if mod:
            cmds["node"] = ["node", os.path.join(TOP, "bench", "tt-node.js"),
                            mod]
        res = {}
        for name, cmd in cmds.items():
            walls, cpus = [], []
            for _ in range(RUNS):
                w, c = run(cmd, data)
                walls.append(w)
                cpus.append(c)
            res[name] = (statistics.median(walls), statistics.median(cpus))
            print("%-5s %9.0f lines/s wall (median of %d: %s s), "
                  "%9.0f lines/s CPU (%.2f s)" % (
                      name, N / res[name][0], RUNS,
                      " ".join("%.2f" % w for w in walls),
                      N / res[name][1], res[name][1]))
        o = res["ours"]
        for name in ("test", "jq", "node"):
            if name in res:
                print("ours / %-4s  wall %.2fx  CPU %.2fx" % (
                    name, res[name][0] / o[0], res[name][1] / o[1]))
        if CHECK and mod:
            check(cmds, data, tmp)
    finally:
        shutil.rmtree(tmp)


def check(cmds, data, tmp):
    """Compare our values with twitter-text's, tweet by tweet."""
    outs = {}
    for name in ("ours", "node"):
        path = os.path.join(tmp, name + ".out")
        with open(path, "w") as f:
            run(cmds[name], data, f)
        with open(path) as f:
            outs[name] = [json.loads(l)["enrichments"] for l in f]
    ents = lens = 0
    for a, b in zip(outs["ours"], outs["node"]):
        ents += a["entities"] != b["entities"]
        lens += a["length"] != b["length"]
    print("check: %d tweets; entities differ on %d, length on %d" % (
        len(outs["ours"]), ents, lens))


main()
