/**
 * Asking on the terminal: a line (echoed, through `readline`) and a secret (not echoed: the
 * terminal is put in raw mode before the prompt is shown, so nothing typed is ever displayed).
 * Prompts go to stderr; stdout stays for data.
 */
import { createInterface } from 'node:readline/promises';
import { ErrorCode, OciError } from '../errors/index.ts';

/** True when stdin is a terminal someone can answer on. */
export function canPrompt(): boolean {
  return process.stdin.isTTY === true && typeof process.stdin.setRawMode === 'function';
}

/** Asks `question` and returns the line typed (echoed), without its end of line. */
export async function promptLine(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

/**
 * Asks `question` and returns what is typed up to Enter, never echoing it. Backspace and Ctrl-U
 * edit; Ctrl-C interrupts the command as the signal would; Ctrl-D ends the input.
 */
export function promptSecret(question: string): Promise<string> {
  const stdin = process.stdin;
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let typed: string[] = [];
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          finish();
          resolve(typed.join(''));
          return;
        }
        if (ch === '\u0003') {
          // Raw mode turns Ctrl-C into a character: give it back its meaning (exit 130).
          finish();
          process.kill(process.pid, 'SIGINT');
          // Should the signal's handler wait for the command, the command stops here.
          setImmediate(() => reject(new OciError(ErrorCode.ABORTED, 'interrupted')));
          return;
        }
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else if (ch === '\u0015') typed = [];
        else if (ch >= ' ') typed.push(ch);
      }
    };
    stdin.on('data', onData);
  });
}
