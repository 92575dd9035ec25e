// Lab 02-client in Node: the client, written with net.createConnection as
// the lecture writes it. It prints both ends of its connection, then
// holds it open until stdin ends (Ctrl-D) or the server hangs up. Run it
// from the repository root while a server runs:
//
//   node labs/02-client/node/client.js
//
// Press Ctrl-D to hang up, or Ctrl-C to stop it.
'use strict';
const net = require('node:net');
const { parseFlags, hostPort } = require('./flags.js');

const { host, port } = parseFlags(
  'node labs/02-client/node/client.js [--addr host:port]');

// createConnection dials and returns the socket at once. Its callback,
// the 'connect' event, runs once the connection is made: in Go, that is
// simply the line after net.Dial returns.
const socket = net.createConnection({ host, port }, () => {
  console.log('Connected to the server!');
  console.log('  this end (localAddress):   ' +
    hostPort(socket.localAddress, socket.localPort));
  console.log('  other end (remoteAddress): ' +
    hostPort(socket.remoteAddress, socket.remotePort));
});

// We have nothing to say yet: we read and throw away what stdin and the
// server send. At the end of stdin we hang up: end() sends a FIN.
process.stdin.resume();
process.stdin.on('end', () => socket.end());
socket.resume();

// 'end' is the server's FIN. After our own end() it only answers ours.
socket.on('end', () => {
  if (!socket.writableEnded) {
    console.log('The server hung up.');
  }
});
// A refused connection, or a reset, comes as an 'error' event.
socket.on('error', (err) => {
  console.error(err.message);
  if (err.code === 'ECONNREFUSED') {
    console.error('(is the server running? start it with: ' +
      'node labs/02-client/node/server.js)');
  }
  process.exitCode = 1;
});
// Once the socket is closed, we stop reading stdin, so that Node exits.
socket.on('close', () => process.stdin.destroy());
