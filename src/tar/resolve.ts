/**
 * The one safe path resolver (DESIGN §1.4): every operation of a layer apply goes through it.
 * Parent components are walked with lstat inside the root. A symlink met on the way is followed
 * *confined* to the root, like openat2 RESOLVE_IN_ROOT: absolute targets restart at the root and
 * `..` stops at the root, with a limit on the number of links. Confining (rather than refusing)
 * is required by real images: merged-usr bases ship `lib -> usr/lib` and later layers write
 * `lib/foo`. The final component of a path is never followed.
 *
 * Hot path: all calls are synchronous (per-file async round trips dominate small-file unpacking)
 * and real directories already verified are cached until anything is removed or replaced.
 */
import { lstatSync, mkdirSync, readlinkSync } from 'node:fs';
import { ErrorCode, OciError, toOciError } from '../errors/index.ts';
import { unsafePath } from './names.ts';

/** Maximum number of symlinks followed while resolving one path (Linux uses 40). */
export const MAX_SYMLINKS = 40;

/** Most path components one resolution may have pending (a PATH_MAX-long target has at most 2048). */
export const MAX_COMPONENTS = 1 << 16;

function errno(err: unknown): string | undefined {
  return (err as { code?: string } | null)?.code;
}

/** A root directory and a cache of the real directories inside it known to be safe. */
export class SafeRoot {
  /** Absolute path of the root, without a trailing slash. */
  readonly root: string;
  /** Mode for implied parent directories created by {@link resolveDir}. */
  private readonly impliedMode: number;
  /** Root-relative real paths ('' = root) verified to be directories, not symlinks. */
  private readonly dirs = new Set<string>(['']);
  /** Cleaned logical directory path → root-relative real path. */
  private readonly resolved = new Map<string, string>([['', '']]);
  /** Root-relative real paths of the symlinks followed by the cached resolutions. */
  private readonly links = new Set<string>();
  /** Creates one implied directory (replaceable, e.g. to retry after unlocking a read-only parent). */
  makeDir: (real: string) => void = (real) => mkdirSync(this.abs(real), this.impliedMode);

  constructor(root: string, impliedMode = 0o755) {
    this.root = root.length > 1 ? root.replace(/\/+$/, '') : root;
    this.impliedMode = impliedMode;
  }

  /** The absolute path of a root-relative real path. */
  abs(real: string): string {
    return real === '' ? this.root : `${this.root}/${real}`;
  }

  /** Forgets every cached resolution; called whenever a directory or symlink is removed or replaced. */
  invalidate(): void {
    this.dirs.clear();
    this.dirs.add('');
    this.resolved.clear();
    this.resolved.set('', '');
    this.links.clear();
  }

  /**
   * Records that the non-directory at `real` was removed: the caches are dropped only when a
   * cached resolution followed it as a symlink (removing a plain file changes no resolution).
   */
  removed(real: string): void {
    if (this.links.has(real)) this.invalidate();
  }

  /** Records a directory just created at a real path (its parents were resolved through this root). */
  rememberDir(real: string): void {
    this.dirs.add(real);
  }

  /**
   * Resolves cleaned directory components to a root-relative real directory path, following
   * symlinks confined to the root. Missing directories are created when `create` is set (implied
   * parents), otherwise the result is undefined. A component that is neither a directory nor a
   * symlink throws INVALID_ARCHIVE; too many links throw UNSAFE_PATH.
   */
  resolveDir(parts: readonly string[], entryName: string, create: boolean): string | undefined {
    const key = parts.join('/');
    const hit = this.resolved.get(key);
    if (hit !== undefined) return hit;
    const real: string[] = [];
    // Components still to walk, in reverse order (next one last): link targets are pushed one by
    // one, never spread into a call, so a huge target cannot overflow the stack.
    const pending: string[] = [];
    for (let i = parts.length - 1; i >= 0; i--) pending.push(parts[i] as string);
    let links = 0;
    while (pending.length > 0) {
      const part = pending.pop() as string;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        real.pop(); // clamped at the root
        continue;
      }
      real.push(part);
      const path = real.join('/');
      if (this.dirs.has(path)) continue;
      let st: ReturnType<typeof lstatSync>;
      try {
        st = lstatSync(this.abs(path));
      } catch (err) {
        if (errno(err) !== 'ENOENT') throw ioError(entryName, err);
        if (!create) return undefined;
        try {
          this.makeDir(path);
        } catch (mkErr) {
          throw ioError(entryName, mkErr);
        }
        this.dirs.add(path);
        continue;
      }
      if (st.isDirectory()) {
        this.dirs.add(path);
        continue;
      }
      if (st.isSymbolicLink()) {
        if (++links > MAX_SYMLINKS) throw unsafePath(entryName, 'too many levels of symbolic links');
        const target = readlinkSync(this.abs(path));
        this.links.add(path);
        real.pop();
        if (target.startsWith('/')) real.length = 0;
        const components = target.split('/');
        if (pending.length + components.length > MAX_COMPONENTS) {
          throw unsafePath(entryName, `more than ${MAX_COMPONENTS} path components through symbolic links`);
        }
        for (let i = components.length - 1; i >= 0; i--) pending.push(components[i] as string);
        continue;
      }
      throw new OciError(
        ErrorCode.INVALID_ARCHIVE,
        `layer entry ${JSON.stringify(entryName)}: parent ${JSON.stringify(path)} is not a directory`,
        { data: { entry: entryName, parent: path } },
      );
    }
    const result = real.join('/');
    this.resolved.set(key, result);
    return result;
  }

  /**
   * The directory that cleaned components name when every one of them is a real directory,
   * checked with lstat and never following a symlink (the path is then its own real path);
   * undefined when one is missing, a symlink or anything else. Nothing is created. Whiteouts use
   * this: a whiteout removes a child of the directory at its own path, never of what a symlink
   * there points to, and one whose directory is not a directory names nothing that can exist.
   */
  realDir(parts: readonly string[], entryName: string): string | undefined {
    let path = '';
    for (const part of parts) {
      path = path === '' ? part : `${path}/${part}`;
      if (this.dirs.has(path)) continue;
      let st: ReturnType<typeof lstatSync>;
      try {
        st = lstatSync(this.abs(path));
      } catch (err) {
        if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') return undefined;
        throw ioError(entryName, err);
      }
      if (!st.isDirectory()) return undefined;
      this.dirs.add(path);
    }
    return path;
  }
}

/** Wraps a filesystem error met while applying an entry. */
export function ioError(entryName: string, err: unknown): OciError {
  if (err instanceof OciError) return err;
  if (err instanceof Error && err.name === 'AbortError') return toOciError(err);
  const message = err instanceof Error ? err.message : String(err);
  return new OciError(ErrorCode.IO_ERROR, `layer entry ${JSON.stringify(entryName)}: ${message}`, {
    cause: err,
    data: { entry: entryName },
  });
}
