/**
 * Unpacked layers, shared read-only by every step and stage that stands on them: each layer blob
 * is unpacked once, with the safe apply and its whiteouts in overlay form (overlay-whiteouts.ts),
 * into `<root>/layers/<algorithm>/<hex>/`, and reused by DiffID from then on. A layer is
 * unpacked into a temporary folder and renamed into place only once its DiffID has been checked,
 * so a folder under `layers/` is always complete; concurrent unpacks of the same layer (in this
 * process or another) leave one copy. A RUN step's upper directory, made into the form an unpack
 * gives its layer (capture/adopt.ts), is renamed into place the same way ({@link LayerCache.adopt}).
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  renameSync,
  rmdirSync,
  rmSync,
} from 'node:fs';
import { join } from 'node:path';
import { decompressStream } from '../../../compress/decompress.ts';
import { parseSupportedDigest } from '../../../digest/index.ts';
import { toOciError } from '../../../errors/index.ts';
import { applyLayer } from '../../../tar/index.ts';
import type { LowerLayer } from '../types.ts';
import { WhiteoutRecorder } from './overlay-whiteouts.ts';

function errno(err: unknown): string | undefined {
  return (err as { code?: string } | null)?.code;
}

/** Options of {@link LayerCache.unpacked}. */
export interface UnpackOptions {
  readonly signal?: AbortSignal;
  readonly onWarning?: (message: string) => void;
}

/** The unpacked-layer store under one root folder. */
export class LayerCache {
  /** The root folder (holds `layers/` and `tmp/`). */
  readonly root: string;
  private readonly pending = new Map<string, Promise<string>>();

  /** A cache over `root` (created when missing). */
  constructor(root: string) {
    this.root = root;
    mkdirSync(join(root, 'layers'), { recursive: true });
    mkdirSync(join(root, 'tmp'), { recursive: true });
  }

  /** A fresh, empty scratch folder under the root (for a step; removing it is the caller's job). */
  scratch(prefix: string): string {
    const dir = join(this.root, 'tmp', `${prefix}-${randomBytes(6).toString('hex')}`);
    mkdirSync(dir);
    return dir;
  }

  /** Where the layer with this DiffID is (or would be) unpacked. */
  pathOf(diffId: string): string {
    const parsed = parseSupportedDigest(diffId);
    return join(this.root, 'layers', parsed.algorithm, parsed.encoded);
  }

  /**
   * The directory of `layer` unpacked (unpacking it first when needed). Fails with
   * DIGEST_MISMATCH when the blob does not hash to its DiffID, and with the apply's own errors
   * for an unsafe or malformed layer; nothing is left under `layers/` then.
   */
  unpacked(layer: LowerLayer, options: UnpackOptions = {}): Promise<string> {
    const dir = this.pathOf(layer.diffId);
    if (existsSync(dir)) return Promise.resolve(dir);
    let job = this.pending.get(dir);
    if (job === undefined) {
      job = this.unpack(layer, dir, options).finally(() => this.pending.delete(dir));
      this.pending.set(dir, job);
    }
    return job;
  }

  /**
   * Makes `dir` (on this cache's filesystem, already in the unpacked form of the layer `diffId`)
   * that layer's directory, by a rename; its own mode and owner become those an unpack gives the
   * layer's directory. False, and `dir` left where it is, when the layer is there already or the
   * rename fails.
   */
  adopt(diffId: string, dir: string): boolean {
    const target = this.pathOf(diffId);
    if (existsSync(target)) return false;
    try {
      const fresh = this.scratch('root');
      const made = lstatSync(fresh);
      rmdirSync(fresh);
      lchownSync(dir, made.uid, made.gid);
      chmodSync(dir, made.mode & 0o7777);
      mkdirSync(join(target, '..'), { recursive: true });
      renameSync(dir, target);
      return true;
    } catch {
      return false;
    }
  }

  /** Every layer unpacked, in the order given. */
  async unpackAll(layers: readonly LowerLayer[], options: UnpackOptions = {}): Promise<string[]> {
    const dirs: string[] = [];
    for (const layer of layers) dirs.push(await this.unpacked(layer, options));
    return dirs;
  }

  private async unpack(layer: LowerLayer, dir: string, options: UnpackOptions): Promise<string> {
    const tmp = this.scratch('layer');
    try {
      const blob = await layer.open(options.signal === undefined ? {} : { signal: options.signal });
      const tar = decompressStream(options.signal === undefined ? {} : { signal: options.signal });
      blob.on('error', (err) => tar.destroy(err));
      const recorder = new WhiteoutRecorder();
      await applyLayer(tmp, blob.pipe(tar), {
        diffId: layer.diffId,
        onEntry: recorder.onEntry,
        ...(options.onWarning !== undefined ? { onWarning: options.onWarning } : {}),
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
      });
      recorder.finish(tmp, options.onWarning);
      mkdirSync(join(dir, '..'), { recursive: true });
      try {
        renameSync(tmp, dir);
      } catch (err) {
        // Another unpack of the same layer got there first: its copy is as good as ours.
        if (errno(err) !== 'ENOTEMPTY' && errno(err) !== 'EEXIST') throw err;
        rmSync(tmp, { recursive: true, force: true });
      }
      return dir;
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      throw toOciError(err);
    }
  }
}
