/**
 * The root filesystem of a step when no overlay can be mounted: the stage's layers applied in
 * order (the safe apply, DiffIDs checked) into a reference tree, and a copy of it, made with
 * `cp -a --reflink=auto` (a reflink where the filesystem shares blocks, a full copy elsewhere;
 * owners, modes, times, hard links, special files and extended attributes kept), for the step to
 * run in. The two are compared afterwards (capture/snapshot-changes.ts).
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { decompressStream } from '../../../compress/decompress.ts';
import { ErrorCode, OciError } from '../../../errors/index.ts';
import { applyLayer } from '../../../tar/index.ts';
import type { LowerLayer } from '../types.ts';

/** The two trees of a snapshot step. */
export interface SnapshotTrees {
  /** The stage's filesystem as it was (never run in). */
  readonly reference: string;
  /** The copy the step runs in. */
  readonly work: string;
}

function copyTree(from: string, to: string, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('cp', ['-a', '--reflink=auto', '--', from, to], {
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(signal !== undefined ? { signal } : {}),
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      stderr += text;
    });
    child.on('error', (err) =>
      reject(
        new OciError(ErrorCode.IO_ERROR, `cannot copy the root filesystem: ${err.message}`, { cause: err }),
      ),
    );
    child.on('close', (code) => {
      if (code === 0) resolve();
      else
        reject(
          new OciError(ErrorCode.IO_ERROR, `cannot copy the root filesystem: ${stderr.trim()}`, {
            data: { status: code },
          }),
        );
    });
  });
}

/** Builds the reference tree and its copy in the empty folder `dir`. */
export async function prepareSnapshot(
  layers: readonly LowerLayer[],
  dir: string,
  options: { signal?: AbortSignal; onWarning?: (message: string) => void } = {},
): Promise<SnapshotTrees> {
  const reference = join(dir, 'reference');
  const work = join(dir, 'rootfs');
  mkdirSync(reference, 0o755);
  for (const layer of layers) {
    const blob = await layer.open(options.signal === undefined ? {} : { signal: options.signal });
    const tar = decompressStream(options.signal === undefined ? {} : { signal: options.signal });
    blob.on('error', (err) => tar.destroy(err));
    await applyLayer(reference, blob.pipe(tar), {
      diffId: layer.diffId,
      ...(options.onWarning !== undefined ? { onWarning: options.onWarning } : {}),
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
    });
  }
  await copyTree(reference, work, options.signal);
  return { reference, work };
}
