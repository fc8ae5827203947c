/**
 * The entries of a COPY layer, placed as BuildKit's copy places them (fsutil copy semantics):
 * - the destination is resolved in the stage's tree, symlinks followed inside the root; a
 *   destination ending in `/` is a directory (created when missing), otherwise its parent is;
 * - a file goes into an existing directory destination under its own name, else to the path;
 * - a directory's contents are copied, not the directory itself (created when missing);
 * - missing parent directories are created with mode 0755 (or the octal `--chmod`), owned by
 *   `--chown` (else root); existing ones keep their owner and mode;
 * - a file may not replace a directory, nor a directory a non-directory (BuildKit's errors).
 * Every ancestor of every entry is itself an entry before it, so the layer applies anywhere.
 * The tree is updated as entries are produced, so later sources see earlier ones.
 */
import { type BigIntStats, readlinkSync } from 'node:fs';
import { ErrorCode, OciError } from '../../errors/index.ts';
import { makeEntry, type TarEntry } from '../../tar/entry.ts';
import { walkContents } from '../context/walk.ts';
import { components } from '../path-components.ts';
import { LEAF, type RootfsTree } from '../rootfs/tree.ts';
import type { Owner } from '../rootfs/users.ts';
import type { ChmodSpec } from './chmod.ts';
import type { CopyItem, SourceItem } from './plan.ts';

/** One entry of the layer and where its content comes from. */
export interface EmittedEntry {
  readonly entry: TarEntry;
  /** Absolute path of the file whose bytes are the content (regular files). */
  readonly file?: string;
  /** What the walk saw at `file`: the file read must still be that one (copy/source-file.ts). */
  readonly source?: BigIntStats;
  /** The content itself (inline files). */
  readonly content?: Buffer;
}

/** How to place and stamp what is copied. */
export interface EmitOptions {
  /** The stage's tree (a fresh one for `--link`), updated as entries are emitted. */
  readonly tree: RootfsTree;
  /** The index the new layer will have in the stage (for the tree). */
  readonly layer: number;
  /** Absolute destination; a trailing `/` makes it a directory. */
  readonly dest: string;
  readonly owner?: Owner;
  readonly chmod?: ChmodSpec;
  /** The octal `--chmod`, which is also the mode of the directories the copy creates. */
  readonly chmodOctal?: number;
  /** File times are clamped to this (ns); undefined keeps them (`--timestamp now`). */
  readonly clampNs?: bigint;
  /** The time of what the copy creates or changes (ns). */
  readonly nowNs: bigint;
}

function copyError(message: string, path: readonly string[]): OciError {
  const shown = `/${path.join('/')}`;
  return new OciError(ErrorCode.INVALID_ARGUMENT, message.replace('%s', shown), { data: { path: shown } });
}

function isDirNode(node: unknown): boolean {
  return typeof node === 'object' && node !== null && (node as { kind: string }).kind === 'dir';
}

