/** Reading the files of an untrusted `dir:` folder: regular files only, bounded, never through a symlink. */
import { ErrorCode, OciError } from '../../errors/index.ts';
import { openRegularFile, readAtMost } from '../../store/safe-file.ts';
import { DIR_VERSION } from './format.ts';

/**
 * The bytes of the regular file `path`, at most `limit` of them: TOO_LARGE when it holds more
 * (only `limit + 1` bytes are ever read), NOT_FOUND when missing, INVALID_LAYOUT for a symlink,
 * folder, FIFO or device (never opened).
 */
export async function readSmallFile(path: string, limit: number, what: string): Promise<Buffer> {
  const { handle, size } = await openRegularFile(path);
  try {
    if (size > limit) throw tooLarge(path, what, size, limit);
    const bytes = await readAtMost(handle, limit, size);
    if (bytes.byteLength > limit) throw tooLarge(path, what, bytes.byteLength, limit);
    return bytes;
  } finally {
    await handle.close().catch(() => {});
  }
}

function tooLarge(path: string, what: string, size: number, limit: number): OciError {
  return new OciError(
    ErrorCode.TOO_LARGE,
    `${what} ${path} is larger than the ${limit}-byte limit; refusing to read it`,
    { data: { path, size, limit } },
  );
}

/**
 * Checks that `version` is the format's version file (`Directory Transport Version: 1.1`):
 * INVALID_LAYOUT naming the folder when it is missing or says anything else.
 */
export async function checkVersionFile(path: string, dir: string): Promise<void> {
  let bytes: Buffer;
  try {
    bytes = await readSmallFile(path, 256, 'the version file');
  } catch (err) {
    if (err instanceof OciError && err.code === ErrorCode.NOT_FOUND) {
      throw new OciError(
        ErrorCode.INVALID_LAYOUT,
        `${dir} is not a dir: image folder: it has no version file`,
        { data: { dir }, cause: err },
      );
    }
    throw err;
  }
  const text = bytes.toString('utf8');
  if (text !== DIR_VERSION) {
    throw new OciError(
      ErrorCode.INVALID_LAYOUT,
      `${dir} is a dir: folder of an unsupported version (${JSON.stringify(text.slice(0, 80))}); ocikit reads ${JSON.stringify(DIR_VERSION)}`,
      { data: { dir, version: text.slice(0, 80) } },
    );
  }
}
