"""Makes the traffic recorded in mixed.pcap, as root, in a network
namespace of its own whose lo has an MTU of 1500 bytes:

    unshare -n sh -c 'ip link set lo mtu 1500 up
        tcpdump -i lo -U -w mixed.pcap & sleep 1
        python3 mixed.py; sleep 2; kill -INT $!; wait'

TCP over IPv4 and IPv6 on several ports and addresses (handshakes, data,
FIN and RST), UDP answered, fragmented and refused (ICMP port
unreachable), and ICMP echo.
"""
import socket
import struct
import threading


def serve(family, addr, reply):
    ls = socket.socket(family, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(addr)
    ls.listen()

    def run():
        c, _ = ls.accept()
        c.recv(4096)
        c.sendall(reply)
        c.close()
        ls.close()

    t = threading.Thread(target=run)
    t.start()
    return t


def talk(family, addr, msg, reply, abort=False, source=None):
    t = serve(family, addr, reply)
    c = socket.create_connection(addr[:2], source_address=source)
    c.sendall(msg)
    c.recv(4096)
    if abort:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
    t.join()


talk(socket.AF_INET, ("127.0.0.1", 3008), b"hello\n", b"hello back\n")
talk(socket.AF_INET, ("127.0.0.3", 3009), b"x" * 300, b"y" * 40,
     source=("127.0.0.2", 0))
talk(socket.AF_INET6, ("::1", 4020), b"over six\n", b"ok\n")
talk(socket.AF_INET6, ("::1", 4021), b"abort\n", b"bye\n", abort=True)
for addr in [("127.0.0.1", 3999), ("::1", 3999)]:
    try:
        socket.create_connection(addr).close()
    except ConnectionRefusedError:
        pass

u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 5353))
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"udp four", ("127.0.0.1", 5353))
u.recv(100)
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"f" * 3000, ("127.0.0.1", 5353))
u.recv(4000)
u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
u6.bind(("::1", 5354))
socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).sendto(b"g" * 3000, ("::1", 5354))
u6.recv(4000)
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"nobody", ("127.0.0.1", 5999))
socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).sendto(b"udp six", ("::1", 5999))

echo = struct.pack("!BBHHH", 8, 0, 0, 7, 1) + b"ping"
s = sum(struct.unpack("!%dH" % (len(echo) // 2), echo))
s = (s >> 16) + (s & 0xFFFF)
echo = echo[:2] + struct.pack("!H", ~s & 0xFFFF) + echo[4:]
r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
r.sendto(echo, ("127.0.0.1", 0))
r.settimeout(2)
r.recv(100)
r6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
r6.sendto(struct.pack("!BBHHH", 128, 0, 0, 7, 1) + b"ping", ("::1", 0))
