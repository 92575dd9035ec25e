"""A chat client that joins and never reads: what a frozen program, a
suspended laptop or a mischievous student does to a server. A small
receive buffer, set before the connection exists, makes it fill up
quickly. Run it from the repository root while a server runs, and stop
it with Ctrl-C:

    python3 labs/06-presence/python/sleeper.py [--port 3008]"""
import argparse
import socket
import time

flags = argparse.ArgumentParser(description="Join a chat, never read.")
flags.add_argument("--port", type=int, default=3008,
                   help="the server's port on 127.0.0.1 (default 3008)")
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", flags.parse_args().port))
print("connected, and not reading", flush=True)
try:
    while True:
        time.sleep(3600)
except KeyboardInterrupt:
    pass
