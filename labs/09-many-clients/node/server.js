// Lab 09-many-clients in Node: the chat of lab 08, both doors and all,
// as a course would write it for many clients: the same room, with the
// log cut down to a line per join and per leave, as the Go lab's is. It
// is what the guide's load test compares the Go lab against. Run it from
// the repository root, then a client through each door in two more
// terminals:
//
//   node labs/09-many-clients/node/server.js
//   node labs/09-many-clients/node/client.js
//   node labs/09-many-clients/node/client.js --path PATH
//
// where PATH is the path the server prints. --addr "" or --path ""
// closes a door. Stop it with Ctrl-C.
//
// Node needs no goroutine, no queue and no lock to serve thousands of
// clients: one thread runs every handler, and write keeps what the
// kernel does not take yet. That is also what the Go lab's room does
// better: every line is written once per client, one system call each
// while the kernel takes it, and what a client does not read stays in
// this process's memory without a limit. The Go lab writes each line
// into one backlog that all clients share, sends each client everything
// it has not yet sent in one writev, and cuts off a client that falls
// 4 MiB behind.
'use strict';
const net = require('node:net');
const util = require('node:util');
const { parseFlags, usageError, defaultAddr, defaultPath, splitAddr,
  hostPort } = require('./flags.js');
const { readLines, checkText } = require('./line.js');

const usage = 'node labs/09-many-clients/node/server.js [--addr host:port] ' +
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
// process's memory, a copy for each such client, without a limit; the
// Go lab keeps one copy in its backlog, and cuts off a client 4 MiB
// behind.
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
  const id = ++lastId;
  // One log line per join and one per leave: with 10,000 clients, the
  // log would cost more than the chat.
  console.log(`User ${id} joined (from ${peer}, ${door})`);
  socket.write(`Welcome to the chat, you are User ${id}!\n`);
  sendOthers(socket, `User ${id} joined! (${door})\n`);
  sockets.push(socket);

  readLines(socket, maxLine, (bytes) => {
    const line = checkText(bytes);
    if (line instanceof Error) {
      socket.write(`error: ${line.message}, dropped\n`);
    } else if (line !== '') { // An empty line says nothing.
      sendOthers(socket, `User ${id}: ${line}\n`);
    }
  }, () => {
    socket.write(`error: line too long (limit ${maxLine} bytes), ` +
      'dropped\n');
  });
  // A reset comes as an 'error' event, and 'close' follows it, as it
  // follows the client's FIN ('end'): that is when the client leaves.
  socket.on('error', () => {});
  socket.on('close', () => {
    console.log(`User ${id} left`);
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
