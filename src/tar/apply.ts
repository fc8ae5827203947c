/**
 * Applying layer changesets to a root directory (image-spec layer.md "Applying Changesets" and
 * "Whiteouts"; DESIGN §1.4). Every path goes through one {@link SafeRoot}: names are cleaned,
 * parents resolved inside the root with symlinks confined to it, final components never followed.
 *
 * Semantics:
 * - a directory over a directory merges (attributes replaced, children kept); anything else
 *   replaces the existing path (removed first, a directory recursively, a symlink never followed);
 * - `.wh.X` removes X from lower layers only; X unpacked earlier in the same layer survives (W6, W7);
 * - `.wh..wh..opq` removes every lower-layer descendant of its directory not unpacked in this
 *   layer, wherever it appears in the tar (W10, W12), as containerd tracks unpacked paths;
 * - a whiteout acts only when every component of its directory is a real directory: its path is
 *   never resolved through a symlink, and one under a file, a symlink or a missing path (umoci
 *   writes `d/.wh.child` after the file `d` that replaced directory `d`) removes and creates
 *   nothing, without error;
 * - any `.wh.`-named entry is a whiteout whatever its type flag; no `.wh.` file is ever created;
 *   AUFS metadata (`.wh..wh.plnk`, `.wh..wh.aufs`, ...) and everything under it is skipped;
 * - hard links resolve their target inside the root (it may come from a lower layer) and refuse
 *   directories;
 * - an entry naming the root may only set the root's attributes, and only as a directory;
 * - directory modes and times are set after all entries, once each path is re-verified;
 * - extended attributes: a malformed name (control character, `=`, too long) fails the layer with
 *   INVALID_ARCHIVE before the entry is written; names outside `user.`, `trusted.`, `security.`
 *   and the POSIX ACLs are skipped with a warning; the rest are set after the entries (in batches
 *   of at most {@link MAX_DEFERRED_XATTR_BYTES}), each path re-verified and escaped for setfattr.
 *
 * Rootless mode never changes ownership, skips device nodes (as umoci does) and records owners
 * other than 0:0 in the `user.rootlesscontainers` xattr.
 *
 * Filesystem calls are synchronous on purpose: for small files the per-call thread-pool round trip
 * of the async API costs more than the work itself. Content is written chunk by chunk as it
 * arrives, so memory stays flat for large files.
 */
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  ftruncateSync,
  futimesSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  opendirSync,
  openSync,
  readdirSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { type Digest, digestMismatch, Hasher, parseSupportedDigest } from '../digest/index.ts';
import { ErrorCode, OciError, toOciError } from '../errors/index.ts';
import { type TarEntry, toUtimesSeconds } from './entry.ts';
import { AUFS_META_PREFIX, classifyBase, cleanName, unsafePath } from './names.ts';
import { readTar, type TarInput, type TarReadItem } from './read.ts';
import { ioError, SafeRoot } from './resolve.ts';
import {
  canSetXattrs,
  makeDevice,
  makeFifo,
  ROOTLESS_XATTR,
  rootlessOwnerXattr,
  setXattrs,
} from './special.ts';
import { checkXattrName } from './xattr-name.ts';

/** Options for {@link applyLayer}. */
export interface ApplyLayerOptions {
  /** Unprivileged unpack: no chown, no device nodes, owners recorded in `user.rootlesscontainers`. */
  rootless?: boolean;
  /** Expected DiffID of the uncompressed stream; a mismatch fails with DIGEST_MISMATCH after the apply. */
  diffId?: Digest | string;
  /** Called for each entry before it is applied. */
  onEntry?: (entry: TarEntry) => void;
  /**
   * Called for things skipped rather than failed: devices in rootless mode, xattrs without
   * setfattr, xattrs outside the `user.`, `trusted.`, `security.` namespaces and POSIX ACLs.
   */
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
}

/** What an apply did. */
export interface ApplyLayerResult {
  /** sha256 of the uncompressed stream exactly as read (or of the diffId's algorithm). */
  diffId: Digest;
  /** Bytes of uncompressed stream read. */
  size: number;
  /** Number of tar entries processed (whiteouts and skipped entries included). */
  entries: number;
}

