/**
 * One path followed through an image's layers as they are applied (layer.md "Applying
 * Changesets", "Whiteouts"): what is at the path after each layer, and since when its children
 * count. The merged directory listing and the explorer's path lookup both use it, so they agree.
 */
import { isWithin, type LayerEntry } from './layers/entries.ts';

/** A path of the merged filesystem and the layer that last wrote it (or implied it, for a directory). */
export interface MergedEntry extends Omit<LayerEntry, 'whiteout'> {
  name: string;
  layer: number;
}

/**
 * A moment while the layers are applied: layer `layer`, before its entry number `seq` (`-1`: before
 * all of them, where the layer's whiteouts apply, layer.md "Whiteouts": to lower layers only).
 */
export interface Moment {
  layer: number;
  seq: number;
}

/** True when moment `a` comes before moment `b`. */
export function before(a: Moment, b: Moment): boolean {
  return a.layer < b.layer || (a.layer === b.layer && a.seq < b.seq);
}

function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** `path` lies strictly below `dir` (`dir` empty is the root). */
export function isBelow(path: string, dir: string): boolean {
  return path !== dir && isWithin(path, dir);
}

/** The directory a layer makes by writing below a path that is missing or not a directory. */
function impliedDirectory(path: string, layer: number): MergedEntry {
  return { path, name: nameOf(path), type: 'directory', size: 0, mode: 0o755, uid: 0, gid: 0, layer };
}

/** What an entry below a path leaves at that path: the directory there, else a directory it implies. */
export function implied(node: MergedEntry | undefined, path: string, layer: number): MergedEntry {
  return node?.type === 'directory' ? node : impliedDirectory(path, layer);
}

/**
 * Follows one path through the layers, fed every entry of each layer that is the path, a parent
 * of it or below it, in archive order (layer.md "Applying Changesets"). A whiteout of the path or
 * of a parent, and an opaque whiteout of a parent, delete it from the lower layers before the
 * layer's other entries apply ("Whiteouts"); an entry at the path writes it (a directory over a
 * directory keeping the children); a non-directory at a parent removes it; an entry below it, a
 * whiteout included, makes it a directory if it is not one. That last case is left open by the
 * spec: containerd creates a missing parent before handling any entry, whiteouts included, and
 * the explorer lets a deeper path turn a lower non-directory into a directory as well, as the
 * layer evidently means (containerd and umoci fail to unpack below a non-directory instead).
 */
export class PathTracker {
  /** The path followed (`''` is the root, always a directory). */
  readonly path: string;
  private moment: Moment = { layer: 0, seq: -1 };
  private node: MergedEntry | undefined;
  private layer = 0;
  /** The path as this layer leaves it: from the lower layers' state, or from nothing when this layer's whiteouts deleted it. */
  private kept: MergedEntry | undefined;
  private fresh: MergedEntry | undefined;
  private deleted = false;

  /** A tracker of `path`, before any layer. */
  constructor(path: string) {
    this.path = path;
  }

  /** The merged entry at the path after the layers seen, undefined when there is none (and for the root). */
  get entry(): MergedEntry | undefined {
    return this.node;
  }

  /** Children recorded before this moment were removed (the directory was deleted, hidden or replaced since). */
  get since(): Moment {
    return this.moment;
  }

  /** The path is a directory after the layers seen. */
  get isDirectory(): boolean {
    return this.path === '' || this.node?.type === 'directory';
  }

  /** Starts layer `layer`; feed its entries with {@link PathTracker.see}, then call {@link PathTracker.endLayer}. */
  startLayer(layer: number): void {
    this.layer = layer;
    this.kept = this.node;
    this.fresh = undefined;
    this.deleted = false;
  }

  /** Applies entry number `seq` of the current layer (entries neither the path, nor its parents, nor below it do nothing). */
  see(entry: LayerEntry, seq: number): void {
    const { path } = this;
    const at = entry.path;
    if (entry.whiteout !== undefined) {
      const deletes = entry.whiteout === 'file' ? isWithin(path, at) : isBelow(path, at);
      if (deletes) this.reset(-1, true);
      else if (entry.whiteout === 'opaque' && at === path) this.reset(-1, false);
      if (entry.whiteout === 'opaque' ? isWithin(at, path) : isBelow(at, path)) this.imply();
    } else if (at === path) {
      const { whiteout: _, ...info } = entry;
      this.kept = this.fresh = { ...info, name: nameOf(path), layer: this.layer };
      if (entry.type !== 'directory') this.reset(seq + 1, false);
    } else if (isBelow(path, at)) {
      if (entry.type !== 'directory') {
        this.kept = this.fresh = undefined;
        this.reset(seq + 1, false);
      }
    } else if (isBelow(at, path)) this.imply();
  }

  /** Ends the current layer. */
  endLayer(): void {
    this.node = this.deleted ? this.fresh : this.kept;
  }

  private imply(): void {
    if (this.path === '') return;
    this.kept = implied(this.kept, this.path, this.layer);
    this.fresh = implied(this.fresh, this.path, this.layer);
  }

  /** Removes the children recorded before entry `seq` of this layer; with `deleted`, the path too, from the lower layers. */
  private reset(seq: number, deleted: boolean): void {
    const moment = { layer: this.layer, seq };
    if (before(this.moment, moment)) this.moment = moment;
    if (deleted) this.deleted = true;
  }
}
