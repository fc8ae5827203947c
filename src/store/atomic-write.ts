/** Whole-file replacement that readers observe as old-or-new, never partial (write temp, fsync, rename). */
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { toOciError } from '../errors/index.ts';
import { tempName } from './temp-names.ts';

/** Fsyncs a directory so a rename inside it survives a crash; filesystems that refuse are ignored. */
export async function fsyncDirectory(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Some filesystems cannot fsync a directory (EINVAL/EISDIR); the rename is still atomic.
  } finally {
    await handle?.close().catch(() => {});
  }
}

/** The temp-file prefix used for `name` (so a sweep can find leftovers): `.<name>.`. */
export function atomicTempPrefix(name: string): string {
  return `.${name}.`;
}

/**
 * Replaces `path` with `bytes`: writes a temp file beside it, fsyncs it, renames it over `path`
 * and fsyncs the folder. On failure the temp is removed and `path` is unchanged.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array, mode = 0o644): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, tempName(atomicTempPrefix(basename(path))));
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(temp, 'wx', mode);
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, path);
  } catch (err) {
    await handle?.close().catch(() => {});
    await rm(temp, { force: true });
    throw toOciError(err);
  }
  await fsyncDirectory(dir);
}
