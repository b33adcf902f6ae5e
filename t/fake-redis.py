#!/usr/bin/env python3
# A fake Redis for the tests: speaks enough RESP for the stream source and
# answers each command from a script, to send what a real server never
# would (malformed replies) or to hold a reply back.
#
# fake-redis.py [JSON]: JSON maps a command name (XREADGROUP, EVAL:KIND) to
# a list of RESP replies, each written with a space where CR LF goes
# ("*1 :5" is "*1\r\n:5\r\n"), used in order, the last one again and
# again; the reply "hold" is never sent (the command hangs, as a blocked
# read does, and so does what follows on that connection). Commands not
# named get the answers of an empty stream.
#
# Stdout: the port on the first line, then "connect" for each connection
# and the name of each command as it comes. It ends at EOF on stdin; a
# line "drop" on stdin closes every connection (as a restart would).
import json
import selectors
import socket
import sys

DEFAULTS = {
    "PING": ["+PONG"],
    "AUTH": ["+OK"],
    "SELECT": ["+OK"],
    "XGROUP": ["+OK"],
    "XREADGROUP": ["*-1"],
    "XPENDING": ["*4 :0 $-1 $-1 *-1"],
    "XACK": [":1"],
    # The source's scripts, by a word of their text (see EVAL_KINDS).
    "EVAL:XAUTOCLAIM": ["*4 *0 :0 $0  *0"],
    "EVAL:XREADGROUP": ["*4 *0 :0 $0  *0"],
    "EVAL:lost": ["*0"],
    "EVAL:XRANGE": [":1"],
}
EVAL_KINDS = ["XAUTOCLAIM", "XREADGROUP", "lost", "XRANGE"]

script = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
used = {}


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def reply_for(argv):
    """The next reply to a command (bytes), or None to hold it."""
    name = argv[0].decode("latin-1").upper()
    if name == "EVAL":
        # EVAL:KIND, the kind being the first word of EVAL_KINDS in it.
        kinds = [k for k in EVAL_KINDS if k.encode() in argv[1]]
        name += ":" + (kinds[0] if kinds else "other")
    say(name)
    replies = script.get(name, DEFAULTS.get(name,
                                            ["-ERR unknown command"]))
    i = used.get(name, 0)
    used[name] = i + 1
    r = replies[min(i, len(replies) - 1)]
    if r == "hold":
        return None
    return (r.replace(" ", "\r\n") + "\r\n").encode("latin-1")


def parse(buf):
    """One command (a list of bulk strings) from buf, and the rest."""
    if not buf.startswith(b"*") or b"\r\n" not in buf:
        return None, buf
    head, rest = buf.split(b"\r\n", 1)
    argv = []
    for _ in range(int(head[1:])):
        if b"\r\n" not in rest:
            return None, buf
        line, after = rest.split(b"\r\n", 1)
        n = int(line[1:])
        if len(after) < n + 2:
            return None, buf
        argv.append(after[:n])
        rest = after[n + 2:]
    return argv, rest


def main():
    sel = selectors.DefaultSelector()
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    sel.register(ls, selectors.EVENT_READ, "listen")
    sel.register(sys.stdin, selectors.EVENT_READ, "stdin")
    say(str(ls.getsockname()[1]))
    bufs = {}
    held = set()    # a held reply blocks what follows, as in Redis
    while True:
        for key, _ in sel.select():
            if key.data == "stdin":
                line = sys.stdin.buffer.read1(4096)
                if not line:
                    return
                if b"drop" in line:
                    # Close every connection, keep listening: a server
                    # that restarted.
                    for c in list(bufs):
                        sel.unregister(c)
                        c.close()
                    bufs.clear()
                    held.clear()
                    say("dropped")
            elif key.data == "listen":
                c, _ = ls.accept()
                say("connect")
                bufs[c] = b""
                sel.register(c, selectors.EVENT_READ, "client")
            else:
                c = key.fileobj
                data = c.recv(65536)
                if not data:
                    sel.unregister(c)
                    c.close()
                    del bufs[c]
                    held.discard(c)
                    continue
                bufs[c] += data
                while c not in held:
                    argv, bufs[c] = parse(bufs[c])
                    if argv is None:
                        break
                    r = reply_for(argv)
                    if r is None:
                        held.add(c)
                    else:
                        c.sendall(r)


main()
