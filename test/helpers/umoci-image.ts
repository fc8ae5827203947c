/**
 * Images made by umoci the way its users make them, for comparisons with `umoci unpack`:
 * `umoci init` and `new`, then per step a fresh `umoci unpack`, an edit of its rootfs and
 * `umoci repack` (one layer per step); or layers given as tars (`umoci raw add-layer`). Every step
 * is also tagged `step-N`, so each intermediate image can be named.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import tarStream from 'tar-stream';
import { run } from './exec.ts';
import { type SnapshotEntry, snapshotTree } from './tree-snapshot.ts';

/** An image in an OCI layout made by umoci. */
export interface UmociImage {
  layout: string;
  tag: string;
  /** `oci:LAYOUT:TAG`, the name ocikit takes. */
  name: string;
  /** The rootfs each step repacked (mtimes left out): what a correct unpack of step N gives. */
  intended: SnapshotEntry[][];
}

/** Creates an empty image `layout:tag`. */
async function newImage(layout: string, tag: string): Promise<UmociImage> {
  await run('umoci', ['init', '--layout', layout]);
  await run('umoci', ['new', '--image', `${layout}:${tag}`]);
  return { layout, tag, name: `oci:${layout}:${tag}`, intended: [] };
}

/**
 * Builds `dir/layout:tag` with one `umoci repack` per step: each step edits the rootfs of a fresh
 * `umoci unpack` of the image so far (a fresh unpack is what makes umoci write whiteouts for the
 * children of a directory replaced by a file or a symlink).
 */
export async function umociRepackImage(
  dir: string,
  steps: ReadonlyArray<(rootfs: string) => void>,
  tag = 't',
): Promise<UmociImage> {
  const image = await newImage(`${dir}/layout`, tag);
  const ref = `${image.layout}:${tag}`;
  for (const [i, step] of steps.entries()) {
    const bundle = `${dir}/repack-bundle`;
    await run('umoci', ['unpack', '--image', ref, bundle]);
    step(`${bundle}/rootfs`);
    image.intended.push(snapshotTree(`${bundle}/rootfs`, { mtimes: false }));
    await run('umoci', ['repack', '--image', ref, bundle]);
    await run('umoci', ['tag', '--image', ref, `step-${i + 1}`]);
    rmSync(bundle, { recursive: true, force: true });
  }
  return image;
}

/** Builds `dir/layout:tag` from uncompressed layer tars, base first (`umoci raw add-layer`). */
export async function umociRawImage(dir: string, layers: readonly Buffer[], tag = 't'): Promise<UmociImage> {
  const image = await newImage(`${dir}/layout`, tag);
  const ref = `${image.layout}:${tag}`;
  mkdirSync(`${dir}/raw-layers`, { recursive: true });
  for (const [i, layer] of layers.entries()) {
    const file = `${dir}/raw-layers/${i}.tar`;
    writeFileSync(file, layer);
    await run('umoci', ['raw', 'add-layer', '--image', ref, file]);
    await run('umoci', ['tag', '--image', ref, `step-${i + 1}`]);
  }
  return image;
}

/** Unpacks `layout:tag` with `umoci unpack` into `bundle`; returns its rootfs. */
export async function umociUnpack(layout: string, tag: string, bundle: string): Promise<string> {
  await run('umoci', ['unpack', '--image', `${layout}:${tag}`, bundle]);
  return `${bundle}/rootfs`;
}

function blob(layout: string, digest: string): Buffer {
  const [algorithm, hex] = digest.split(':') as [string, string];
  return readFileSync(`${layout}/blobs/${algorithm}/${hex}`);
}

/** The uncompressed layer tars of `layout:tag`, base first (read straight from the layout). */
export function layerTars(layout: string, tag: string): Buffer[] {
  const index = JSON.parse(readFileSync(`${layout}/index.json`, 'utf8')) as {
    manifests: Array<{ digest: string; annotations?: Record<string, string> }>;
  };
  const entry = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  if (entry === undefined) throw new Error(`no tag ${tag} in ${layout}`);
  const manifest = JSON.parse(blob(layout, entry.digest).toString('utf8')) as {
    layers: Array<{ digest: string; mediaType: string }>;
  };
  return manifest.layers.map((l) => {
    const bytes = blob(layout, l.digest);
    return l.mediaType.endsWith('+gzip') ? gunzipSync(bytes) : bytes;
  });
}

/** The entry names of a tar, in archive order (directories with a trailing slash, as written). */
export async function tarNames(tar: Buffer): Promise<string[]> {
  const names: string[] = [];
  const extract = tarStream.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      names.push(header.type === 'directory' && !header.name.endsWith('/') ? `${header.name}/` : header.name);
      stream.on('end', next);
      stream.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  extract.end(tar);
  await done;
  return names;
}
