/**
 * Where a command's binary output (`export`, `blob`) goes: a file named with `-o FILE`, written
 * whole or not at all; stdout, refused when it is a terminal (as gzip refuses) unless `-o -` asks
 * for it.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UsageError } from './run.ts';

/** Binary output: to stdout, or to a file. */
export type BinaryTarget = { kind: 'stdout' } | { kind: 'file'; path: string };

/**
 * The target `output` names (`-` for stdout, otherwise a file), or stdout when none is named.
 * Unasked-for binary data on a terminal is a usage error: it would garble the screen.
 */
export function binaryTarget(output: string | undefined): BinaryTarget {
  if (output === '-') return { kind: 'stdout' };
  if (output !== undefined) return { kind: 'file', path: output };
  if (process.stdout.isTTY) {
    throw new UsageError(
      'refusing to write binary data to a terminal: redirect stdout, give -o FILE, or -o - to write to the terminal anyway',
    );
  }
  return { kind: 'stdout' };
}

/**
 * Streams what `produce` returns to `target`. A file is written under a fresh, randomly named
 * temp file created exclusively beside it (never through an existing path or symlink), renamed
 * over it once complete, and removed on any failure or abort. `produce` gets the folder for any
 * scratch space of its own: the file's folder, or undefined (the system temp directory) for stdout.
 */
export async function writeBinary(
  target: BinaryTarget,
  produce: (scratchDir: string | undefined) => Readable | Promise<Readable>,
  signal: AbortSignal,
): Promise<void> {
  if (target.kind === 'stdout') {
    await pipeline(await produce(undefined), process.stdout, { signal });
    return;
  }
  const dir = dirname(resolve(target.path));
  const tmp = join(dir, `.ocikit-output-${randomBytes(8).toString('hex')}`);
  const handle = await open(tmp, 'wx', 0o666);
  try {
    await pipeline(await produce(dir), handle.createWriteStream(), { signal });
    await rename(tmp, target.path);
  } catch (err) {
    await handle.close().catch(() => {});
    await rm(tmp, { force: true });
    throw err;
  }
}
