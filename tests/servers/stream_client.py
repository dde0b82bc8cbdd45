# Read a stream until it ends: prints "reset", "eof" or "hang" and the byte
# count. With a small receive buffer, it asks, then waits 5 s before reading,
# so the server's data stays unsent behind a closed window meanwhile.
# usage: stream_client.py HOST PORT
import socket
import sys
import time

c = socket.socket()
c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
c.settimeout(30)
c.connect((sys.argv[1], int(sys.argv[2])))
c.sendall(b"go\n")
time.sleep(5)
got = 0
try:
    while True:
        d = c.recv(65536)
        if not d:
            print("eof", got)
            break
        got += len(d)
except ConnectionResetError:
    print("reset", got)
except socket.timeout:
    print("hang", got)
