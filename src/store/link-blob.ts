/**
 * Sharing a blob between two layouts on one filesystem by a hard link, as zot's deduplication
 * does: a registry's cross-repository mount (distribution-spec "Mounting a blob from another
 * repository") then costs one system call instead of reading, hashing and writing the bytes again.
 * Store blobs are immutable (written once, renamed into place, never modified in place), so two
 * layouts sharing an inode can never see different bytes, and deleting the blob from one layout
 * leaves the other's link. The bytes were verified when they entered the source layout; the link
 * is checked to be a regular file of the expected size before it is kept.
 */
import { link, lstat, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseSupportedDigest } from '../digest/index.ts';
import { toOciError } from '../errors/index.ts';
import { fsyncDirectory } from './atomic-write.ts';
import { INGEST_DIR, parsedBlobPath } from './blob-path.ts';
import { createInIngestDir } from './ingest-dir.ts';
import type { OciLayout } from './layout.ts';
import { checkBlobDirs, ensureBlobDir, lstatEntry } from './safe-file.ts';
import { tempName } from './temp-names.ts';

/** Errors that mean "this filesystem cannot link these two paths": the caller copies instead. */
const CANNOT_LINK = new Set(['EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EACCES']);

/**
 * Makes the blob `digest` of `source` (of `size` bytes) a blob of `target` by a hard link. True
 * when `target` holds it afterwards; false when the filesystem cannot link the two (another
 * device, links refused), or the source's blob folders or file are not real (a symlinked
 * `blobs/`, a file that is not a regular file of `size` bytes), so the caller falls back to a
 * verified copy. The link is made under a temp name in the target's ingest folder, checked, then
 * renamed into place: no unchecked entry is ever visible, and no final path is ever removed.
 * Other I/O errors are thrown as OciErrors.
 */
export async function linkBlob(
  source: OciLayout,
  target: OciLayout,
  digest: string,
  size: number,
): Promise<boolean> {
  const parsed = parseSupportedDigest(digest);
  // link(2) follows symlinks in the folders of its path: a symlinked blobs/ would link a file
  // from outside the source layout.
  if (!(await checkBlobDirs(source.root, parsed.algorithm).catch(() => false))) return false;
  const from = parsedBlobPath(source.root, parsed);
  const ingest = join(target.root, INGEST_DIR);
  const temp = join(ingest, tempName());
  try {
    try {
      // An ENOENT with the source gone is the source's (a blob deleted meanwhile): not retried.
      await createInIngestDir(target.root, () => link(from, temp), {
        otherCause: async () => (await lstatEntry(from)) === undefined,
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (code === 'ENOENT' || CANNOT_LINK.has(code)) return false;
      throw err;
    }
    // link(2) does not follow a symlink at `from` itself on Linux: the new entry could be one.
    const info = await lstat(temp);
    if (!info.isFile() || info.size !== size) return false;
    const dir = await ensureBlobDir(target.root, parsed.algorithm);
    await rename(temp, parsedBlobPath(target.root, parsed));
    await fsyncDirectory(dir);
    return true;
  } catch (err) {
    throw toOciError(err);
  } finally {
    await rm(temp, { force: true });
  }
}