const umask = process.umask();

/**
 * Bytes of extended attributes (names, values and paths) held for the end of a layer; beyond this
 * the pending ones are written at once, so a hostile layer cannot grow memory without bound.
 */
export const MAX_DEFERRED_XATTR_BYTES = 16 << 20;

const OPEN_NEW_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Writes all of `chunk` at the descriptor's position; returns its length. */
function writeAll(fd: number, chunk: Buffer): number {
  let offset = 0;
  while (offset < chunk.length) offset += writeSync(fd, chunk, offset, chunk.length - offset);
  return chunk.length;
}

/** Writes all of `chunk` at `position` in the file. */
function writeAllAt(fd: number, chunk: Buffer, position: number): number {
  let offset = 0;
  while (offset < chunk.length)
    offset += writeSync(fd, chunk, offset, chunk.length - offset, position + offset);
  return chunk.length;
}

function errno(err: unknown): string | undefined {
  return (err as { code?: string } | null)?.code;
}

interface DeferredDir {
  real: string;
  mode: number;
  mtime: number;
  /** The inode seen when deferred, or NaN when any directory at `real` qualifies. */
  ino: number;
}

interface DeferredXattrs {
  real: string;
  ino: number;
  xattrs: Map<string, Buffer>;
}

/** True when `dir` is a directory with no entries; false when it has some or cannot be read. */
function isEmptyDir(dir: string): boolean {
  let handle: ReturnType<typeof opendirSync> | undefined;
  try {
    handle = opendirSync(dir);
    return handle.readSync() === null;
  } catch {
    return false;
  } finally {
    handle?.closeSync();
  }
}

/** State of one layer apply. */
class LayerApplier {
  private readonly root: SafeRoot;
  private readonly options: ApplyLayerOptions;
  /** Real paths unpacked by this layer, and every ancestor of them. */
  private readonly unpacked = new Set<string>();
  private readonly unpackedAncestors = new Set<string>();
  /**
   * The root was empty when this apply began: there is no lower layer, so every path present was
   * unpacked by this layer and every whiteout is a no-op. {@link unpacked} is then not kept, and
   * memory stays flat however many files the layer holds (typically the base layer).
   */
  private readonly lowerEmpty: boolean;
  private readonly dirs: DeferredDir[] = [];
  private xattrs: DeferredXattrs[] = [];
  /** Approximate bytes held in {@link xattrs}. */
  private xattrBytes = 0;
  private readonly chown: boolean;
  private warnedXattrs = false;
  /**
   * Whether the last non-directory this apply created replaced an existing path. A layer that
   * overwrites lower-layer files usually overwrites many in a row: while this holds, the path is
   * unlinked first, saving the creation attempt that would fail with EEXIST. Only the number of
   * system calls changes: creation stays exclusive (O_EXCL, O_NOFOLLOW) either way.
   */
  private overwriting = false;
  /** Likewise for directories: whether the last directory entry found one already there. */
  private mergingDirs = false;
  /**
   * Root only: the group of each directory this layer has set the owner of (or found already
   * right), by real path; emptied whenever a tree is removed, so it never describes a directory
   * replaced since. See {@link ownedAtCreation}.
   */
  private readonly dirGroups = new Map<string, number>();
  /** The owner a file this apply creates starts with (read per apply: a process may change them). */
  private readonly processUid = process.geteuid?.() ?? -1;
  private readonly processGid = process.getegid?.() ?? -1;
  private readonly skippedXattrNames = new Set<string>();

  constructor(root: string, options: ApplyLayerOptions) {
    this.root = new SafeRoot(root);
    this.options = options;
    this.lowerEmpty = isEmptyDir(root);
    this.chown = !options.rootless;
    if (options.rootless) {
      this.root.makeDir = (real) => this.writable(real, () => mkdirSync(this.root.abs(real), 0o755));
    }
  }

  /** Directories made owner-writable for a rootless apply, restored in {@link finish}. */
  private readonly unlocked: DeferredDir[] = [];

