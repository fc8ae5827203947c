/**
 * A directory files are copied from: the build context (with its .dockerignore), or a stage's
 * root filesystem unpacked for `COPY --from`. Paths inside are resolved as BuildKit resolves copy
 * sources (continuity's RootPath): the root acts as `/`, so `..` stops at it and an absolute
 * symlink target restarts at it. A source can never name a file outside the root: `../x` and
 * `/x` both mean `x` at the root, and a symlink pointing out lands back inside.
 */
import { type BigIntStats, lstatSync, readlinkSync } from 'node:fs';
import { ErrorCode, OciError } from '../../errors/index.ts';
import type { IgnoreMatcher } from '../ignore/types.ts';
import { components } from '../path-components.ts';

/** Most symlinks followed resolving one path (Linux's limit). */
export const MAX_LINKS = 40;

/** The owner and permission bits a copied path gets. */
export interface FileAttributes {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

/** A root files are read from. */
export interface SourceRoot {
  /** Absolute path of the directory, without a trailing slash. */
  readonly dir: string;
  /** How messages name it: `build context` or `stage "build"`. */
  readonly label: string;
  /** Owners recorded as on disk (a stage); false for the context, whose files are owned by 0:0 as BuildKit sends them. */
  readonly keepOwners: boolean;
  /** Paths the build may not see (.dockerignore), for the context only. */
  readonly ignore?: IgnoreMatcher;
  /**
   * For a root the build unpacked from tar headers: the attributes those headers gave the
   * root-relative real `path` (lstat `stats`), used instead of what the disk says (rootfs/recorded.ts).
   */
  readonly attributes?: (path: string, stats: BigIntStats) => FileAttributes;
}

/** A path resolved inside a root. */
export interface Resolved {
  /** Root-relative real path with `/` separators, '' for the root itself. */
  readonly path: string;
  /** lstat of the real path, undefined when it does not exist (or is hidden by .dockerignore). */
  readonly stats?: BigIntStats;
}

/** The absolute path of a root-relative path. */
export function absolute(root: SourceRoot, path: string): string {
  return path === '' ? root.dir : `${root.dir}/${path}`;
}

function lstatOrUndefined(abs: string): BigIntStats | undefined {
  try {
    return lstatSync(abs, { bigint: true });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new OciError(ErrorCode.IO_ERROR, `cannot stat ${abs}: ${(err as Error).message}`, { cause: err });
  }
}

/** True when .dockerignore hides `path` from the build (the root itself is always visible). */
export function hidden(root: SourceRoot, path: string, isDir: boolean): boolean {
  if (path === '' || root.ignore === undefined || !root.ignore.ignores(path)) return false;
  // An excluded directory stays visible when a later `!` pattern may re-include something below it.
  return !(isDir && root.ignore.mayReinclude(path));
}

/**
 * Resolves `path` inside `root`, following symlinks confined to it; the final component is
 * followed only when `followFinal`. A missing component ends the walk (the rest is kept as
 * written). Paths .dockerignore hides do not exist. UNSAFE_PATH after {@link MAX_LINKS} links.
 */
export function resolveIn(root: SourceRoot, path: string, followFinal = true): Resolved {
  const pending = components(path).reverse();
  const real: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.pop() as string;
    if (part === '.' || part === '') continue;
    if (part === '..') {
      real.pop();
      continue;
    }
    real.push(part);
    const rel = real.join('/');
    const st = lstatOrUndefined(absolute(root, rel));
    if (st === undefined || hidden(root, rel, st.isDirectory())) {
      return { path: [...real, ...pending.reverse()].join('/') };
    }
    const isLast = pending.length === 0;
    if (st.isSymbolicLink() && (!isLast || followFinal)) {
      if (++links > MAX_LINKS) {
        throw new OciError(ErrorCode.UNSAFE_PATH, `${path}: too many levels of symbolic links`, {
          data: { path },
        });
      }
      const target = readlinkSync(absolute(root, rel));
      real.pop();
      if (target.startsWith('/')) real.length = 0;
      const parts = target.split('/');
      for (let i = parts.length - 1; i >= 0; i--) pending.push(parts[i] as string);
      continue;
    }
    if (isLast) return { path: rel, stats: st };
    if (!st.isDirectory()) return { path: [...real, ...pending.reverse()].join('/') };
  }
  const rel = real.join('/');
  return { path: rel, stats: lstatOrUndefined(absolute(root, rel)) };
}
