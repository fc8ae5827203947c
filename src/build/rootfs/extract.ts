/**
 * Unpacking a stage's (or an image's) filesystem for `COPY --from`, with the project's safe apply
 * (src/tar/apply.ts: whiteouts, hard links and symlinks confined to the root, every DiffID
 * checked), into a private folder of the build, once per stage. Without privileges the apply is
 * rootless. Either way what is copied has the owners and modes the layers' headers give
 * (rootfs/recorded.ts), not the builder's uid or umask.
 */
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { applyLayer } from '../../tar/apply.ts';
import type { SourceRoot } from '../context/root.ts';
import { openUncompressed } from '../layers.ts';
import type { BuildSession } from '../session.ts';
import { RecordedHeaders } from './recorded.ts';
import type { StageFs } from './stage-fs.ts';

const extracted = new WeakMap<StageFs, Promise<SourceRoot>>();

/** The unpacked filesystem of `fs` as a copy source named `label` (unpacked on first use). */
export function extractedRoot(session: BuildSession, fs: StageFs, label: string): Promise<SourceRoot> {
  let root = extracted.get(fs);
  if (root === undefined) {
    root = (async () => {
      const dir = await mkdtemp(join(session.scratchDir, 'rootfs-'));
      const rootless = typeof process.getuid === 'function' && process.getuid() !== 0;
      const headers = new RecordedHeaders();
      for (const layer of fs.layers) {
        // An uncompressed blob is verified against its digest, which is its DiffID, as it is read.
        const verified = layer.descriptor.digest === layer.diffId;
        await applyLayer(dir, await openUncompressed(layer, { signal: session.signal }), {
          ...(verified ? {} : { diffId: layer.diffId }),
          rootless,
          signal: session.signal,
          onEntry: (entry) => headers.record(entry),
          onWarning: (message) => session.warn(`${label}: ${message}`),
        });
        headers.endLayer();
      }
      return { dir, label, keepOwners: true, attributes: (path, stats) => headers.attributes(path, stats) };
    })();
    extracted.set(fs, root);
  }
  return root;
}
