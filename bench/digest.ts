/** Digest of a 1 GiB blob: ocikit's digestFile against `openssl dgst -sha256` on the same file. */

import { randomFillSync } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { digestFile } from '../src/digest/index.ts';
import { BENCH_DIR, best, type Row, timeAsync, timeShell } from './lib.ts';

/** Writes `bytes` of pseudo-random data to a file. */
async function writeRandomFile(path: string, bytes: number): Promise<void> {
  const out = createWriteStream(path);
  const block = Buffer.alloc(8 << 20);
  for (let written = 0; written < bytes; written += block.length) {
    randomFillSync(block);
    const chunk = block.subarray(0, Math.min(block.length, bytes - written));
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
}

/** Runs the digest benchmark and returns its report row. */
export async function benchDigest(): Promise<Row[]> {
  const file = join(BENCH_DIR, 'blob-1g');
  await writeRandomFile(file, 1 << 30);
  const ocikit = await best(3, () => timeAsync(() => digestFile(file)));
  const openssl = await best(3, () => timeShell(`openssl dgst -sha256 ${file}`));
  return [
    {
      operation: 'digest a 1 GiB blob',
      ocikit,
      peer: 'openssl dgst -sha256',
      peerTime: openssl,
      target: '<= 1.2x',
    },
  ];
}
