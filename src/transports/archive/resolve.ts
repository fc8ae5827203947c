/**
 * Resolving a path inside an archive, following symlinks and hard links without ever leaving it
 * (spec-checklist §5.4: a later `layer.tar` may be a symlink to `../<other-id>/layer.tar`; §5.6:
 * loaders resolve every path in scope). Resolution is lexical over the tar index: nothing is
 * extracted, so a link can only ever name another entry of the same archive.
 */
import { ErrorCode, OciError } from '../../errors/index.ts';
import type { TarEntry, TarIndex } from './tar-index.ts';

/** Most links followed for one path (as in the kernel's ELOOP limit). */
const MAX_HOPS = 40;
/**
 * Most components walked for one path, across every link followed (a 4096-byte PATH_MAX holds at
 * most 2048): keeps a hostile chain of long targets linear instead of quadratic.
 */
const MAX_COMPONENTS = 4096;

/** JSON text of an untrusted name for a message, cut so a hostile name cannot flood it. */
function preview(name: string): string {
  return JSON.stringify(name.length > 200 ? `${name.slice(0, 200)}…` : name);
}

function unsafe(tar: TarIndex, path: string, why: string): OciError {
  return new OciError(ErrorCode.UNSAFE_PATH, `${tar.path}: ${preview(path)} ${why}`, {
    data: { path: tar.path, entry: path },
  });
}

/**
 * Resolves `path` (relative to the archive root, as `manifest.json` gives it) to a regular-file
 * entry. Throws UNSAFE_PATH for an absolute path, a `..` component, or a link that leads out of
 * the archive or to an absolute target; INVALID_ARCHIVE when the path is missing, loops, or
 * names something other than a regular file.
 */
export function resolveFile(tar: TarIndex, path: string): TarEntry {
  if (path.startsWith('/') || path.includes('\\') || path.includes('\0'))
    throw unsafe(tar, path, 'is not a relative path');
  if (path.split('/').includes('..')) throw unsafe(tar, path, 'leaves the archive');
  let hops = 0;
  let walked = 0;
  const resolved: string[] = [];
  // Components still to walk, the next one last: popping and pushing stay O(1), and a link
  // target is queued with a loop (spreading a hostile 200k-component target overflows the stack).
  const pending: string[] = [];
  const queue = (target: string): void => {
    const parts = target.split('/');
    if (walked + parts.length + pending.length > MAX_COMPONENTS)
      throw invalid(tar, path, `resolves to a path of more than ${MAX_COMPONENTS} components`);
    for (let i = parts.length - 1; i >= 0; i--) pending.push(parts[i] as string);
  };
  queue(path);
  for (;;) {
    const component = pending.pop();
    if (component === undefined) break;
    walked++;
    if (component === '' || component === '.') continue;
    if (component === '..') {
      if (resolved.length === 0) throw unsafe(tar, path, 'resolves to a link that leaves the archive');
      resolved.pop();
      continue;
    }
    const candidate = [...resolved, component].join('/');
    const entry = tar.get(candidate);
    if (entry?.type === 'symlink') {
      if (++hops > MAX_HOPS) throw invalid(tar, path, 'has too many levels of links');
      if (entry.linkname.startsWith('/'))
        throw unsafe(tar, path, `resolves to an absolute link target ${preview(entry.linkname)}`);
      // The link target is relative to the link's own directory (`resolved`).
      queue(entry.linkname);
      continue;
    }
    if (entry?.type === 'link' && pending.length === 0) {
      if (++hops > MAX_HOPS) throw invalid(tar, path, 'has too many levels of links');
      // A hard link names another entry from the archive root.
      if (entry.linkname.startsWith('/')) throw unsafe(tar, path, `is a hard link to an absolute path`);
      resolved.length = 0;
      queue(entry.linkname);
      continue;
    }
    resolved.push(component);
  }
  const name = resolved.join('/');
  const entry = tar.get(name);
  if (entry === undefined) throw invalid(tar, path, 'is not in the archive');
  if (entry.type !== 'file') throw invalid(tar, path, `is a ${entry.type}, not a regular file`);
  return entry;
}

function invalid(tar: TarIndex, path: string, why: string): OciError {
  return new OciError(ErrorCode.INVALID_ARCHIVE, `${tar.path}: ${preview(path)} ${why}`, {
    data: { path: tar.path, entry: path },
  });
}
