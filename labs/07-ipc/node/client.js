// Lab 07-ipc in Node: the chat client, dialling a Unix domain socket. It
// sends what you type and shows what the server sends, both at once,
// with control characters made visible so that no server can command
// our terminal. Run it from the repository root while a server runs:
//
//   node labs/07-ipc/node/client.js
//
// Press Ctrl-D to leave, or Ctrl-C to stop it.
'use strict';
const net = require('node:net');
const { parseFlags } = require('./flags.js');
const { visible } = require('./visible.js');

const { path } = parseFlags('node labs/07-ipc/node/client.js [--path file]');

// createConnection(path) dials the Unix socket at path, as
// createConnection({ host, port }) dials TCP. Its callback runs once the
// connection is made. Neither end has an address to show: a path
// belongs to the server's listener, not to this connection.
const socket = net.createConnection(path, () => {
  console.log('Connected to the server!');
  console.log(`  this end (localAddress):   ${socket.localAddress}`);
  console.log(`  other end (remoteAddress): ${socket.remoteAddress}`);
});

// We write to the socket whenever stdin has data, and it gives us a
// 'data' event whenever the server's bytes arrive. At the end of stdin
// (Ctrl-D) we half-close: end() sends a FIN, and the server can still
// answer.
let left = false;
process.stdin.on('data', (chunk) => socket.write(chunk));
process.stdin.on('end', () => {
  left = true;
  socket.end();
});

// setEncoding makes 'data' give strings, and keeps a character whose
// bytes come in two reads whole.
socket.setEncoding('utf8');
socket.on('data', (text) => process.stdout.write(visible(text)));
// 'end' is the server's FIN: after we left, that is its goodbye.
socket.on('end', () => {
  console.log(left ? 'You left the chat.' : 'The server hung up.');
});
// No file at the path, or a file nobody listens on, comes as an 'error'
// event: ENOENT or ECONNREFUSED.
socket.on('error', (err) => {
  console.error(err.message);
  if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') {
    console.error('(is the server running? start it with: ' +
      'node labs/07-ipc/node/server.js)');
  }
  process.exitCode = 1;
});
// Once the socket is closed, we stop reading stdin, so that Node exits.
socket.on('close', () => process.stdin.destroy());
