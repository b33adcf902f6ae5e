"""Shared by the benchmarks: paths in a built tree, a wall-clock timer and
an nginx backend that answers at once."""
import os
import socket
import sys
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


NGINX_CONF = """
daemon off;
worker_processes 1;
pid %(dir)s/nginx.pid;
error_log stderr error;
events { worker_connections 8192; }
http {
    access_log off;
    client_body_temp_path %(dir)s/body;
    proxy_temp_path %(dir)s/proxy;
    fastcgi_temp_path %(dir)s/fastcgi;
    uwsgi_temp_path %(dir)s/uwsgi;
    scgi_temp_path %(dir)s/scgi;
    server {
        listen 127.0.0.1:%(port)d backlog=4096;
        location / {
            default_type application/json;
            return 200 '{"ok":true}';
        }
    }
}
"""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_nginx(tmp):
    """nginx (Debian: nginx-light) on a free port, answering every request
    at once with {\"ok\":true}; its files in tmp. Returns (process, port)."""
    port = free_port()
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF % {"dir": tmp, "port": port})
    ngx = subprocess.Popen(["nginx", "-p", tmp, "-c", conf, "-e", "stderr"])
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.1).close()
            return ngx, port
        except OSError:
            time.sleep(0.05)
    sys.exit("nginx did not start")
