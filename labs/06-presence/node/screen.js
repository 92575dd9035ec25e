// screen.js keeps the line you type apart from the lines that arrive, as
// screen.go does for the Go lab, with Node's readline module.
'use strict';
const readline = require('node:readline');

// prompt is shown before the line you type, when you type on a terminal.
const prompt = '> ';

// openScreen reads what you type and calls onInput(text) with it, then
// onEnd() at its end (Ctrl-D), or onInterrupt() for Ctrl-C. It returns
// show(line), which prints one line from the server, and end(line),
// which prints the client's last line, if any, and stops reading what
// you type; only the first call of end does anything.
//
// On a terminal, readline puts stdin in raw mode and edits the line
// after the prompt; show draws it again below each line that arrives, as
// far as you had typed it. Elsewhere (a pipe, a file) stdin's bytes pass
// as they are, with no prompt, and Ctrl-C stays a signal.
function openScreen(onInput, onEnd, onInterrupt) {
  const { stdin, stdout } = process;
  const tty = stdin.isTTY && stdout.isTTY;
  let rl = null;
  if (tty) {
    rl = readline.createInterface({ input: stdin, output: stdout, prompt });
    rl.on('line', (line) => {
      onInput(line + '\n');
      rl.prompt();
    });
    // Ctrl-D on an empty line closes the interface; so does end(), which
    // removes this listener first. Closing it puts the terminal back.
    rl.on('close', onEnd);
    // In raw mode Ctrl-C is a key, not a signal: readline tells us.
    rl.on('SIGINT', () => {
      stdout.write('\n'); // The shell's prompt starts on a line of its own.
      end();
      onInterrupt();
    });
    rl.prompt();
  } else {
    stdin.on('data', onInput);
    stdin.on('end', onEnd);
  }

  // clear erases the prompt and what you typed, on a terminal.
  function clear() {
    if (tty) {
      readline.clearLine(stdout, 0);
      readline.cursorTo(stdout, 0);
    }
  }
  function show(line) {
    clear();
    stdout.write(line + '\n');
    if (tty) {
      rl.prompt(true); // true: the cursor stays where you had it.
    }
  }
  let ended = false;
  function end(line) {
    if (ended) {
      return;
    }
    ended = true;
    clear();
    if (line !== undefined) {
      stdout.write(line + '\n');
    }
    if (tty) {
      rl.removeListener('close', onEnd);
      rl.close();
    }
    stdin.destroy(); // Nothing is left to wait for: Node exits.
  }
  return { show, end };
}

module.exports = { openScreen };
