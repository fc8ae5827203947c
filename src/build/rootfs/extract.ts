/**
 * Unpacking a stage's (or an image's) filesystem for `COPY --from`, with the project's safe apply
 * (src/tar/apply.ts: whiteouts, hard links and symlinks confined to the root, every DiffID
 * checked), into a private folder of the build, once per stage. Owners are kept as the layers say
 * when the build runs as root; without privileges the apply is rootless and the copied files are
 * owned by 0:0 unless `--chown` says otherwise.
 */
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { applyLayer } from '../../tar/apply.ts';
import type { SourceRoot } from '../context/root.ts';
import { openUncompressed } from '../layers.ts';
import type { BuildSession } from '../session.ts';
import type { StageFs } from './stage-fs.ts';

const extracted = new WeakMap<StageFs, Promise<SourceRoot>>();

/** The unpacked filesystem of `fs` as a copy source named `label` (unpacked on first use). */
export function extractedRoot(session: BuildSession, fs: StageFs, label: string): Promise<SourceRoot> {
  let root = extracted.get(fs);
  if (root === undefined) {
    root = (async () => {
      const dir = await mkdtemp(join(session.scratchDir, 'rootfs-'));
      const rootless = typeof process.getuid === 'function' && process.getuid() !== 0;
      for (const layer of fs.layers) {
        // An uncompressed blob is verified against its digest, which is its DiffID, as it is read.
        const verified = layer.descriptor.digest === layer.diffId;
        await applyLayer(dir, await openUncompressed(layer, { signal: session.signal }), {
          ...(verified ? {} : { diffId: layer.diffId }),
          rootless,
          signal: session.signal,
          onWarning: (message) => session.warn(`${label}: ${message}`),
        });
      }
      return { dir, label, keepOwners: true };
    })();
    extracted.set(fs, root);
  }
  return root;
}
