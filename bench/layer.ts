/** A gzip layer from a directory tree: ocikit against `tar -c | gzip -6` and `tar -c | pigz`, same tmpfs. */

import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { compressAndDigest } from '../src/compress/index.ts';
import { createLayer } from '../src/tar/index.ts';
import { BENCH_DIR, best, type Row, timeAsync, timeShell } from './lib.ts';
import { writeTree } from './trees.ts';

/** Times building one gzip layer from a ~200 MB tree with each tool. */
export async function benchLayer(): Promise<Row[]> {
  const tree = join(BENCH_DIR, 'layer-tree');
  await writeTree(tree, { seed: 7, files: 6000, maxSize: 160 << 10 });
  const out = join(BENCH_DIR, 'layer.tar.gz');
  const ocikit = await best(3, () =>
    timeAsync(async () => {
      const { output, result } = compressAndDigest(createLayer(tree, {}), 'gzip', { threads: 2 });
      await pipeline(output, createWriteStream(out));
      await result;
    }),
  );
  const gzip = await best(3, () => timeShell(`tar -C ${tree} -c . | gzip -6 > ${out}`));
  const pigz = await best(3, () => timeShell(`tar -C ${tree} -c . | pigz -p 2 > ${out}`));
  return [
    {
      operation: 'gzip layer from a tree (6000 files)',
      ocikit,
      peer: 'tar -c | gzip -6',
      peerTime: gzip,
      target: '<= 0.8x',
    },
    {
      operation: 'gzip layer from a tree (6000 files)',
      ocikit,
      peer: 'tar -c | pigz -p 2',
      peerTime: pigz,
      target: '<= 1.2x',
    },
  ];
}
