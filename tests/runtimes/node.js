// Node under Alto: timers, Promises, fs, crypto, a worker thread, and a
// net server on a UNIX socket path with its client in the same process.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const net = require('net');
const { Worker } = require('worker_threads');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alto-node-'));
const log = [];
const say = (s) => { log.push(s); console.log(s); };

function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

async function timers() {
  // Under emulation a statement can take longer than a timer's delay, so the
  // order in which timers of different delays fire is not checked: each one
  // must only have waited its delay (libuv rounds its clock to whole
  // milliseconds, so one may fire up to 1 ms early).
  const { performance } = require('perf_hooks');
  const waited = (ms) => {
    const t0 = performance.now();
    return sleep(ms).then(() => performance.now() - t0 >= ms - 1);
  };
  const each = await Promise.all([waited(30), waited(10), waited(1)]);
  const immediate = await new Promise((r) => setImmediate(() => r(true)));
  let ticks = 0;
  await new Promise((r) => {
    const iv = setInterval(() => { if (++ticks === 3) { clearInterval(iv); r(); } }, 5);
  });
  say(`timers: each waited its delay: ${each.every(Boolean)}; setImmediate ran: ${immediate}; interval ticked ${ticks} times`);
}

async function files() {
  const f = path.join(dir, 'data.txt');
  await fs.promises.writeFile(f, 'line one\nline two\n');
  await fs.promises.appendFile(f, 'line three\n');
  const text = await fs.promises.readFile(f, 'utf8');
  const st = await fs.promises.stat(f);
  const names = await fs.promises.readdir(dir);
  say(`fs: ${text.split('\n').filter(Boolean).length} lines, ${st.size} bytes, dir has ${names.join(',')}`);
  await fs.promises.unlink(f);
}

function hashes() {
  const h = crypto.createHash('sha256').update('alto').digest('hex');
  const m = crypto.createHmac('sha1', 'key').update('data').digest('hex');
  const r = crypto.randomBytes(16).length;
  say(`crypto: sha256(alto)=${h.slice(0, 16)} hmac=${m.slice(0, 16)} random=${r} bytes`);
}

function worker() {
  return new Promise((resolve, reject) => {
    const w = new Worker('const { parentPort } = require("worker_threads");' +
      'parentPort.on("message", (n) => { let s = 0; for (let i = 1; i <= n; i++) s += i; parentPort.postMessage(s); });',
      { eval: true });
    w.on('message', (s) => { say(`worker: sum 1..1000 = ${s}`); w.terminate().then(() => resolve()); });
    w.on('error', reject);
    w.postMessage(1000);
  });
}

function unixSocket() {
  const sock = path.join(dir, 'server.sock');
  return new Promise((resolve, reject) => {
    const server = net.createServer((c) => {
      let got = '';
      c.on('data', (d) => { got += d; if (got.endsWith('\n')) c.end(`echo: ${got}`); });
    });
    server.on('error', reject);
    server.listen(sock, () => {
      const client = net.createConnection(sock);
      let reply = '';
      client.on('data', (d) => { reply += d; });
      client.on('end', () => {
        say(`net: ${reply.trim()}; socket file exists: ${fs.existsSync(sock)}`);
        server.close(() => { say(`net: closed, socket file removed: ${!fs.existsSync(sock)}`); resolve(); });
      });
      client.write('hello over a UNIX socket\n');
    });
  });
}

(async () => {
  await timers();
  await files();
  hashes();
  await worker();
  await unixSocket();
  fs.rmdirSync(dir);
  say('done');
})().catch((e) => { console.log(`failed: ${e.stack}`); process.exit(1); });
