# Read a stream until it ends: prints "reset", "eof" or "hang" and the byte
# count. usage: stream_client.py HOST PORT
import socket
import sys

c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=30)
c.sendall(b"go\n")
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
