/**
 * Running a bundle with `runc run` in the foreground: the process's stdout and stderr are passed
 * straight through (no terminal) and streamed to the caller; stdin is empty. runc's own messages
 * go to a JSON log file, so a failure of runc itself (a bad bundle, a mount refused) is told
 * apart from the command's exit status. An abort kills the container and waits for it.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, OciError } from '../../../errors/index.ts';

/** Options of {@link runBundle}. */
export interface RuncOptions {
  readonly binary?: string;
  /** runc's state directory (`--root`). */
  readonly root?: string;
  readonly onOutput?: (chunk: Buffer, stream: 'stdout' | 'stderr') => void;
  readonly signal?: AbortSignal;
}

/** How the container ended. */
export interface RuncResult {
  /** The process's exit status (128 + N for a process killed by signal N). */
  readonly exitCode: number;
  /** runc's own error messages, when it failed rather than the process. */
  readonly runtimeErrors: string[];
}

function globalArgs(options: RuncOptions, logFile: string): string[] {
  const args = ['--log', logFile, '--log-format', 'json'];
  if (options.root !== undefined) args.push('--root', options.root);
  return args;
}

/** The `level: error` messages of runc's JSON log. */
function runtimeErrors(logFile: string): string[] {
  let text = '';
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const record = JSON.parse(line) as { level?: string; msg?: string };
      if ((record.level === 'error' || record.level === 'fatal') && record.msg) out.push(record.msg);
    } catch {
      out.push(line);
    }
  }
  return out;
}

function runQuiet(binary: string, args: string[]): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(binary, args, { stdio: 'ignore' });
    child.on('error', () => resolve());
    child.on('close', () => resolve());
  });
}

/**
 * Runs the bundle in `bundleDir` (its config.json) to completion. Fails with UNSUPPORTED when runc
 * cannot be started, ABORTED when `signal` fires; any exit status, zero or not, is a result.
 */
export function runBundle(bundleDir: string, options: RuncOptions = {}): Promise<RuncResult> {
  const binary = options.binary ?? 'runc';
  const id = `ocikit-run-${randomBytes(8).toString('hex')}`;
  const logFile = join(bundleDir, 'runc.log');
  const global = globalArgs(options, logFile);
  options.signal?.throwIfAborted();
  return new Promise<RuncResult>((resolve, reject) => {
    const child = spawn(binary, [...global, 'run', '--bundle', bundleDir, id], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let aborted = false;
    const onAbort = (): void => {
      aborted = true;
      void runQuiet(binary, [...global, 'kill', id, 'KILL']);
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => options.onOutput?.(chunk, 'stdout'));
    child.stderr.on('data', (chunk: Buffer) => options.onOutput?.(chunk, 'stderr'));
    child.on('error', (err) => {
      options.signal?.removeEventListener('abort', onAbort);
      reject(new OciError(ErrorCode.UNSUPPORTED, `cannot run ${binary}: ${err.message}`, { cause: err }));
    });
    child.on('close', (code, signal) => {
      options.signal?.removeEventListener('abort', onAbort);
      const errors = runtimeErrors(logFile);
      if (!aborted && code !== null) {
        resolve({ exitCode: code, runtimeErrors: errors });
        return;
      }
      // runc itself was killed or the step aborted: the container may be left behind.
      void runQuiet(binary, [...global, 'delete', '--force', id]).then(() => {
        if (aborted) reject(new OciError(ErrorCode.ABORTED, 'the step was aborted'));
        else
          reject(new OciError(ErrorCode.IO_ERROR, `${binary} was killed by ${signal}`, { data: { signal } }));
      });
    });
  });
}
