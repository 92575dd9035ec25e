"""Clients that come and go: it connects to a chat server and hangs up
again, many times, and between rounds it times how long a line takes to
go from one client that stays to another. Run it from the repository
root while a server runs:

    python3 labs/05-broadcast/python/churn.py

Its flags say how many clients come and go in all, and in each round:
see python3 labs/05-broadcast/python/churn.py -h."""
import argparse
import socket
import time

flags = argparse.ArgumentParser(
    description="Time a line while many clients come and go.")
flags.add_argument("--port", type=int, default=3008,
                   help="the server's port on 127.0.0.1 (default 3008)")
flags.add_argument("--clients", type=int, default=10000,
                   help="how many clients come and go in all "
                   "(default 10000)")
flags.add_argument("--round", type=int, default=2500,
                   help="how many of them in each round (default 2500)")
args = flags.parse_args()



def wait_for(lines, end):
    """Reads lines until one ends in end. A server may say more than we
    wait for (a welcome, who joined): we skip it."""
    while True:
        line = lines.readline()
        if not line:
            raise SystemExit("the server hung up")
        if line.endswith(end):
            return


address = ("127.0.0.1", args.port)
sender = socket.create_connection(address)
receiver = socket.create_connection(address)
# A server may take a moment to put a client in its room: the sender
# says "ready" until the receiver hears it.
receiver.settimeout(0.1)
heard = b""
while b"ready\n" not in heard:
    sender.sendall(b"ready\n")
    try:
        heard += receiver.recv(4096)
    except socket.timeout:
        pass
receiver.settimeout(None)
lines = receiver.makefile("rb")
mark = b"churn %d\n"


def send_line(i):
    """Sends line i, and waits until it has arrived."""
    sender.sendall(mark % i)
    wait_for(lines, mark % i)


def line_time():
    """Returns how long one line takes to arrive, on average over ten."""
    # The server has seen the last clients go once a first line is
    # through: it handles their hang-ups before that line.
    send_line(0)
    start = time.perf_counter()
    for i in range(10):
        send_line(i)
    return (time.perf_counter() - start) / 10


print("clients gone   time for one line")
gone = 0
while True:
    print("%12d   %8.2f ms" % (gone, line_time() * 1000), flush=True)
    if gone >= args.clients:
        break
    for _ in range(args.round):
        # Connect, then hang up at once: a FIN, as any client that
        # leaves.
        socket.create_connection(address).close()
    gone += args.round
sender.close()
receiver.close()
