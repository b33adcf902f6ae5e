"""Shared by the benchmarks: paths in a built tree and a wall-clock timer."""
import os
import subprocess
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TE = os.path.join(TOP, "src", "tweet-enricher")
SERVER = os.path.join(TOP, "t", "testserver")
GEN = os.path.join(TOP, "bench", "gen-tweets.py")
PY = "/usr/bin/python3"


def timed(cmd, stdin_path=None):
    """Run cmd with stdin from a file; return the wall-clock seconds."""
    t0 = time.monotonic()
    with open(stdin_path or os.devnull, "rb") as fin:
        subprocess.run(cmd, stdin=fin, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
    return time.monotonic() - t0
