/** Unpack a multi-layer image with thousands of files: `ocikit unpack` against `umoci unpack`, same tmpfs. */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BENCH_DIR, best, OCIKIT, type Row, timeShell } from './lib.ts';
import { writeTree } from './trees.ts';

/** Builds the image once, then times both unpackers (best of 3). */
export async function benchUnpack(): Promise<Row[]> {
  const work = join(BENCH_DIR, 'unpack');
  const layers: string[] = [];
  for (let i = 0; i < 3; i++) {
    const dir = join(work, `layer${i}`);
    await writeTree(dir, { seed: 10 + i, files: 1600, maxSize: 64 << 10 });
    layers.push(dir);
  }
  const layout = join(work, 'layout');
  timeShell(`${OCIKIT} append scratch ${layers.join(' ')} -t oci:${layout}:bench`);
  const umoci = await best(3, async () => {
    await rm(join(work, 'bundle-umoci'), { recursive: true, force: true });
    return timeShell(`umoci unpack --image ${layout}:bench ${join(work, 'bundle-umoci')}`);
  });
  const ocikit = await best(3, async () => {
    await rm(join(work, 'bundle-ocikit'), { recursive: true, force: true });
    return timeShell(`${OCIKIT} unpack oci:${layout}:bench ${join(work, 'bundle-ocikit')}`);
  });
  return [
    {
      operation: 'unpack 3 layers, 4800 files',
      ocikit,
      // umoci's bundle also holds an mtree manifest of the tree (each file hashed): its own way of
      // making a bundle, which is what its users run.
      peer: 'umoci unpack (+ mtree)',
      peerTime: umoci,
      target: '<= 0.5x',
    },
  ];
}
