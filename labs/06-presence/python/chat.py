"""A chat client written with Python's socket module, for this lab's
server (Go or Node): it sends each line you type and prints each line
that arrives, with control characters made visible, until the server
hangs up. At the end of stdin (Ctrl-D) it half-closes, as the lab's own
client does. Run it from the repository root while a server runs:

    python3 labs/06-presence/python/chat.py [--port 3008]"""
import argparse
import os
import socket
import sys
import threading

flags = argparse.ArgumentParser(description="Chat, from Python.")
flags.add_argument("--port", type=int, default=3008,
                   help="the server's port on 127.0.0.1 (default 3008)")
s = socket.create_connection(("127.0.0.1", flags.parse_args().port))


def send():
    # What you type, as it comes: from a terminal, one line at a time.
    # sendall sends all of it. (os.read, not sys.stdin: Python cannot
    # exit while a thread waits in sys.stdin.)
    while data := os.read(sys.stdin.fileno(), 4096):
        s.sendall(data)
    # Half-close: the server reads the end of our lines, and can still
    # answer.
    s.shutdown(socket.SHUT_WR)


def visible(text):
    # A character a terminal may obey (ESC, "\r", ...) is printed as the
    # escape Python writes for it, so that no server can command ours.
    return "".join(c if c.isprintable() or c == "\t" else
                   ascii(c)[1:-1] for c in text)


threading.Thread(target=send, daemon=True).start()
for line in s.makefile("rb"):
    print(visible(line.decode("utf-8", "replace").rstrip("\r\n")),
          flush=True)
