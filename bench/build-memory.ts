/**
 * Peak memory of `ocikit build` must stay flat as the context grows: a two-stage build
 * (`COPY . /data/`, then `COPY --from` of it into the image written out) of a 10 MiB and of a 1 GiB
 * context, once as one file and once as 64 KiB files, each from an empty cache. Measured as
 * bench/memory.ts measures (GNU time's maximum RSS of the command); each figure is the median of
 * {@link SAMPLES} builds, since one build's peak moves by 10 MiB or more from run to run.
 */
import { randomFillSync } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR } from './lib.ts';
import { type MemoryRow, peakRssMiB, writeFileOf } from './memory.ts';

const DOCKERFILE = `FROM scratch AS data
COPY . /data/
FROM scratch
COPY --from=data /data /data
`;

const FILE_SIZE = 64 << 10;
/** Builds per shape and size. */
const SAMPLES = 3;
const FILES_PER_DIR = 256;

/** The two shapes of a context of `bytes` random bytes. */
const SHAPES: Array<[string, (dir: string, bytes: number) => void]> = [
  ['build, a context of one file', (dir, bytes) => writeFileOf(join(dir, 'blob.bin'), bytes)],
  [
    'build, a context of 64 KiB files',
    (dir, bytes) => {
      const block = Buffer.alloc(FILE_SIZE);
      for (let i = 0; i < bytes / FILE_SIZE; i++) {
        const folder = join(dir, `d${Math.floor(i / FILES_PER_DIR)}`);
        if (i % FILES_PER_DIR === 0) mkdirSync(folder);
        writeFileSync(join(folder, `f${i}.bin`), randomFillSync(block));
      }
    },
  ],
];

/** Builds each shape at 10 MiB and at 1 GiB and reports the peaks. */
export function benchBuildMemory(): MemoryRow[] {
  const rows: MemoryRow[] = [];
  for (const [operation, write] of SHAPES) {
    const peaks: number[] = [];
    for (const size of [10 << 20, 1 << 30]) {
      const work = join(BENCH_DIR, 'build-memory');
      const context = join(work, 'context');
      mkdirSync(context, { recursive: true });
      write(context, size);
      const dockerfile = join(work, 'Dockerfile');
      writeFileSync(dockerfile, DOCKERFILE);
      const cache = join(work, 'cache');
      const outDir = join(work, 'out');
      const args = ['build', context, '-f', dockerfile, '-t', `oci:${outDir}:m`, '--cache-dir', cache];
      const samples: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        rmSync(cache, { recursive: true, force: true });
        rmSync(outDir, { recursive: true, force: true });
        samples.push(peakRssMiB([...args, '--progress', 'plain']));
      }
      peaks.push(samples.sort((a, b) => a - b)[Math.floor(SAMPLES / 2)] ?? 0);
      rmSync(work, { recursive: true, force: true });
    }
    const [smallMiB = 0, largeMiB = 0] = peaks;
    rows.push({ operation, smallMiB, largeMiB });
  }
  return rows;
}
