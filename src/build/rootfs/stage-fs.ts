/**
 * A stage's root filesystem as the build consults it: its layers, and the tree of what they hold,
 * read lazily (a step served from the cache never needs it) and kept up to date as steps add
 * layers. Small files such as /etc/passwd are read from the top-most layer that holds them,
 * without unpacking anything.
 */
import { ErrorCode, OciError } from '../../errors/index.ts';
import { readAll } from '../../image/read.ts';
import type { OperationOptions } from '../../image/types.ts';
import { readTar } from '../../tar/read.ts';
import { type LayerRef, openUncompressed } from '../layers.ts';
import { components } from '../path-components.ts';
import { scanLayer } from './scan.ts';
import { LEAF, layerOf, leafKind, RootfsTree } from './tree.ts';

/** Largest file {@link StageFs.readFile} reads (BuildKit reads passwd and group up to 10 MiB). */
export const MAX_SMALL_FILE = 10 << 20;

/** The layers of one stage and, once asked for, the tree they make. */
export class StageFs {
  private readonly stack: LayerRef[];
  private loaded: RootfsTree | undefined;
  /** How many of `stack` the loaded tree reflects. */
  private applied = 0;
  private loading: Promise<RootfsTree> | undefined;

  constructor(layers: readonly LayerRef[] = [], tree?: { tree: RootfsTree; applied: number }) {
    this.stack = [...layers];
    if (tree !== undefined) {
      this.loaded = tree.tree;
      this.applied = tree.applied;
    }
  }

  /** The layers, base first. */
  get layers(): readonly LayerRef[] {
    return this.stack;
  }

  /** Adds a layer on top; `tree` is the tree with the layer's entries applied, when the writer kept it current. */
  push(layer: LayerRef, tree?: RootfsTree): void {
    this.stack.push(layer);
    if (tree !== undefined && tree === this.loaded && this.applied === this.stack.length - 1) {
      this.applied = this.stack.length;
    }
  }

  /** A copy for a stage built FROM this one (the tree is shared copy-on-write). */
  fork(): StageFs {
    const loaded = this.loaded;
    return new StageFs(
      this.stack,
      loaded === undefined ? undefined : { tree: loaded.fork(), applied: this.applied },
    );
  }

  /** The tree of everything the layers hold (read from the layers not read yet). */
  async tree(options: OperationOptions = {}): Promise<RootfsTree> {
    while (this.loaded === undefined || this.applied < this.stack.length) {
      this.loading ??= (async () => {
        const tree = this.loaded ?? new RootfsTree();
        while (this.applied < this.stack.length) {
          await scanLayer(tree, this.stack[this.applied] as LayerRef, this.applied, options);
          this.applied++;
        }
        this.loaded = tree;
        return tree;
      })().finally(() => {
        this.loading = undefined;
      });
      await this.loading;
    }
    return this.loaded;
  }

  /**
   * The content of the regular file at `path` (symlinks followed inside the root), or undefined
   * when there is none. TOO_LARGE above `maxBytes`.
   */
  async readFile(
    path: string,
    options: OperationOptions = {},
    maxBytes = MAX_SMALL_FILE,
  ): Promise<Buffer | undefined> {
    const tree = await this.tree(options);
    for (let hops = 0, wanted = path; hops < 8; hops++) {
      const found = tree.resolve(wanted, true);
      if (typeof found.node !== 'number') return undefined;
      const kind = leafKind(found.node);
      if (kind === LEAF.special) return undefined;
      const layer = this.stack[layerOf(found.node)];
      if (layer === undefined) return undefined;
      const realPath = found.real.join('/');
      const hit = await findInLayer(layer, tree, realPath, maxBytes, options);
      if (hit === undefined) return undefined;
      if (typeof hit === 'string') {
        wanted = `/${hit}`;
        continue;
      }
      return hit;
    }
    return undefined;
  }
}

/** The content of `realPath` in one layer (a string: the target of a hard link there). */
async function findInLayer(
  layer: LayerRef,
  tree: RootfsTree,
  realPath: string,
  maxBytes: number,
  options: OperationOptions,
): Promise<Buffer | string | undefined> {
  const base = realPath.slice(realPath.lastIndexOf('/') + 1);
  let found: Buffer | string | undefined;
  const tar = await openUncompressed(layer, options);
  for await (const { entry, body } of readTar(
    tar,
    options.signal === undefined ? {} : { signal: options.signal },
  )) {
    const parts = components(entry.path);
    if (parts[parts.length - 1] !== base) continue;
    const parent = tree.resolve(parts.slice(0, -1), true).real;
    if ([...parent, base].join('/') !== realPath) continue;
    if (entry.type === 'link') found = components(entry.linkname).join('/');
    else if (entry.type === 'file') {
      if (entry.size > maxBytes) {
        throw new OciError(ErrorCode.TOO_LARGE, `/${realPath} is larger than ${maxBytes} bytes`, {
          data: { path: `/${realPath}`, size: entry.size },
        });
      }
      found = await readAll(body, maxBytes);
    }
  }
  return found;
}
