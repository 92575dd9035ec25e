// Lab 08-dual in Node: the chat of lab 07 with two doors into one room, a
// TCP address and a Unix domain socket at once. Node listens with one
// server per address, as Go has one listener per address; both servers
// hand their connections to the same handler, and after that nothing
// asks which door a client used but the joined notice. Run it from the
// repository root, then a client through each door in two more
// terminals:
//
//   node labs/08-dual/node/server.js
//   node labs/08-dual/node/client.js
//   node labs/08-dual/node/client.js --path PATH
//
// where PATH is the path the server prints. --addr "" or --path ""
// closes a door. Stop it with Ctrl-C.
//
// It is written as a course would write it, and, like lab 07's, it leaves
// its socket file to chance: the mode that the umask leaves, and the
// file left behind after Ctrl-C.
'use strict';
const net = require('node:net');
const util = require('node:util');
const { parseFlags, usageError, defaultAddr, defaultPath, splitAddr,
  hostPort } = require('./flags.js');
const { readLines, checkText } = require('./line.js');

const usage = 'node labs/08-dual/node/server.js [--addr host:port] ' +
  '[--path file] [--max-line bytes]';
const flags = parseFlags(usage,
  { 'max-line': { type: 'string', default: '4096' } });
const addr = flags.addr ?? defaultAddr;
const path = flags.path ?? defaultPath();
const maxLine = Number(flags['max-line']);
if (!Number.isInteger(maxLine) || maxLine < 1) {
  usageError(usage, '--max-line wants a number of bytes, 1 or more');
}
if (addr === '' && path === '') {
  usageError(usage, 'no door: give --addr or --path');
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

// onConnection serves one client, whichever door it came in by: door is
// 'tcp' or 'unix'.
function onConnection(socket, door) {
  // A Unix socket has no IP address and no port, and Node has nothing
  // else to give: both are undefined. (Go says "@", a socket without a
  // name, and the path.)
  const peer = hostPort(socket.remoteAddress, socket.remotePort);
  console.log(`A new connection to the server! (from ${peer})`);
  console.log('  this end (localAddress):   ' +
    hostPort(socket.localAddress, socket.localPort));
  console.log(`  other end (remoteAddress): ${peer}`);
  const id = ++lastId;
  console.log(`${peer} is User ${id}`);
  socket.write(`Welcome to the chat, you are User ${id}!\n`);
  sendOthers(socket, `User ${id} joined! (${door})\n`);
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
}

// fail reports a door that cannot open, and stops the server: the other
// door closes with the process.
function fail(err) {
  console.error(err.message);
  if (err.code === 'EADDRINUSE') {
    console.error('(is another server still running? if not, a server ' +
      'that crashed left its file: remove it, or pick another ' +
      '--addr or --path)');
  }
  process.exit(1);
}

// listenUnix opens the Unix door, if there is one.
function listenUnix() {
  if (path === '') {
    return;
  }
  const ipc = net.createServer((socket) => onConnection(socket, 'unix'));
  ipc.on('error', fail);
  ipc.listen(path, () => {
    console.log(`Listening on ${ipc.address()}`);
    // For a path, server.address() is the path itself, a string.
    console.log(`  server.address(): ${util.inspect(ipc.address())}`);
  });
}

// The TCP door opens first, and the Unix door once it listens: if the
// socket file cannot be made, the process ends and the port is free.
// The other way round, a port that is taken would end the process and
// leave the socket file behind.
if (addr === '') {
  listenUnix();
} else {
  const { host, port } = splitAddr(usage, addr);
  const tcp = net.createServer((socket) => onConnection(socket, 'tcp'));
  tcp.on('error', fail);
  tcp.listen(port, host, () => {
    const a = tcp.address();
    console.log(`Listening on ${hostPort(a.address, a.port)}`);
    console.log(a);
    listenUnix();
  });
}
