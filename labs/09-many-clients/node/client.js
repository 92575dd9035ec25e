// Lab 09-many-clients in Node: the chat client, through either door. It dials
// TCP, or the Unix socket at --path when that is given. It sends what
// you type and shows what the server sends, both at once, with control
// characters made visible so that no server can command our terminal.
// Run it from the repository root while a server runs:
//
//   node labs/09-many-clients/node/client.js
//   node labs/09-many-clients/node/client.js --path PATH
//
// Press Ctrl-D to leave, or Ctrl-C to stop it.
'use strict';
const net = require('node:net');
const { parseFlags, usageError, defaultAddr, splitAddr,
  hostPort } = require('./flags.js');
const { visible } = require('./visible.js');

const usage = 'node labs/09-many-clients/node/client.js ' +
  '[--addr host:port | --path file]';
const flags = parseFlags(usage);
if (flags.addr !== undefined && flags.path !== undefined) {
  usageError(usage, 'one door at a time: --addr or --path');
}

// createConnection(path) dials a Unix socket, and
// createConnection({ host, port }) dials TCP: the same call, the same
// kind of socket. Its callback runs once the connection is made.
const socket = flags.path !== undefined ?
  net.createConnection(flags.path, connected) :
  net.createConnection(splitAddr(usage, flags.addr ?? defaultAddr),
    connected);

function connected() {
  console.log('Connected to the server!');
  console.log('  this end (localAddress):   ' +
    hostPort(socket.localAddress, socket.localPort));
  console.log('  other end (remoteAddress): ' +
    hostPort(socket.remoteAddress, socket.remotePort));
}

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
// A refused connection, or no file at the path, comes as an 'error'
// event: ECONNREFUSED or ENOENT.
socket.on('error', (err) => {
  console.error(err.message);
  if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') {
    console.error('(is the server running? start it with: ' +
      'node labs/09-many-clients/node/server.js)');
  }
  process.exitCode = 1;
});
// Once the socket is closed, we stop reading stdin, so that Node exits.
socket.on('close', () => process.stdin.destroy());
