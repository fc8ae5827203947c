/**
 * ADD's local archives: a source file that is a tar (plain, gzip, bzip2, xz or zstd) is unpacked
 * into the destination instead of copied (Dockerfile reference "ADD"), with the project's safe
 * apply into a private folder first. A file is an archive only when its (decompressed) start is a
 * valid tar header, as BuildKit decides; anything else is copied as it is. bzip2 and xz are
 * decoded by the system's `bzip2` and `xz` programs (Node has no decoder for them).
 */
import { spawn } from 'node:child_process';
import { type BigIntStats, closeSync, createReadStream, readSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { decompressStream } from '../../compress/decompress.ts';
import { ErrorCode, OciError } from '../../errors/index.ts';
import { applyLayer } from '../../tar/apply.ts';
import { RecordedHeaders } from '../rootfs/recorded.ts';
import { openPlannedFile } from './source-file.ts';

/** The compressions an archive may be in. */
export type ArchiveCompression = 'none' | 'gzip' | 'zstd' | 'bzip2' | 'xz';

const BLOCK = 512;

/** True when `block` is a tar header with a valid checksum. */
export function isTarHeader(block: Buffer): boolean {
  if (block.length < BLOCK) return false;
  const stored = block
    .toString('latin1', 148, 156)
    .replace(/[\0 ]+$/, '')
    .trim();
  if (!/^[0-7]+$/.test(stored)) return false;
  let sum = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) if (i < 148 || i >= 156) sum += block[i] as number;
  return Number.parseInt(stored, 8) === sum;
}

/** The compression the first bytes of a file announce. */
export function sniffArchive(head: Buffer): ArchiveCompression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) return 'zstd';
  if (head.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
  if (head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  return 'none';
}

function readHead(fd: number): Buffer {
  const buf = Buffer.alloc(BLOCK);
  const n = readSync(fd, buf, 0, BLOCK, 0);
  return buf.subarray(0, n);
}

/** The decompressed bytes of the open file `fd` (named `abs` in messages); the stream closes it. */
function decoded(fd: number, abs: string, compression: ArchiveCompression, signal: AbortSignal): Readable {
  const file = createReadStream('', { fd, start: 0, highWaterMark: 1 << 20 });
  if (compression === 'bzip2' || compression === 'xz') {
    const child = spawn(compression, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'], signal });
    file.on('error', (err) => child.stdin.destroy(err));
    child.stdin.on('error', () => {});
    file.pipe(child.stdin);
    const out = new PassThrough({ highWaterMark: 1 << 20 });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 4096) stderr += c.toString('utf8');
    });
    child.on('error', (err) =>
      out.destroy(
        new OciError(ErrorCode.UNSUPPORTED, `cannot run ${compression}: ${err.message}`, { cause: err }),
      ),
    );
    child.on('close', (code) => {
      if (code !== 0)
        out.destroy(
          new OciError(ErrorCode.INVALID_ARCHIVE, `${compression} failed on ${abs}: ${stderr.trim()}`),
        );
    });
    child.stdout.pipe(out);
    out.on('close', () => file.destroy());
    return out;
  }
  if (compression === 'none') return file;
  const out = decompressStream({ signal });
  file.on('error', (err) => out.destroy(err));
  return file.pipe(out);
}

/** The first block of a stream, and a stream of all its bytes (the block put back in front). */
async function peek(stream: Readable): Promise<{ head: Buffer; all: Readable }> {
  const chunks: Buffer[] = [];
  let size = 0;
  const iterator = stream[Symbol.asyncIterator]();
  while (size < BLOCK) {
    const next = await iterator.next();
    if (next.done) break;
    chunks.push(next.value as Buffer);
    size += (next.value as Buffer).length;
  }
  const head = Buffer.concat(chunks);
  async function* rest(): AsyncGenerator<Buffer> {
    yield head;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value as Buffer;
    }
  }
  return { head, all: Readable.from(rest()) };
}

/** An unpacked archive: the folder, and what its headers said (owners, implied directories). */
export interface UnpackedArchive {
  readonly dir: string;
  readonly headers: RecordedHeaders;
}

/**
 * Unpacks `abs` (which must still be the file `planned` describes: copy/source-file.ts) into a
 * new folder under `scratchDir` when it is a tar archive (rootless when the build is not root);
 * returns it, or undefined when the file is not an archive (it is then copied as a file).
 */
export async function unpackArchive(
  abs: string,
  planned: BigIntStats,
  scratchDir: string,
  signal: AbortSignal,
): Promise<UnpackedArchive | undefined> {
  const fd = openPlannedFile(abs, planned);
  let compression: ArchiveCompression;
  try {
    const head = readHead(fd);
    compression = sniffArchive(head);
    if (compression === 'none' && !isTarHeader(head)) {
      closeSync(fd);
      return undefined;
    }
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  const source = decoded(fd, abs, compression, signal);
  const { head, all } = await peek(source);
  if (!isTarHeader(head.subarray(0, BLOCK))) {
    all.destroy();
    source.destroy();
    return undefined;
  }
  const dir = await mkdtemp(join(scratchDir, 'archive-'));
  const headers = new RecordedHeaders();
  const rootless = typeof process.getuid === 'function' && process.getuid() !== 0;
  await applyLayer(dir, all, { signal, rootless, onEntry: (entry) => headers.record(entry) });
  return { dir, headers };
}
