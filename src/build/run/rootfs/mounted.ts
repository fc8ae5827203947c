/**
 * The overlay mounts one step has made, so that every one of them is taken down whatever
 * happens, and the step's scratch folder is removed only when nothing is mounted in it any more
 * (removing a folder with a mount inside would reach into the mounted tree).
 */
import { mountOverlay, type OverlaySpec, unmount } from './overlay-mount.ts';

/** Mounts made for a step, taken down last-first. */
export class StepMounts {
  private readonly targets: string[] = [];

  /** Mounts an overlay and remembers it. */
  async mount(spec: OverlaySpec): Promise<void> {
    await mountOverlay(spec);
    this.targets.push(spec.target);
  }

  /** Unmounts one target mounted here. */
  async release(target: string): Promise<void> {
    const i = this.targets.lastIndexOf(target);
    if (i < 0) return;
    await unmount(target);
    this.targets.splice(i, 1);
  }

  /** Unmounts everything still mounted; throws the first failure after trying them all. */
  async releaseAll(): Promise<void> {
    let first: unknown;
    for (const target of [...this.targets].reverse()) {
      try {
        await this.release(target);
      } catch (err) {
        first ??= err;
      }
    }
    if (first !== undefined) throw first;
  }

  /** Whether nothing is mounted any more. */
  get empty(): boolean {
    return this.targets.length === 0;
  }
}
