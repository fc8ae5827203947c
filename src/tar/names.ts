/**
 * Entry names: cleaning untrusted names into root-relative component lists, and recognising
 * whiteouts (image-spec layer.md "Whiteouts", W1–W12).
 */
import { ErrorCode, OciError } from '../errors/index.ts';

/** Prefix of a whiteout file name (layer.md W2). */
export const WHITEOUT_PREFIX = '.wh.';
/** Name of an opaque whiteout (layer.md W10). */
export const OPAQUE_WHITEOUT = '.wh..wh..opq';
/** Prefix of AUFS metadata entries (`.wh..wh.plnk`, `.wh..wh.aufs`, ...), which are not whiteouts. */
export const AUFS_META_PREFIX = '.wh..wh.';

/** The UNSAFE_PATH error for an entry, naming it. */
export function unsafePath(entryName: string, reason: string): OciError {
  return new OciError(
    ErrorCode.UNSAFE_PATH,
    `unsafe path in layer entry ${JSON.stringify(entryName)}: ${reason}`,
    {
      data: { entry: entryName, reason },
    },
  );
}

/**
 * Cleans an archive name into root-relative components: leading `/` and `./` are dropped, empty and
 * `.` components removed, `x/..` folded lexically. A name that climbs above the root after cleaning
 * throws UNSAFE_PATH. The root itself is the empty list.
 */
export function cleanName(name: string, entryName: string = name): string[] {
  if (name.includes('\u0000')) throw unsafePath(entryName, 'name contains a NUL byte');
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) throw unsafePath(entryName, 'name climbs out of the root with ".."');
      out.pop();
      continue;
    }
    out.push(part);
  }
  return out;
}

/** What a cleaned name's base says about the entry. */
export type WhiteoutKind =
  | { kind: 'none' }
  | { kind: 'opaque' }
  | { kind: 'whiteout'; target: string }
  | { kind: 'aufs-meta' };

/**
 * Classifies a base name: opaque whiteout, whiteout of a sibling, AUFS metadata to skip, or a plain
 * name. `.wh.` with an empty target and `.wh..` / `.wh...` (targets `.`/`..`) throw UNSAFE_PATH
 * (layer.md W3; they would name the directory itself or its parent).
 */
export function classifyBase(base: string, entryName: string): WhiteoutKind {
  if (!base.startsWith(WHITEOUT_PREFIX)) return { kind: 'none' };
  if (base === OPAQUE_WHITEOUT) return { kind: 'opaque' };
  if (base.startsWith(AUFS_META_PREFIX)) return { kind: 'aufs-meta' };
  const target = base.slice(WHITEOUT_PREFIX.length);
  if (target === '' || target === '.' || target === '..') {
    throw unsafePath(entryName, `invalid whiteout name ${JSON.stringify(base)}`);
  }
  return { kind: 'whiteout', target };
}
