'use strict';
// node `ws` as a peer for lwsj's conformance suite (java/conformance), so that its
// verdicts can be set beside lwsj's in one report.
//
//   node conformance-peer.js server PORT [--deflate]   an echo server on 127.0.0.1:PORT (0: any free)
//   node conformance-peer.js client http://127.0.0.1:PORT [--deflate]
//       reads the number of cases from /cases, connects to ws://.../case/1..N in turn
//       and echoes every message until the suite closes the connection
const http = require('http');
const { WebSocket, WebSocketServer } = require('ws');

const [mode, where, ...rest] = process.argv.slice(2);
const deflate = rest.includes('--deflate');
const MAX = 64 * 1024 * 1024;

if (mode === 'server') {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(where), perMessageDeflate: deflate, maxPayload: MAX });
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('error', () => {});
  });
  wss.on('listening', () => console.log(`node ws echo listening on ws://127.0.0.1:${wss.address().port}/`));
} else if (mode === 'client') {
  const base = where.replace(/\/$/, '');
  http.get(base + '/cases', (res) => {
    let body = '';
    res.on('data', (d) => { body += d; });
    res.on('end', async () => {
      const count = Number(body.trim());
      for (let n = 1; n <= count; n++) {
        await new Promise((done) => {
          const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/case/${n}`, { perMessageDeflate: deflate, maxPayload: MAX });
          ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
          ws.on('close', done);
          ws.on('error', () => done());
        });
      }
    });
  }).on('error', (e) => { console.error(e.message); process.exit(1); });
} else {
  console.error('usage: conformance-peer.js server PORT | client http://HOST:PORT [--deflate]');
  process.exit(2);
}
