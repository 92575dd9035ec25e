// Lab 05-broadcast in Node: every line a client sends goes to every other
// connected client as "User N: text", never back to the sender. The room
// is an array of sockets. Run it from the repository root, then a client
// in each of two more terminals:
//
//   node labs/05-broadcast/node/server.js
//   node labs/05-broadcast/node/client.js
//
// Stop it with Ctrl-C.
//
// It reads whole lines, as lab 04's note says a Node server must, with
// readLines in line.js. And it is written as a course would write it
// first, with the bug the Go lab's room avoids: a socket goes into the
// array when it connects and never comes out. The guide shows what that
// costs in a real run.
'use strict';
const net = require('node:net');
const { parseFlags, hostPort } = require('./flags.js');
const { readLines, checkText } = require('./line.js');

const flags = parseFlags('node labs/05-broadcast/node/server.js ' +
  '[--addr host:port] [--max-line bytes]',
{ 'max-line': { type: 'string', default: '4096' } });
const { host, port } = flags;
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

// sendOthers writes msg to every socket in the room but from.
// NOTE: write never waits. What a client does not read waits in this
// process's memory, without a limit: one slow client does not stall the
// room, as it does in the Go lab, but makes the server grow instead.
function sendOthers(from, msg) {
  for (const s of sockets) {
    if (s !== from) {
      s.write(msg);
    }
  }
}

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

  // NOTE: the socket goes into the room and never comes out, not even
  // once it has closed. Every line is then written to every socket that
  // was ever connected, and the array only grows. The Go lab takes a
  // client out of its room when its handler returns, whatever the
  // reason. The number is unique only because of the bug: it is the
  // length of an array that never shrinks.
  sockets.push(socket);
  const id = sockets.length;
  console.log(`${peer} is User ${id}`);

  // Our protocol: the client sends lines of UTF-8 text ending in "\n",
  // and each one goes to everyone else in the room. readLines finds the
  // lines, however the bytes were cut into 'data' events; checkText
  // refuses what is not plain text. Errors go to the sender only.
  readLines(socket, maxLine, (bytes) => {
    const line = checkText(bytes);
    if (line instanceof Error) {
      console.log(`${peer}: ${line.message}, dropped`);
      socket.write(`error: ${line.message}, dropped\n`);
    } else if (line !== '') { // An empty line says nothing.
      console.log(`${peer} said ${JSON.stringify(line)}`);
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
  // Without a listener for it, Node would throw the error, and the whole
  // server would stop.
  socket.on('error', (err) => console.log(`${peer}: ${err.message}`));
});

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
