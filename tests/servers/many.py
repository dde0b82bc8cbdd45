# Open N connections at once, then send GET / on each while all are open,
# and count the answers that are "200" with the expected body.
# usage: many.py HOST PORT N TEXT
import selectors
import socket
import sys
import time

host, port, n, text = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4].encode()
sel = selectors.DefaultSelector()
for i in range(n):
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex((host, port))
    sel.register(s, selectors.EVENT_WRITE, i)
req = b"GET / HTTP/1.1\r\nHost: alto\r\nConnection: close\r\n\r\n"
got, done, errors = {}, 0, 0
deadline = time.time() + 120
while done < n and time.time() < deadline:
    for key, ev in sel.select(timeout=1):
        s, i = key.fileobj, key.data
        try:
            if ev & selectors.EVENT_WRITE:
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    raise OSError(err, "connect")
                s.send(req)
                sel.modify(s, selectors.EVENT_READ, i)
                continue
            d = s.recv(65536)
            if d:
                got[i] = got.get(i, b"") + d
                continue
        except OSError:
            errors += 1
        sel.unregister(s)
        s.close()
        done += 1
ok = sum(1 for v in got.values() if v.startswith(b"HTTP/1.1 200") and text in v)
print("connections %d, errors %d, answered 200: %d" % (n, errors, ok))
