# A UDP echo server for the tests: each datagram goes back to its sender,
# upper-cased. Prints "ready" once bound. usage: udp_echo.py PORT
import socket
import sys

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
print("ready", flush=True)
while True:
    data, peer = s.recvfrom(65536)
    s.sendto(data.upper(), peer)
