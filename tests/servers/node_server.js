// A node HTTP server for the tests: GET / answers "hello from node", POST
// answers the SHA-256 of the body. Prints "ready" once listening.
// usage: node node_server.js PORT
const http = require('http');
const crypto = require('crypto');

const server = http.createServer((req, res) => {
  if (req.method === 'POST') {
    const hash = crypto.createHash('sha256');
    req.on('data', (d) => hash.update(d));
    req.on('end', () => res.end(hash.digest('hex')));
    return;
  }
  res.end('hello from node\n');
});
server.listen(Number(process.argv[2]), () => console.log('ready'));
