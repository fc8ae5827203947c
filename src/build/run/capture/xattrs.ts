/**
 * Extended attributes of chosen paths of a tree (not the whole tree): one `getfattr` per batch
 * of paths, symlinks not followed. A capture reads them only for what a step touched, so the cost
 * follows the change, not the root filesystem. Names are kept as the layer writer records them
 * (xattr-read.ts: `security.selinux` and malformed names left out), overlayfs's own included.
 */
import { spawnSync } from 'node:child_process';
import { ErrorCode, OciError } from '../../../errors/index.ts';
import { parseGetfattrDump, type TreeXattrs } from '../../../tar/xattr-read.ts';

/** Paths per getfattr run (keeps the argument list far below the kernel's limit). */
const BATCH = 256;

/** The attributes of `paths` (root-relative; `''` is the root), keyed by those paths; paths without any are absent. */
export function readPathXattrs(root: string, paths: readonly string[]): TreeXattrs {
  const base = root.length > 1 ? root.replace(/\/+$/, '') : root;
  const out: TreeXattrs = new Map();
  for (let i = 0; i < paths.length; i += BATCH) {
    const batch = paths.slice(i, i + BATCH).map((p) => (p === '' ? base : `${base}/${p}`));
    const result = spawnSync(
      'getfattr',
      ['--absolute-names', '--no-dereference', '--dump', '--match=-', '--encoding=hex', '--', ...batch],
      { encoding: 'latin1', maxBuffer: 1 << 30, env: { ...process.env, LC_ALL: 'C' } },
    );
    if (result.error !== undefined) {
      throw new OciError(
        ErrorCode.UNSUPPORTED,
        `cannot run getfattr (attr package): ${result.error.message}`,
        {
          cause: result.error,
        },
      );
    }
    const unexplained = result.stderr
      .split('\n')
      .filter((l) => l !== '' && !l.endsWith('Operation not supported'));
    if (result.signal !== null || (result.status !== 0 && unexplained.length > 0)) {
      throw new OciError(
        ErrorCode.IO_ERROR,
        `cannot read extended attributes below ${base}: ${unexplained[0] ?? `getfattr was killed by ${result.signal}`}`,
        { data: { path: base } },
      );
    }
    for (const [path, attrs] of parseGetfattrDump(result.stdout, base)) out.set(path, attrs);
  }
  return out;
}
