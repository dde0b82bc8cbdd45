# Send SIZE bytes of random data to each of COUNT connections in turn and
# print "sent SIZE SHA256" for each, so that the receiver's sum can be
# compared with the sender's. Listens on PORT over IPv6 and IPv4 (a
# dual-stack socket); prints "ready" once it listens. Each connection ends
# with the sender's FIN, then the program waits for the receiver's close,
# so the VM is not powered off before the data has arrived.
# usage: bulk_source.py PORT SIZE [COUNT]
import hashlib
import os
import socket
import sys

port, size = int(sys.argv[1]), int(sys.argv[2])
count = int(sys.argv[3]) if len(sys.argv) > 3 else 1
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", port))
s.listen(4)
print("ready", flush=True)
block = bytearray(os.urandom(1 << 20))
for _ in range(count):
    c, peer = s.accept()
    h = hashlib.sha256()
    left, i = size, 0
    while left:
        block[:8] = i.to_bytes(8, "little")  # no two blocks alike
        i += 1
        part = memoryview(block)[: min(left, len(block))]
        c.sendall(part)
        h.update(part)
        left -= len(part)
    c.shutdown(socket.SHUT_WR)
    while c.recv(4096):
        pass
    c.close()
    print("sent", size, h.hexdigest(), flush=True)
