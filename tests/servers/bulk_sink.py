# Read one connection to its end: prints "got BYTES SHA256".
# usage: bulk_sink.py HOST PORT
import hashlib
import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
c = socket.create_connection((host, port), timeout=60)
h, got = hashlib.sha256(), 0
while True:
    d = c.recv(1 << 20)
    if not d:
        break
    h.update(d)
    got += len(d)
c.close()
print("got", got, h.hexdigest())
