/**
 * A layer unpacked on its own for use as an overlay lower directory. The safe apply writes its
 * files; what it cannot express alone is what the layer removes from the layers below, so the
 * whiteouts are turned into overlayfs's own form (overlayfs.rst "whiteouts and opaque
 * directories"; image-spec layer.md W2, W10):
 * - `.wh.NAME` → a 0/0 character device NAME, unless the layer itself puts something at NAME
 *   (W6, W7): a directory there becomes opaque (it replaces, never merges with, a lower one);
 * - `DIR/.wh..wh..opq` → the `trusted.overlay.opaque=y` attribute on DIR.
 * A whiteout whose directory the layer does not hold (or holds through a symlink) is left out with
 * a warning: making the directory here would hide whatever the layers below have at that path.
 * `trusted.overlay.*` and `user.overlay.*` attributes carried by the tar are dropped before the
 * apply: only this code may tell the kernel how to merge.
 */
import { spawnSync } from 'node:child_process';
import { lstatSync, lutimesSync } from 'node:fs';
import { relative } from 'node:path';
import { ErrorCode, OciError } from '../../../errors/index.ts';
import { makeEntry, toUtimesSeconds } from '../../../tar/entry.ts';
import { END_OF_ARCHIVE, encodeHeader } from '../../../tar/header.ts';
import type { TarEntry } from '../../../tar/index.ts';
import { cleanName, OPAQUE_WHITEOUT, WHITEOUT_PREFIX } from '../../../tar/index.ts';
import { SafeRoot } from '../../../tar/resolve.ts';
import { makeDevice, setXattrs } from '../../../tar/special.ts';
import { runHelper } from '../command-host.ts';

/** The attribute overlayfs reads as "this directory hides the layers below". */
export const OPAQUE_XATTR = 'trusted.overlay.opaque';

/** Paths per `setfattr` run (keeps the argument list far below the kernel's limit). */
const XATTR_BATCH = 256;

/** Removes the attribute `name` from each of `paths` (absolute; symlinks not followed). */
export function removeXattr(name: string, paths: readonly string[]): void {
  for (let i = 0; i < paths.length; i += XATTR_BATCH) {
    const result = runHelper('setfattr', ['-h', '-x', name, '--', ...paths.slice(i, i + XATTR_BATCH)]);
    if (result.error !== undefined || result.status !== 0) {
      throw new OciError(
        ErrorCode.IO_ERROR,
        `removing ${name} failed: ${result.error?.message ?? result.stderr.trim()}`,
        { data: { status: result.status } },
      );
    }
  }
}

/** Whether an attribute name belongs to overlayfs itself. */
export function isOverlayXattr(name: string): boolean {
  return name.startsWith('trusted.overlay.') || name.startsWith('user.overlay.');
}

/** Collects a layer's whiteouts while it is applied, then writes them in overlay form. */
export class WhiteoutRecorder {
  private readonly whiteouts: Array<{ dir: string[]; name: string; entry: string }> = [];
  private readonly opaques: Array<{ dir: string[]; entry: string }> = [];

  /** To be called with every entry before it is applied (ApplyLayerOptions.onEntry). */
  readonly onEntry = (entry: TarEntry): void => {
    for (const name of entry.xattrs.keys()) if (isOverlayXattr(name)) entry.xattrs.delete(name);
    let parts: string[];
    try {
      parts = cleanName(entry.path);
    } catch {
      return; // the apply refuses it
    }
    const base = parts[parts.length - 1];
    if (base === undefined || !base.startsWith(WHITEOUT_PREFIX)) return;
    const dir = parts.slice(0, -1);
    if (base === OPAQUE_WHITEOUT) this.opaques.push({ dir, entry: entry.path });
    else if (!base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) {
      this.whiteouts.push({ dir, name: base.slice(WHITEOUT_PREFIX.length), entry: entry.path });
    }
  };

  /** Writes the recorded whiteouts into `root` (the layer's own directory), once the apply is done. */
  finish(root: string, onWarning?: (message: string) => void): void {
    const safe = new SafeRoot(root);
    const opaque: string[] = [];
    const devices: string[] = [];
    const parents = new Map<string, { atime: number; mtime: number }>();
    for (const { dir, entry } of this.opaques) {
      const real = safe.realDir(dir, entry);
      if (real === undefined)
        onWarning?.(`whiteout ${JSON.stringify(entry)} left out: its directory is not in the layer`);
      else opaque.push(safe.abs(real));
    }
    for (const { dir, name, entry } of this.whiteouts) {
      const real = safe.realDir(dir, entry);
      if (real === undefined) {
        onWarning?.(`whiteout ${JSON.stringify(entry)} left out: its directory is not in the layer`);
        continue;
      }
      const abs = safe.abs(real === '' ? name : `${real}/${name}`);
      let present: ReturnType<typeof lstatSync> | undefined;
      try {
        present = lstatSync(abs);
      } catch {
        present = undefined;
      }
      if (present?.isDirectory()) opaque.push(abs);
      if (present !== undefined) continue;
      const parent = safe.abs(real);
      if (!parents.has(parent)) {
        const st = lstatSync(parent, { bigint: true });
        parents.set(parent, { atime: toUtimesSeconds(st.atimeNs), mtime: toUtimesSeconds(st.mtimeNs) });
      }
      devices.push(abs);
    }
    makeWhiteoutDevices(root, devices);
    // The devices are not the layer's changes: its directories keep the times the apply gave them.
    for (const [dir, times] of parents) lutimesSync(dir, times.atime, times.mtime);
    setXattrs(
      [...new Set(opaque)].map((path) => ({ path, xattrs: new Map([[OPAQUE_XATTR, Buffer.from('y')]]) })),
    );
  }
}

/**
 * Makes a 0/0 character device (overlayfs's whiteout) at each of `paths` (absolute, below `root`,
 * their directories already resolved without symlinks, nothing there yet). A layer that deletes
 * a tree has hundreds of whiteouts, and a `mknod` process each costs milliseconds: so they are
 * made by one GNU tar extracting a tar of device entries, which refuses to replace anything
 * (`--keep-old-files`). Where tar cannot be run, one `mknod` each.
 */
function makeWhiteoutDevices(root: string, paths: readonly string[]): void {
  if (paths.length === 0) return;
  const headers = paths.map((abs) =>
    encodeHeader(makeEntry({ path: relative(root, abs), type: 'character-device', mode: 0 })),
  );
  const input = Buffer.concat([...headers, END_OF_ARCHIVE]);
  const result = spawnSync('tar', ['-x', '--keep-old-files', '--numeric-owner', '-C', root, '-f', '-'], {
    input,
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  if ((result.error as { code?: string } | undefined)?.code === 'ENOENT') {
    for (const abs of paths) makeDevice(abs, 'c', 0, 0, 0);
    return;
  }
  if (result.error !== undefined || result.status !== 0) {
    throw new OciError(
      ErrorCode.IO_ERROR,
      `making ${paths.length} whiteouts failed: ${result.error?.message ?? result.stderr.toString().trim()}`,
      { data: { status: result.status } },
    );
  }
}
