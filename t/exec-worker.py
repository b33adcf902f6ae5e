#!/usr/bin/env python3
# An exec worker for the tests: reads JSON lines, answers one line each.
# exec-worker.py MODE [ARG]:
#   len              the length of the tweet's body (or of a string request)
#   echo             the request itself
#   overlap DIR      sleeps 100 ms per request; answers how many requests
#                    (of all workers) were in progress when it started
#   exit-after N     answers N requests, then exits with status 3
#   garbage          answers "not json" to tweets whose id is 2, else 7
#   hang             never answers tweets whose id is 2, else 7
#   flood            writes 1000 stderr lines (and one very long one) per
#                    request, then answers 7
#   error            {"error": "no good"} for even ids, else the id
#   die-at-start     exits with status 5 before reading anything
#   bye              answers 1; says "bye PID" on stderr at EOF
#   secret           writes $TE_T_WTOKEN on stderr as is, percent-encoded
#                    and across the cut of two long lines, then answers 7
import fcntl
import json
import os
import sys
import time
import urllib.parse

mode = sys.argv[1]
arg = sys.argv[2] if len(sys.argv) > 2 else None


def answer(v):
    sys.stdout.write(json.dumps(v) + "\n")
    sys.stdout.flush()


def overlap(d):
    # A counter of requests in progress, shared by every worker.
    path = os.path.join(d, "count")
    with open(path, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.seek(0)
        n = int(f.read() or "0") + 1
        f.seek(0)
        f.truncate()
        f.write(str(n))
        f.flush()
        fcntl.flock(f, fcntl.LOCK_UN)
    time.sleep(0.1)
    with open(path, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.seek(0)
        m = int(f.read() or "0") - 1
        f.seek(0)
        f.truncate()
        f.write(str(m))
        f.flush()
        fcntl.flock(f, fcntl.LOCK_UN)
    return n


if mode == "die-at-start":
    sys.exit(5)

served = 0
for line in sys.stdin:
    req = json.loads(line)
    tid = req.get("id") if isinstance(req, dict) else None
    served += 1
    if mode == "len":
        s = req if isinstance(req, str) else req["body"]
        answer(len(s))
    elif mode == "echo":
        answer(req)
    elif mode == "overlap":
        answer(overlap(arg))
    elif mode == "exit-after":
        answer(served)
        if served >= int(arg):
            sys.exit(3)
    elif mode == "garbage":
        if tid == 2:
            sys.stdout.write("not json\n")
            sys.stdout.flush()
        else:
            answer(7)
    elif mode == "hang":
        if tid == 2:
            time.sleep(3600)
        answer(7)
    elif mode == "flood":
        for i in range(1000):
            sys.stderr.write("flood %d of tweet %s\n" % (i, tid))
        sys.stderr.write("x" * 100000 + "\n")
        sys.stderr.flush()
        answer(7)
    elif mode == "error":
        answer({"error": "no good"} if tid % 2 == 0 else tid)
    elif mode == "secret":
        tok = os.environ["TE_T_WTOKEN"]
        sys.stderr.write("token=%s\n" % tok)
        sys.stderr.write("quoted=%s\n" % urllib.parse.quote(tok, safe=""))
        sys.stderr.write("y" * 4090 + tok + "\n")
        sys.stderr.write("z" * 4094 + tok + "\n")
        sys.stderr.flush()
        answer(7)
    elif mode == "bye":
        time.sleep(0.05)
        answer(1)
if mode == "bye":
    sys.stderr.write("bye %d\n" % os.getpid())
