/**
 * Reading uncompressed tar streams (ustar, POSIX pax, GNU long names, base-256 numbers) into
 * {@link TarEntry}. Written by hand rather than with tar-stream's extractor because layers need
 * PAX values as raw bytes (tar-stream decodes them as UTF-8, which corrupts binary
 * `SCHILY.xattr.security.capability` values), PAX `uid`/`gid`/`mtime`, and because it is the
 * unpack hot path: no stream object per entry, pulled chunk by chunk with natural backpressure.
 * Every byte read is handed to the hasher, trailing blocks included, so the caller gets the
 * DiffID of the stream exactly as received.
 */
import type { Readable } from 'node:stream';
import type { Hasher } from '../digest/index.ts';
import { ErrorCode, OciError } from '../errors/index.ts';
import { ByteSource } from './bytes.ts';
import type { TarEntry, TarEntryType } from './entry.ts';
import { BLOCK, parsePaxTime } from './header.ts';
import {
  checkSparseMap,
  type PaxSparse,
  paxSparse,
  readDataMap,
  type SparseFragment,
  type SparseMap,
  sparseContent,
} from './sparse.ts';

/** An uncompressed tar stream: a Readable, or any (async) iterable of byte chunks. */
export type TarInput = AsyncIterable<Uint8Array> | Iterable<Uint8Array> | Readable;

/** An entry and its content; the body must be consumed (or abandoned) before the next entry is read. */
export interface TarReadItem {
  entry: TarEntry;
  /**
   * The content, `entry.size` bytes. A sparse file's holes come as chunks of zeros shared by every
   * reader: never write into a chunk (`sparse` gives the holes' places instead).
   */
  body: AsyncIterable<Buffer>;
  /**
   * A sparse file's map and stored data, for writers that leave holes as holes: `data(n)` yields
   * the next `n` stored bytes, fragment after fragment (use this or `body`, not both).
   */
  sparse?: { map: SparseMap; data: (length: number) => AsyncIterable<Buffer> };
  /**
   * A regular file's whole content when it was already buffered in one piece (most small files),
   * so it can be written without an async iteration per file; `body` then yields exactly these
   * bytes (use one or the other).
   */
  content?: Buffer;
}

/** An async iterable yielding one buffer (the body of an entry whose content is already read). */
function single(chunk: Buffer): AsyncIterable<Buffer> {
  return {
    async *[Symbol.asyncIterator]() {
      yield chunk;
    },
  };
}

/** Options for {@link readTar}. */
export interface ReadTarOptions {
  /** Receives every byte of the input, in order. */
  hasher?: Hasher;
  /** Stops reading between entries when aborted. */
  signal?: AbortSignal;
}

/** No PAX records (shared, never written). */
const NO_RECORDS: ReadonlyMap<string, Buffer> = new Map();

/** Largest PAX or GNU long-name record accepted (they are held in memory). */
export const MAX_META_SIZE = 1 << 20;

const TYPES: Record<string, TarEntryType> = {
  '0': 'file',
  '\u0000': 'file',
  '7': 'file',
  // Old GNU sparse: a regular file stored as fragments (see oldGnuSparseMap).
  S: 'file',
  '1': 'link',
  '2': 'symlink',
  '3': 'character-device',
  '4': 'block-device',
  '5': 'directory',
  '6': 'fifo',
};

function invalid(message: string, data: Record<string, unknown> = {}): OciError {
  return new OciError(ErrorCode.INVALID_ARCHIVE, message, { data });
}

function cString(block: Buffer, offset: number, length: number): string {
  const end = block.indexOf(0, offset);
  return block.toString('utf8', offset, end === -1 || end > offset + length ? offset + length : end);
}