  /**
   * Runs `fn`, which creates or removes `real`. Rootless only: when the parent directory denies
   * it (a read-only directory from a lower layer), the parent is made owner-writable, `fn` is
   * retried, and the parent's mode is restored at the end, as umoci does.
   */
  private writable<T>(real: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (!this.options.rootless || errno(err) !== 'EACCES') throw err;
      const slash = real.lastIndexOf('/');
      this.unlock(slash < 0 ? '' : real.slice(0, slash));
      return fn();
    }
  }

  private unlock(dirReal: string): void {
    const abs = this.root.abs(dirReal);
    const st = lstatSync(abs);
    if (!st.isDirectory()) return;
    if ((st.mode & 0o700) === 0o700) return;
    this.unlocked.push({ real: dirReal, mode: st.mode & 0o7777, mtime: Number.NaN, ino: st.ino });
    chmodSync(abs, (st.mode & 0o7777) | 0o700);
  }

  /** Removes a directory tree; rootless, unlocks read-only directories inside it when needed. */
  private removeTree(real: string): void {
    this.dirGroups.clear();
    const abs = this.root.abs(real);
    try {
      this.writable(real, () => rmSync(abs, { recursive: true, force: true }));
    } catch (err) {
      if (!this.options.rootless || errno(err) !== 'EACCES') throw err;
      // Make every directory of the tree owner-accessible (never following symlinks), then retry.
      const open = (dir: string): void => {
        const st = lstatSync(dir);
        if (!st.isDirectory()) return;
        chmodSync(dir, (st.mode & 0o7777) | 0o700);
        for (const child of readdirSync(dir)) open(`${dir}/${child}`);
      };
      open(abs);
      rmSync(abs, { recursive: true, force: true });
    }
  }

  private warn(message: string): void {
    this.options.onWarning?.(message);
  }

  private markUnpacked(real: string): void {
    if (this.lowerEmpty) return;
    this.unpacked.add(real);
    let i = real.lastIndexOf('/');
    while (i > 0) {
      const parent = real.slice(0, i);
      if (this.unpackedAncestors.has(parent)) break;
      this.unpackedAncestors.add(parent);
      i = parent.lastIndexOf('/');
    }
  }

  /**
   * Applies one entry; `body` is the entry content (consumed here for regular files), `content`
   * the same bytes when they are already in memory. Returns a promise only when it has to wait for
   * content: most entries are applied synchronously, without a microtask turn each.
   */
  apply(
    entry: TarEntry,
    body: AsyncIterable<Buffer>,
    content?: Buffer,
    sparse?: TarReadItem['sparse'],
  ): Promise<void> | undefined {
    const name = entry.path;
    const parts = cleanName(name);
    if (entry.xattrs.size > 0) entry.xattrs = this.checkedXattrs(entry);
    if (parts.length === 0) {
      this.applyRoot(entry);
      return;
    }
    if (parts.some((p) => p.startsWith(AUFS_META_PREFIX) && p !== '.wh..wh..opq')) return;
    const base = parts[parts.length - 1] as string;
    const kind = classifyBase(base, name);
    const parentParts = parts.slice(0, -1);
    if (kind.kind === 'aufs-meta') return;
    if (kind.kind === 'opaque' || kind.kind === 'whiteout') {
      // Only under a real directory: a whiteout under a file, a symlink or a missing path (as
      // umoci writes "d/.wh.child" after replacing directory d by a file) removes nothing.
      const dir = this.root.realDir(parentParts, name);
      if (dir === undefined) return;
      if (kind.kind === 'opaque') this.opaque(dir, name);
      else this.whiteout(dir === '' ? kind.target : `${dir}/${kind.target}`, name);
      return;
    }
    if (parentParts.some((p) => p.startsWith('.wh.'))) {
      throw new OciError(
        ErrorCode.INVALID_ARCHIVE,
        `layer entry ${JSON.stringify(name)} lies under a whiteout`,
        {
          data: { entry: name },
        },
      );
    }
    const dir = this.root.resolveDir(parentParts, name, true) as string;
    const real = dir === '' ? base : `${dir}/${base}`;
    switch (entry.type) {
      case 'file':
        if (content === undefined && entry.size > 0) {
          return this.writeFile(real, dir, entry, body, sparse).then(() => this.applied(real, entry));
        }
        this.writeWholeFile(real, dir, entry, content);
        break;
      case 'directory':
        this.makeDirectory(real, entry);
        break;
      case 'symlink':
        this.create(real, entry, (abs) => symlinkSync(entry.linkname, abs));
        this.setOwner(real, entry, false);
        lutimesSync(this.root.abs(real), toUtimesSeconds(entry.mtimeNs), toUtimesSeconds(entry.mtimeNs));
        break;
      case 'link':
        this.hardlink(real, entry);
        break;
      case 'fifo':
        this.createSpecial(real, entry, (abs) => makeFifo(abs, entry.mode));
        this.finishSpecial(real, entry);
        break;
      case 'character-device':
      case 'block-device':
        if (!this.chown) {
          this.warn(`skipped device node ${JSON.stringify(name)} (rootless)`);
          return;
        }
        this.createSpecial(real, entry, (abs) =>
          makeDevice(
            abs,
            entry.type === 'block-device' ? 'b' : 'c',
            entry.mode,
            entry.devmajor,
            entry.devminor,
          ),
        );
        this.finishSpecial(real, entry);
        break;
    }
    this.applied(real, entry);
    return undefined;
  }

  /** Records that `entry` now exists at `real`. */
  private applied(real: string, entry: TarEntry): void {
    this.markUnpacked(real);
    if (entry.xattrs.size > 0) this.deferXattrs(real, entry.xattrs);
  }

  private applyRoot(entry: TarEntry): void {
    if (entry.type !== 'directory') throw unsafePath(entry.path, 'only a directory entry may name the root');
    const st = lstatSync(this.root.root);
    if (this.chown) {
      lchownSync(this.root.root, entry.uid, entry.gid);
      // A root given as a symlink keeps its directory's group (lchown changed only the link).
      if (st.isDirectory()) this.dirGroups.set('', entry.gid);
    }
    this.dirs.push({ real: '', mode: entry.mode, mtime: toUtimesSeconds(entry.mtimeNs), ino: st.ino });
  }

  /**
   * Removes what occupies `real` before a non-directory replaces it. Hot path when a layer
   * overwrites files of lower layers: unlink is tried first (it never follows a symlink and fails
   * with EISDIR on a directory), saving an lstat per overwritten file.
   */
  private clear(real: string, entryName: string): void {
    const abs = this.root.abs(real);
    try {
      this.writable(real, () => unlinkSync(abs));
      this.root.removed(real);
      return;
    } catch (err) {
      const code = errno(err);
      if (code !== 'EISDIR' && code !== 'EPERM') throw ioError(entryName, err);
    }
    const st = lstatSync(abs);
    this.remove(real, st.isDirectory(), st.isSymbolicLink());
  }

  /**
   * Unlinks the non-directory at `real`, if any (unlink never follows a symlink). Returns whether
   * the path was taken: false when it was free, true when it held something (a directory, or
   * whatever unlink may not remove, is left for {@link clear}).
   */
  private unlinkIfPresent(real: string, entryName: string): boolean {
    const abs = this.root.abs(real);
    try {
      this.writable(real, () => unlinkSync(abs));
    } catch (err) {
      const code = errno(err);
      if (code === 'ENOENT') return false;
      if (code === 'EISDIR' || code === 'EPERM') return true;
      throw ioError(entryName, err);
    }
    this.root.removed(real);
    return true;
  }

  /** Removes whatever is at `real` (never following a symlink) and invalidates caches as needed. */
  private remove(real: string, isDir: boolean, isLink: boolean): void {
    const abs = this.root.abs(real);
    if (isDir) this.removeTree(real);
    else this.writable(real, () => unlinkSync(abs));
    if (isDir || isLink) this.root.invalidate();
  }

  /**
   * Creates a new non-directory at `real` with `make`: tried first on the assumption the path is
   * free (one syscall in the common case), else the existing path is removed and creation retried.
   */
  private create(real: string, entry: TarEntry, make: (abs: string) => void): void {
    const abs = this.root.abs(real);
    if (this.overwriting) this.overwriting = this.unlinkIfPresent(real, entry.path);
    try {
      this.writable(real, () => make(abs));
      return;
    } catch (err) {
      if (errno(err) !== 'EEXIST') throw ioError(entry.path, err);
    }
    this.overwriting = true;
    this.clear(real, entry.path);
    try {
      this.writable(real, () => make(abs));
    } catch (err) {
      throw ioError(entry.path, err);
    }
  }

  /**
   * Creates a fifo or device node at `real` with `make`, replacing what is there. `mkfifo` and
   * `mknod` are child processes that report an existing path only in words (no EEXIST for
   * {@link create} to see), so the path is looked at first: one lstat per such entry, which are rare.
   */
  private createSpecial(real: string, entry: TarEntry, make: (abs: string) => void): void {
    const abs = this.root.abs(real);
    if (lstatSync(abs, { throwIfNoEntry: false }) !== undefined) this.clear(real, entry.path);
    try {
      this.writable(real, () => make(abs));
    } catch (err) {
      throw ioError(entry.path, err);
    }
  }

  /**
   * Whether a file just created in the directory `dir` already has the entry's owner, so its
   * fchown can be skipped (one system call per file of a root unpack). A new file takes the
   * process's uid, and the process's gid or the directory's (a setgid directory, a `grpid` mount):
   * when the entry's owner is the process's own uid:gid and `dir` is known to have that group,
   * every case gives the entry's owner.
   */
  private ownedAtCreation(dir: string, entry: TarEntry): boolean {
    const gid = this.processGid;
    return entry.uid === this.processUid && entry.gid === gid && this.dirGroups.get(dir) === gid;
  }

  /** Creates the file of `entry` at `real`, returning its descriptor (open for writing). */
  private openNewFile(real: string, entry: TarEntry): number {
    let fd = -1;
    this.create(real, entry, (abs) => {
      fd = openSync(abs, OPEN_NEW_FILE, entry.mode & 0o777);
    });
    return fd;
  }

  /** Sets the owner, mode and time of a file whose `written` bytes are all written, then closes it. */
  private finishFile(fd: number, dir: string, entry: TarEntry, written: number): void {
    try {
      if (written !== entry.size) {
        throw new OciError(
          ErrorCode.INVALID_ARCHIVE,
          `layer entry ${JSON.stringify(entry.path)} is truncated`,
        );
      }
      const mode = entry.mode & 0o7777;
      if (this.chown && !this.ownedAtCreation(dir, entry)) fchownSync(fd, entry.uid, entry.gid);
      // chown clears setuid/setgid, and the umask may have masked bits: set the mode explicitly then.
      if ((mode & 0o7000) !== 0 || (mode & umask) !== 0) fchmodSync(fd, mode);
      const mtime = toUtimesSeconds(entry.mtimeNs);
      futimesSync(fd, mtime, mtime);
      if (!this.chown && this.options.rootless) this.recordRootlessOwner(entry);
    } catch (err) {
      throw ioError(entry.path, err);
    } finally {
      closeSync(fd);
    }
  }

  /** A regular file whose content is all in memory (or empty): written without waiting. */
  private writeWholeFile(real: string, dir: string, entry: TarEntry, content: Buffer | undefined): void {
    const fd = this.openNewFile(real, entry);
    let written = 0;
    try {
      if (content !== undefined) written = writeAll(fd, content);
    } catch (err) {
      closeSync(fd);
      throw ioError(entry.path, err);
    }
    this.finishFile(fd, dir, entry, written);
  }

  /** A regular file whose content streams in chunk by chunk (memory stays flat for large files). */
  private async writeFile(
    real: string,
    dir: string,
    entry: TarEntry,
    body: AsyncIterable<Buffer>,
    sparse?: TarReadItem['sparse'],
  ): Promise<void> {
    const fd = this.openNewFile(real, entry);
    let written = 0;
    try {
      if (sparse !== undefined) {
        // A sparse file's holes stay holes on disk: each fragment written where it belongs (one
        // step per fragment, however large the holes), then the size set.
        for (const { offset, length } of sparse.map.fragments) {
          let at = offset;
          for await (const chunk of sparse.data(length)) at += writeAllAt(fd, chunk, at);
        }
        ftruncateSync(fd, sparse.map.realSize);
        written = sparse.map.realSize;
      } else for await (const chunk of body) written += writeAll(fd, chunk);
    } catch (err) {
      closeSync(fd);
      throw ioError(entry.path, err);
    }
    this.finishFile(fd, dir, entry, written);
  }

  /** Rootless: the owner that could not be applied goes into `user.rootlesscontainers` (not on symlinks, which cannot carry user xattrs). */
  private recordRootlessOwner(entry: TarEntry): void {
    if ((entry.uid === 0 && entry.gid === 0) || entry.type === 'symlink') return;
    const xattrs = new Map(entry.xattrs);
    xattrs.set(ROOTLESS_XATTR, rootlessOwnerXattr(entry.uid, entry.gid));
    entry.xattrs = xattrs;
  }

  private makeDirectory(real: string, entry: TarEntry): void {
    const abs = this.root.abs(real);
    // Created owner-writable so children can be added; the entry's mode is applied at the end.
    // No inode is recorded: finish() applies the mode to whatever directory is at `real` then,
    // which can only be this one or a later entry's, deferred after it (saves an lstat).
    // While the layer keeps merging into existing directories, look before creating (one lstat
    // instead of a failed mkdir and an lstat).
    let st = this.mergingDirs ? lstatSync(abs, { throwIfNoEntry: false }) : undefined;
    if (st === undefined) {
      try {
        this.writable(real, () => mkdirSync(abs, 0o700));
        this.mergingDirs = false;
      } catch (err) {
        if (errno(err) !== 'EEXIST') throw ioError(entry.path, err);
        st = lstatSync(abs);
      }
    }
    // A directory merged into that already has the entry's owner needs no chown (the lstat just
    // made says so; directories keep their mode bits through chown, and finish() sets the mode).
    let owned = false;
    if (st !== undefined) {
      this.mergingDirs = true;
      if (!st.isDirectory()) {
        this.remove(real, false, st.isSymbolicLink());
        this.writable(real, () => mkdirSync(abs, 0o700));
      } else {
        owned = st.uid === entry.uid && st.gid === entry.gid;
        if (this.options.rootless) this.unlock(real);
      }
    }
    this.root.rememberDir(real);
    if (this.chown) {
      if (!owned) lchownSync(abs, entry.uid, entry.gid);
      this.dirGroups.set(real, entry.gid);
    } else if (this.options.rootless) this.recordRootlessOwner(entry);
    this.dirs.push({
      real,
      mode: entry.mode & 0o7777,
      mtime: toUtimesSeconds(entry.mtimeNs),
      ino: Number.NaN,
    });
  }

  private hardlink(real: string, entry: TarEntry): void {
    const targetParts = cleanName(entry.linkname, entry.path);
    if (targetParts.length === 0) throw unsafePath(entry.path, 'hard link to the root');
    const targetDir = this.root.resolveDir(targetParts.slice(0, -1), entry.path, false);
    const missing = (): OciError =>
      new OciError(
        ErrorCode.INVALID_ARCHIVE,
        `layer entry ${JSON.stringify(entry.path)}: hard link target ${JSON.stringify(entry.linkname)} does not exist`,
        { data: { entry: entry.path, linkname: entry.linkname } },
      );
    if (targetDir === undefined) throw missing();
    const base = targetParts[targetParts.length - 1] as string;
    const target = targetDir === '' ? base : `${targetDir}/${base}`;
    if (target === real) return;
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(this.root.abs(target));
    } catch {
      throw missing();
    }
    if (st.isDirectory()) throw unsafePath(entry.path, 'hard link to a directory');
    const targetAbs = this.root.abs(target);
    this.create(real, entry, (abs) => linkSync(targetAbs, abs));
  }

  private finishSpecial(real: string, entry: TarEntry): void {
    const abs = this.root.abs(real);
    this.setOwner(real, entry, true);
    const mtime = toUtimesSeconds(entry.mtimeNs);
    lutimesSync(abs, mtime, mtime);
  }

  private setOwner(real: string, entry: TarEntry, chmodAfter: boolean): void {
    // lchown never follows the final symlink; parents were resolved inside the root.
    const abs = this.root.abs(real);
    if (this.chown) lchownSync(abs, entry.uid, entry.gid);
    else if (this.options.rootless) this.recordRootlessOwner(entry);
    // Only fifos and devices get here with chmodAfter; they are never symlinks.
    if (chmodAfter && ((entry.mode & 0o7000) !== 0 || (entry.mode & umask) !== 0))
      chmodSync(abs, entry.mode & 0o7777);
  }

  /** `.wh.X`: removes X unless this layer unpacked it (W6, W7). `real` is X's real path. */
  private whiteout(real: string, name: string): void {
    if (this.lowerEmpty) return;
    if (this.unpacked.has(real) || this.unpackedAncestors.has(real)) return;
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(this.root.abs(real));
    } catch (err) {
      if (errno(err) === 'ENOENT') return;
      throw ioError(name, err);
    }
    try {
      this.remove(real, st.isDirectory(), st.isSymbolicLink());
    } catch (err) {
      throw ioError(name, err);
    }
  }

  /** `.wh..wh..opq` in `dir`: removes every descendant not unpacked in this layer (W10, W12). */
  private opaque(dir: string, name: string): void {
    if (this.lowerEmpty) return;
    let removed = false;
    const walk = (current: string): void => {
      let names: string[];
      try {
        names = readdirSync(this.root.abs(current));
      } catch (err) {
        if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') return;
        throw ioError(name, err);
      }
      for (const child of names) {
        const real = current === '' ? child : `${current}/${child}`;
        const keep = this.unpacked.has(real) || this.unpackedAncestors.has(real);
        if (!keep) {
          this.removeTree(real);
          removed = true;
          continue;
        }
        const st = lstatSync(this.root.abs(real));
        if (st.isDirectory()) walk(real);
      }
    };
    walk(dir);
    if (removed) this.root.invalidate();
  }

  /**
   * The xattrs of `entry` this apply sets: malformed names throw INVALID_ARCHIVE (checkXattrName),
   * names outside the applied namespaces are dropped with a warning.
   */
  private checkedXattrs(entry: TarEntry): Map<string, Buffer> {
    let out = entry.xattrs;
    for (const name of entry.xattrs.keys()) {
      if (checkXattrName(name, entry.path)) continue;
      if (out === entry.xattrs) out = new Map(entry.xattrs);
      out.delete(name);
      if (this.skippedXattrNames.has(name)) continue;
      this.skippedXattrNames.add(name); // warned once per name and layer: macOS tars tag every file
      this.warn(`skipped extended attribute ${JSON.stringify(name)} of ${JSON.stringify(entry.path)}`);
    }
    return out;
  }

  private deferXattrs(real: string, xattrs: Map<string, Buffer>): void {
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(this.root.abs(real));
    } catch {
      return; // removed again within the layer
    }
    this.xattrs.push({ real, ino: st.ino, xattrs });
    let bytes = real.length + 64;
    for (const [name, value] of xattrs) bytes += name.length + value.length;
    this.xattrBytes += bytes;
    if (this.xattrBytes > MAX_DEFERRED_XATTR_BYTES) this.flushXattrs(new Set());
  }

  /** Writes the deferred xattrs whose paths still lie inside the root and still hold the same inode. */
  private flushXattrs(verified: Set<string>): void {
    const pending = this.xattrs;
    this.xattrs = [];
    this.xattrBytes = 0;
    const xattrItems: Array<{ path: string; xattrs: ReadonlyMap<string, Buffer> }> = [];
    for (const item of pending) {
      if (item.real !== '' && !this.stillInside(item.real, verified)) continue;
      const abs = this.root.abs(item.real);
      try {
        if (lstatSync(abs).ino !== item.ino) continue;
      } catch {
        continue;
      }
      xattrItems.push({ path: abs, xattrs: item.xattrs });
    }
    if (xattrItems.length === 0) return;
    if (canSetXattrs()) setXattrs(xattrItems);
    else if (!this.warnedXattrs) {
      this.warnedXattrs = true;
      this.warn(`skipped extended attributes on ${xattrItems.length} paths: setfattr is not installed`);
    }
  }

  /** True when every component of `real` is still a real directory (no symlink swapped in). */
  private stillInside(real: string, verified: Set<string>): boolean {
    const parts = real.split('/');
    let path = '';
    for (let i = 0; i < parts.length - 1; i++) {
      path = path === '' ? (parts[i] as string) : `${path}/${parts[i]}`;
      if (verified.has(path)) continue;
      try {
        if (!lstatSync(this.root.abs(path)).isDirectory()) return false;
      } catch {
        return false;
      }
      verified.add(path);
    }
    return true;
  }

  /** Sets deferred directory modes and times, then extended attributes, re-verifying each path. */
  finish(): void {
    const verified = new Set<string>();
    this.flushXattrs(verified);
    for (const dir of this.unlocked) {
      if (dir.real !== '' && !this.stillInside(dir.real, verified)) continue;
      const abs = this.root.abs(dir.real);
      try {
        const st = lstatSync(abs);
        if (st.isDirectory() && st.ino === dir.ino) chmodSync(abs, dir.mode);
      } catch {
        // removed later in the layer
      }
    }
    for (const dir of this.dirs) {
      if (dir.real !== '' && !this.stillInside(dir.real, verified)) continue;
      const abs = this.root.abs(dir.real);
      let st: ReturnType<typeof lstatSync>;
      try {
        st = lstatSync(abs);
      } catch {
        continue;
      }
      if (!st.isDirectory() || (!Number.isNaN(dir.ino) && st.ino !== dir.ino)) continue;
      if ((st.mode & 0o7777) !== dir.mode) chmodSync(abs, dir.mode);
      lutimesSync(abs, dir.mtime, dir.mtime);
    }
  }
}

