// Lab 04-protocol in Node: the client of lab 03, unchanged, as in the Go
// lab; the server does the framing. It sends what you type and shows what
// the server sends, both at once, with control characters made visible
// so that no server can command our terminal. Run it from the repository
// root while a server runs:
//
//   node labs/04-protocol/node/client.js --split 2
//
// Press Ctrl-D to hang up, or Ctrl-C to stop it.
'use strict';
const net = require('node:net');
const { parseFlags, hostPort } = require('./flags.js');
const { visible } = require('./visible.js');

const { host, port, split } = parseFlags(
  'node labs/04-protocol/node/client.js [--addr host:port] [--split n]',
  { split: { type: 'string', default: '0' } });

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

// A socket is a duplex stream: we write to it whenever stdin has data,
// and it gives us a 'data' event whenever the server's bytes arrive.
// From a terminal, each stdin 'data' event is one line.
process.stdin.on('data', (chunk) => send(chunk));
// Half-close: end() sends a FIN, and the server can still answer.
process.stdin.on('end', () => socket.end());

// setEncoding makes 'data' give strings, and keeps a character whose
// bytes come in two reads whole, as ReadRune does in Go.
socket.setEncoding('utf8');
socket.on('data', (text) => {
  // write keeps what the terminal has not taken yet in memory. Past a
  // little, we stop reading the socket until it has ('drain'): a server
  // that sends faster than we can show cannot fill our memory.
  if (!process.stdout.write(visible(text))) {
    socket.pause();
    process.stdout.once('drain', () => socket.resume());
  }
});
socket.on('end', () => console.log('The server hung up.'));
// A refused connection, or a reset, comes as an 'error' event.
socket.on('error', (err) => {
  console.error(err.message);
  if (err.code === 'ECONNREFUSED') {
    console.error('(is the server running? start it with: ' +
      'node labs/04-protocol/node/server.js)');
  }
  process.exitCode = 1;
});
// Once the socket is closed, we stop reading stdin, so that Node exits.
socket.on('close', () => process.stdin.destroy());

// send writes chunk to the socket in one write, or with --split in
// pieces of that many bytes, one write each. write never writes part of
// its bytes: what the kernel does not take at once, Node keeps in memory
// and sends later.
function send(chunk) {
  const n = Number(split) > 0 ? Number(split) : chunk.length;
  for (let i = 0; i < chunk.length; i += n) {
    socket.write(chunk.subarray(i, i + n));
  }
}
