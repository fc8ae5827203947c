/**
 * Encoding of tar headers (POSIX pax interchange format over ustar). Written by hand rather than
 * with tar-stream's packer because layers need what it cannot write: PAX records with raw-byte
 * values (`SCHILY.xattr.*`), PAX `uid`/`gid` beyond the 7 octal digits of ustar (tar-stream
 * silently writes 7777777), sub-second PAX `mtime`, and empty uname/gname for reproducibility.
 * It is also the hot path of layer creation: one Buffer per header, no per-entry streams.
 */
import { secondsOf, type TarEntry, type TarEntryType } from './entry.ts';

/** Size of a tar block. */
export const BLOCK = 512;

const TYPEFLAG: Record<TarEntryType, number> = {
  file: 0x30,
  link: 0x31,
  symlink: 0x32,
  'character-device': 0x33,
  'block-device': 0x34,
  directory: 0x35,
  fifo: 0x36,
};
const PAX_TYPEFLAG = 0x78; // 'x'

const MAX_OCTAL_7 = 0o7777777; // 8-byte fields: 7 digits + NUL
const MAX_OCTAL_11 = 0o77777777777; // 12-byte fields: 11 digits + NUL

/** Zero bytes that pad content up to the next block boundary. */
export function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return rest === 0 ? EMPTY : Buffer.alloc(BLOCK - rest);
}
const EMPTY = Buffer.alloc(0);

/** The two zero blocks that end an archive. */
export const END_OF_ARCHIVE: Buffer = Buffer.alloc(2 * BLOCK);

/** One PAX extended-header record: `"<len> <key>=<value>\n"`, where len counts its own digits. */
export function paxRecord(key: string, value: string | Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), Buffer.from(value), Buffer.from('\n')]);
  let digits = 1;
  while (String(body.length + digits).length !== digits) digits++;
  return Buffer.concat([Buffer.from(String(body.length + digits)), body]);
}

/** The PAX `mtime` value for a nanosecond timestamp: seconds, plus a fraction without trailing zeros. */
export function paxTime(ns: bigint): string {
  if (ns < 0n) return `-${paxTime(-ns)}`;
  const sec = secondsOf(ns);
  const frac = ns - sec * 1_000_000_000n;
  if (frac === 0n) return String(sec);
  return `${sec}.${String(frac).padStart(9, '0').replace(/0+$/, '')}`;
}

/** Parses a PAX time (`"1700000000.5"`, `"-1.25"`) into nanoseconds; undefined when malformed. */
export function parsePaxTime(value: string): bigint | undefined {
  const m = /^(-?)(\d+)(?:\.(\d*))?$/.exec(value);
  if (!m) return undefined;
  const frac = (m[3] ?? '').slice(0, 9).padEnd(9, '0');
  const ns = BigInt(m[2] as string) * 1_000_000_000n + BigInt(frac);
  return m[1] === '-' ? -ns : ns;
}

function writeString(buf: Buffer, value: string, offset: number, length: number): void {
  buf.write(value, offset, length, 'utf8');
}

function writeOctal(buf: Buffer, value: number, offset: number, length: number): void {
  const digits = value.toString(8).padStart(length - 1, '0');
  buf.write(digits, offset, length - 1, 'ascii');
  buf[offset + length - 1] = 0;
}

/** Base-256 (GNU) encoding for sizes beyond 11 octal digits; PAX `size` carries the value as well. */
function writeBase256(buf: Buffer, value: number, offset: number, length: number): void {
  let v = value;
  for (let i = offset + length - 1; i > offset; i--) {
    buf[i] = v % 256;
    v = Math.floor(v / 256);
  }
  buf[offset] = 0x80;
}

