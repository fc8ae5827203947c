/**
 * Unpacking an image into an OCI runtime bundle (image-spec conversion.md, runtime-spec
 * bundle.md): the layers applied in order onto `rootfs/`, each checked against the config's
 * DiffID, and `config.json` generated from the image config.
 */
import { chmod, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, OciError, toOciError } from '../errors/index.ts';
import type { Image, OperationOptions } from '../image/types.ts';
// Imported from their modules rather than the tar barrel: a short command's time is mostly module
// loading, and unpacking needs none of the layer-building side.
import { applyLayer } from '../tar/apply.ts';
import { readFileInRoot } from '../tar/root-file.ts';
import { type RuntimeConfig, runtimeConfig } from './runtime-config.ts';
import { resolveUser } from './user.ts';

/** Options for {@link unpackBundle}. */
export interface UnpackOptions extends OperationOptions {
  /** Unpack without privileges: ownership is recorded, never applied (umoci `--rootless`). */
  rootless?: boolean;
  /** Called after each layer is applied. */
  onLayer?: (index: number, total: number) => void;
  /** Called for what an apply skips rather than fails (see ApplyLayerOptions.onWarning). */
  onWarning?: (message: string) => void;
}

/** What {@link unpackBundle} produced. */
export interface UnpackResult {
  rootfs: string;
  config: RuntimeConfig;
}

/**
 * Creates the bundle directory (or takes an empty one) with mode 0700, as umoci does: the rootfs
 * may hold world-writable device nodes and setuid files that other local users must not reach.
 * Returns whether this call created it.
 */
async function prepareBundleDirectory(dir: string): Promise<boolean> {
  let created: boolean;
  let entries: string[];
  try {
    created = (await mkdir(dir, { recursive: true, mode: 0o700 })) !== undefined;
    entries = await readdir(dir);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      throw new OciError(ErrorCode.ALREADY_EXISTS, `bundle path ${dir} exists and is not a directory`, {
        data: { dir },
        cause: err,
      });
    }
    throw toOciError(err);
  }
  if (entries.length > 0) {
    throw new OciError(ErrorCode.ALREADY_EXISTS, `bundle directory ${dir} is not empty`, { data: { dir } });
  }
  await chmod(dir, 0o700);
  return created;
}

async function readOptional(root: string, path: string): Promise<string> {
  const bytes = await readFileInRoot(root, path, 1 << 20).catch(() => undefined);
  return bytes === undefined ? '' : bytes.toString('utf8');
}

/** Unpacks `image` into `bundleDir` (created if missing, refused if not empty). */
export async function unpackBundle(
  image: Image,
  bundleDir: string,
  options: UnpackOptions = {},
): Promise<UnpackResult> {
  const config = (await image.config(options)).value;
  const layers = image.layers();
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== layers.length) {
    throw new OciError(
      ErrorCode.INVALID_DOCUMENT,
      `the manifest lists ${layers.length} layers but the config has ${diffIds.length} rootfs.diff_ids`,
    );
  }
  const created = await prepareBundleDirectory(bundleDir);
  const rootfs = join(bundleDir, 'rootfs');
  try {
    await mkdir(rootfs, { mode: 0o755 });
    for (const [i, layer] of layers.entries()) {
      await applyLayer(rootfs, await layer.uncompressed(options), {
        rootless: options.rootless === true,
        diffId: diffIds[i],
        signal: options.signal,
        onWarning: options.onWarning,
      });
      options.onLayer?.(i + 1, layers.length);
    }
    const user = resolveUser(
      config.config?.User,
      await readOptional(rootfs, 'etc/passwd'),
      await readOptional(rootfs, 'etc/group'),
    );
    const rootless = options.rootless
      ? { uid: process.geteuid?.() ?? 0, gid: process.getegid?.() ?? 0 }
      : undefined;
    const runtime = runtimeConfig(config, { user, rootless });
    const tmp = join(bundleDir, '.config.json.tmp');
    await writeFile(tmp, `${JSON.stringify(runtime, null, 2)}\n`, { mode: 0o644 });
    await rename(tmp, join(bundleDir, 'config.json'));
    return { rootfs, config: runtime };
  } catch (err) {
    // A layer is verified only once it has been read to its end, and a bundle without its
    // config.json is no bundle: nothing of a failed unpack may stay.
    await rm(created ? bundleDir : rootfs, { recursive: true, force: true });
    throw err;
  }
}
