# Read one connection to its end: prints "got BYTES SHA256". With RCVBUF and
# PAUSE, a slow reader: a small receive buffer, and PAUSE seconds of not
# reading after the connection and then after each MiB for the first few,
# so the sender meets a closed window and must probe it.
# usage: bulk_sink.py HOST PORT [RCVBUF PAUSE]
import hashlib
import socket
import sys
import time

host, port = sys.argv[1], int(sys.argv[2])
rcvbuf = int(sys.argv[3]) if len(sys.argv) > 3 else 0
pause = float(sys.argv[4]) if len(sys.argv) > 4 else 0
family = socket.AF_INET6 if ":" in host else socket.AF_INET
addr = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)[0][4]
c = socket.socket(family, socket.SOCK_STREAM)
if rcvbuf:
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
c.settimeout(60)
c.connect(addr)
h, got, pauses = hashlib.sha256(), 0, 0
time.sleep(pause)
while True:
    d = c.recv(1 << 20)
    if not d:
        break
    h.update(d)
    if pause and pauses < 3 and (got + len(d)) >> 20 != got >> 20:
        pauses += 1
        time.sleep(pause)
    got += len(d)
c.close()
print("got", got, h.hexdigest())
