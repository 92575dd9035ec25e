// Lab 07-ipc in Node: the chat of lab 06, served on a Unix domain socket.
// IPC here is inter-process communication, between programs on one
// machine; it has nothing to do with IP, the Internet Protocol. The one
// change is in listen: a path where there was a port. server.address()
// is then that path, a bare string, and neither end of a connection has
// an address: remoteAddress and localAddress are undefined. Run it from
// the repository root, then a client in each of two more terminals:
//
//   node labs/07-ipc/node/server.js
//   node labs/07-ipc/node/client.js
//
// Stop it with Ctrl-C.
//
// It is written as a course would write it, and it leaves the socket
// file to chance, where the Go lab looks after it: the file gets the
// mode that the umask leaves, and Ctrl-C ends the process before Node
// can remove the file, so the next start fails with EADDRINUSE until
// someone deletes it. The guide shows both in a real run.
'use strict';
const net = require('node:net');
const util = require('node:util');
const { parseFlags } = require('./flags.js');
const { readLines, checkText } = require('./line.js');

const flags = parseFlags('node labs/07-ipc/node/server.js ' +
  '[--path file] [--max-line bytes]',
{ 'max-line': { type: 'string', default: '4096' } });
const maxLine = Number(flags['max-line']);
if (!Number.isInteger(maxLine) || maxLine < 1) {
  console.error('--max-line wants a number of bytes, 1 or more');
  process.exit(2);
}

// The room is an array of sockets. Node runs one event handler at a
// time, on one thread, so no lock guards it: no two handlers can change
// it at once. (In Go, each client's goroutine runs in parallel with the
// others, and the room has a mutex.)
const sockets = [];
let lastId = 0;

// sendOthers writes msg to every socket in the room but from.
// NOTE: write never waits. What a client does not read waits in this
// process's memory, without a limit; lab 06's Go outbox cuts such a
// client off instead.
function sendOthers(from, msg) {
  for (const s of sockets) {
    if (s !== from) {
      s.write(msg);
    }
  }
}

const server = net.createServer();

server.on('connection', (socket) => {
  // A Unix socket has no IP address and no port, and Node has nothing
  // else to give: both are undefined. (Go says "@", a socket without a
  // name, and the path.)
  const peer = socket.remoteAddress;
  console.log(`A new connection to the server! (from ${peer})`);
  console.log(`  this end (localAddress):   ${socket.localAddress}`);
  console.log(`  other end (remoteAddress): ${peer}`);
  const id = ++lastId;
  console.log(`${peer} is User ${id}`);
  socket.write(`Welcome to the chat, you are User ${id}!\n`);
  sendOthers(socket, `User ${id} joined!\n`);
  sockets.push(socket);

  readLines(socket, maxLine, (bytes) => {
    const line = checkText(bytes);
    if (line instanceof Error) {
      console.log(`${peer}: ${line.message}, dropped`);
      socket.write(`error: ${line.message}, dropped\n`);
    } else if (line !== '') { // An empty line says nothing.
      sendOthers(socket, `User ${id}: ${line}\n`);
    }
  }, () => {
    console.log(`${peer}: line too long, dropped`);
    socket.write(`error: line too long (limit ${maxLine} bytes), ` +
      'dropped\n');
  });
  // 'end' is the client's FIN, Go's io.EOF. Since allowHalfOpen is false
  // by default, Node then ends our side too, once what we wrote has gone
  // out; 'close' follows when both sides are done.
  socket.on('end', () => console.log(`${peer} hung up`));
  // A reset comes as an 'error' event, and 'close' follows it too.
  socket.on('error', (err) => console.log(`${peer}: ${err.message}`));
  socket.on('close', () => {
    sockets.splice(sockets.indexOf(socket), 1);
    sendOthers(socket, `User ${id} left!\n`);
  });
});

// A path that is taken comes as an 'error' event: EADDRINUSE, whether a
// server listens there or a crashed one left its file behind.
server.on('error', (err) => {
  console.error(err.message);
  if (err.code === 'EADDRINUSE') {
    console.error('(is another server still running? if not, a server ' +
      'that crashed left its file: remove it, or pick another --path)');
  }
  process.exit(1);
});

// listen(path) makes a Unix domain socket where listen(port) made a TCP
// one. It creates the socket file with the mode the umask leaves, and
// server.close() removes it again; Ctrl-C, which ends the process at
// once, does not.
server.listen(flags.path, () => {
  console.log(`Listening on ${server.address()}`);
  // For TCP, server.address() is { address, family, port }; for a
  // path, it is the path itself, a string.
  console.log(`  server.address(): ${util.inspect(server.address())}`);
});
