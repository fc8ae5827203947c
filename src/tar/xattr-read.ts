/**
 * The extended attributes of a tree on disk, for building layers (layer.md "File Attributes":
 * xattrs; recorded as PAX `SCHILY.xattr.*`). Node has no xattr API, so one `getfattr` (the attr
 * package, which also provides the `setfattr` an apply uses) dumps the whole tree in one pass:
 * one process per layer, not per file. Symlinks are not followed; their own attributes are read.
 *
 * Recorded: the namespaces an apply sets (`user.`, `trusted.`, `security.`, POSIX ACLs), except
 * `security.selinux`, a label of this host's policy that umoci and containerd leave out too.
 */
import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { ErrorCode, OciError } from '../errors/index.ts';
import { checkXattrName } from './xattr-name.ts';

/** Extended attributes by root-relative path (`''` is the root itself). */
export type TreeXattrs = Map<string, Map<string, Buffer>>;

/** Attributes never recorded from disk. */
const HOST_ONLY = new Set(['security.selinux']);

/**
 * The names getfattr is asked for (a POSIX extended regex, which has no negative lookahead): the
 * recorded namespaces, `security.selinux` excluded already here, so a host that labels every file
 * does not dump a label per file only for it to be dropped.
 */
const NAMES =
  '^(user\\.|trusted\\.|system\\.posix_acl_(access|default)$|' +
  'security\\.([^s]|s[^e]|se[^l]|sel[^i]|seli[^n]|selin[^u]|selinu[^x]|selinux.))';

/**
 * A name as getfattr printed it (read as latin1, one char per byte) back to the original string:
 * its octal escapes (`\ooo`, used for newline, carriage return, `=` and backslash) become bytes,
 * and the bytes, escaped or raw, are decoded as UTF-8 like every name Node reads from disk.
 */
function unescapeGetfattr(text: string): string {
  const latin1 = text.replace(/\\([0-7]{3})|\\\\/g, (_match, octal: string | undefined) =>
    octal === undefined ? '\\' : String.fromCharCode(Number.parseInt(octal, 8)),
  );
  return Buffer.from(latin1, 'latin1').toString('utf8');
}

/** Whether a name from disk is one an apply would set (a malformed one is left out, like any other). */
function recordable(name: string): boolean {
  try {
    return checkXattrName(name, name);
  } catch {
    return false;
  }
}

/** Parses `getfattr --dump --encoding=hex` output into attributes by root-relative path. */
export function parseGetfattrDump(output: string, root: string): TreeXattrs {
  const tree: TreeXattrs = new Map();
  const prefix = root.endsWith('/') ? root : `${root}/`;
  let current: Map<string, Buffer> | undefined;
  for (const line of output.split('\n')) {
    if (line.startsWith('# file: ')) {
      const path = unescapeGetfattr(line.slice('# file: '.length));
      // Below `/`, getfattr prints `//etc/...`.
      const rel =
        path === root
          ? ''
          : root === '/'
            ? path.replace(/^\/+/, '')
            : path.startsWith(prefix)
              ? path.slice(prefix.length)
              : undefined;
      current = undefined;
      if (rel === undefined) continue;
      current = new Map();
      tree.set(rel, current);
      continue;
    }
    if (current === undefined || line === '') continue;
    const eq = line.indexOf('=');
    const name = unescapeGetfattr(eq < 0 ? line : line.slice(0, eq));
    const hex = eq < 0 ? '' : line.slice(eq + 1);
    if (HOST_ONLY.has(name) || !recordable(name)) continue;
    if (!/^(0x([0-9a-fA-F]{2})*)?$/.test(hex)) {
      throw new OciError(
        ErrorCode.IO_ERROR,
        `unexpected getfattr output for ${name}: ${JSON.stringify(hex)}`,
      );
    }
    current.set(name, Buffer.from(hex.slice(2), 'hex'));
  }
  for (const [path, attrs] of tree) if (attrs.size === 0) tree.delete(path);
  return tree;
}

/**
 * Reads the extended attributes of everything below `root` (and of `root`). Without `getfattr`
 * the result is empty and `onWarning` says why; a filesystem without xattr support reads as none.
 */
export function readTreeXattrs(root: string, onWarning?: (message: string) => void): TreeXattrs {
  // The real path: getfattr does not descend into a root given as a symlink (the walk does).
  const base = realpathSync(root);
  const result = spawnSync(
    'getfattr',
    [
      '--absolute-names',
      '--physical',
      '--no-dereference',
      '--recursive',
      '--dump',
      `--match=${NAMES}`,
      '--encoding=hex',
      base,
    ],
    // Read as latin1 (one char per byte) in the C locale: names are decoded by unescapeGetfattr.
    { encoding: 'latin1', maxBuffer: 1 << 30, env: { ...process.env, LC_ALL: 'C' } },
  );
  if (result.error !== undefined) {
    if ((result.error as NodeJS.ErrnoException).code === 'ENOENT') {
      onWarning?.('extended attributes were not recorded: getfattr (attr package) is not installed');
      return new Map();
    }
    throw new OciError(ErrorCode.IO_ERROR, `cannot run getfattr: ${result.error.message}`, {
      cause: result.error,
    });
  }
  // A partial dump is never used: only "Operation not supported" (a filesystem without
  // attributes) explains a failed run; a signal or any other message fails the layer.
  const messages = result.stderr.split('\n').filter((line) => line !== '');
  const unexplained = messages.filter((line) => !line.endsWith('Operation not supported'));
  if (result.signal !== null || (result.status !== 0 && (messages.length === 0 || unexplained.length > 0))) {
    const why =
      result.signal !== null
        ? `getfattr was killed by ${result.signal}`
        : (unexplained[0] ?? `getfattr exited with status ${result.status}`);
    throw new OciError(ErrorCode.IO_ERROR, `cannot read extended attributes below ${base}: ${why}`, {
      data: { path: base },
    });
  }
  return parseGetfattrDump(result.stdout, base);
}
