/**
 * Opening a file a COPY or ADD reads, as the walk that planned it saw it. Between the walk (lstat)
 * and the read, the build context may change: a file swapped for a symlink would be read through
 * it (a secret outside the context copied into the image), a FIFO would block the build, and new
 * content would be stored under a cache key computed from the old. So the final component is
 * never followed (O_NOFOLLOW), a FIFO or device is never waited on (O_NONBLOCK), and the opened
 * file must be the regular file the walk saw: same device and inode (which also catches a parent
 * directory swapped for a symlink), same size and same ctime (any write or metadata change moves
 * it, and no one can set it back).
 */
import { type BigIntStats, closeSync, constants, fstatSync, openSync } from 'node:fs';
import { ErrorCode, OciError } from '../../errors/index.ts';

const FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** IO_ERROR: `path` is no longer what the build planned to read. */
export function changedError(path: string, cause?: unknown): OciError {
  return new OciError(ErrorCode.IO_ERROR, `${path} changed while the build was reading it`, {
    data: { path },
    ...(cause !== undefined ? { cause } : {}),
  });
}

/** True when `now` is the same unchanged regular file as `planned`. */
function same(planned: BigIntStats, now: BigIntStats): boolean {
  return (
    now.isFile() &&
    now.dev === planned.dev &&
    now.ino === planned.ino &&
    now.size === planned.size &&
    now.ctimeNs === planned.ctimeNs
  );
}

/**
 * A descriptor of the regular file at `abs`, which must still be the file `planned` describes
 * (see the module comment); IO_ERROR otherwise. The caller closes it.
 */
export function openPlannedFile(abs: string, planned: BigIntStats): number {
  let fd: number;
  try {
    fd = openSync(abs, FLAGS);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ELOOP' || code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENXIO') {
      throw changedError(abs, err);
    }
    throw new OciError(ErrorCode.IO_ERROR, `cannot open ${abs}: ${(err as Error).message}`, {
      data: { path: abs },
      cause: err,
    });
  }
  let ok = false;
  try {
    ok = same(planned, fstatSync(fd, { bigint: true }));
  } finally {
    if (!ok) closeSync(fd);
  }
  if (!ok) throw changedError(abs);
  return fd;
}
