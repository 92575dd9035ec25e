// flags.js reads the command line of this lab's Node programs, as main.go
// reads it for the Go lab with the flag package.
'use strict';
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');

// parseFlags reads --path file (defaultPath() unless given) and the other
// options, described as util.parseArgs takes them, and returns their
// values. A wrong flag prints usage and exits with status 2, as a Go
// program does.
function parseFlags(usage, options = {}) {
  try {
    const { values } = parseArgs({
      options: {
        path: { type: 'string', default: defaultPath() },
        ...options,
      },
    });
    return values;
  } catch (err) {
    console.error(`${err.message}\nusage: ${usage}`);
    process.exit(2);
  }
}

// defaultPath is socketlab.sock in $XDG_RUNTIME_DIR, or in the temporary
// folder where that is not set.
// NOTE: this trusts the folder. In /tmp anyone may create the file
// first, and XDG_RUNTIME_DIR may be /tmp too; the Go lab makes and
// checks a folder of your own.
function defaultPath() {
  return path.join(process.env.XDG_RUNTIME_DIR || os.tmpdir(),
    'socketlab.sock');
}

module.exports = { parseFlags };
