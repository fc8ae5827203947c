/**
 * The flattened filesystem of an image, exactly as a container gets it: the layers are applied
 * in order to a private temporary directory with the same {@link applyLayer} the bundle unpacker
 * uses (layer.md "Applying Changesets"), and the result is walked. A lexical top-down merge of
 * the tars cannot agree with a real unpack (a path repeated in a layer, hard links that keep an
 * inode an upper layer replaced, writes through symlinked parents), and a scanner reading such a
 * view could be shown one file while the container runs another.
 *
 * Owners, extended attributes and mtimes are tracked per inode while applying (see
 * {@link InodeAttributes}), so the view is exact in rootless mode too, no xattr ever has to be
 * written to disk, and the export is reproducible: each path carries the mtime of the header that
 * made it (a directory's is not bumped by children added later), implied parent directories the
 * epoch. Limitation: a rootless apply creates no device nodes, so the rootless view has none.
 */
import { type BigIntStats, chmodSync, lstatSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Image, OperationOptions } from '../image/types.ts';
import {
  applyLayer,
  cleanName,
  END_OF_ARCHIVE,
  type TarEntry,
  type TarEntryType,
  WHITEOUT_PREFIX,
} from '../tar/index.ts';
import { ChunkBuffer, entryOfWalk, serialiseEntry } from '../tar/layer.ts';
import { SafeRoot } from '../tar/resolve.ts';
import { HardlinkTracker, walkTree } from '../tar/walk.ts';

/** Options for {@link flattenedEntries} and {@link exportFilesystem}. */
export interface FlattenOptions extends OperationOptions {
  /** Where the temporary root is created (default: the system temp directory). */
  tempDir?: string;
  /** Apply without privileges (no chown, no device nodes); default: when not running as root. */
  rootless?: boolean;
}

/** One path of the flattened filesystem. */
export interface FlattenedEntry {
  /** The tar entry the export writes (path relative to the root, hard links after their target). */
  entry: TarEntry;
  /** Where the path lies on disk; valid only until the next entry is requested. */
  absPath: string;
}

/** What a tar entry said about the inode it produced. */
interface RecordedAttributes {
  uid: number;
  gid: number;
  xattrs: ReadonlyMap<string, Buffer>;
  mtimeNs: bigint;
  /** For directories, the real path they were created at (directories have one path only). */
  dirPath: string | undefined;
}

function matchesType(st: BigIntStats, type: TarEntryType): boolean {
  switch (type) {
    case 'file':
      return st.isFile();
    case 'directory':
      return st.isDirectory();
    case 'symlink':
      return st.isSymbolicLink();
    case 'fifo':
      return st.isFIFO();
    case 'character-device':
      return st.isCharacterDevice();
    case 'block-device':
      return st.isBlockDevice();
    case 'link':
      return false;
  }
}

/**
 * Owners and xattrs of the inodes an apply creates, taken from the tar headers. Each entry is
 * located once it has been applied (just before the next one, or at the end of the layer) by
 * resolving its name the way the applier does (parents through symlinks confined to the root),
 * and recorded under the inode found there. Hard links share their target's inode, so they need
 * no record. Implied parent directories carry no entry: a directory whose inode was recorded for
 * another path is a reused inode, and its stale record is dropped (implied parents are 0:0).
 *
 * The entries are stripped of xattrs (and, rootless, of owners) before they are applied: the
 * view needs none on disk, and filesystems that refuse some xattr namespaces cannot fail it.
 */
class InodeAttributes {
  private readonly resolver: SafeRoot;
  private readonly rootless: boolean;
  private readonly byInode = new Map<bigint, RecordedAttributes>();
  private pending: { name: string; type: TarEntryType; attributes: RecordedAttributes } | undefined;

  constructor(root: string, rootless: boolean) {
    this.resolver = new SafeRoot(root);
    this.rootless = rootless;
  }

  /** The attributes recorded for an inode, if any. */
  get(ino: bigint): RecordedAttributes | undefined {
    return this.byInode.get(ino);
  }

  /** Called with each entry before it is applied: records the previous one, captures this one. */
  beforeApply(entry: TarEntry): void {
    this.record();
    this.pending = {
      name: entry.path,
      type: entry.type,
      attributes: {
        uid: entry.uid,
        gid: entry.gid,
        xattrs: entry.xattrs,
        mtimeNs: entry.mtimeNs,
        dirPath: undefined,
      },
    };
    entry.xattrs = new Map();
    if (this.rootless) {
      entry.uid = 0;
      entry.gid = 0;
    }
  }

  /** Called once a layer is applied: records its last entry. */
  afterLayer(): void {
    this.record();
  }

  private lstat(real: string): BigIntStats | undefined {
    try {
      return lstatSync(this.resolver.abs(real), { bigint: true });
    } catch {
      return undefined;
    }
  }

