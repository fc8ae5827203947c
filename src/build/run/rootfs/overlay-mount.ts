/**
 * Kernel overlayfs mounts (Documentation/filesystems/overlayfs.rst) through util-linux `mount`,
 * which Node cannot do itself. Lower directories are passed as short symlinks made in a scratch
 * folder, the mount's working directory, so that even an image with the most layers Docker allows
 * stays well inside the one page the kernel accepts for mount options (and no `:` or `,` of a
 * real path can break the option syntax). `redirect_dir`, `metacopy` and `index` are off: the
 * upper directory then holds plain files, 0/0 character-device whiteouts and opaque markers only.
 */
import { mkdirSync, symlinkSync } from 'node:fs';
import { ErrorCode, OciError } from '../../../errors/index.ts';
import { runHelper } from '../command-host.ts';

/** The mount options that keep the upper directory readable as a layer. */
const PLAIN_UPPER = 'redirect_dir=off,metacopy=off,index=off';

/** Longest option string the kernel takes (one page, with its terminating NUL). */
const MAX_OPTIONS = 4095;

/** Runs a mount helper (through the command host); resolves with its exit status and stderr. */
async function runTool(
  command: string,
  args: string[],
  cwd?: string,
): Promise<{ status: number; stderr: string }> {
  const result = runHelper(command, args, cwd !== undefined ? { cwd } : {});
  if (result.error !== undefined) {
    throw new OciError(ErrorCode.UNSUPPORTED, `cannot run ${command}: ${result.error.message}`, {
      cause: result.error,
    });
  }
  return { status: result.status ?? 128, stderr: result.stderr };
}

/** What to mount. */
export interface OverlaySpec {
  /** Lower directories, top-most first (at least one). */
  readonly lowers: readonly string[];
  /** Upper and work directories (same filesystem); both absent for a read-only mount of 2+ lowers. */
  readonly upper?: string;
  readonly work?: string;
  readonly target: string;
  /** A fresh folder for the lower symlinks (also the mount's working directory). */
  readonly links: string;
}

/**
 * Mounts an overlay at `target`. Fails with UNSUPPORTED when the kernel or the filesystem refuses
 * (no overlay support, an upper directory on a filesystem overlay cannot use, no privilege), the
 * message carrying mount's explanation.
 */
export async function mountOverlay(spec: OverlaySpec): Promise<void> {
  if (spec.lowers.length === 0)
    throw new OciError(ErrorCode.INVALID_ARGUMENT, 'an overlay needs a lower directory');
  mkdirSync(spec.links, { recursive: true });
  const names = spec.lowers.map((dir, i) => {
    const name = i.toString(36);
    symlinkSync(dir, `${spec.links}/${name}`);
    return name;
  });
  let options = `lowerdir=${names.join(':')}`;
  if (spec.upper !== undefined && spec.work !== undefined) {
    symlinkSync(spec.upper, `${spec.links}/u`);
    symlinkSync(spec.work, `${spec.links}/w`);
    options += ',upperdir=u,workdir=w';
  }
  options += `,${PLAIN_UPPER}`;
  if (options.length > MAX_OPTIONS) {
    throw new OciError(
      ErrorCode.UNSUPPORTED,
      `too many layers for one overlay mount (${spec.lowers.length})`,
      {
        data: { layers: spec.lowers.length, overlay: true },
      },
    );
  }
  const result = await runTool('mount', ['-t', 'overlay', 'overlay', '-o', options, spec.target], spec.links);
  if (result.status !== 0) {
    throw new OciError(
      ErrorCode.UNSUPPORTED,
      `cannot mount an overlay: ${result.stderr.trim() || `mount exited with ${result.status}`}`,
      {
        data: { target: spec.target, status: result.status, overlay: true },
      },
    );
  }
}

/** Whether `err` says an overlay could not be mounted here (so a snapshot may stand in). */
export function isOverlayUnavailable(err: unknown): boolean {
  return err instanceof OciError && err.code === ErrorCode.UNSUPPORTED && err.data.overlay === true;
}

/** Unmounts `target`; fails with IO_ERROR (never lazily detaching) when the kernel refuses. */
export async function unmount(target: string): Promise<void> {
  const result = await runTool('umount', [target]);
  if (result.status !== 0) {
    throw new OciError(ErrorCode.IO_ERROR, `cannot unmount ${target}: ${result.stderr.trim()}`, {
      data: { target, status: result.status },
    });
  }
}
