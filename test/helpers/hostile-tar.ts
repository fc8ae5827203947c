/**
 * A declarative builder for hostile (and ordinary) tar archives used by the layer tests. Entries
 * are written with tar-stream's packer, which writes names and link targets verbatim (`../x`,
 * `/etc/x`, `.wh..`); `raw` entries are hand-assembled ustar headers for forms a packer would
 * not produce (unknown type flags, names it would rewrite).
 */
import tarStream from 'tar-stream';

/** One entry of a test archive. */
export interface HostileEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';
  linkname?: string;
  content?: string | Buffer;
  mode?: number;
  uid?: number;
  gid?: number;
  /** Seconds since the epoch. */
  mtime?: number;
  devmajor?: number;
  devminor?: number;
  /** Extra PAX records (written as a PAX header by tar-stream). */
  pax?: Record<string, string>;
  /** Write this entry as a hand-made ustar header with this raw type flag character instead. */
  rawTypeflag?: string;
}

/** A hand-made 512-byte ustar header (checksum computed); the name is written byte for byte. */
export function rawHeader(fields: {
  name: string;
  typeflag: string;
  size?: number;
  linkname?: string;
  mode?: number;
}): Buffer {
  const buf = Buffer.alloc(512);
  buf.write(fields.name, 0, 100, 'utf8');
  buf.write(`${(fields.mode ?? 0o644).toString(8).padStart(7, '0')}\0`, 100, 'ascii');
  buf.write('0000000\0', 108, 'ascii');
  buf.write('0000000\0', 116, 'ascii');
  buf.write(`${(fields.size ?? 0).toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  buf.write('00000000000\0', 136, 'ascii');
  buf.write(fields.typeflag, 156, 1, 'latin1');
  buf.write(fields.linkname ?? '', 157, 100, 'utf8');
  buf.write('ustar\u000000', 257, 'latin1');
  buf.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of buf) sum += b;
  buf.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return buf;
}

function rawEntry(entry: HostileEntry): Buffer {
  const content = Buffer.from(entry.content ?? '');
  const header = rawHeader({
    name: entry.name,
    typeflag: entry.rawTypeflag ?? '0',
    size: content.length,
    linkname: entry.linkname,
    mode: entry.mode,
  });
  const pad = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, pad]);
}

/** Builds an uncompressed tar holding `entries` in order, ended by two zero blocks. */
export async function hostileTar(entries: readonly HostileEntry[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    if (entry.rawTypeflag !== undefined) {
      parts.push(rawEntry(entry));
      continue;
    }
    const pack = tarStream.pack();
    const chunks: Buffer[] = [];
    pack.on('data', (c) => {
      chunks.push(c as Buffer);
    });
    const done = new Promise<void>((resolve, reject) => {
      pack.on('end', () => resolve());
      pack.on('error', reject);
    });
    const type = entry.type ?? 'file';
    const header: tarStream.Header = {
      name: entry.name,
      type,
      size: 0,
      mode: entry.mode ?? (type === 'directory' ? 0o755 : 0o644),
      mtime: new Date((entry.mtime ?? 1_600_000_000) * 1000),
      linkname: entry.linkname ?? '',
      uid: entry.uid ?? 0,
      gid: entry.gid ?? 0,
      uname: '',
      gname: '',
      devmajor: entry.devmajor ?? 0,
      devminor: entry.devminor ?? 0,
      pax: entry.pax ?? null,
    };
    await new Promise<void>((resolve, reject) => {
      pack.entry(header, type === 'file' ? Buffer.from(entry.content ?? '') : Buffer.alloc(0), (err) =>
        err ? reject(err) : resolve(),
      );
    });
    pack.finalize();
    await done;
    // Drop this sub-archive's end-of-archive blocks; the whole archive gets one at the end.
    const bytes = Buffer.concat(chunks);
    parts.push(bytes.subarray(0, bytes.length - 1024));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
