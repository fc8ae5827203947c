/**
 * Writing an archive file: a deterministic tar (fixed order as given, mtime 0, uid/gid 0, no
 * owner names, modes 0644/0755) streamed with tar-stream to a temp file beside the target,
 * fsynced, then renamed over it — readers see the old file or the whole new one, never a part.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pack } from 'tar-stream';
import { ErrorCode, OciError, toOciError } from '../../errors/index.ts';

/** One entry of an archive to write. */
export type ArchiveEntry =
  | { name: string; type: 'directory' }
  | { name: string; type: 'file'; bytes: Uint8Array }
  | { name: string; type: 'file'; path: string; size: number };

const EPOCH = new Date(0);

function header(entry: ArchiveEntry, size: number) {
  return {
    name: entry.type === 'directory' ? `${entry.name}/` : entry.name,
    type: entry.type,
    size,
    mode: entry.type === 'directory' ? 0o755 : 0o644,
    mtime: EPOCH,
    uid: 0,
    gid: 0,
    uname: '',
    gname: '',
  } as const;
}

/** Writes `entries` as a tar to `target`, atomically (temp file + fsync + rename). */
export async function writeArchive(
  target: string,
  entries: readonly ArchiveEntry[],
  signal?: AbortSignal,
): Promise<void> {
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const tarStream = pack();
  const out = createWriteStream(temp, { flags: 'wx' });
  const written = new Promise<void>((resolve, reject) => {
    out.on('close', resolve);
    out.on('error', reject);
    tarStream.on('error', reject);
  });
  written.catch(() => {});
  tarStream.pipe(out);
  try {
    for (const entry of entries) {
      signal?.throwIfAborted();
      if (entry.type === 'directory') {
        await addEntry(tarStream, header(entry, 0));
      } else if ('bytes' in entry) {
        await addEntry(tarStream, header(entry, entry.bytes.byteLength), entry.bytes);
      } else {
        await addFile(tarStream, header(entry, entry.size), entry.path, signal);
      }
    }
    tarStream.finalize();
    await written;
    const handle = await open(temp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (err) {
    tarStream.destroy();
    out.destroy();
    await rm(temp, { force: true });
    throw toOciError(err);
  }
}

type Pack = ReturnType<typeof pack>;
type Header = ReturnType<typeof header>;

function addEntry(tarStream: Pack, head: Header, bytes?: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error | null) => (err ? reject(err) : resolve());
    if (bytes === undefined) tarStream.entry(head, done);
    else tarStream.entry(head, bytes, done);
  });
}

async function addFile(tarStream: Pack, head: Header, path: string, signal?: AbortSignal): Promise<void> {
  const done = new Promise<void>((resolve, reject) => {
    const sink = tarStream.entry(head, (err) => (err ? reject(err) : resolve()));
    sink.on('error', reject);
    pump(sink, head.size, path, signal).catch(reject);
  });
  await done;
}

async function pump(
  sink: ReturnType<Pack['entry']>,
  size: number,
  path: string,
  signal?: AbortSignal,
): Promise<void> {
  let copied = 0;
  for await (const chunk of createReadStream(path, {
    highWaterMark: 1 << 20,
    signal,
  }) as AsyncIterable<Buffer>) {
    copied += chunk.byteLength;
    if (copied > size) break;
    if (!sink.write(chunk)) await once(sink as unknown as NodeJS.EventEmitter, 'drain');
  }
  if (copied !== size) {
    sink.destroy();
    throw new OciError(ErrorCode.IO_ERROR, `${path} changed size while it was archived`, { data: { path } });
  }
  sink.end(undefined);
}
