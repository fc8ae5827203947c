/**
 * Extended attributes of chosen paths of a tree (not the whole tree): one `getfattr` per batch
 * of paths, symlinks not followed. A capture reads them only for what a step touched, so the cost
 * follows the change, not the root filesystem. Names are kept as the layer writer records them
 * (xattr-read.ts: `security.selinux` and malformed names left out), overlayfs's own included.
 */
import { realpathSync } from 'node:fs';
import { ErrorCode, OciError } from '../../../errors/index.ts';
import { parseGetfattrDump, type TreeXattrs } from '../../../tar/xattr-read.ts';
import { type HelperResult, runHelper } from '../command-host.ts';

/** Paths per getfattr run (keeps the argument list far below the kernel's limit). */
const BATCH = 256;

/** The attributes of `paths` (root-relative; `''` is the root), keyed by those paths; paths without any are absent. */
export function readPathXattrs(root: string, paths: readonly string[]): TreeXattrs {
  const base = root.length > 1 ? root.replace(/\/+$/, '') : root;
  const out: TreeXattrs = new Map();
  for (let i = 0; i < paths.length; i += BATCH) {
    const batch = paths.slice(i, i + BATCH).map((p) => (p === '' ? base : `${base}/${p}`));
    const result = runHelper(
      'getfattr',
      ['--absolute-names', '--no-dereference', '--dump', '--match=-', '--encoding=hex', '--', ...batch],
      { env: { LC_ALL: 'C' } },
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

/**
 * The names read for a whole tree, as the layer writer records them (tar/xattr-read.ts): the
 * recorded namespaces, `security.selinux` excluded.
 */
const TREE_NAMES =
  '^(user\\.|trusted\\.|system\\.posix_acl_(access|default)$|' +
  'security\\.([^s]|s[^e]|se[^l]|sel[^i]|seli[^n]|selin[^u]|selinu[^x]|selinux.))';

/**
 * The attributes of everything below `root` and of `root` itself, keyed by root-relative path, as
 * tar/xattr-read.ts reads them (one recursive getfattr), run through the command host. A filesystem
 * without attribute support reads as none; any other failure is IO_ERROR.
 */
export function readTreeXattrsHosted(root: string): TreeXattrs {
  const base = realpathSync(root);
  const result: HelperResult = runHelper(
    'getfattr',
    [
      '--absolute-names',
      '--physical',
      '--no-dereference',
      '--recursive',
      '--dump',
      `--match=${TREE_NAMES}`,
      '--encoding=hex',
      base,
    ],
    { env: { LC_ALL: 'C' } },
  );
  if (result.error !== undefined) {
    // As the layer writer: without getfattr, no attributes are recorded.
    const missing =
      (result.error as NodeJS.ErrnoException).code === 'ENOENT' || /not found/.test(result.error.message);
    if (missing) return new Map();
    throw new OciError(ErrorCode.IO_ERROR, `cannot run getfattr: ${result.error.message}`, {
      cause: result.error,
    });
  }
  const messages = result.stderr.split('\n').filter((line) => line !== '');
  const unexplained = messages.filter((line) => !line.endsWith('Operation not supported'));
  if (result.signal !== null || (result.status !== 0 && (messages.length === 0 || unexplained.length > 0))) {
    const why = result.signal ?? unexplained[0] ?? `getfattr exited with status ${result.status}`;
    throw new OciError(ErrorCode.IO_ERROR, `cannot read extended attributes below ${base}: ${why}`, {
      data: { path: base },
    });
  }
  return parseGetfattrDump(result.stdout, base);
}
