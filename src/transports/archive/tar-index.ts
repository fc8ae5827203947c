/**
 * A random-access index of a tar file: entry name → type, data offset, size and link target.
 *
 * Why the headers are parsed by hand rather than with tar-stream: tar-stream's extractor does not
 * report where an entry's data lies in the file and reads every byte of it to reach the next
 * header. Here only the 512-byte headers (and PAX / GNU long-name records) are read, with
 * positioned reads that skip over the data, so indexing a multi-gigabyte `docker save` costs a
 * few kilobytes of I/O, and each layer is later streamed straight from its file offset without
 * being extracted anywhere. Nothing is ever written, so a hostile archive cannot place a file.
 */
import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { ErrorCode, OciError, toOciError } from '../../errors/index.ts';

/** The kinds of entry the index distinguishes. */
export type TarEntryType = 'file' | 'directory' | 'symlink' | 'link' | 'other';

/** One entry of a tar file, as the last header for its name describes it. */
export interface TarEntry {
  /** Normalised name: relative, `/`-separated, no `.` components, no trailing slash. */
  readonly name: string;
  readonly type: TarEntryType;
  /** Offset of the entry's data in the file. */
  readonly offset: number;
  /** Data size in bytes. */
  readonly size: number;
  /** Target of a symlink (as written) or hard link (an entry name); empty otherwise. */
  readonly linkname: string;
}

const BLOCK = 512;
/** Largest PAX or GNU long-name record accepted. */
const MAX_META_BYTES = 1 << 20;
/** Largest number of entries indexed (a docker save holds a few per layer). */
const MAX_ENTRIES = 1_000_000;

function invalidArchive(path: string, message: string): OciError {
  return new OciError(ErrorCode.INVALID_ARCHIVE, `${path}: ${message}`, { data: { path } });
}

/**
 * Normalises a tar entry name; throws UNSAFE_PATH for absolute names and any `..` component.
 * Returns `''` for the archive root (`.`, `./`).
 */
export function normalizeEntryName(raw: string, archive: string): string {
  if (raw.startsWith('/') || raw.includes('\\') || raw.includes('\0')) {
    throw new OciError(
      ErrorCode.UNSAFE_PATH,
      `${archive}: entry name ${JSON.stringify(raw)} is not a relative path`,
      {
        data: { path: archive, entry: raw },
      },
    );
  }
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) {
    throw new OciError(
      ErrorCode.UNSAFE_PATH,
      `${archive}: entry name ${JSON.stringify(raw)} leaves the archive`,
      {
        data: { path: archive, entry: raw },
      },
    );
  }
  return parts.join('/');
}

function cString(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const nul = field.indexOf(0);
  return (nul === -1 ? field : field.subarray(0, nul)).toString('utf8');
}

/** A numeric header field: octal text, or GNU base-256 when the high bit of the first byte is set. */
function numeric(block: Buffer, start: number, length: number, path: string): number {
  const field = block.subarray(start, start + length);
  if (((field[0] ?? 0) & 0x80) !== 0) {
    if (((field[0] ?? 0) & 0x40) !== 0) throw invalidArchive(path, 'negative number in a tar header');
    let value = (field[0] ?? 0) & 0x3f;
    for (let i = 1; i < field.length; i++) value = value * 256 + (field[i] ?? 0);
    if (!Number.isSafeInteger(value)) throw invalidArchive(path, 'number in a tar header is too large');
    return value;
  }
  const text = field
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .replace(/^ +/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text))
    throw invalidArchive(path, `bad octal number ${JSON.stringify(text)} in a tar header`);
  const value = Number.parseInt(text, 8);
  if (!Number.isSafeInteger(value)) throw invalidArchive(path, 'number in a tar header is too large');
  return value;
}

function checksumMatches(block: Buffer, path: string): boolean {
  const recorded = numeric(block, 148, 8, path);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return recorded === unsigned || recorded === signed;
}

/** Parses PAX extended header records (`"<len> <key>=<value>\n"`). */
function paxRecords(data: Buffer, path: string): Map<string, string> {
  const records = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space === -1) break;
    const length = Number.parseInt(data.toString('latin1', pos, space), 10);
    if (!Number.isSafeInteger(length) || length <= space - pos || pos + length > data.length) {
      throw invalidArchive(path, 'malformed PAX header record');
    }
    const record = data.toString('utf8', space + 1, pos + length - 1);
    const eq = record.indexOf('=');
    if (eq > 0) records.set(record.slice(0, eq), record.slice(eq + 1));
    pos += length;
  }
  return records;
}

function entryType(flag: string): TarEntryType {
  switch (flag) {
    case '0':
    case '\0':
    case '':
    case '7':
      return 'file';
    case '1':
      return 'link';
    case '2':
      return 'symlink';
    case '5':
      return 'directory';
    default:
      return 'other';
  }
}

