/**
 * The repositories of a serve root: one OCI image layout per repository at `ROOT/<name>/`
 * (image-layout.md). Folders are walked with lstat, so a symlink anywhere on the way is refused
 * and nothing is created or read outside ROOT. index.json is parsed once per change (its inode,
 * size and mtime), which keeps HEAD and tag-list requests cheap.
 */
import type { Stats } from 'node:fs';
import { lstat, mkdir, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { toOciError } from '../errors/index.ts';
import type { ImageIndex } from '../spec/index.ts';
import { INDEX_FILE, initLayout, OCI_LAYOUT_FILE, type OciLayout, openLayout } from '../store/index.ts';
import { SpecCode, serveError } from './errors.ts';
import { isRepositoryName } from './names.ts';

/** A repository's layout and its current index. */
export interface Repository {
  name: string;
  layout: OciLayout;
}

/** An open layout, and the identity of its `oci-layout` file when it was opened. */
interface OpenLayout {
  layout: OciLayout;
  marker: string;
}

interface CachedIndex {
  key: string;
  index: ImageIndex;
}

/** Deepest folder nesting walked by the catalog. */
const MAX_CATALOG_DEPTH = 16;

/** The repositories under one root. */
export class Repositories {
  /** Absolute path of the root. */
  readonly root: string;
  private readonly layouts = new Map<string, OpenLayout>();
  private readonly indexes = new Map<string, CachedIndex>();

  /** Serves the layouts under `root` (which must exist). */
  constructor(root: string) {
    this.root = resolve(root);
  }

  /** The repository `name` (already checked against the grammar); NAME_UNKNOWN when absent. */
  async open(name: string): Promise<Repository> {
    const cached = await this.stillThere(name);
    if (cached !== undefined) return { name, layout: cached };
    const dir = await this.walk(name, false);
    let layout: OciLayout;
    try {
      layout = await openLayout(dir);
    } catch (err) {
      throw unknownName(name, err);
    }
    await this.remember(name, layout);
    return { name, layout };
  }

  /** The repository `name`, created as an empty layout when missing (folders one at a time). */
  async create(name: string): Promise<Repository> {
    const cached = await this.stillThere(name);
    if (cached !== undefined) return { name, layout: cached };
    const dir = await this.walk(name, true);
    const layout = await initLayout(dir);
    await this.remember(name, layout);
    return { name, layout };
  }

  /**
   * The layout opened for `name`, if its `oci-layout` file is still the one it was opened with
   * (one lstat). A folder removed, emptied or replaced by hand while the server runs is forgotten,
   * and found again (walked, lstat'ed component by component) as it is now.
   */
  private async stillThere(name: string): Promise<OciLayout | undefined> {
    const cached = this.layouts.get(name);
    if (cached === undefined) return undefined;
    if ((await layoutMarker(cached.layout.root)) === cached.marker) return cached.layout;
    this.layouts.delete(name);
    this.indexes.delete(name);
    return undefined;
  }

  private async remember(name: string, layout: OciLayout): Promise<void> {
    const marker = await layoutMarker(layout.root);
    if (marker !== undefined) this.layouts.set(name, { layout, marker });
  }

  /** The repository's index.json, parsed once per version of the file. */
  async index(repo: Repository): Promise<ImageIndex> {
    let info: Stats;
    try {
      info = await stat(join(repo.layout.root, INDEX_FILE));
    } catch (err) {
      throw unknownName(repo.name, err);
    }
    const key = `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
    const cached = this.indexes.get(repo.name);
    if (cached?.key === key) return cached.index;
    const index = (await repo.layout.readIndex()).value;
    this.indexes.set(repo.name, { key, index });
    return index;
  }

  /** Every repository name under the root, sorted (folders holding `oci-layout`; symlinks skipped). */
  async names(): Promise<string[]> {
    const found: string[] = [];
    const visit = async (dir: string, prefix: string, depth: number): Promise<void> => {
      if (depth > MAX_CATALOG_DEPTH) return;
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      if (prefix !== '' && entries.some((e) => e.name === OCI_LAYOUT_FILE && e.isFile())) {
        if (isRepositoryName(prefix)) found.push(prefix);
      }
      for (const entry of entries) {
        if (!entry.isDirectory() || entry.name === 'blobs' || entry.name.startsWith('.')) continue;
        const name = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
        await visit(join(dir, entry.name), name, depth + 1);
      }
    };
    await visit(this.root, '', 0);
    return found.sort();
  }

  /**
   * The folder of `name`, every component lstat'ed: a symlink or non-folder on the way is
   * NAME_INVALID (it could lead out of ROOT). With `create`, missing folders are made.
   */
  private async walk(name: string, create: boolean): Promise<string> {
    let dir = this.root;
    for (const part of name.split('/')) {
      dir = join(dir, part);
      let info: Stats | undefined;
      try {
        info = await lstat(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw toOciError(err);
      }
      if (info === undefined) {
        if (!create) throw unknownName(name);
        try {
          await mkdir(dir);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw toOciError(err);
        }
        info = await lstat(dir);
      }
      if (!info.isDirectory()) {
        throw serveError(SpecCode.NAME_INVALID, 400, 'the repository path is not a plain folder', {
          name,
        });
      }
    }
    return dir;
  }
}

/** The identity (device and inode) of a layout's `oci-layout` file; undefined when it is gone. */
async function layoutMarker(root: string): Promise<string | undefined> {
  try {
    const info = await lstat(join(root, OCI_LAYOUT_FILE));
    return info.isFile() ? `${info.dev}:${info.ino}` : undefined;
  } catch {
    return undefined;
  }
}

function unknownName(name: string, cause?: unknown) {
  const err = serveError(SpecCode.NAME_UNKNOWN, 404, 'repository name not known to registry', { name });
  if (cause !== undefined) Object.defineProperty(err, 'cause', { value: cause });
  return err;
}
