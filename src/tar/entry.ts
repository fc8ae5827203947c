/**
 * The tar entry model shared by the reader, the writer, the walker and the applier
 * (image-spec layer.md "File Attributes": mtime, uid, gid, mode, xattrs, link targets).
 */

/** The entry types a layer may hold (layer.md "File Types"; sockets have no tar form). */
export type TarEntryType =
  | 'file'
  | 'directory'
  | 'symlink'
  | 'link'
  | 'character-device'
  | 'block-device'
  | 'fifo';

/** One tar entry, independent of how its header was encoded (ustar fields, PAX records, GNU long names). */
export interface TarEntry {
  /** The name as stored in the archive (untrusted; directories may end with `/`). */
  path: string;
  type: TarEntryType;
  /** Permission bits including setuid, setgid and sticky (`0o7777`). */
  mode: number;
  uid: number;
  gid: number;
  /** Content size in bytes (0 for everything but regular files). */
  size: number;
  /** Modification time in nanoseconds since the epoch (PAX `mtime` keeps sub-second precision). */
  mtimeNs: bigint;
  /** Symlink target, or the archive path of a hard link's target; empty otherwise. */
  linkname: string;
  devmajor: number;
  devminor: number;
  /** Extended attributes (`SCHILY.xattr.*` and `LIBARCHIVE.xattr.*` PAX records), name → raw value; names are untrusted. */
  xattrs: Map<string, Buffer>;
}

/** A fresh entry with neutral defaults: root-owned, mode 0644 (0755 for directories), epoch mtime. */
export function makeEntry(fields: Partial<TarEntry> & Pick<TarEntry, 'path' | 'type'>): TarEntry {
  return {
    mode: fields.type === 'directory' ? 0o755 : 0o644,
    uid: 0,
    gid: 0,
    size: 0,
    mtimeNs: 0n,
    linkname: '',
    devmajor: 0,
    devminor: 0,
    xattrs: new Map(),
    ...fields,
  };
}

/** Whole seconds of a nanosecond timestamp, rounded towards minus infinity. */
export function secondsOf(ns: bigint): bigint {
  const s = ns / 1_000_000_000n;
  return ns < 0n && s * 1_000_000_000n !== ns ? s - 1n : s;
}

/** A nanosecond timestamp as the (double) seconds value that `fs.utimes` accepts; sub-microsecond digits may round. */
export function toUtimesSeconds(ns: bigint): number {
  const s = secondsOf(ns);
  return Number(s) + Number(ns - s * 1_000_000_000n) / 1e9;
}
