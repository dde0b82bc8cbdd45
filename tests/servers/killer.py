# A server killed in the middle of a transfer: it queues 320 KiB for its
# first client, which is not reading yet, and sends itself SIGKILL. Its
# socket closes as Linux closes it (a FIN behind the unsent data), which
# the client's closed window holds back; the VM then powers off, and the
# kernel must reset the connection on its way out, or the client waits
# for the rest forever. usage: killer.py PORT
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
    if i == 4:
        os.kill(os.getpid(), signal.SIGKILL)
