// flags.js reads the command line of this lab's Node programs, as main.go
// reads it for the Go lab with the flag package, and writes addresses the
// way Go writes them.
'use strict';
const net = require('node:net');
const { parseArgs } = require('node:util');

// parseFlags reads --addr host:port (127.0.0.1:3008 unless given; port 0
// asks the kernel for a free port) and the other options, described as
// util.parseArgs takes them. It returns their values, with addr split
// into host and port. A wrong flag prints usage and exits with status 2,
// as a Go program does.
function parseFlags(usage, options = {}) {
  try {
    const { values } = parseArgs({
      options: {
        addr: { type: 'string', default: '127.0.0.1:3008' },
        ...options,
      },
    });
    // The port follows the last colon; an IPv6 host has brackets.
    const colon = values.addr.lastIndexOf(':');
    const port = Number(values.addr.slice(colon + 1));
    if (colon < 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
      throw new Error(`--addr ${values.addr}: want host:port`);
    }
    values.host = values.addr.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
    values.port = port;
    return values;
  } catch (err) {
    console.error(`${err.message}\nusage: ${usage}`);
    process.exit(2);
  }
}

// hostPort writes an address and a port as Go does: 127.0.0.1:3008, and
// [::1]:3008 for IPv6.
function hostPort(address, port) {
  return net.isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`;
}

module.exports = { parseFlags, hostPort };