/** A numeric header field: octal (NUL/space padded) or GNU base-256. */
function numberField(block: Buffer, offset: number, length: number, field: string): number {
  const first = block[offset] as number;
  if (first & 0x80) {
    if (first !== 0x80) throw invalid(`negative or malformed base-256 ${field} field`);
    let value = 0;
    for (let i = offset + 1; i < offset + length; i++) value = value * 256 + (block[i] as number);
    if (!Number.isSafeInteger(value)) throw invalid(`${field} field too large`);
    return value;
  }
  // Octal digits between NUL/space padding, parsed byte by byte: several fields of every header
  // go through here, and decoding them to strings for regular expressions showed in profiles.
  const end = offset + length;
  let i = offset;
  while (i < end && (block[i] === 0 || block[i] === 0x20)) i++;
  let value = 0;
  for (; i < end; i++) {
    const b = block[i] as number;
    if (b < 0x30 || b > 0x37) break;
    value = value * 8 + (b - 0x30);
  }
  for (; i < end; i++) {
    if (block[i] !== 0 && block[i] !== 0x20) {
      const text = block.toString('latin1', offset, end);
      throw invalid(`malformed ${field} field ${JSON.stringify(text)}`);
    }
  }
  return value;
}

function checksumOk(block: Buffer): boolean {
  // The checksum field itself counts as eight spaces. Historic writers summed signed bytes: that
  // sum is the unsigned one minus 256 for every byte above 127.
  let unsigned = 8 * 0x20;
  let high = 0;
  for (let i = 0; i < 148; i++) {
    const b = block[i] as number;
    unsigned += b;
    if (b > 127) high++;
  }
  for (let i = 156; i < BLOCK; i++) {
    const b = block[i] as number;
    unsigned += b;
    if (b > 127) high++;
  }
  const stored = numberField(block, 148, 8, 'checksum');
  return stored === unsigned || stored === unsigned - 256 * high;
}

function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/**
 * Parses PAX extended-header records into key → raw value bytes (a later record replaces an
 * earlier one; GNU sparse 0.0's repeated records come out joined as `GNU.sparse.map`).
 */
export function parsePaxRecords(data: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const sparse0x0: Array<string | Buffer> = [];
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break; // padding some writers leave
    const space = data.indexOf(0x20, pos);
    if (space === -1) throw invalid('malformed PAX record (no length)');
    const lengthText = data.toString('latin1', pos, space);
    const length = Number(lengthText);
    if (!/^\d+$/.test(lengthText) || length <= space - pos + 1 || pos + length > data.length) {
      throw invalid(`malformed PAX record length ${JSON.stringify(lengthText)}`);
    }
    const record = data.subarray(space + 1, pos + length);
    if (record[record.length - 1] !== 0x0a) throw invalid('malformed PAX record (no newline)');
    const eq = record.indexOf(0x3d);
    if (eq <= 0) throw invalid('malformed PAX record (no key)');
    const key = record.toString('utf8', 0, eq);
    const value = record.subarray(eq + 1, record.length - 1);
    if (key === 'GNU.sparse.offset' || key === 'GNU.sparse.numbytes') sparse0x0.push(key, value);
    else out.set(key, value);
    pos += length;
  }
  if (sparse0x0.length > 0) out.set('GNU.sparse.map', joinSparse0x0(sparse0x0));
  return out;
}

/**
 * GNU sparse 0.0 repeats `GNU.sparse.offset` and `GNU.sparse.numbytes` records, which a map of
 * records cannot hold: they are joined into the 0.1 form, `GNU.sparse.map=offset,length,...`, as
 * Go's archive/tar does (and refused out of order, as it refuses them).
 */
function joinSparse0x0(records: Array<string | Buffer>): Buffer {
  const values: string[] = [];
  for (let i = 0; i < records.length; i += 2) {
    const key = records[i] as string;
    const value = (records[i + 1] as Buffer).toString('latin1');
    if (
      key !== (values.length % 2 === 0 ? 'GNU.sparse.offset' : 'GNU.sparse.numbytes') ||
      value.includes(',')
    ) {
      throw invalid('malformed GNU sparse 0.0 records (out of order)');
    }
    values.push(value);
  }
  return Buffer.from(values.join(','), 'latin1');
}

