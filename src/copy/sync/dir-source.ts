/**
 * The images of a `--src dir` source, as skopeo sync finds them: every folder below the source
 * holding a `manifest.json` is one `dir:` image (not looked into further), named at the
 * destination by its path below the source (`repo:tag` as `sync --dest dir` writes it), or by its
 * last element unless `scoped`. Beyond skopeo, a folder holding an OCI layout (`oci-layout`)
 * gives one image per ref name, named `PATH:REF` (as `sync --dest oci` writes them).
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { ErrorCode, OciError } from '../../errors/index.ts';
import { parseReference } from '../../reference/index.ts';
import type { TransportOptions } from '../../transports/index.ts';
import { destinationAt, type SyncItem, type SyncTarget } from './plan.ts';

/** Folders deeper than this below the source are not looked into. */
export const MAX_DIR_DEPTH = 32;
/** At most this many images are taken from one source folder. */
export const MAX_DIR_IMAGES = 100_000;

/** Splits a folder name's last element into path and pin: `a/repo:tag` → `a/repo`, `:tag`. */
export function splitPin(name: string): { path: string; pin: string } {
  const slash = name.lastIndexOf('/');
  const at = name.indexOf('@', slash + 1);
  if (at !== -1) return { path: name.slice(0, at), pin: name.slice(at) };
  const colon = name.lastIndexOf(':');
  if (colon > slash) return { path: name.slice(0, colon), pin: name.slice(colon) };
  return { path: name, pin: '' };
}

/** A found image: its source name and its name below the source folder. */
interface Found {
  source: string;
  suffix: string;
}

async function entries(folder: string): Promise<Dirent[]> {
  try {
    return (await readdir(folder, { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
  } catch (err) {
    throw new OciError(ErrorCode.IO_ERROR, `cannot read ${folder}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** The image folders and layouts below `root`, in name order; symlinked folders are not followed. */
async function walk(root: string): Promise<Found[]> {
  const found: Found[] = [];
  const visit = async (folder: string, depth: number): Promise<void> => {
    const listed = await entries(folder);
    const files = new Set(listed.filter((e) => e.isFile()).map((e) => e.name));
    const suffix = relative(root, folder).split(sep).join('/');
    if (files.has('manifest.json')) {
      found.push({ source: `dir:${folder}`, suffix });
      return;
    }
    if (files.has('oci-layout') && files.has('index.json')) {
      const { openLayout } = await import('../../store/index.ts');
      for (const tag of await (await openLayout(folder)).listTags())
        found.push({ source: `oci:${folder}:${tag}`, suffix: `${suffix}:${tag}` });
      return;
    }
    if (found.length > MAX_DIR_IMAGES)
      throw new OciError(ErrorCode.TOO_LARGE, `more than ${MAX_DIR_IMAGES} images below ${root}`);
    if (depth >= MAX_DIR_DEPTH) return;
    for (const entry of listed) if (entry.isDirectory()) await visit(join(folder, entry.name), depth + 1);
  };
  await visit(root, 0);
  return found;
}

/**
 * The images below the folder `source` and their destinations. An image folder given itself is
 * named by its own last element. NOT_FOUND when `source` is not a folder; INVALID_ARGUMENT when
 * it holds no image, or when a folder's name makes no valid destination name.
 */
export async function planDirSource(
  source: string,
  target: SyncTarget,
  sourceOptions: TransportOptions = {},
): Promise<SyncItem[]> {
  const root = source.replace(/^dir:/, '');
  try {
    if (!(await stat(root)).isDirectory()) throw new Error('not a folder');
  } catch (err) {
    throw new OciError(ErrorCode.NOT_FOUND, `invalid source folder ${root}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const found = await walk(root);
  if (found.length === 0)
    throw new OciError(ErrorCode.INVALID_ARGUMENT, `no images to sync found in ${root}`);
  const own = basename(root.replace(/\/+$/, ''));
  const items = found.map(({ source: name, suffix }): SyncItem => {
    // An image folder given itself (or a layout) is named by the folder's own name.
    const full = suffix === '' || suffix.startsWith(':') ? `${own}${suffix}` : suffix;
    const { path, pin } = splitPin(full);
    const named = target.scoped ? path : (path.split('/').pop() as string);
    const destination = destinationAt(target, named, pin);
    if (target.kind === 'docker') checkRegistryName(destination, name);
    return { source: name, destination, sourceOptions };
  });
  const seen = new Map<string, string>();
  for (const item of items) {
    const other = seen.get(item.destination);
    if (other !== undefined)
      throw new OciError(
        ErrorCode.INVALID_ARGUMENT,
        `${other} and ${item.source} would both be written to ${item.destination} (use --scoped)`,
      );
    seen.set(item.destination, item.source);
  }
  return items;
}

/** INVALID_ARGUMENT when `destination` is not a valid registry reference. */
function checkRegistryName(destination: string, source: string): void {
  try {
    parseReference(destination);
  } catch (err) {
    throw new OciError(
      ErrorCode.INVALID_ARGUMENT,
      `${source}: the destination ${JSON.stringify(destination)} is not a valid image name: ${(err as Error).message}`,
      { cause: err },
    );
  }
}