  private record(): void {
    const pending = this.pending;
    this.pending = undefined;
    if (pending === undefined) return;
    let parts: string[];
    let dir: string | undefined;
    try {
      parts = cleanName(pending.name);
      // Fresh resolution: the applier may have removed or replaced anything since the last one.
      this.resolver.invalidate();
      dir = this.resolver.resolveDir(parts.slice(0, -1), pending.name, false);
    } catch {
      return;
    }
    if (dir === undefined || parts.length === 0) return;
    this.dropReusedDirectories(dir);
    // Whiteouts and AUFS metadata create nothing (an opaque one's implied parents are checked above).
    if (parts.some((p) => p.startsWith(WHITEOUT_PREFIX))) return;
    if (pending.type === 'link') return;
    if (this.rootless && (pending.type === 'character-device' || pending.type === 'block-device')) return;
    const base = parts[parts.length - 1] as string;
    const real = dir === '' ? base : `${dir}/${base}`;
    const st = this.lstat(real);
    if (st === undefined || !matchesType(st, pending.type)) return;
    const dirPath = pending.type === 'directory' ? real : undefined;
    this.byInode.set(st.ino, { ...pending.attributes, dirPath });
  }

  /** Forgets records whose inode now holds an implied directory on the way to `dir`. */
  private dropReusedDirectories(dir: string): void {
    if (dir === '') return;
    let at = dir.indexOf('/');
    for (;;) {
      const prefix = at < 0 ? dir : dir.slice(0, at);
      const st = this.lstat(prefix);
      if (st === undefined) return;
      const recorded = this.byInode.get(st.ino);
      if (recorded !== undefined && recorded.dirPath !== prefix) this.byInode.delete(st.ino);
      if (at < 0) return;
      at = dir.indexOf('/', at + 1);
    }
  }
}

/** Output is flushed downstream in chunks of about this size. */
const CHUNK = 1 << 20;

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * Makes every directory of a tree owner-rwx and every file owner-readable, so an unprivileged
 * walk can read it and remove it; returns the original modes of what it changed, by inode.
 * Symlinks are never followed. Errors are ignored when `bestEffort` (cleanup).
 */
function openUpTree(root: string, bestEffort: boolean): Map<bigint, number> {
  const changed = new Map<bigint, number>();
  const stack = [root];
  while (stack.length > 0) {
    const path = stack.pop() as string;
    try {
      const st = lstatSync(path, { bigint: true });
      const mode = Number(st.mode) & 0o7777;
      const need = st.isDirectory() ? 0o700 : st.isFile() ? 0o400 : 0;
      if ((mode & need) !== need) {
        chmodSync(path, mode | need);
        if (path !== root) changed.set(st.ino, mode);
      }
      if (st.isDirectory()) for (const child of readdirSync(path)) stack.push(`${path}/${child}`);
    } catch (err) {
      if (!bestEffort) throw err;
    }
  }
  return changed;
}

/** Removes the temporary directory, unprivileged too (read-only directories are opened up first). */
async function removeTemp(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true });
  } catch {
    openUpTree(dir, true);
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Yields every path of the image's flattened filesystem (the root itself excluded), walked
 * depth-first in byte-wise name order, hard links after the path that carries their content.
 * The layers are applied first to a temporary directory under `options.tempDir`, removed when the
 * generator ends, fails or is returned early. Layers are verified against the config's DiffIDs.
 */
export async function* flattenedEntries(
  image: Image,
  options: FlattenOptions = {},
): AsyncGenerator<FlattenedEntry> {
  const rootless = options.rootless ?? !isRoot();
  const layers = image.layers();
  // The root lies one level below a private (0700) directory: a layer may make the root itself
  // world-writable, and nobody else may swap paths under the walk.
  const dir = await mkdtemp(join(options.tempDir ?? tmpdir(), '.ocikit-flatten-'));
  try {
    const root = join(dir, 'rootfs');
    await mkdir(root, { mode: 0o755 });
    const attributes = new InodeAttributes(root, rootless);
    for (const layer of layers) {
      options.signal?.throwIfAborted();
      const diffId = await layer.diffId(options);
      await applyLayer(root, await layer.uncompressed(options), {
        rootless,
        diffId,
        signal: options.signal,
        onEntry: (entry) => attributes.beforeApply(entry),
      });
      attributes.afterLayer();
    }
    const originalModes = rootless ? openUpTree(root, false) : new Map<bigint, number>();
    for (const item of walkTree(root, new HardlinkTracker())) {
      options.signal?.throwIfAborted();
      const entry = entryOfWalk(item, {}, undefined);
      const ino = item.stats.ino;
      const mode = originalModes.get(ino);
      if (mode !== undefined) entry.mode = mode;
      const recorded = attributes.get(ino);
      entry.mtimeNs = recorded?.mtimeNs ?? 0n;
      if (rootless) {
        entry.uid = recorded?.uid ?? 0;
        entry.gid = recorded?.gid ?? 0;
      }
      if (recorded && entry.type !== 'link') entry.xattrs = new Map(recorded.xattrs);
      yield { entry, absPath: item.absPath };
    }
  } finally {
    await removeTemp(dir);
  }
}

async function* exportChunks(image: Image, options: FlattenOptions): AsyncGenerator<Buffer> {
  const out = new ChunkBuffer();
  for await (const { entry, absPath } of flattenedEntries(image, options)) {
    yield* serialiseEntry(entry, absPath, out);
    if (out.size >= CHUNK) yield out.take();
  }
  out.push(END_OF_ARCHIVE);
  yield out.take();
}

/**
 * Streams the flattened filesystem of an image as one uncompressed tar (what `ocikit export`
 * writes), in the layer writer's format. Destroying the stream stops the work and removes the
 * temporary directory.
 */
export function exportFilesystem(image: Image, options: FlattenOptions = {}): Readable {
  return Readable.from(exportChunks(image, options), { objectMode: false, highWaterMark: 4 * CHUNK });
}
