// Lab 02-client in Node: the server of lab 01, which now prints both ends
// of each connection, as the Go lab does. Run it from the repository
// root, then the client in a second terminal:
//
//   node labs/02-client/node/server.js
//   node labs/02-client/node/client.js
//
// Stop it with Ctrl-C.
'use strict';
const net = require('node:net');
const { parseFlags, hostPort } = require('./flags.js');

const { host, port } = parseFlags(
  'node labs/02-client/node/server.js [--addr host:port]');

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

  // We have nothing to say yet. resume() reads and throws away whatever
  // the peer sends, so that 'end' tells us when it hangs up.
  socket.resume();
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