/** Longest prefix of `value` that fits `max` UTF-8 bytes without splitting a character. */
function truncateUtf8(value: string, max: number): string {
  const bytes = Buffer.from(value);
  if (bytes.length <= max) return value;
  let end = max;
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

function isPlainAscii(value: string): boolean {
  return /^[\x20-\x7e]*$/.test(value);
}

function ustarHeader(
  name: string,
  typeflag: number,
  mode: number,
  uid: number,
  gid: number,
  size: number,
  mtimeSec: number,
  linkname: string,
  devmajor: number,
  devminor: number,
  withDevice: boolean,
): Buffer {
  const buf = Buffer.alloc(BLOCK);
  writeString(buf, name, 0, 100);
  writeOctal(buf, mode & 0o7777, 100, 8);
  writeOctal(buf, uid <= MAX_OCTAL_7 ? uid : 0, 108, 8);
  writeOctal(buf, gid <= MAX_OCTAL_7 ? gid : 0, 116, 8);
  if (size <= MAX_OCTAL_11) writeOctal(buf, size, 124, 12);
  else writeBase256(buf, size, 124, 12);
  writeOctal(buf, mtimeSec >= 0 && mtimeSec <= MAX_OCTAL_11 ? mtimeSec : 0, 136, 12);
  buf[156] = typeflag;
  writeString(buf, linkname, 157, 100);
  buf.write('ustar\u000000', 257, 8, 'latin1');
  // uname (265) and gname (297) stay empty: host-dependent names would break reproducibility.
  if (withDevice) {
    writeOctal(buf, devmajor, 329, 8);
    writeOctal(buf, devminor, 337, 8);
  }
  buf.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += buf[i] as number;
  buf.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'latin1');
  return buf;
}

/**
 * The header block(s) of an entry: a PAX extended header when any field needs one (names or
 * link targets over 100 bytes or non-ASCII, large ids, sizes of 8 GiB or more, sub-second or
 * out-of-range mtimes, xattrs), then the ustar header. Directory names get a trailing `/`.
 */
export function encodeHeader(entry: TarEntry): Buffer {
  let name = entry.path;
  if (entry.type === 'directory' && !name.endsWith('/')) name += '/';
  const size = entry.type === 'file' ? entry.size : 0;
  const records: Buffer[] = [];
  if (Buffer.byteLength(name) > 100 || !isPlainAscii(name)) records.push(paxRecord('path', name));
  if (Buffer.byteLength(entry.linkname) > 100 || !isPlainAscii(entry.linkname)) {
    records.push(paxRecord('linkpath', entry.linkname));
  }
  if (size > MAX_OCTAL_11) records.push(paxRecord('size', String(size)));
  if (entry.uid > MAX_OCTAL_7) records.push(paxRecord('uid', String(entry.uid)));
  if (entry.gid > MAX_OCTAL_7) records.push(paxRecord('gid', String(entry.gid)));
  const sec = secondsOf(entry.mtimeNs);
  if (sec * 1_000_000_000n !== entry.mtimeNs || sec < 0n || sec > BigInt(MAX_OCTAL_11)) {
    records.push(paxRecord('mtime', paxTime(entry.mtimeNs)));
  }
  for (const key of [...entry.xattrs.keys()].sort()) {
    records.push(paxRecord(`SCHILY.xattr.${key}`, entry.xattrs.get(key) as Buffer));
  }
  const isDevice = entry.type === 'character-device' || entry.type === 'block-device';
  const header = ustarHeader(
    truncateUtf8(name, 100),
    TYPEFLAG[entry.type],
    entry.mode,
    entry.uid,
    entry.gid,
    size,
    Number(sec),
    truncateUtf8(entry.linkname, 100),
    entry.devmajor,
    entry.devminor,
    isDevice,
  );
  if (records.length === 0) return header;
  const pax = Buffer.concat(records);
  const paxName = truncateUtf8(`PaxHeaders/${name.replace(/\/+$/, '').split('/').pop() ?? ''}`, 100);
  const paxHeader = ustarHeader(paxName, PAX_TYPEFLAG, 0o644, 0, 0, pax.length, 0, '', 0, 0, false);
  return Buffer.concat([paxHeader, pax, padding(pax.length), header]);
}
