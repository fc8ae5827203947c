/**
 * The owners and modes the tar headers gave to a root the build unpacked (a stage's filesystem for
 * `COPY --from`, a local archive for ADD), recorded while it is unpacked, so that what is copied
 * from it does not depend on who runs the build:
 * - without privileges nothing can be chowned, so the disk says the builder's uid for every file;
 * - a directory only implied by a header (`a/b/file` without `a/`) is made with the process umask.
 * Directories take their attributes from the tree of the headers (implied ones 0755 and owned by
 * root, as BuildKit's snapshots have them); other entries their owner from the headers (kept only
 * when not 0:0) and their mode from the disk, where the apply set it exactly.
 */
import type { BigIntStats } from 'node:fs';
import type { TarEntry } from '../../tar/entry.ts';
import type { FileAttributes } from '../context/root.ts';
import { components } from '../path-components.ts';
import { applyEntry } from './scan.ts';
import { RootfsTree } from './tree.ts';

/** The headers of the layers unpacked into one root, as far as attributes go. */
export class RecordedHeaders {
  private readonly tree = new RootfsTree();
  /** Owners of non-directories that are not 0:0, by real root-relative path. */
  private readonly owners = new Map<string, { uid: number; gid: number }>();
  private layer = 0;

  /** Records one header of the current layer, placed as the apply places it (src/tar/apply.ts). */
  record(entry: TarEntry): void {
    const at = applyEntry(this.tree, entry, this.layer);
    if (at === undefined || entry.type === 'directory') return;
    const key = at.join('/');
    if (entry.uid === 0 && entry.gid === 0) this.owners.delete(key);
    else this.owners.set(key, { uid: entry.uid, gid: entry.gid });
  }

  /** Ends the current layer: later headers belong to the next one (whiteouts hide only lower layers). */
  endLayer(): void {
    this.layer++;
  }

  /** The attributes of the root-relative real `path`, whose lstat is `stats` (see the module comment). */
  attributes(path: string, stats: BigIntStats): FileAttributes {
    if (stats.isDirectory()) {
      const dir = this.tree.dirAt(components(path));
      if (dir !== undefined) return { mode: dir.mode & 0o7777, uid: dir.uid, gid: dir.gid };
      return { mode: 0o755, uid: 0, gid: 0 };
    }
    const owner = this.owners.get(path);
    return { mode: Number(stats.mode) & 0o7777, uid: owner?.uid ?? 0, gid: owner?.gid ?? 0 };
  }
}
