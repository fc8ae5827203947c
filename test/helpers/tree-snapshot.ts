/**
 * Snapshots of directory trees for identity comparisons (ours against GNU tar or umoci): every
 * path with its type, mode, owner, size, content hash, link target, device number and extended
 * attributes (read with getfattr). Hard-linked paths share `inode` groups.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** One path of a snapshot. */
export interface SnapshotEntry {
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';
  mode: number;
  uid: number;
  gid: number;
  size: number;
  sha256?: string;
  linkname?: string;
  rdev?: number;
  /** Modification time in whole seconds (directories and files; symlinks too). */
  mtime?: number;
  /** Index of the first path sharing this inode, for multiply-linked files. */
  linkGroup?: string;
  xattrs?: Record<string, string>;
}

/** Options for {@link snapshotTree}. */
export interface SnapshotOptions {
  /** Include whole-second mtimes (default true). */
  mtimes?: boolean;
  /** Include the root directory's own attributes as path `.` (default false). */
  includeRoot?: boolean;
}

function readXattrs(path: string): Record<string, string> | undefined {
  const r = spawnSync('getfattr', ['-h', '-d', '-m', '-', '-e', 'hex', '--absolute-names', path]);
  // Never compare trees without xattrs: a missing getfattr fails loudly (scripts/install-peers.sh installs it).
  if (r.error)
    throw new Error(`getfattr (Debian package attr) is needed for tree snapshots: ${r.error.message}`);
  const out: Record<string, string> = {};
  for (const line of r.stdout.toString().split('\n')) {
    const m = /^([^#=][^=]*)=(.*)$/.exec(line);
    if (m) out[m[1] as string] = m[2] as string;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Every path below `root` (sorted), with the attributes that layer identity depends on. */
export function snapshotTree(root: string, options: SnapshotOptions = {}): SnapshotEntry[] {
  const out: SnapshotEntry[] = [];
  const inodes = new Map<string, string>();
  const visit = (rel: string): void => {
    const abs = rel === '' ? root : `${root}/${rel}`;
    for (const name of readdirSync(abs).sort()) {
      const path = rel === '' ? name : `${rel}/${name}`;
      record(path);
    }
  };
  const record = (path: string): void => {
    const abs = path === '.' ? root : `${root}/${path}`;
    const st = lstatSync(abs);
    const type: SnapshotEntry['type'] = st.isFile()
      ? 'file'
      : st.isDirectory()
        ? 'directory'
        : st.isSymbolicLink()
          ? 'symlink'
          : st.isCharacterDevice()
            ? 'char'
            : st.isBlockDevice()
              ? 'block'
              : st.isFIFO()
                ? 'fifo'
                : 'socket';
    const entry: SnapshotEntry = {
      path,
      type,
      mode: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
      size: type === 'file' || type === 'symlink' ? st.size : 0,
    };
    if (type === 'file') entry.sha256 = createHash('sha256').update(readFileSync(abs)).digest('hex');
    if (type === 'symlink') entry.linkname = readlinkSync(abs);
    if (type === 'char' || type === 'block') entry.rdev = st.rdev;
    if (options.mtimes !== false) entry.mtime = Math.floor(st.mtimeMs / 1000);
    if (type !== 'directory' && st.nlink > 1) {
      const key = `${st.dev}:${st.ino}`;
      const first = inodes.get(key);
      if (first === undefined) inodes.set(key, path);
      else entry.linkGroup = first;
    }
    const xattrs = readXattrs(abs);
    if (xattrs) entry.xattrs = xattrs;
    out.push(entry);
    if (type === 'directory' && path !== '.') visit(path);
  };
  if (options.includeRoot) {
    const st = lstatSync(root);
    out.push({ path: '.', type: 'directory', mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: 0 });
  }
  visit('');
  return out;
}

/** Snapshot of a directory OUTSIDE a root, used as a canary: paths with mtimes in nanoseconds. */
export function canarySnapshot(dir: string): string[] {
  const out: string[] = [];
  const visit = (abs: string, rel: string): void => {
    const st = lstatSync(abs, { bigint: true });
    out.push(`${rel} ${st.mode} ${st.mtimeNs} ${st.size} ${st.nlink}`);
    if (st.isDirectory())
      for (const name of readdirSync(abs).sort()) visit(`${abs}/${name}`, `${rel}/${name}`);
  };
  visit(dir, '.');
  return out;
}
