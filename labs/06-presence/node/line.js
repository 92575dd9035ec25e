// line.js cuts a stream of bytes into lines and checks that a line is
// text we may pass on, as line.go does for the Go lab.
'use strict';

// readLines calls onLine(bytes) with each line that socket sends, as a
// Buffer without its "\n" or "\r\n", however the bytes were cut into
// 'data' events; a last line that ends without "\n" counts too. For a
// line longer than maxLine bytes it calls onTooLong() instead, as soon
// as it knows, and skips the rest of that line. It never holds more
// than maxLine + 2 bytes of a line, as the Go lab's buffer does, however
// long the line is.
function readLines(socket, maxLine, onLine, onTooLong) {
  let pending = Buffer.alloc(0); // the start of a line that has not ended
  let skipping = false; // inside a line that was too long
  // end hands on the line in pending, which ends here.
  const end = () => {
    let line = pending;
    pending = Buffer.alloc(0);
    if (line.at(-1) === 0x0d) { // "\r" before the "\n"
      line = line.subarray(0, -1);
    }
    if (line.length > maxLine) {
      onTooLong();
    } else {
      onLine(line);
    }
  };
  socket.on('data', (data) => {
    let start = 0;
    for (;;) {
      const nl = data.indexOf(0x0a, start); // "\n"
      if (skipping) {
        skipping = nl < 0;
      } else {
        // We keep no more of a line than it takes to know that it is
        // too long: maxLine bytes, its "\r", and one more.
        const stop = Math.min(nl < 0 ? data.length : nl,
          start + maxLine + 2 - pending.length);
        pending = Buffer.concat([pending, data.subarray(start, stop)]);
        if (nl >= 0) {
          end();
        } else if (pending.length > maxLine + 1) {
          // Too long even if its last byte is a "\r": we say so now,
          // and skip the rest of the line as it comes.
          pending = Buffer.alloc(0);
          skipping = true;
          onTooLong();
        }
      }
      if (nl < 0) {
        return;
      }
      start = nl + 1;
    }
  });
  socket.on('end', () => {
    if (pending.length > 0) {
      end();
    }
  });
}

// fatal makes decode throw on bytes that are not UTF-8, instead of
// putting U+FFFD in their place.
const utf8 = new TextDecoder('utf-8', { fatal: true });

// control matches the characters a line must not hold, as isControl
// does in Go: C0 controls but tab, DEL, C1 controls, and bidi controls.
const control = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

// checkText returns the line as a string if it is text that we may pass
// on: valid UTF-8, with no control character but tab. Otherwise it
// returns an Error that names the first fault.
function checkText(bytes) {
  let line;
  try {
    line = utf8.decode(bytes);
  } catch {
    return new Error('line is not valid UTF-8');
  }
  const c = line.match(control);
  if (c) {
    const code = c[0].charCodeAt(0).toString(16).toUpperCase();
    return new Error('line holds a control character ' +
      `(U+${code.padStart(4, '0')})`);
  }
  return line;
}

module.exports = { readLines, checkText };
