"""A chat client that sends many long lines, then leaves as a client
should: it half-closes, reads what the server sent it until the server
hangs up, and prints it. Run it from the repository root while a server
runs:

    python3 labs/06-presence/python/flood.py

With --no-read it leaves as it should not: it closes without reading,
and the server gets a reset and loses the last lines.

Its flags say how many lines it sends and how long each is: see
python3 labs/06-presence/python/flood.py -h."""
import argparse
import select
import socket
import time

flags = argparse.ArgumentParser(
    description="Send many lines to a chat server, then leave cleanly.")
flags.add_argument("--port", type=int, default=3008,
                   help="the server's port on 127.0.0.1 (default 3008)")
flags.add_argument("--lines", type=int, default=4000,
                   help="how many lines to send (default 4000)")
flags.add_argument("--bytes", type=int, default=1000,
                   help="how long each line is (default 1000)")
flags.add_argument("--pause", type=float, default=0.001,
                   help="seconds to wait after each line (default 0.001)")
flags.add_argument("--no-read", action="store_true",
                   help="close after the last line without reading what "
                   "the server sent: the mistake that loses lines")
args = flags.parse_args()

s = socket.create_connection(("127.0.0.1", args.port))
line = b"x" * args.bytes + b"\n"
for _ in range(args.lines):
    s.sendall(line)
    time.sleep(args.pause)
if args.no_read:
    # The mistake: close without reading. Once the server has sent us
    # something (we wait up to 10 s for it, so that the mistake shows),
    # close finds bytes that nobody read. The kernel then sends a reset
    # (RST), not a FIN, and throws away what it had not sent yet: the
    # last of our lines.
    select.select([s], [], [], 10)
    s.close()
    print("sent %d lines of %d bytes, then closed without reading"
          % (args.lines, args.bytes))
    raise SystemExit
# Half-close: a FIN after our last line. The server reads every line up
# to it, then hangs up in turn.
s.shutdown(socket.SHUT_WR)
# Read what the server sent us until it hangs up: then nothing is left
# unread when we close, and the kernel has no reason to send a reset.
back = s.makefile("rb").read()
s.close()


def visible(text):
    # A character a terminal may obey (ESC, "\r", ...) is printed as the
    # escape Python writes for it, so that no server can command ours.
    return "".join(c if c.isprintable() or c == "\t" else
                   ascii(c)[1:-1] for c in text)


print("sent %d lines of %d bytes, then read to the end:"
      % (args.lines, args.bytes))
for line in back.decode("utf-8", "replace").splitlines():
    print("  " + visible(line))
