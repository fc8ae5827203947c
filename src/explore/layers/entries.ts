/**
 * The entries of one layer, read lazily from its tar stream (layer.md "Changesets"): names cleaned
 * to root-relative paths, whiteouts recognised (layer.md "Whiteouts"). Nothing is buffered beyond
 * the entry being read; stopping the iteration destroys the stream.
 */
import type { Readable } from 'node:stream';
import type { Layer } from '../../image/types.ts';
import { chunksOf } from '../../store/chunks.ts';
import { cleanName, readTar, type TarReadItem } from '../../tar/index.ts';
import { classifyBase } from '../../tar/names.ts';

/** One entry of a layer as the explorer shows it. */
export interface LayerEntry {
  /** Root-relative path without a leading `/`; for a whiteout, the path it deletes. */
  path: string;
  type: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  linkname?: string;
  /** `file`: this entry deletes `path`; `opaque`: it hides everything below directory `path` in lower layers. */
  whiteout?: 'file' | 'opaque';
}

/** Longest path Linux resolves (PATH_MAX, terminating NUL included). */
export const MAX_PATH_BYTES = 4096;
/** Longest name of one path component (NAME_MAX). */
export const MAX_NAME_BYTES = 255;

/** True when Linux could create `parts` and a link to `linkname`: no component over NAME_MAX, no path over PATH_MAX. */
function creatable(parts: string[], linkname: string | undefined): boolean {
  if (linkname !== undefined && Buffer.byteLength(linkname) >= MAX_PATH_BYTES) return false;
  let total = 0;
  for (const part of parts) {
    const bytes = Buffer.byteLength(part);
    if (bytes > MAX_NAME_BYTES) return false;
    total += bytes + 1;
  }
  return total < MAX_PATH_BYTES;
}

function toEntry(item: TarReadItem): LayerEntry | undefined {
  const { entry } = item;
  let parts: string[];
  try {
    parts = cleanName(entry.path);
  } catch {
    return undefined; // a name climbing out of the root names nothing in the image
  }
  if (parts.length === 0) return undefined;
  // A name no Linux filesystem can hold names nothing in a root filesystem either; leaving it out
  // also bounds what one entry costs the explorer's lists (a PAX path may be up to 1 MiB).
  const link = entry.type === 'symlink' || entry.type === 'link' ? entry.linkname : undefined;
  if (!creatable(parts, link)) return undefined;
  const base = parts[parts.length - 1] as string;
  let kind: ReturnType<typeof classifyBase>;
  try {
    kind = classifyBase(base, entry.path);
  } catch {
    return undefined;
  }
  if (kind.kind === 'aufs-meta') return undefined;
  const info: LayerEntry = {
    path: parts.join('/'),
    type: entry.type,
    size: entry.size,
    mode: entry.mode & 0o7777,
    uid: entry.uid,
    gid: entry.gid,
  };
  if (entry.type === 'symlink' || entry.type === 'link') info.linkname = cleanLink(entry);
  if (kind.kind === 'whiteout') {
    info.path = [...parts.slice(0, -1), kind.target].join('/');
    info.whiteout = 'file';
  } else if (kind.kind === 'opaque') {
    info.path = parts.slice(0, -1).join('/');
    info.whiteout = 'opaque';
  }
  return info;
}

function cleanLink(entry: TarReadItem['entry']): string {
  if (entry.type === 'symlink') return entry.linkname;
  try {
    return cleanName(entry.linkname).join('/');
  } catch {
    return entry.linkname;
  }
}

/** Counts the bytes of a stream as they are read. */
async function* counted(source: Readable, counter: { bytes: number }): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunksOf(source)) {
    counter.bytes += chunk.byteLength;
    yield chunk;
  }
}

/**
 * Yields the entries of `layer` in archive order, with `read` given the body of each regular file
 * on request. With `counter`, `counter.bytes` is the uncompressed size read so far (the whole tar,
 * trailing blocks included, once the entries have been read to their end).
 */
export async function* layerEntries(
  layer: Layer,
  options: { signal?: AbortSignal; counter?: { bytes: number } } = {},
): AsyncGenerator<LayerEntry & { body: AsyncIterable<Buffer> }> {
  const stream: Readable = await layer.uncompressed(options);
  const input = options.counter === undefined ? stream : counted(stream, options.counter);
  try {
    for await (const item of readTar(input, options)) {
      const entry = toEntry(item);
      if (entry !== undefined) yield { ...entry, body: item.body };
    }
  } finally {
    stream.destroy();
  }
}

/** True when `path` is `dir` or lies below it (`dir` empty is the root). */
export function isWithin(path: string, dir: string): boolean {
  return dir === '' || path === dir || path.startsWith(`${dir}/`);
}
