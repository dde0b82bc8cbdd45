# A one-name DNS server for the tests, on the test's own network namespace:
# answers A queries for NAME with ADDR, and NXDOMAIN for anything else.
# Prints "ready" once bound. usage: dns_server.py LISTEN_ADDR NAME ADDR
import socket
import struct
import sys

listen, name, addr = sys.argv[1], sys.argv[2].lower().rstrip("."), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((listen, 53))
print("ready", flush=True)
while True:
    q, peer = s.recvfrom(512)
    qid, flags, qd = struct.unpack("!HHH", q[:6])
    labels, i = [], 12
    while q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode().lower())
        i += 1 + q[i]
    question = q[12:i + 5]
    qtype = struct.unpack("!H", q[i + 1:i + 3])[0]
    found = ".".join(labels) == name
    answers = b""
    if found and qtype == 1:
        answers = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(addr)
    rcode = 0 if found else 3
    head = struct.pack("!HHHHHH", qid, 0x8180 | rcode, 1, 1 if answers else 0, 0, 0)
    s.sendto(head + question + answers, peer)
