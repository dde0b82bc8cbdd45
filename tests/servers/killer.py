# A server killed in the middle of a transfer: it streams 4 MiB to its first
# client and, a quarter of the way in, sends itself SIGKILL. The client must
# see the connection reset, not a hang. usage: killer.py PORT
import os
import signal
import socket
import sys

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(5)
print("ready", flush=True)
c, _ = s.accept()
c.recv(64)
chunk = b"x" * 65536
for i in range(64):
    c.sendall(chunk)
    if i == 16:
        os.kill(os.getpid(), signal.SIGKILL)