/**
 * Applies one uncompressed layer tar to `root` (which must exist). Fails with UNSAFE_PATH for
 * entries that would reach outside the root, INVALID_ARCHIVE for malformed tars, DIGEST_MISMATCH
 * (after applying) when `options.diffId` does not match the stream. On failure the root may hold
 * a partial apply: callers unpacking into a fresh directory should remove it.
 */
export async function applyLayer(
  root: string,
  tar: TarInput,
  options: ApplyLayerOptions = {},
): Promise<ApplyLayerResult> {
  const expected = options.diffId === undefined ? undefined : parseSupportedDigest(options.diffId);
  const hasher = new Hasher(expected?.algorithm ?? 'sha256');
  const applier = new LayerApplier(root, options);
  let entries = 0;
  try {
    for await (const { entry, body, content, sparse } of readTar(tar, { hasher, signal: options.signal })) {
      options.signal?.throwIfAborted();
      entries++;
      options.onEntry?.(entry);
      try {
        const pending = applier.apply(entry, body, content, sparse);
        if (pending !== undefined) await pending;
      } catch (err) {
        throw ioError(entry.path, err);
      }
    }
    applier.finish();
  } catch (err) {
    throw toOciError(err);
  }
  const diffId = hasher.digest();
  if (options.diffId !== undefined && diffId !== options.diffId) {
    throw digestMismatch({ digest: options.diffId }, diffId);
  }
  return { diffId, size: hasher.size, entries };
}

/** Applies layers in order, each with the same options except `diffId` (taken from `diffIds[i]`). */
export async function applyLayers(
  root: string,
  layers: ReadonlyArray<TarInput | (() => TarInput)>,
  options: Omit<ApplyLayerOptions, 'diffId'> & { diffIds?: ReadonlyArray<Digest | string> } = {},
): Promise<ApplyLayerResult[]> {
  const results: ApplyLayerResult[] = [];
  for (const [i, layer] of layers.entries()) {
    const stream = typeof layer === 'function' ? layer() : layer;
    const diffId = options.diffIds?.[i];
    results.push(await applyLayer(root, stream, diffId === undefined ? options : { ...options, diffId }));
  }
  return results;
}
