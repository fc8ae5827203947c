/**
 * The real `ocikit` command as a running child process, for tests that act on it while it works:
 * wait for a state (a line on stderr, a file on disk), then send it a signal, then read how it ended.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { OCIKIT_BIN } from './cli.ts';

/** How a child ended. */
export interface ChildEnd {
  /** The exit status, or null when a signal ended it. */
  code: number | null;
  /** The signal that ended it, if one did. */
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

/** A running `ocikit`. */
export interface CliChild {
  child: ChildProcessWithoutNullStreams;
  /** stderr so far. */
  stderr(): string;
  /** Settles when the process has exited and its output is closed. */
  ended: Promise<ChildEnd>;
  /**
   * Resolves once `condition` holds, checked now and then while the child runs; rejects (with its
   * stderr) when the child exits first, so a test never waits for a state that cannot come.
   */
  until(what: string, condition: () => boolean | Promise<boolean>): Promise<void>;
}

/** Starts `ocikit ...args` with piped stdio (stdin closed). */
export function startOcikit(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): CliChild {
  const child = spawn(process.execPath, [OCIKIT_BIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end();
  const stdout: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => stdout.push(c));
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  let done = false;
  const ended = new Promise<ChildEnd>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      done = true;
      resolve({ code, signal, stdout: Buffer.concat(stdout), stderr });
    });
  });
  return {
    child,
    stderr: () => stderr,
    ended,
    async until(what, condition) {
      while (!(await condition())) {
        if (done) throw new Error(`ocikit ${args.join(' ')} ended before ${what}: ${stderr}`);
        await sleep(20);
      }
    },
  };
}
