// Lab 06-presence in Node: the chat client. It sends what you type and
// shows the lines the server sends, both at once, with control
// characters made visible so that no server can command our terminal;
// on a terminal, the line you are typing stays below them. Run it from
// the repository root while a server runs:
//
//   node labs/06-presence/node/client.js
//
// Press Ctrl-D to leave, or Ctrl-C to stop it.
'use strict';
const net = require('node:net');
const { parseFlags, hostPort } = require('./flags.js');
const { visible } = require('./visible.js');
const { openScreen } = require('./screen.js');

const { host, port, split } = parseFlags(
  'node labs/06-presence/node/client.js [--addr host:port] [--split n]',
  { split: { type: 'string', default: '0' } });

// maxShown is the most of one line that the client shows, in bytes.
const maxShown = 64 << 10;

let screen = null; // once connected
let left = false; // true once you have left (Ctrl-D)

// createConnection dials and returns the socket at once. Its callback,
// the 'connect' event, runs once the connection is made: in Go, that is
// simply the line after net.Dial returns.
const socket = net.createConnection({ host, port }, () => {
  console.log('Connected to the server!');
  console.log('  this end (localAddress):   ' +
    hostPort(socket.localAddress, socket.localPort));
  console.log('  other end (remoteAddress): ' +
    hostPort(socket.remoteAddress, socket.remotePort));
  // A socket is a duplex stream: we write to it whenever you type, and
  // it gives us a 'data' event whenever the server's bytes arrive.
  screen = openScreen(send, () => {
    // Half-close: end() sends a FIN, and the server can still answer.
    left = true;
    socket.end();
  }, () => socket.destroy());
});

// Each line from the server is shown whole, so that the prompt can be
// drawn again below it; only a line too long to hold is cut. line holds
// the start of a line that has not ended, at most maxShown bytes, and
// cut counts the bytes of it we did not keep.
let line = Buffer.alloc(0);
let cut = 0;
socket.on('data', (data) => {
  let start = 0;
  for (;;) {
    const nl = data.indexOf(0x0a, start); // "\n"
    const stop = nl < 0 ? data.length : nl;
    const keep = Math.min(stop, start + maxShown - line.length);
    line = Buffer.concat([line, data.subarray(start, keep)]);
    cut += stop - keep;
    if (nl < 0) {
      return;
    }
    showLine();
    start = nl + 1;
  }
});

// showLine shows the line held, through visible, and forgets it.
function showLine() {
  // The cut may fall inside a character: its first bytes go with the
  // rest, so that we show no half of it.
  for (let i = line.length - 1; cut > 0 && i > line.length - 4; i--) {
    if ((line[i] & 0xc0) !== 0x80) { // the first byte of a character
      const size = line[i] >= 0xf0 ? 4 : line[i] >= 0xe0 ? 3 :
        line[i] >= 0xc0 ? 2 : 1;
      if (line.length - i < size) {
        cut += line.length - i;
        line = line.subarray(0, i);
      }
      break;
    }
  }
  if (line.at(-1) === 0x0d) { // "\r" before the "\n"
    line = line.subarray(0, -1);
  }
  // toString puts U+FFFD, which commands nothing, in place of bytes that
  // are not UTF-8.
  let text = visible(line.toString('utf8'));
  if (cut > 0) {
    text += ` [${cut} more bytes not shown]`;
  }
  line = Buffer.alloc(0);
  cut = 0;
  screen.show(text);
}

// 'end' is the server's FIN, Go's io.EOF. After you left, that is its
// goodbye.
socket.on('end', () => {
  if (line.length > 0 || cut > 0) {
    showLine(); // A last line without "\n" still counts.
  }
  screen.end(left ? 'You left the chat.' : 'The server hung up.');
});
// A refused connection, or a reset, comes as an 'error' event.
socket.on('error', (err) => {
  console.error(err.message);
  if (err.code === 'ECONNREFUSED') {
    console.error('(is the server running? start it with: ' +
      'node labs/06-presence/node/server.js)');
  }
  process.exitCode = 1;
});
// Once the socket is closed, we stop reading what you type, so that Node
// exits.
socket.on('close', () => {
  if (screen) {
    screen.end();
  }
});

// send writes text to the socket in one write, or with --split in pieces
// of that many bytes, one write each. write never writes part of its
// bytes: what the kernel does not take at once, Node keeps in memory and
// sends later.
function send(text) {
  const chunk = Buffer.from(text);
  const n = Number(split) > 0 ? Number(split) : chunk.length;
  for (let i = 0; i < chunk.length; i += n) {
    socket.write(chunk.subarray(i, i + n));
  }
}
