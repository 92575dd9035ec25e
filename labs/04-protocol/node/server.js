// Lab 04-protocol in Node: the server answers every line with one line,
// and refuses a line that is too long, not UTF-8 or holding a control
// character, as the Go lab does. Run it from the repository root, then
// the client in a second terminal:
//
//   node labs/04-protocol/node/server.js
//   node labs/04-protocol/node/client.js
//
// Stop it with Ctrl-C.
//
// It is written as a course would write it first, and it has the bug the
// Go lab fixes: it takes each 'data' event for one line. The guide shows
// it answer half a line, and refuse two lines that came in one read.
'use strict';
const net = require('node:net');
const { parseFlags, hostPort } = require('./flags.js');

const flags = parseFlags('node labs/04-protocol/node/server.js ' +
  '[--addr host:port] [--max-line bytes]',
{ 'max-line': { type: 'string', default: '4096' } });
const { host, port } = flags;
const maxLine = Number(flags['max-line']);
if (!Number.isInteger(maxLine) || maxLine < 1) {
  console.error('--max-line wants a number of bytes, 1 or more');
  process.exit(2);
}

// fatal makes decode throw on bytes that are not UTF-8, instead of
// putting U+FFFD in their place.
const utf8 = new TextDecoder('utf-8', { fatal: true });

// control matches the characters a line must not hold, as isControl
// does in Go: C0 controls but tab, DEL, C1 controls, and bidi controls.
const control = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

const server = net.createServer();

// Node runs the accept loop for us: each accepted connection comes as a
// 'connection' event, with its socket.
server.on('connection', (socket) => {
  const peer = hostPort(socket.remoteAddress, socket.remotePort);
  console.log(`A new connection to the server! (from ${peer})`);
  // The client's socket is a net.Socket too. Its local end is our remote
  // end and the other way round: compare with its output.
  console.log('  this end (localAddress):   ' +
    hostPort(socket.localAddress, socket.localPort));
  console.log(`  other end (remoteAddress): ${peer}`);

  // NOTE: one 'data' event is one read, not one line: it may hold half a
  // line, or two. The Go lab reads lines with a bufio.Reader; in Node,
  // keep what is left after the last "\n" for the next 'data' event.
  socket.on('data', (data) => {
    let bytes = data;
    if (bytes.at(-1) === 0x0a) { // "\n", and a "\r" before it
      bytes = bytes.subarray(0, bytes.at(-2) === 0x0d ? -2 : -1);
    }
    let answer;
    if (bytes.length > maxLine) {
      console.log(`${peer}: line too long, dropped`);
      answer = `error: line too long (limit ${maxLine} bytes), dropped`;
    } else {
      const line = checkText(bytes);
      if (line instanceof Error) {
        console.log(`${peer}: ${line.message}, dropped`);
        answer = `error: ${line.message}, dropped`;
      } else if (line === '') {
        return; // An empty line says nothing, so we do not answer.
      } else {
        console.log(`${peer} said ${JSON.stringify(line)}`);
        answer = `you said: ${line}`;
      }
    }
    // write keeps what the kernel does not take yet in memory. Past a
    // little, we stop reading until it has gone out ('drain'), as Go's
    // Write waits: a client that never reads its answers cannot fill our
    // memory.
    if (!socket.write(answer + '\n')) {
      socket.pause();
      socket.once('drain', () => socket.resume());
    }
  });
  // 'end' is the client's FIN. Node then ends our side too, once what we
  // wrote has gone out: a socket's allowHalfOpen is false by default.
  socket.on('end', () => console.log(`${peer} hung up`));
  // A reset comes as an 'error' event. Without a listener for it, Node
  // would throw the error, and the whole server would stop.
  socket.on('error', (err) => console.log(`${peer}: ${err.message}`));
});

// checkText returns the line as a string if it is text that we may pass
// on: valid UTF-8, with no control character but tab. Otherwise it
// returns an Error that names the first fault.
function checkText(bytes) {
  let line;
  try {
    line = utf8.decode(bytes);
  } catch {
    return new Error('line is not valid UTF-8');
  }
  const c = line.match(control);
  if (c) {
    const code = c[0].charCodeAt(0).toString(16).toUpperCase();
    return new Error('line holds a control character ' +
      `(U+${code.padStart(4, '0')})`);
  }
  return line;
}

// listen fails with an 'error' event too: address in use, for one.
server.on('error', (err) => {
  console.error(err.message);
  if (err.code === 'EADDRINUSE') {
    console.error('(is another server still running? ' +
      'stop it, or pick another port with --addr)');
  }
  process.exit(1);
});

// listen returns at once; its callback runs once the socket listens.
// server.address() then says where: { address, family, port } for TCP.
server.listen(port, host, () => {
  const a = server.address();
  console.log(`Listening on ${hostPort(a.address, a.port)}`);
  console.log(a);
});