async function readExactly(handle: FileHandle, length: number, position: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? buffer : buffer.subarray(0, done);
}

/** A tar file indexed once for random access to its entries. */
export class TarIndex {
  /** The tar file. */
  readonly path: string;
  /** Entries by normalised name; a later header for the same name replaces an earlier one. */
  readonly entries: ReadonlyMap<string, TarEntry>;

  private constructor(path: string, entries: Map<string, TarEntry>) {
    this.path = path;
    this.entries = entries;
  }

  /**
   * Indexes a tar file. Throws NOT_FOUND when it does not exist, INVALID_ARCHIVE for a malformed
   * or truncated tar, and UNSAFE_PATH for an entry whose name is absolute or contains `..`.
   */
  static async open(path: string): Promise<TarIndex> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      throw toOciError(err);
    }
    try {
      const fileSize = (await handle.stat()).size;
      const entries = new Map<string, TarEntry>();
      let position = 0;
      let longName: string | undefined;
      let longLink: string | undefined;
      let pax: Map<string, string> | undefined;
      let count = 0;
      while (position < fileSize) {
        const block = await readExactly(handle, BLOCK, position);
        if (block.length < BLOCK) throw invalidArchive(path, 'truncated tar header');
        // A zero block ends the archive (some writers omit the second one, or both).
        if (block.every((b) => b === 0)) break;
        if (!checksumMatches(block, path))
          throw invalidArchive(path, `bad tar header checksum at offset ${position}`);
        const flag = String.fromCharCode(block[156] ?? 0);
        const headerSize = numeric(block, 124, 12, path);
        const size = pax?.has('size') ? Number(pax.get('size')) : headerSize;
        if (!Number.isSafeInteger(size) || size < 0) throw invalidArchive(path, 'bad entry size');
        const dataOffset = position + BLOCK;
        if (dataOffset + size > fileSize) throw invalidArchive(path, 'truncated tar entry data');
        position = dataOffset + Math.ceil(size / BLOCK) * BLOCK;

        if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
          if (size > MAX_META_BYTES) throw invalidArchive(path, 'tar metadata record too large');
          const data = await readExactly(handle, size, dataOffset);
          if (flag === 'x') pax = paxRecords(data, path);
          else if (flag === 'L') longName = cString(data, 0, data.length);
          else if (flag === 'K') longLink = cString(data, 0, data.length);
          // 'g' (global PAX) carries no per-entry name or size that matters here.
          continue;
        }

        let rawName = cString(block, 0, 100);
        const magic = block.toString('latin1', 257, 263);
        // POSIX ustar splits long names into prefix + name; GNU uses those bytes for other fields.
        if (magic === 'ustar\0') {
          const prefix = cString(block, 345, 155);
          if (prefix !== '') rawName = `${prefix}/${rawName}`;
        }
        rawName = pax?.get('path') ?? longName ?? rawName;
        const linkname = pax?.get('linkpath') ?? longLink ?? cString(block, 157, 100);
        pax = undefined;
        longName = undefined;
        longLink = undefined;

        const name = normalizeEntryName(rawName, path);
        if (name === '') continue;
        if (++count > MAX_ENTRIES) throw invalidArchive(path, 'too many entries');
        entries.set(name, { name, type: entryType(flag), offset: dataOffset, size, linkname });
      }
      return new TarIndex(path, entries);
    } finally {
      await handle.close();
    }
  }

  /** The entry of that exact (normalised) name, if any. */
  get(name: string): TarEntry | undefined {
    return this.entries.get(name);
  }

  /** Opens a stream of an entry's data from `start` (default 0) to its end. */
  stream(entry: TarEntry, options: { start?: number; signal?: AbortSignal } = {}): Readable {
    const start = options.start ?? 0;
    if (start >= entry.size) return Readable.from([]);
    return createReadStream(this.path, {
      start: entry.offset + start,
      end: entry.offset + entry.size - 1,
      highWaterMark: 1 << 20,
      signal: options.signal,
    });
  }

  /** Reads up to `length` bytes of an entry's data from its start. */
  async head(entry: TarEntry, length: number): Promise<Buffer> {
    const handle = await open(this.path, 'r');
    try {
      return await readExactly(handle, Math.min(length, entry.size), entry.offset);
    } finally {
      await handle.close();
    }
  }

  /** Reads a whole entry, failing with TOO_LARGE above `maxBytes`. */
  async read(entry: TarEntry, maxBytes: number): Promise<Buffer> {
    if (entry.size > maxBytes) {
      throw new OciError(
        ErrorCode.TOO_LARGE,
        `${this.path}: ${entry.name} is larger than the ${maxBytes}-byte limit`,
        {
          data: { path: this.path, entry: entry.name, limit: maxBytes },
        },
      );
    }
    const data = await this.head(entry, entry.size);
    if (data.length !== entry.size) throw invalidArchive(this.path, `${entry.name} is truncated`);
    return data;
  }
}
