/**
 * Garbage collection of a layout: blobs unreachable from index.json are removed, and temp files
 * of crashed writers with them. Holds the index lock so no tag changes during the mark.
 */
import { readdir, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Digest } from '../digest/index.ts';
import { parseSupportedDigest } from '../digest/index.ts';
import type { Descriptor } from '../spec/index.ts';
import { INGEST_DIR, STORE_ALGORITHMS } from './blob-path.ts';
import { childrenOf, documentKind } from './documents.ts';
import type { OciLayout } from './layout.ts';
import { checkBlobDirs, lstatEntry } from './safe-file.ts';
import { isStaleTemp } from './temp-names.ts';

/** Options of {@link gcLayout}. */
export interface GcOptions {
  /** Report what would be removed without removing anything. */
  dryRun?: boolean;
}

/** What a collection removed. */
export interface GcReport {
  /** Digests of the removed blobs. */
  removed: Digest[];
  /** Bytes of the removed blobs. */
  bytesFreed: number;
  /** Temp files of dead writers that were removed (names relative to the layout). */
  tempFiles: string[];
}

/**
 * Marks every blob reachable from index.json (manifests, indexes, configs, layers, subjects;
 * blobs of unknown media types are kept but not parsed), then removes the rest. A reachable
 * manifest that cannot be read stops the collection: its children are unknown, so nothing may go.
 * A blob folder that is a symlink stops it too (INVALID_LAYOUT) before anything is removed, and
 * only regular files are ever removed.
 */
export async function gcLayout(layout: OciLayout, options: GcOptions = {}): Promise<GcReport> {
  return layout.withIndexLock(async () => {
    for (const algorithm of STORE_ALGORITHMS) await checkBlobDirs(layout.root, algorithm);
    const reachable = await mark(layout);
    const report: GcReport = { removed: [], bytesFreed: 0, tempFiles: [] };
    for await (const blob of layout.walk()) {
      if (reachable.has(blob.digest)) continue;
      if (!options.dryRun) await layout.delete(blob.digest);
      report.removed.push(blob.digest);
      report.bytesFreed += blob.size;
    }
    report.tempFiles = await sweepTemps(layout.root, options.dryRun === true);
    return report;
  });
}

async function mark(layout: OciLayout): Promise<Set<string>> {
  const reachable = new Set<string>();
  const queue: Descriptor[] = [...(await layout.readIndex()).value.manifests];
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    if (reachable.has(next.digest)) continue;
    reachable.add(next.digest);
    const kind = documentKind(next.mediaType);
    if (kind !== 'manifest' && kind !== 'index') continue;
    parseSupportedDigest(next.digest);
    if ((await layout.stat(next.digest)) === undefined) continue; // absent: nothing below it to keep
    const document = await layout.readDocument(next);
    for (const child of childrenOf(document)) queue.push(child.descriptor);
  }
  return reachable;
}

/**
 * Removes temp files of dead writers from the ingest folder and the layout root. Everything is
 * lstat'ed: a symlinked ingest folder is not entered and only regular files are removed, so
 * nothing outside the layout can be reached.
 */
async function sweepTemps(root: string, dryRun: boolean): Promise<string[]> {
  const removed: string[] = [];
  for (const dir of [INGEST_DIR, '.']) {
    if (dir !== '.' && (await lstatEntry(join(root, dir)))?.isDirectory() !== true) continue;
    let names: string[];
    try {
      names = await readdir(join(root, dir));
    } catch {
      continue;
    }
    for (const name of names) {
      const path = join(root, dir, name);
      const info = await lstatEntry(path).catch(() => undefined);
      if (info?.isFile() !== true || !isStaleTemp(name, info.mtimeMs)) continue;
      if (!dryRun) await unlink(path).catch(() => {});
      removed.push(dir === '.' ? name : `${dir}/${name}`);
    }
  }
  // The ingest folder goes too once empty (rmdir: a live writer's temp file keeps it; a writer
  // that finds it gone makes it again, see ingest-dir.ts).
  if (!dryRun) await rmdir(join(root, INGEST_DIR)).catch(() => {});
  return removed;
}
