/** `ocikit diff A B`: what changed between the flattened filesystems of two images, file by file. */
import { digestFile } from '../digest/index.ts';
import type { Image } from '../image/types.ts';
import { type FlattenOptions, flattenedEntries } from './flatten.ts';

/** What one path of a flattened filesystem is. */
export interface FileInfo {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  linkname?: string;
  /** sha256 of the content of regular files (and of the file a hard link shares). */
  digest?: string;
}

/** One difference: Added, Deleted or Modified (with the fields that changed). */
export interface FileChange {
  change: 'A' | 'D' | 'M';
  path: string;
  fields?: string[];
}

/**
 * The flattened filesystem of an image (the view `ocikit export` writes, see
 * {@link flattenedEntries}) as path → {@link FileInfo}, hashing file contents. A hard link
 * reports its target path and the size and digest of the content it shares.
 */
export async function filesystemListing(
  image: Image,
  options: FlattenOptions = {},
): Promise<Map<string, FileInfo>> {
  const out = new Map<string, FileInfo>();
  for await (const { entry, absPath } of flattenedEntries(image, options)) {
    const info: FileInfo = {
      type: entry.type,
      mode: entry.mode & 0o7777,
      uid: entry.uid,
      gid: entry.gid,
      size: entry.size,
    };
    if (entry.type === 'symlink' || entry.type === 'link') info.linkname = entry.linkname;
    if (entry.type === 'file') {
      info.digest = (await digestFile(absPath)).digest;
    } else if (entry.type === 'link') {
      const target = out.get(entry.linkname);
      info.size = target?.size ?? 0;
      if (target?.digest !== undefined) info.digest = target.digest;
    }
    out.set(entry.path, info);
  }
  return out;
}

const COMPARED: Array<keyof FileInfo> = ['type', 'mode', 'uid', 'gid', 'size', 'linkname', 'digest'];

/**
 * The changes from image `a` to image `b`, sorted by path. The images are flattened one after
 * the other, so at most one temporary root exists at a time.
 */
export async function diffImages(a: Image, b: Image, options: FlattenOptions = {}): Promise<FileChange[]> {
  const before = await filesystemListing(a, options);
  const after = await filesystemListing(b, options);
  const changes: FileChange[] = [];
  for (const [path, info] of after) {
    const old = before.get(path);
    if (old === undefined) {
      changes.push({ change: 'A', path });
      continue;
    }
    const fields = COMPARED.filter((key) => old[key] !== info[key]);
    if (fields.length > 0) changes.push({ change: 'M', path, fields });
  }
  for (const path of before.keys()) if (!after.has(path)) changes.push({ change: 'D', path });
  return changes.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}
