// Lab 06-presence in Node: the chat of lab 05, where each client is told
// its number, and hears who joins and who leaves. Run it from the
// repository root, then a client in each of two more terminals:
//
//   node labs/06-presence/node/server.js
//   node labs/06-presence/node/client.js
//
// Stop it with Ctrl-C.
//
// A socket now leaves the array when it closes, and numbers come from a
// counter. But it is written as a course would write it, and it has the
// bug that the Go lab's outbox fixes: write never waits, so what a client
// does not read piles up in this process's memory, without a limit. The
// guide measures it in a real run.
'use strict';
const net = require('node:net');
const { parseFlags, hostPort } = require('./flags.js');
const { readLines, checkText } = require('./line.js');

const flags = parseFlags('node labs/06-presence/node/server.js ' +
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
// lastId is the number given to the last client that joined. Numbers
// count up and are never given out twice. (sockets.length + 1 would give
// a number out again as soon as one client leaves while others stay.)
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
  // The welcome first, then the others hear of the newcomer, and only
  // then does it join the room: it never hears of its own arrival.
  const id = ++lastId;
  console.log(`${peer} is User ${id}`);
  socket.write(`Welcome to the chat, you are User ${id}!\n`);
  sendOthers(socket, `User ${id} joined!\n`);
  sockets.push(socket);

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
  // However the connection ended, 'close' comes once, last: the socket
  // leaves the room, and the others hear of it.
  socket.on('close', () => {
    sockets.splice(sockets.indexOf(socket), 1);
    sendOthers(socket, `User ${id} left!\n`);
  });
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
