// flags.js reads the command line of this lab's Node programs, as main.go
// reads it for the Go lab with the flag package, and writes addresses the
// way Go writes them.
'use strict';
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');

// parseFlags reads --addr host:port, --path file and the other options,
// described as util.parseArgs takes them, and returns their values: addr
// and path are undefined unless given. A wrong flag prints usage and
// exits with status 2, as a Go program does.
function parseFlags(usage, options = {}) {
  try {
    const { values } = parseArgs({
      options: { addr: { type: 'string' }, path: { type: 'string' },
        ...options },
    });
    return values;
  } catch (err) {
    usageError(usage, err.message);
  }
}

// usageError prints message and usage, and exits with status 2.
function usageError(usage, message) {
  console.error(`${message}\nusage: ${usage}`);
  process.exit(2);
}

// defaultAddr is the TCP door when --addr is not given.
const defaultAddr = '127.0.0.1:3008';

// defaultPath is socketlab.sock in $XDG_RUNTIME_DIR, or in the temporary
// folder where that is not set.
// NOTE: this trusts the folder. In /tmp anyone may create the file
// first, and XDG_RUNTIME_DIR may be /tmp too; the Go lab makes and
// checks a folder of your own.
function defaultPath() {
  return path.join(process.env.XDG_RUNTIME_DIR || os.tmpdir(),
    'socketlab.sock');
}

// splitAddr splits host:port (port 0 asks the kernel for a free port),
// or prints usage and exits if addr is not that.
function splitAddr(usage, addr) {
  // The port follows the last colon; an IPv6 host has brackets.
  const colon = addr.lastIndexOf(':');
  const port = Number(addr.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    usageError(usage, `--addr ${addr}: want host:port`);
  }
  return { host: addr.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port };
}

// hostPort writes an address and a port as Go does: 127.0.0.1:3008, and
// [::1]:3008 for IPv6. A Unix socket has neither: Node gives undefined
// for both, and so does hostPort.
function hostPort(address, port) {
  if (address === undefined) {
    return undefined;
  }
  return net.isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`;
}

module.exports = { parseFlags, usageError, defaultAddr, defaultPath,
  splitAddr, hostPort };
