/**
 * The working directory of a step, created when the root filesystem lacks it, as BuildKit's
 * executor does: every missing directory on the way (symlinks followed inside the root) is made
 * with mode 0755 and owned by the step's user. What it creates is the step's own change.
 */
import { chmodSync, lchownSync, mkdirSync } from 'node:fs';
import { resolveInRoot } from './root-path.ts';

/** Makes `workdir` (absolute container path) exist as a directory inside `root`. */
export function ensureWorkdir(root: string, workdir: string, owner: { uid: number; gid: number }): void {
  const resolved = resolveInRoot(root, workdir);
  const parts = [...resolved.existing];
  for (const part of resolved.missing) {
    parts.push(part);
    const abs = `${root}/${parts.join('/')}`;
    mkdirSync(abs);
    lchownSync(abs, owner.uid, owner.gid);
    chmodSync(abs, 0o755);
  }
}
