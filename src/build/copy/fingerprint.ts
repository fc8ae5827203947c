/**
 * The fingerprint of what a COPY reads, for its cache key: every file's path, type, mode, size,
 * link target, content digest and time as the layer would record it (clamped, so touching a file
 * changes nothing when times are clamped below it). Contents are hashed in 1 MiB reads, so memory
 * stays flat for any file size.
 *
 * The same pass records the identity of what it read (device, inode, size, mode and ctime of each
 * path, which any change to a file moves): {@link sourcesIdentity} walks the sources again after
 * the layer is written, so a step whose sources changed in between fails instead of storing other
 * content under the key computed here.
 */
import { createHash, type Hash } from 'node:crypto';
import { type BigIntStats, closeSync, lstatSync, readlinkSync, readSync } from 'node:fs';
import { walkContents } from '../context/walk.ts';
import type { SourceItem } from './plan.ts';
import { changedError, openPlannedFile } from './source-file.ts';

const CHUNK = 1 << 20;

/** sha256 of the bytes of the file the walk saw at `abs` (`stats`), read in chunks. */
function fileDigest(abs: string, stats: BigIntStats, buffer: Buffer): string {
  const hash = createHash('sha256');
  const fd = openPlannedFile(abs, stats);
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
  /** The identity of every path recorded (see {@link sourcesIdentity}). */
  readonly identity: Hash;
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
  pass.identity.update(identityLine(id, stats));
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
    type === 'f' ? fileDigest(abs, stats, buffer) : '',
    linkedTo,
  ];
  hash.update(`${JSON.stringify(fields)}\n`);
}

/** One path's identity: what moves when anything about it changes. */
function identityLine(id: string, stats: BigIntStats): string {
  return `${JSON.stringify([id, String(stats.dev), String(stats.ino), String(stats.ctimeNs), String(stats.size), String(stats.mode)])}\n`;
}

/** What {@link fingerprintSources} computes. */
export interface SourcesFingerprint {
  /** Hex sha256 of what the layer would record (see the module comment): the cache key's part. */
  readonly fingerprint: string;
  /** Hex sha256 of the identity of every path read, to compare with {@link sourcesIdentity} later. */
  readonly identity: string;
}

/** The hex sha256 fingerprint of the items (see the module comment). */
export function fingerprintSources(items: readonly SourceItem[], clampNs: bigint | undefined): string {
  return fingerprintWithIdentity(items, clampNs).fingerprint;
}

/** The fingerprint of the items and the identity of what it read (see the module comment). */
export function fingerprintWithIdentity(
  items: readonly SourceItem[],
  clampNs: bigint | undefined,
): SourcesFingerprint {
  const hash = createHash('sha256');
  const identity = createHash('sha256');
  const pass: Pass = { hash, identity, clampNs, buffer: Buffer.allocUnsafe(CHUNK), links: new Map() };
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
  return { fingerprint: hash.digest('hex'), identity: identity.digest('hex') };
}

/**
 * The identity of the items' paths as they are now (lstat only, no content read): equal to the
 * `identity` of {@link fingerprintSources} exactly when nothing they name changed since.
 */
export function sourcesIdentity(items: readonly SourceItem[]): string {
  const identity = createHash('sha256');
  for (const [index, item] of items.entries()) {
    if (item.kind === 'inline') continue;
    const abs = item.path === '' ? item.root.dir : `${item.root.dir}/${item.path}`;
    let stats: BigIntStats;
    try {
      stats = lstatSync(abs, { bigint: true });
    } catch (err) {
      throw changedError(abs, err);
    }
    identity.update(identityLine(`${index}:`, stats));
    if (!stats.isDirectory()) continue;
    for (const walked of walkContents(item.root, item.path, item.filter)) {
      identity.update(identityLine(`${index}:${walked.rel}`, walked.stats));
    }
  }
  return identity.digest('hex');
}

/** Throws IO_ERROR when the items changed since `identity` was taken (see the module comment). */
export function checkSourcesUnchanged(items: readonly SourceItem[], identity: string, label: string): void {
  if (sourcesIdentity(items) !== identity) throw changedError(`the ${label}`);
}