function paxInteger(pax: Map<string, Buffer>, key: string, fallback: number): number {
  const raw = pax.get(key);
  if (raw === undefined) return fallback;
  const text = raw.toString('latin1');
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw invalid(`invalid PAX ${key} record ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** The ustar prefix field: 155 bytes, or 131 in star's variant (marked by `tar\0` at its end). */
function ustarPrefix(block: Buffer): string {
  const star = block[508] === 0x74 && block[509] === 0x61 && block[510] === 0x72 && block[511] === 0;
  return cString(block, 345, star ? 131 : 155);
}

/**
 * The prefix Go's archive/tar wrote before Go 1.8 into GNU-format headers, which have no prefix
 * field (the bytes are the access and change times): when those times are not numbers and the
 * bytes are ASCII, they are the prefix. Go's reader, and so umoci, containerd and Docker, read
 * such entries (a long name beside a number too large for octal) this way.
 */
function goLegacyPrefix(block: Buffer): string | undefined {
  if (block.toString('latin1', 257, 265) !== 'ustar  \u0000') return undefined;
  try {
    numberField(block, 345, 12, 'atime');
    if (block[357] !== 0) numberField(block, 357, 12, 'ctime');
    return undefined;
  } catch {
    const prefix = cString(block, 345, 155);
    return /^[\x00-\x7f]*$/.test(prefix) ? prefix : undefined;
  }
}

/** Applies PAX records and GNU long names to a parsed ustar header. */
function buildEntry(
  block: Buffer,
  typeflag: string,
  pax: Map<string, Buffer>,
  longName: string | undefined,
  longLink: string | undefined,
): TarEntry {
  let name = cString(block, 0, 100);
  const ustar = block.toString('latin1', 257, 263) === 'ustar\u0000';
  if (block[345] !== 0) {
    const prefix = ustar ? ustarPrefix(block) : goLegacyPrefix(block);
    if (prefix !== undefined) name = `${prefix}/${name}`;
  }
  if (longName !== undefined) name = longName;
  const paxPath = pax.get('path');
  if (paxPath !== undefined) name = paxPath.toString('utf8');
  let type = TYPES[typeflag];
  if (type === undefined) {
    throw invalid(`unsupported tar entry type ${JSON.stringify(typeflag)} for ${JSON.stringify(name)}`, {
      entry: name,
    });
  }
  // Pre-POSIX archives mark directories only by a trailing slash on an old-style (NUL) type flag.
  if (typeflag === '\u0000' && name.endsWith('/')) type = 'directory';
  let linkname = longLink ?? cString(block, 157, 100);
  const paxLink = pax.get('linkpath');
  if (paxLink !== undefined) linkname = paxLink.toString('utf8');
  let mtimeNs = BigInt(numberField(block, 136, 12, 'mtime')) * 1_000_000_000n;
  const paxMtime = pax.get('mtime');
  if (paxMtime !== undefined) {
    const parsed = parsePaxTime(paxMtime.toString('latin1'));
    if (parsed === undefined)
      throw invalid(`invalid PAX mtime record ${JSON.stringify(paxMtime.toString('latin1'))}`);
    mtimeNs = parsed;
  }
  const xattrs = new Map<string, Buffer>();
  for (const [key, value] of pax) {
    if (key.startsWith('SCHILY.xattr.')) xattrs.set(key.slice('SCHILY.xattr.'.length), Buffer.from(value));
  }
  for (const [key, value] of pax) {
    if (key.startsWith('LIBARCHIVE.xattr.')) {
      let xattrName: string;
      try {
        xattrName = decodeURIComponent(key.slice('LIBARCHIVE.xattr.'.length));
      } catch {
        throw invalid(`malformed PAX record ${JSON.stringify(key)} for ${JSON.stringify(name)}`, {
          entry: name,
        });
      }
      xattrs.set(xattrName, Buffer.from(value.toString('latin1'), 'base64'));
    }
  }
  const size = paxInteger(pax, 'size', numberField(block, 124, 12, 'size'));
  return {
    path: name,
    type,
    mode: numberField(block, 100, 8, 'mode') & 0o7777,
    uid: paxInteger(pax, 'uid', numberField(block, 108, 8, 'uid')),
    gid: paxInteger(pax, 'gid', numberField(block, 116, 8, 'gid')),
    size,
    mtimeNs,
    linkname,
    devmajor: ustar || typeflag === '3' || typeflag === '4' ? numberField(block, 329, 8, 'devmajor') : 0,
    devminor: ustar || typeflag === '3' || typeflag === '4' ? numberField(block, 337, 8, 'devminor') : 0,
    xattrs,
  };
}

/** A sparse entry's map, and how many bytes of the entry's data it took (a 1.0 map's). */
interface ReadSparseMap extends SparseMap {
  mapBytes: number;
}

/**
 * The map of an old GNU sparse entry (type `S`): up to four fragments in the header, more in
 * extension blocks read from `source` (each flags whether another follows), and the real size.
 * The header must be GNU's (star's sparse header shares the type flag with another layout).
 */
async function oldGnuSparseMap(block: Buffer, source: ByteSource, entry: string): Promise<ReadSparseMap> {
  if (block.toString('latin1', 257, 265) !== 'ustar  \u0000') {
    throw invalid(`sparse entry ${JSON.stringify(entry)} is not in GNU format`, { entry });
  }
  const fragments: SparseFragment[] = [];
  const readFragments = (area: Buffer, offset: number, count: number): void => {
    for (let i = 0; i < count; i++) {
      const at = offset + i * 24;
      if (area[at] === 0) break;
      fragments.push({
        offset: numberField(area, at, 12, 'sparse offset'),
        length: numberField(area, at + 12, 12, 'sparse length'),
      });
    }
  };
  readFragments(block, 386, 4);
  const realSize = numberField(block, 483, 12, 'sparse size');
  for (let extended = block[482] !== 0; extended; ) {
    if (fragments.length * 24 > MAX_META_SIZE) {
      throw invalid(`the sparse map of ${JSON.stringify(entry)} is too large`, { entry });
    }
    if (!(await source.ensure(BLOCK))) throw invalid('unexpected end of tar stream in a sparse header');
    const extension = source.take(BLOCK);
    readFragments(extension, 0, 21);
    extended = extension[504] !== 0;
  }
  // Extension blocks are not part of the entry's data.
  return { fragments, realSize, mapBytes: 0 };
}

/**
 * The map of a PAX sparse entry (GNU 0.0, 0.1 or 1.0) that `paxSparse` found: the entry takes its
 * real name; a 1.0 map is read from the start of its data.
 */
async function paxSparseMap(
  sparse: PaxSparse,
  entry: TarEntry,
  source: ByteSource,
  dataSize: number,
): Promise<ReadSparseMap> {
  if (entry.type !== 'file') {
    throw invalid(`sparse records on ${JSON.stringify(entry.path)}, which is not a regular file`, {
      entry: entry.path,
    });
  }
  if (sparse.name !== undefined) entry.path = sparse.name;
  const realSize = sparse.realSize ?? entry.size;
  if (sparse.fragments !== undefined) return { fragments: sparse.fragments, realSize, mapBytes: 0 };
  const { fragments, bytes } = await readDataMap(source, dataSize, entry.path);
  return { fragments, realSize, mapBytes: bytes };
}

function padOf(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/**
 * Reads an uncompressed tar stream entry by entry. Malformed or truncated archives fail with
 * INVALID_ARCHIVE. Reading stops at the first zero block; the rest of the input is still read
 * (and hashed). Breaking out of the loop stops reading the input.
 */
export async function* readTar(input: TarInput, options: ReadTarOptions = {}): AsyncGenerator<TarReadItem> {
  const hasher = options.hasher;
  const source = new ByteSource(
    input as AsyncIterable<Uint8Array>,
    hasher ? (c) => hasher.update(c) : undefined,
  );
  let finished = false;
  try {
    let pax = new Map<string, Buffer>();
    let globalPax = new Map<string, Buffer>();
    let ownPax: ReadonlyMap<string, Buffer> = NO_RECORDS;
    let longName: string | undefined;
    let longLink: string | undefined;
    for (;;) {
      options.signal?.throwIfAborted();
      // Awaited only when the header is not buffered yet: most are, and every await is a
      // microtask turn per entry.
      if (source.buffered < BLOCK && !(await source.ensure(BLOCK))) {
        if (source.buffered === 0 && pax.size === 0 && longName === undefined && longLink === undefined)
          break;
        throw invalid('unexpected end of tar stream in a header');
      }
      const block = source.take(BLOCK);
      if (isZeroBlock(block)) break;
      if (!checksumOk(block))
        throw invalid('invalid tar header checksum (corrupt, or not an uncompressed tar)');
      const typeflag = String.fromCharCode(block[156] as number);
      if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
        const size = numberField(block, 124, 12, 'size');
        if (size > MAX_META_SIZE) throw invalid(`tar extended header of ${size} bytes is too large`);
        if (!(await source.ensure(size + padOf(size))))
          throw invalid('unexpected end of tar stream in an extended header');
        const data = Buffer.from(source.take(size));
        source.take(padOf(size));
        if (typeflag === 'x') {
          ownPax = parsePaxRecords(data);
          pax = new Map([...globalPax, ...ownPax]);
        } else if (typeflag === 'g') {
          globalPax = new Map([...globalPax, ...parsePaxRecords(data)]);
          pax = new Map([...globalPax, ...pax]);
        } else if (typeflag === 'L') longName = cString(data, 0, data.length);
        else longLink = cString(data, 0, data.length);
        continue;
      }
      const records = pax.size > 0 ? pax : globalPax;
      const entry = buildEntry(block, typeflag, records, longName, longLink);
      // Sparse records count only in the entry's own PAX header, never in a global one (as Go).
      const entryRecords = ownPax;
      ownPax = NO_RECORDS;
      // pax is replaced, never mutated: an empty one is kept rather than reallocated per entry.
      if (pax.size > 0 || globalPax.size > 0) pax = globalPax.size > 0 ? new Map(globalPax) : new Map();
      longName = undefined;
      longLink = undefined;
      // Only regular files have data blocks. The other types are headers alone, whatever their
      // size field says: Go's archive/tar (so Docker, containerd and umoci) reads the next header
      // right after them, and so does GNU tar with Go's test archive of such entries.
      const dataSize = entry.type === 'file' ? entry.size : 0;
      if (entry.type !== 'file') entry.size = 0;
      let remaining = dataSize;
      /** Yields the next `length` bytes of the entry's data. */
      const data = async function* (length: number): AsyncGenerator<Buffer> {
        for (let left = length; left > 0; ) {
          if (source.buffered === 0 && !(await source.ensure(1))) {
            throw invalid(`unexpected end of tar stream in the content of ${JSON.stringify(entry.path)}`, {
              entry: entry.path,
            });
          }
          const chunk = source.takeSome(left);
          left -= chunk.length;
          remaining -= chunk.length;
          if (entry.type === 'file') yield chunk;
        }
      };
      // Looked for without an await: most entries are not sparse, and each await is a turn.
      const paxSparseRecords = entryRecords.size > 0 ? paxSparse(entryRecords, entry.path) : undefined;
      const sparse =
        typeflag === 'S'
          ? await oldGnuSparseMap(block, source, entry.path)
          : paxSparseRecords !== undefined
            ? await paxSparseMap(paxSparseRecords, entry, source, dataSize)
            : undefined;
      if (sparse !== undefined) {
        remaining -= sparse.mapBytes;
        checkSparseMap(sparse, remaining, entry.path);
        entry.size = sparse.realSize;
        yield { entry, body: sparseContent(sparse, data), sparse: { map: sparse, data } };
      } else if (entry.type === 'file' && remaining > 0 && source.contiguous >= remaining) {
        const content = source.takeSome(remaining);
        remaining = 0;
        yield { entry, body: single(content), content };
      } else yield { entry, body: data(remaining) };
      if (remaining > 0) for await (const _ of data(remaining)) void _;
      const pad = padOf(dataSize);
      if (pad > 0) {
        if (source.buffered >= pad) source.take(pad);
        // The stream ending inside the last entry's padding (umoci insert writes layers so) ends
        // the archive: every byte of content was read, as Go's archive/tar and umoci accept it.
        else if (!(await source.skip(pad))) break;
      }
    }
    await source.drain();
    finished = true;
  } finally {
    if (!finished) await source.close();
  }
}
