// Lab 03-duplex in Node: the server now logs every 'data' event and writes
// the same bytes back. A socket is a duplex stream, as a net.Conn is in
// Go: we read and write it at once. Run it from the repository root, then
// the client in a second terminal:
//
//   node labs/03-duplex/node/server.js
//   node labs/03-duplex/node/client.js --split 2
//
// Stop it with Ctrl-C.
'use strict';
const net = require('node:net');
const { parseFlags, hostPort } = require('./flags.js');
const { visible } = require('./visible.js');

const { host, port } = parseFlags(
  'node labs/03-duplex/node/server.js [--addr host:port]');

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

  // Each 'data' event is one read: whatever had arrived, up to 64 KiB.
  // We log its size and 40 characters of it, quoted (JSON.stringify, then
  // visible for what JSON leaves raw), and write the same bytes back.
  // NOTE: one 'data' event is not one message: it may hold half of what
  // the client wrote, or two writes at once. Lab 04 fixes this.
  socket.on('data', (chunk) => {
    const text = visible(JSON.stringify(chunk.toString().slice(0, 40)));
    console.log(`read ${chunk.length} bytes from ${peer}: ${text}`);
    // write keeps what the kernel does not take yet in memory. Past a
    // little, we stop reading until it has gone out ('drain'), as Go's
    // Write waits: a client that never reads its echo cannot fill our
    // memory.
    if (!socket.write(chunk)) {
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
