#!/usr/bin/python3
"""HTTPS lookups against their anchors, in one run: -j J over HTTP/2
against h2load at the same number of streams (ceil(J / 128) connections of
J / that many streams each), and -j J over HTTP/1.1 with TLS (--http1.1)
against wrk -c J. nginx (Debian: nginx-light) answers at once on
127.0.0.1 with TLS, one port with HTTP/2 (128 streams a connection, its
default) and one without, behind a CA and certificate made here by openssl.

usage: bench/bench-h2.py [-n LOOKUPS] [-r RUNS] [-j J] [--seconds S]
                         [--bin PATH]
Run from the top of a built tree; needs nginx-light, nghttp2-client
(h2load), wrk and openssl. Prints a Markdown table of medians over RUNS
runs: rates, the ratio to the anchor, the connections tweet-enricher
opened (and so how many requests reused one) and its CPU time per lookup.
"""
import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

from benchcommon import TE, SERVER, free_port

STREAMS = 128		# nginx's http2_max_concurrent_streams, set below

NGINX_CONF = """
daemon off;
worker_processes 1;
pid %(dir)s/nginx.pid;
error_log stderr error;
events { worker_connections 16384; }
http {
    access_log off;
    keepalive_requests 10000000;
    http2_max_concurrent_streams %(streams)d;
    client_body_temp_path %(dir)s/body;
    proxy_temp_path %(dir)s/proxy;
    fastcgi_temp_path %(dir)s/fastcgi;
    uwsgi_temp_path %(dir)s/uwsgi;
    scgi_temp_path %(dir)s/scgi;
    ssl_certificate %(dir)s/srv.pem;
    ssl_certificate_key %(dir)s/srv.key;
    %(upstream)s
    server {
        listen 127.0.0.1:%(h2)d ssl http2 backlog=4096;
        location / { %(answer)s }
    }
    server {
        listen 127.0.0.1:%(h1)d ssl backlog=4096;
        location / { %(answer)s }
    }
}
"""
AT_ONCE = """default_type application/json; return 200 '{"ok":true}';"""
PROXIED = """proxy_pass http://te; proxy_http_version 1.1;
                     proxy_set_header Connection "";"""
UPSTREAM = "upstream te { server 127.0.0.1:%d; keepalive 1024; }"


def make_ca(tmp):
    """A CA and a certificate for 127.0.0.1 it signed, in tmp."""
    subprocess.run(
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key "
        "-out ca.pem -days 2 -subj '/CN=bench CA' "
        "-addext basicConstraints=critical,CA:TRUE "
        "-addext keyUsage=critical,keyCertSign && "
        "openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr "
        "-subj /CN=127.0.0.1 && "
        "printf 'subjectAltName=IP:127.0.0.1\\n' > ext.cnf && "
        "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key "
        "-CAcreateserial -out srv.pem -days 2 -extfile ext.cnf",
        shell=True, cwd=tmp, check=True, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    return os.path.join(tmp, "ca.pem")


def start_nginx(tmp, backend):
    """nginx with TLS on two free ports, answering at once or (backend, a
    port) through the test server: (process, HTTP/2 port, HTTP/1.1
    port)."""
    h2, h1 = free_port(), free_port()
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF % {
            "dir": tmp, "h2": h2, "h1": h1, "streams": STREAMS,
            "upstream": UPSTREAM % backend if backend else "",
            "answer": PROXIED if backend else AT_ONCE})
    ngx = subprocess.Popen(["nginx", "-p", tmp, "-c", conf, "-e", "stderr"])
    import socket
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", h2), 0.1).close()
            socket.create_connection(("127.0.0.1", h1), 0.1).close()
            return ngx, h2, h1
        except OSError:
            time.sleep(0.05)
    sys.exit("nginx did not start")


