/**
 * Container paths resolved inside a root directory the way a runtime resolves a mount
 * destination or a working directory: every symlink, the last one included, is followed confined
 * to the root (an absolute target restarts at the root, `..` stops at it), at most 40 of them.
 * Resolution stops at the first missing component, so a caller knows what exists and what it
 * would have to create.
 */
import { lstatSync, readlinkSync } from 'node:fs';
import { ErrorCode, OciError } from '../../../errors/index.ts';

/** Symlinks followed in one resolution before it fails (Linux's own limit). */
const MAX_LINKS = 40;

/** What a path resolves to. */
export interface ResolvedPath {
  /** Root-relative components of the deepest existing real path reached (no symlinks in it). */
  readonly existing: string[];
  /** The components still missing below `existing`, in order (empty when the whole path exists). */
  readonly missing: string[];
  /** The type of the path when it exists whole. */
  readonly type?: 'directory' | 'file' | 'other';
}

function errno(err: unknown): string | undefined {
  return (err as { code?: string } | null)?.code;
}

/**
 * Resolves the container path `path` (absolute) inside `root`. Throws INVALID_ARGUMENT when a
 * component in the middle is not a directory, or when symlinks loop.
 */
export function resolveInRoot(root: string, path: string): ResolvedPath {
  const base = root.length > 1 ? root.replace(/\/+$/, '') : root;
  const existing: string[] = [];
  // Next component last.
  const pending = path.split('/').reverse();
  let links = 0;
  while (pending.length > 0) {
    const part = pending.pop() as string;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      existing.pop();
      continue;
    }
    const abs = `${base}/${[...existing, part].join('/')}`;
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(abs);
    } catch (err) {
      if (errno(err) !== 'ENOENT') throw err;
      // The rest is created as written: `..` folds lexically, into what exists when needed.
      const missing = [part];
      for (const rest of pending.reverse()) {
        if (rest === '' || rest === '.') continue;
        if (rest === '..') {
          if (missing.length > 0) missing.pop();
          else existing.pop();
        } else missing.push(rest);
      }
      return missing.length === 0 ? resolveInRoot(root, `/${existing.join('/')}`) : { existing, missing };
    }
    if (st.isSymbolicLink()) {
      if (++links > MAX_LINKS) {
        throw new OciError(ErrorCode.INVALID_ARGUMENT, `too many levels of symbolic links in ${path}`, {
          data: { path },
        });
      }
      const target = readlinkSync(abs);
      if (target.startsWith('/')) existing.length = 0;
      for (const component of target.split('/').reverse()) pending.push(component);
      continue;
    }
    existing.push(part);
    if (st.isDirectory()) continue;
    if (pending.some((p) => p !== '' && p !== '.')) {
      throw new OciError(ErrorCode.INVALID_ARGUMENT, `${path}: /${existing.join('/')} is not a directory`, {
        data: { path, component: `/${existing.join('/')}` },
      });
    }
    return { existing, missing: [], type: st.isFile() ? 'file' : 'other' };
  }
  return { existing, missing: [], type: 'directory' };
}
