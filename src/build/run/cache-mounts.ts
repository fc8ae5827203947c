/**
 * The directories of `RUN --mount=type=cache` (Dockerfile reference, "RUN --mount=type=cache"):
 * kept between builds under `<root>/<sha256 of the id>`, never part of a layer. Sharing as the
 * reference defines it: `shared` lets steps use one directory at the same time; `locked` makes a
 * step wait until the one using it is done; `private` gives a step that finds the directory in use
 * another instance of its own (`…-1`, `…-2`, kept too). A new directory gets the mount's mode and
 * owner. Use counts and locks hold within this process.
 */
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chownInNamespace } from './rootless/unshare.ts';

/** What a cache mount asks for. */
export interface CacheMountSpec {
  readonly id: string;
  readonly sharing: 'shared' | 'private' | 'locked';
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

/** A cache directory held by a step until `release()`. */
export interface HeldCache {
  readonly dir: string;
  release(): void;
}

/** The cache directories under one root. */
export class CacheMounts {
  readonly root: string;
  private readonly users = new Map<string, number>();
  private readonly locks = new Map<string, Promise<void>>();

  /** The store over `root` (made when first used). */
  constructor(root: string) {
    this.root = root;
  }

  /** Takes the directory for `spec` (waiting for it when `locked`), made with its mode and owner if new. */
  async acquire(spec: CacheMountSpec): Promise<HeldCache> {
    const base = join(this.root, createHash('sha256').update(spec.id).digest('hex'));
    let dir = base;
    let unlock = (): void => {};
    if (spec.sharing === 'locked') {
      const previous = this.locks.get(base) ?? Promise.resolve();
      const mine = new Promise<void>((resolve) => {
        unlock = resolve;
      });
      const chained = previous.then(() => mine);
      this.locks.set(base, chained);
      void chained.then(() => {
        if (this.locks.get(base) === chained) this.locks.delete(base);
      });
      await previous;
    } else if (spec.sharing === 'private') {
      for (let n = 1; (this.users.get(dir) ?? 0) > 0; n++) dir = `${base}-${n}`;
    }
    this.make(dir, spec);
    this.users.set(dir, (this.users.get(dir) ?? 0) + 1);
    let released = false;
    return {
      dir,
      release: () => {
        if (released) return;
        released = true;
        const left = (this.users.get(dir) ?? 1) - 1;
        if (left === 0) this.users.delete(dir);
        else this.users.set(dir, left);
        unlock();
      },
    };
  }

  private make(dir: string, spec: CacheMountSpec): void {
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    try {
      mkdirSync(dir);
    } catch (err) {
      if ((err as { code?: string }).code === 'EEXIST') return;
      throw err;
    }
    chmodSync(dir, spec.mode);
    // Not root: the owner is the container's, given inside the user namespace the steps run in.
    if (typeof process.getuid === 'function' && process.getuid() !== 0)
      chownInNamespace(dir, spec.uid, spec.gid);
    else chownSync(dir, spec.uid, spec.gid);
  }
}

const stores = new Map<string, CacheMounts>();

/** The store over `root`, one per root in this process (so use counts and locks are shared). */
export function cacheMountsAt(root: string): CacheMounts {
  let store = stores.get(root);
  if (store === undefined) {
    store = new CacheMounts(root);
    stores.set(root, store);
  }
  return store;
}
