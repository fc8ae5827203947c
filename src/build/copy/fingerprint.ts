/**
 * The fingerprint of what a COPY reads, for its cache key: every file's path, type, mode, size,
 * link target, content digest and time as the layer would record it (clamped, so touching a file
 * changes nothing when times are clamped below it). Contents are hashed in 1 MiB reads, so memory
 * stays flat for any file size.
 */
import { createHash, type Hash } from 'node:crypto';
import { type BigIntStats, closeSync, openSync, readlinkSync, readSync } from 'node:fs';
import { walkContents } from '../context/walk.ts';
import type { SourceItem } from './plan.ts';

const CHUNK = 1 << 20;

/** sha256 of a file's bytes, read in chunks. */
function fileDigest(abs: string, buffer: Buffer): string {
  const hash = createHash('sha256');
  const fd = openSync(abs, 'r');
  try {
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** What one fingerprint pass carries along. */
interface Pass {
  readonly hash: Hash;
  readonly clampNs: bigint | undefined;
  readonly buffer: Buffer;
  /** First path seen of each multiply-linked inode (hard links are recorded by path, not inode). */
  readonly links: Map<string, string>;
}

function record(
  pass: Pass,
  id: string,
  rel: string,
  abs: string,
  stats: BigIntStats,
  keepOwners: boolean,
): void {
  const { hash, clampNs, buffer } = pass;
  let linkedTo = '';
  if (stats.isFile() && stats.nlink > 1n) {
    const key = `${stats.dev}:${stats.ino}`;
    linkedTo = pass.links.get(key) ?? '';
    if (linkedTo === '') pass.links.set(key, id);
  }
  let mtime = stats.mtimeNs / 1_000_000_000n;
  if (clampNs !== undefined && mtime * 1_000_000_000n > clampNs) mtime = clampNs / 1_000_000_000n;
  const type = stats.isFile() ? 'f' : stats.isDirectory() ? 'd' : stats.isSymbolicLink() ? 'l' : 's';
  const fields = [
    rel,
    type,
    (Number(stats.mode) & 0o7777).toString(8),
    keepOwners ? `${stats.uid}:${stats.gid}` : '',
    stats.isFile() ? String(stats.size) : '',
    String(mtime),
    type === 'l' ? readlinkSync(abs) : type === 's' ? String(stats.rdev) : '',
    type === 'f' ? fileDigest(abs, buffer) : '',
    linkedTo,
  ];
  hash.update(`${JSON.stringify(fields)}\n`);
}

/** The hex sha256 fingerprint of the items (see the module comment). */
export function fingerprintSources(items: readonly SourceItem[], clampNs: bigint | undefined): string {
  const hash = createHash('sha256');
  const pass: Pass = { hash, clampNs, buffer: Buffer.allocUnsafe(CHUNK), links: new Map() };
  for (const [index, item] of items.entries()) {
    if (item.kind === 'inline') {
      hash.update(
        `${JSON.stringify(['inline', item.name, createHash('sha256').update(item.content).digest('hex')])}\n`,
      );
      continue;
    }
    const abs = item.path === '' ? item.root.dir : `${item.root.dir}/${item.path}`;
    hash.update(`${JSON.stringify(['item', item.name, item.path])}\n`);
    record(pass, `${index}:`, '', abs, item.stats, item.root.keepOwners);
    if (!item.stats.isDirectory()) continue;
    for (const walked of walkContents(item.root, item.path, item.filter)) {
      hash.update(walked.taken ? '+' : '-');
      record(pass, `${index}:${walked.rel}`, walked.rel, walked.abs, walked.stats, item.root.keepOwners);
    }
  }
  return hash.digest('hex');
}
