/**
 * Sharing a blob between two layouts on one filesystem by a hard link, as zot's deduplication
 * does: a registry's cross-repository mount (distribution-spec "Mounting a blob from another
 * repository") then costs one system call instead of reading, hashing and writing the bytes again.
 * Store blobs are immutable (written once, renamed into place, never modified in place), so two
 * layouts sharing an inode can never see different bytes, and deleting the blob from one layout
 * leaves the other's link. The bytes were verified when they entered the source layout; the link
 * is checked to be a regular file of the expected size before it is kept.
 */
import { link, lstat, unlink } from 'node:fs/promises';
import { parseSupportedDigest } from '../digest/index.ts';
import { fsyncDirectory } from './atomic-write.ts';
import { parsedBlobPath } from './blob-path.ts';
import type { OciLayout } from './layout.ts';
import { ensureBlobDir } from './safe-file.ts';

/** Errors that mean "this filesystem cannot link these two paths": the caller copies instead. */
const CANNOT_LINK = new Set(['EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EACCES']);

/**
 * Makes the blob `digest` of `source` (of `size` bytes) a blob of `target` by a hard link. True
 * when `target` holds it afterwards (linked now, or already there); false when the filesystem
 * cannot link the two (another device, links refused) or the source's file is not a regular file
 * of `size` bytes, so the caller falls back to a verified copy. Other I/O errors are thrown.
 */
export async function linkBlob(
  source: OciLayout,
  target: OciLayout,
  digest: string,
  size: number,
): Promise<boolean> {
  const parsed = parseSupportedDigest(digest);
  const from = parsedBlobPath(source.root, parsed);
  const to = parsedBlobPath(target.root, parsed);
  const dir = await ensureBlobDir(target.root, parsed.algorithm);
  try {
    await link(from, to);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') return (await target.stat(digest)) === size;
    if (code === 'ENOENT' || CANNOT_LINK.has(code)) return false;
    throw err;
  }
  // link(2) does not follow a symlink at `from` on Linux: the new entry could be one. Keep only a
  // regular file of the right size.
  const info = await lstat(to);
  if (!info.isFile() || info.size !== size) {
    await unlink(to).catch(() => {});
    return false;
  }
  await fsyncDirectory(dir);
  return true;
}
