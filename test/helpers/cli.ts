/** Runs the real `ocikit` command (bin/ocikit.js on this Node) as a child process. */
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the CLI entry point. */
export const OCIKIT_BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/ocikit.js');

/** What a CLI run produced. */
export interface CliResult {
  code: number;
  stdout: Buffer;
  stderr: string;
  /** stdout decoded as UTF-8 and trimmed. */
  out: string;
}

/** Runs `ocikit ...args`, resolving with its exit code and output (never rejects on a non-zero exit). */
export function ocikit(
  args: string[],
  options: { input?: string | Buffer; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [OCIKIT_BIN, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => stdout.push(c));
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      const out = Buffer.concat(stdout);
      resolvePromise({
        code: code ?? -1,
        stdout: out,
        stderr: Buffer.concat(stderr).toString('utf8'),
        out: out.toString('utf8').trim(),
      });
    });
    child.stdin.end(options.input ?? '');
  });
}
