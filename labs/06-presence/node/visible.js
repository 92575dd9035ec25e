// visible.js makes text safe to show on a terminal, as visible.go does for
// the Go lab.
'use strict';

// control matches the characters that a terminal may obey instead of
// print: C0 controls but tab and newline, DEL, C1 controls, and the bidi
// controls that reorder the text around them.
const control =
  /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

// short are the escapes Go writes for some controls in a quoted string.
const short = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\r': '\\r',
  '\v': '\\v' };

// visible returns text with every control character written out as Go
// writes it in a quoted string (ESC as \x1b, "\r" as \r, U+202E as
// \u202e): an escape the terminal prints instead of obeying.
function visible(text) {
  return text.replace(control, (c) => {
    const code = c.charCodeAt(0);
    if (short[c]) {
      return short[c];
    }
    if (code < 0x80) {
      return '\\x' + code.toString(16).padStart(2, '0');
    }
    return '\\u' + code.toString(16).padStart(4, '0');
  });
}

module.exports = { visible };
