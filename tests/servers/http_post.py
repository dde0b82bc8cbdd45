# An HTTP server for the tests: GET serves files as http.server does, POST
# answers with the SHA-256 of the body it received. Prints "ready" once
# listening. usage: http_post.py PORT DIR
import hashlib
import http.server
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        reply = hashlib.sha256(body).hexdigest().encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


port, root = int(sys.argv[1]), sys.argv[2]
server = http.server.ThreadingHTTPServer(
    ("", port), lambda *a: Handler(*a, directory=root))
print("ready", flush=True)
server.serve_forever()