/** Produces the layer's entries; see the module comment. */
export function* emitCopy(items: readonly SourceItem[], options: EmitOptions): Generator<EmittedEntry> {
  const { tree, layer } = options;
  const emitted = new Set<string>();
  const links = new Map<string, string>();
  const dirMode = options.chmodOctal ?? 0o755;
  const owner = options.owner;

  const dirEntry = (path: readonly string[], mode: number, uid: number, gid: number, mtimeNs: bigint) =>
    makeEntry({ path: path.join('/'), type: 'directory', mode, uid, gid, mtimeNs });

  /** Emits every ancestor of `path` (not `path`) not emitted yet, with the tree's attributes. */
  function* ancestors(path: readonly string[]): Generator<EmittedEntry> {
    for (let i = 1; i < path.length; i++) {
      const prefix = path.slice(0, i);
      const key = prefix.join('/');
      if (emitted.has(key)) continue;
      const dir = tree.dirAt(prefix);
      if (dir === undefined) throw copyError('cannot copy to non-directory: %s', prefix);
      emitted.add(key);
      yield { entry: dirEntry(prefix, dir.mode, dir.uid, dir.gid, options.nowNs) };
    }
  }

  /** MkdirAll: resolves `path` and creates what is missing; returns the real components. */
  function* mkdirAll(path: readonly string[]): Generator<EmittedEntry, string[]> {
    const found = tree.resolve(path, true);
    if (found.blocked) throw copyError('mkdir %s: not a directory', path);
    const real = components(found.real.join('/'));
    if (found.node !== undefined) {
      if (!isDirNode(found.node)) throw copyError('mkdir %s: not a directory', real);
      return real;
    }
    for (let i = 1; i <= real.length; i++) {
      const prefix = real.slice(0, i);
      if (tree.get(prefix) !== undefined) continue;
      yield* ancestors(prefix);
      tree.setDir(prefix, { mode: dirMode, uid: owner?.uid ?? 0, gid: owner?.gid ?? 0 }, layer);
      emitted.add(prefix.join('/'));
      yield { entry: dirEntry(prefix, dirMode, owner?.uid ?? 0, owner?.gid ?? 0, options.nowNs) };
    }
    return real;
  }

  const stamp = (mtimeNs: bigint): bigint => {
    const whole = mtimeNs - (((mtimeNs % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n);
    return options.clampNs !== undefined && whole > options.clampNs ? options.clampNs : whole;
  };

  /**
   * The entry of one source path (`rel`, root-relative) at `path`, with --chown/--chmod applied;
   * undefined for sockets. A root unpacked by the build says its own owners and modes.
   */
  const entryOf = (
    item: CopyItem,
    rel: string,
    abs: string,
    stats: CopyItem['stats'],
    path: readonly string[],
  ): EmittedEntry | undefined => {
    const recorded = item.root.attributes?.(rel, stats);
    const mode = recorded?.mode ?? Number(stats.mode) & 0o7777;
    const isDir = stats.isDirectory();
    const uid = owner?.uid ?? recorded?.uid ?? (item.root.keepOwners ? Number(stats.uid) : 0);
    const gid = owner?.gid ?? recorded?.gid ?? (item.root.keepOwners ? Number(stats.gid) : 0);
    const base = { path: path.join('/'), uid, gid, mtimeNs: stamp(stats.mtimeNs) };
    const chmod = (m: number): number => (options.chmod === undefined ? m : options.chmod(m, isDir));
    if (isDir) return { entry: makeEntry({ ...base, type: 'directory', mode: chmod(mode) }) };
    if (stats.isSymbolicLink()) {
      return { entry: makeEntry({ ...base, type: 'symlink', mode: 0o777, linkname: readlinkSync(abs) }) };
    }
    if (stats.isFile()) {
      if (stats.nlink > 1n) {
        const key = `${stats.dev}:${stats.ino}`;
        const first = links.get(key);
        if (first !== undefined)
          return { entry: makeEntry({ ...base, type: 'link', mode: chmod(mode), linkname: first }) };
        links.set(key, base.path);
      }
      return {
        entry: makeEntry({ ...base, type: 'file', mode: chmod(mode), size: Number(stats.size) }),
        file: abs,
        source: stats,
      };
    }
    const rdev = Number(stats.rdev);
    const device = {
      devmajor: ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff),
      devminor: (rdev & 0xff) | ((rdev >>> 12) & ~0xff),
    };
    if (stats.isCharacterDevice())
      return { entry: makeEntry({ ...base, type: 'character-device', mode: chmod(mode), ...device }) };
    if (stats.isBlockDevice())
      return { entry: makeEntry({ ...base, type: 'block-device', mode: chmod(mode), ...device }) };
    if (stats.isFIFO()) return { entry: makeEntry({ ...base, type: 'fifo', mode: chmod(mode) }) };
    return undefined;
  };

  /** Records a non-directory in the tree and emits it, refusing to replace a directory. */
  function* put(emittedEntry: EmittedEntry, path: readonly string[]): Generator<EmittedEntry> {
    if (isDirNode(tree.get(path))) throw copyError('cannot replace to directory %s with file', path);
    yield* ancestors(path);
    const { entry } = emittedEntry;
    const node =
      entry.type === 'symlink'
        ? { kind: 'symlink' as const, target: entry.linkname, layer }
        : layer * 8 +
          (entry.type === 'file' ? LEAF.file : entry.type === 'link' ? LEAF.hardlink : LEAF.special);
    tree.setNode(path, node, layer);
    yield emittedEntry;
  }

  const destParts = components(options.dest);
  const destIsDir = options.dest.endsWith('/') || options.dest.endsWith('/.') || destParts.length === 0;
  yield* mkdirAll(destIsDir ? destParts : destParts.slice(0, -1));
  const destReal = components(tree.resolve(destParts, true).real.join('/'));

  for (const item of items) {
    const isDir = item.kind === 'path' && item.stats.isDirectory();
    const existing = tree.get(destReal);
    let target = destReal;
    if (!isDir && isDirNode(existing)) target = [...destReal, item.name];
    if (isDir && existing !== undefined && !isDirNode(existing)) {
      throw copyError('cannot copy to non-directory: %s', destReal);
    }
    if (isDir && existing === undefined) target = yield* mkdirAll(destReal);
    else yield* mkdirAll(target.slice(0, -1));

    if (item.kind === 'inline') {
      const mode = options.chmod === undefined ? 0o644 : options.chmod(0o644, false);
      const entry = makeEntry({
        path: target.join('/'),
        type: 'file',
        mode,
        uid: owner?.uid ?? 0,
        gid: owner?.gid ?? 0,
        size: item.content.length,
        mtimeNs: options.nowNs,
      });
      yield* put({ entry, content: item.content }, target);
      continue;
    }
    if (!isDir) {
      const one = entryOf(
        item,
        item.path,
        `${item.root.dir}${item.path === '' ? '' : `/${item.path}`}`,
        item.stats,
        target,
      );
      if (one !== undefined) yield* put(one, target);
      continue;
    }
    // A directory: its contents, each directory before what it holds. Directories the walk only
    // passes through (excluded, or not matched by --parents) are emitted when something below is.
    const pending: { path: string[]; entry: EmittedEntry }[] = [];
    for (const walked of walkContents(item.root, item.path, item.filter)) {
      const path = [...target, ...walked.rel.split('/')];
      const depth = walked.rel.split('/').length;
      while (pending.length >= depth) pending.pop();
      const made = entryOf(item, walked.path, walked.abs, walked.stats, path);
      if (made === undefined) continue;
      if (walked.stats.isDirectory()) {
        const there = tree.get(path);
        if (there !== undefined && !isDirNode(there))
          throw copyError('cannot copy to non-directory: %s', path);
        if (!walked.taken) {
          pending.push({ path, entry: made });
          continue;
        }
        pending.push({ path, entry: made });
      }
      if (!walked.taken) continue;
      for (const dir of pending) {
        const key = dir.path.join('/');
        if (emitted.has(key) && dir.path !== path) continue;
        yield* ancestors(dir.path);
        tree.setDir(dir.path, dir.entry.entry, layer);
        emitted.add(key);
        yield dir.entry;
      }
      if (!walked.stats.isDirectory()) yield* put(made, path);
    }
  }
}
