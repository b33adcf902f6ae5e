#!/usr/bin/python3
"""Memory under sustained load: distinct lookups against a backend that
answers at once (nginx, return 200), -j 1000, so that the loop never idles.
Peak RSS must not grow with the number of lookups (issue 8: it did, by
about 80 bytes a request, while dead socket records waited for a starved
timer). For each size N: the peak RSS (wait4's ru_maxrss), and RSS sampled
every --every seconds, written to rss-N.csv (the last row: wall seconds
and peak RSS) and drawn in bench-rss.svg.

usage: bench/bench-rss.py [-n N ...] [-j J] [--every S] [--bin PATH] [-o DIR]
Run from the top of a built tree; needs nginx (Debian: nginx-light).
"""
import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

from benchcommon import TE, GEN, PY, start_nginx

def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def run(binary, tweets, url, j, every):
    """Run once; return (seconds, exit status, [(t, rss KB)], stderr)."""
    with open(tweets, "rb") as fin:
        t0 = time.monotonic()
        p = subprocess.Popen([binary, "-q", "--stats", "-j", str(j), "-e",
                              "http:url=%s{/seq}" % url], stdin=fin,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        series = []
        while p.poll() is None:
            r = rss_kb(p.pid)
            if r is not None:
                series.append((time.monotonic() - t0, r))
            time.sleep(every)
        err = p.stderr.read().decode()
        dt = time.monotonic() - t0
    return dt, p.returncode, series, err


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, nargs="+", default=[100000, 600000])
    ap.add_argument("-j", type=int, default=1000)
    ap.add_argument("--every", type=float, default=1.0)
    ap.add_argument("--bin", default=TE)
    ap.add_argument("-o", "--out", default=".")
    a = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="te-rss-")
    ngx, port = start_nginx(tmp)
    url = "http://127.0.0.1:%d/lookup?id=" % port
    print("# Peak RSS by lookups: nginx answering at once, -j %d "
          "(nproc %d)\n" % (a.j, os.cpu_count()))
    print("binary: %s\n" % a.bin)
    print("| lookups | seconds | lookups/s | peak RSS (KB) | RSS sampled "
          "every %gs (MB) |" % a.every)
    print("|---|---|---|---|---|")
    results = []
    try:
        for n in a.n:
            tweets = os.path.join(tmp, "tweets.jsonl")
            with open(tweets, "w") as f:
                subprocess.run([PY, GEN, str(n), "200"], stdout=f,
                               check=True)
            # A process of its own per run, so that its children's peak
            # RSS is this run's alone.
            subprocess.run([PY, os.path.abspath(__file__), "--child", a.bin,
                            tweets, url, str(a.j), str(a.every), a.out,
                            str(n)], check=True)
            with open(os.path.join(a.out, "rss-%d.csv" % n)) as f:
                rows = [l.split(",") for l in f.read().splitlines()[1:]]
            series = [(float(t), int(r)) for t, r in rows[:-1]]
            secs, peak = float(rows[-1][0]), int(rows[-1][1])
            results.append((n, series))
            print("| %d | %.1f | %.0f | %d | %s |" % (
                n, secs, n / secs, peak,
                " ".join("%.0f" % (r / 1024) for _, r in series)))
            sys.stdout.flush()
            os.unlink(tweets)
    finally:
        ngx.terminate()
        ngx.wait()
        subprocess.run(["rm", "-rf", tmp])
    svg(os.path.join(a.out, "bench-rss.svg"), results, a.j)
    print("\nseries: %s/rss-N.csv; plot: %s/bench-rss.svg" % (a.out, a.out))


def child(argv):
    """Run tweet-enricher as our only child; write the RSS series, then
    the wall time and the child's peak RSS as the last row."""
    binary, tweets, url, j, every, out, n = argv
    dt, status, series, err = run(binary, tweets, url, int(j), float(every))
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with open(os.path.join(out, "rss-%s.csv" % n), "w") as f:
        f.write("seconds,rss_kb\n")
        for t, r in series:
            f.write("%.2f,%d\n" % (t, r))
        f.write("%.3f,%d\n" % (dt, peak))
    if status != 0:
        sys.stderr.write(err)
    sys.exit(status)


def svg(path, results, j):
    """RSS over time, one line per run, as a plain SVG (no plotting
    library needed)."""
    w, h, m = 640, 360, 50
    tmax = max([s[-1][0] for _, s in results if s] + [1])
    rmax = max([r for _, s in results for _, r in s] + [1]) / 1024 * 1.1
    colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="12">' % (w, h),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="20" text-anchor="middle">tweet-enricher RSS, '
           'distinct lookups, nginx at 0 ms, -j %d</text>' % (w / 2, j),
           '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>'
           % (m, h - m, w - m / 2, h - m),
           '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>'
           % (m, h - m, m, m / 2),
           '<text x="%d" y="%d" text-anchor="middle">seconds</text>'
           % (w / 2, h - 10),
           '<text x="15" y="%d" transform="rotate(-90 15 %d)" '
           'text-anchor="middle">RSS (MB)</text>' % (h / 2, h / 2)]
    for k in range(5):
        y = h - m - (h - 1.5 * m) * k / 4
        out.append('<text x="%d" y="%d" text-anchor="end">%.0f</text>'
                   % (m - 5, y + 4, rmax * k / 4))
        x = m + (w - 1.5 * m) * k / 4
        out.append('<text x="%d" y="%d" text-anchor="middle">%.0f</text>'
                   % (x, h - m + 15, tmax * k / 4))
    for i, (n, s) in enumerate(results):
        pts = " ".join("%.1f,%.1f" % (m + (w - 1.5 * m) * t / tmax,
                                      h - m - (h - 1.5 * m) * r / 1024 / rmax)
                       for t, r in s)
        c = colors[i % len(colors)]
        out.append('<polyline fill="none" stroke="%s" stroke-width="2" '
                   'points="%s"/>' % (c, pts))
        out.append('<text x="%d" y="%d" fill="%s">%d lookups</text>'
                   % (w - 160, 45 + 15 * i, c, n))
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
    else:
        main()