def te_run(binary, tweets, n, args):
    """Run tweet-enricher; (lookups/s, CPU us per lookup, --stats http)."""
    t0 = time.monotonic()
    with open(tweets, "rb") as fin:
        p = subprocess.Popen([binary] + args, stdin=fin,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        err = p.stderr.read()
        _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    if status != 0:
        sys.exit("tweet-enricher failed: %s" % err.decode()[-500:])
    st = json.loads(err.decode().strip().splitlines()[-1])
    http = st["http"]
    if http["failures"] != 0:
        sys.exit("tweet-enricher: %s" % http)
    cpu = (ru.ru_utime + ru.ru_stime) / n * 1e6
    return n / wall, cpu, http


def h2load(url, n, conns, streams):
    out = subprocess.run(["h2load", "-n", str(n), "-c", str(conns), "-m",
                          str(streams), url], capture_output=True,
                         check=True).stdout.decode()
    m = re.search(r"finished in [\d.]+m?s, ([\d.]+) req/s", out)
    if m is None or not re.search(r"(\d+) succeeded", out):
        sys.exit("h2load: %s" % out)
    return float(m.group(1))


def wrk(url, conns, seconds):
    out = subprocess.run(["wrk", "-t", "1", "-c", str(conns), "-d",
                          "%ds" % seconds, url], capture_output=True,
                         check=True).stdout.decode()
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=100000, help="lookups a run")
    ap.add_argument("-r", "--runs", type=int, default=3)
    ap.add_argument("-j", type=int, default=1000)
    ap.add_argument("--seconds", type=int, default=10,
                    help="wrk's duration")
    ap.add_argument("--latency", type=int, default=0,
                    help="answer after MS ms (nginx in front of "
                    "t/testserver /latency/MS) instead of at once")
    ap.add_argument("--bin", default=TE, help="the tweet-enricher to run")
    a = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="te-bench-h2-")
    ca = make_ca(tmp)
    srv, backend, path = None, None, "/"
    if a.latency > 0:
        srv = subprocess.Popen([SERVER], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE)
        backend = int(srv.stdout.readline().split()[0])
        path = "/latency/%d?" % a.latency
    ngx, h2port, h1port = start_nginx(tmp, backend)
    tweets = os.path.join(tmp, "tweets.jsonl")
    with open(tweets, "w") as f:
        for i in range(a.n):
            f.write('{"id":%d}\n' % i)
    conns = math.ceil(a.j / STREAMS)
    per = math.ceil(a.j / conns)
    common = ["-j", str(a.j), "--cacert", ca, "--allow-net", "127.0.0.0/8",
              "--cache-size", "0", "--stats", "-q"]
    rows = {"h2": [], "h1": []}
    try:
        for _ in range(a.runs):
            ref = h2load("https://127.0.0.1:%d%s" % (h2port, path), a.n,
                         conns, per)
            rate, cpu, st = te_run(a.bin, tweets, a.n, common + [
                "-e", "http:url=https://127.0.0.1:%d%s{/id}" % (h2port,
                                                                 path)])
            rows["h2"].append((ref, rate, cpu, st))
            ref = wrk("https://127.0.0.1:%d%s" % (h1port, path), a.j,
                      a.seconds)
            rate, cpu, st = te_run(a.bin, tweets, a.n, common + [
                "--http1.1",
                "-e", "http:url=https://127.0.0.1:%d%s{/id}" % (h1port,
                                                                 path)])
            rows["h1"].append((ref, rate, cpu, st))
    finally:
        ngx.terminate()
        ngx.wait()
        if srv is not None:
            srv.stdin.close()
            srv.wait()

    load = open("/proc/loadavg").read().split()[:3]
    print("# HTTPS lookups, nginx over TLS answering %s, -j %d, %d "
          "lookups, medians of %d runs (load average %s)"
          % ("after %d ms" % a.latency if a.latency else "at once", a.j,
             a.n, a.runs, " ".join(load)))
    print()
    print("| protocol | anchor | anchor /s | tweet-enricher /s | vs anchor "
          "| connections (limit) | requests reusing one | retries "
          "| CPU us/lookup |")
    print("|---|---|---|---|---|---|---|---|---|")
    for key, anchor, limit in (
            ("h2", "h2load -c %d -m %d" % (conns, per), str(conns + 2)),
            ("h1", "wrk -t1 -c %d" % a.j, "-")):
        r = rows[key]
        ref = statistics.median(x[0] for x in r)
        rate = statistics.median(x[1] for x in r)
        ratio = statistics.median(x[1] / x[0] for x in r)
        cpu = statistics.median(x[2] for x in r)
        c = max(x[3]["connections"] for x in r)
        req = statistics.median(x[3]["requests"] for x in r)
        retries = statistics.median(x[3]["retries"] for x in r)
        versions = r[0][3].get("versions", {})
        print("| %s | %s | %.0f | %.0f | %.2f | %d (%s) | %d | %d | %.1f |"
              % ("HTTP/2" if key == "h2" else "HTTP/1.1 (--http1.1)",
                 anchor, ref, rate, ratio, c, limit, req - c, retries,
                 cpu))
        print("<!-- %s versions %s; per run: %s -->" % (
            key, json.dumps(versions), ", ".join(
                "%.0f/%.0f" % (x[1], x[0]) for x in r)))
    subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
