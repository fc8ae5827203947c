/** Reading a file of an unpacked root filesystem without ever leaving the root. */
import { closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync, readSync } from 'node:fs';
import { ErrorCode, OciError } from '../errors/index.ts';
import { cleanName, unsafePath } from './names.ts';
import { MAX_SYMLINKS, SafeRoot } from './resolve.ts';

function notFound(path: string, reason = 'does not exist'): OciError {
  return new OciError(ErrorCode.NOT_FOUND, `${path} ${reason} in the root filesystem`, {
    data: { path, reason },
  });
}

/**
 * Reads `path` (as seen from inside `root`, e.g. `etc/passwd`) with every symlink, including the
 * final one, resolved confined to the root. Only a regular file is read: a FIFO, device, socket or
 * directory (an image may plant one anywhere) fails with NOT_FOUND and is never opened in a way
 * that could block; at most `maxBytes + 1` bytes are read. Fails with NOT_FOUND when absent,
 * TOO_LARGE beyond `maxBytes`, UNSAFE_PATH on symlink loops.
 */
export async function readFileInRoot(root: string, path: string, maxBytes: number): Promise<Buffer> {
  const safe = new SafeRoot(root);
  let parts = cleanName(path);
  for (let links = 0; ; links++) {
    if (parts.length === 0)
      throw new OciError(ErrorCode.INVALID_ARGUMENT, `${path} names the root directory`);
    const dir = safe.resolveDir(parts.slice(0, -1), path, false);
    if (dir === undefined)
      throw new OciError(ErrorCode.NOT_FOUND, `${path} does not exist in the root filesystem`);
    const base = parts[parts.length - 1] as string;
    const real = dir === '' ? base : `${dir}/${base}`;
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(safe.abs(real));
    } catch {
      throw notFound(path);
    }
    if (st.isSymbolicLink()) {
      if (links >= MAX_SYMLINKS) throw unsafePath(path, 'too many levels of symbolic links');
      const target = readlinkSync(safe.abs(real));
      const next = target.startsWith('/') ? target : `${dir}/${target}`;
      parts = [];
      for (const p of next.split('/')) {
        if (p === '' || p === '.') continue;
        if (p === '..') parts.pop();
        else parts.push(p);
      }
      continue;
    }
    if (!st.isFile()) throw notFound(path, 'is not a regular file');
    // O_NONBLOCK: should a FIFO be swapped in after the lstat, open returns at once instead of
    // waiting for a writer; fstat then refuses it. O_NOFOLLOW: never a symlink swapped in either.
    let fd: number;
    try {
      fd = openSync(safe.abs(real), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (err) {
      throw notFound(path, `cannot be opened (${(err as { code?: string }).code ?? 'error'})`);
    }
    try {
      const opened = fstatSync(fd);
      if (!opened.isFile()) throw notFound(path, 'is not a regular file');
      const tooLarge = (): OciError =>
        new OciError(ErrorCode.TOO_LARGE, `${path} is larger than ${maxBytes} bytes`, {
          data: { path, size: opened.size },
        });
      if (opened.size > maxBytes) throw tooLarge();
      // Read up to maxBytes + 1 whatever the size said: the file may grow meanwhile.
      const buf = Buffer.alloc(Math.min(opened.size, maxBytes) + 1);
      let got = 0;
      while (got < buf.length) {
        const n = readSync(fd, buf, got, buf.length - got, got);
        if (n === 0) break;
        got += n;
      }
      if (got > maxBytes) throw tooLarge();
      return buf.subarray(0, got);
    } finally {
      closeSync(fd);
    }
  }
}
