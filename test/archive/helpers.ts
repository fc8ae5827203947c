/** Test helpers for the archive transports: scratch dirs, fixture layouts, peers, a minimal copy. */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { pack } from 'tar-stream';
import type { Digest } from '../../src/digest/index.ts';
import type { ImageSink, ImageSource } from '../../src/image/types.ts';
import type { TopDocument } from '../../src/spec/index.ts';

const run = promisify(execFile);

/** Runs a program; rejects with its stderr on a non-zero exit. */
export async function exec(program: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(program, args, { maxBuffer: 64 << 20 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${program} ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}

/** A scratch directory, removed by the returned cleanup. */
export async function scratch(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'ocikit-archive-test-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** sha256 of bytes as a digest. */
export function sha256(bytes: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest;
}

/** One entry of a hand-built tar. */
export type TarSpec =
  | { name: string; content: string | Uint8Array; mode?: number }
  | { name: string; type: 'directory' }
  | { name: string; type: 'symlink' | 'link'; linkname: string };

/** Builds a tar in memory with tar-stream (fixed mtimes, so bytes are reproducible). */
export async function makeTar(entries: readonly TarSpec[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const ended = new Promise<void>((resolve, reject) => {
    p.on('end', resolve);
    p.on('error', reject);
  });
  for (const e of entries) {
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null) => (err ? reject(err) : resolve());
      const base = { name: e.name, mtime: new Date(1_000_000_000_000), uid: 0, gid: 0 };
      if ('content' in e) p.entry({ ...base, mode: e.mode ?? 0o644 }, Buffer.from(e.content), done);
      else if (e.type === 'directory') p.entry({ ...base, type: 'directory', mode: 0o755 }, done);
      else p.entry({ ...base, type: e.type, linkname: e.linkname, mode: 0o777 }, done);
    });
  }
  p.finalize();
  await ended;
  return Buffer.concat(chunks);
}

/** A layer of a fixture image. */
export interface LayerSpec {
  files: Record<string, string>;
  compression: 'gzip' | 'zstd' | 'none';
}

/** What a fixture layout holds. */
export interface Fixture {
  manifestDigest: Digest;
  manifestBytes: Buffer;
  configDigest: Digest;
  configBytes: Buffer;
  diffIds: Digest[];
  layerDigests: Digest[];
  layerTars: Buffer[];
}

/** Writes a blob into `dir/blobs/sha256/`. */
async function writeBlob(dir: string, bytes: Uint8Array): Promise<Digest> {
  const digest = sha256(bytes);
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'blobs', 'sha256', digest.slice(7)), bytes);
  return digest;
}

/** Builds an OCI image layout by hand: layers as given, an OCI config and manifest, tagged `tag`. */
export async function buildLayout(
  dir: string,
  tag: string,
  layers: readonly LayerSpec[],
  extra = '',
): Promise<Fixture> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const layerTars: Buffer[] = [];
  const diffIds: Digest[] = [];
  const layerDigests: Digest[] = [];
  const descriptors = [];
  for (const layer of layers) {
    const tar = await makeTar(Object.entries(layer.files).map(([name, content]) => ({ name, content })));
    layerTars.push(tar);
    diffIds.push(sha256(tar));
    const blob =
      layer.compression === 'gzip'
        ? gzipSync(tar)
        : layer.compression === 'zstd'
          ? zstdCompressSync(tar)
          : tar;
    const digest = await writeBlob(dir, blob);
    layerDigests.push(digest);
    const mediaType =
      layer.compression === 'gzip'
        ? 'application/vnd.oci.image.layer.v1.tar+gzip'
        : layer.compression === 'zstd'
          ? 'application/vnd.oci.image.layer.v1.tar+zstd'
          : 'application/vnd.oci.image.layer.v1.tar';
    descriptors.push({ mediaType, digest, size: blob.byteLength });
  }
  const configBytes = Buffer.from(
    JSON.stringify({
      created: '2024-01-01T00:00:00Z',
      architecture: 'amd64',
      os: 'linux',
      config: { Env: [`PATH=/usr/bin${extra}`], Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: layers.map((_, i) => ({ created: '2024-01-01T00:00:00Z', created_by: `layer ${i}` })),
    }),
  );
  const configDigest = await writeBlob(dir, configBytes);
  const manifestBytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: configDigest,
        size: configBytes.byteLength,
      },
      layers: descriptors,
    }),
  );
  const manifestDigest = await writeBlob(dir, manifestBytes);
  const index = {
    schemaVersion: 2,
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: manifestDigest,
        size: manifestBytes.byteLength,
        annotations: { 'org.opencontainers.image.ref.name': tag },
      },
    ],
  };
  await writeFile(join(dir, 'index.json'), JSON.stringify(index));
  return { manifestDigest, manifestBytes, configDigest, configBytes, diffIds, layerDigests, layerTars };
}

/** Reads a blob of a layout directory. */
export async function layoutBlob(dir: string, digest: string): Promise<Buffer> {
  const [alg, hex] = digest.split(':') as [string, string];
  return readFile(join(dir, 'blobs', alg, hex));
}

/** The manifest and config a layout's only (or `tag`-named) index entry points at. */
export async function readLayoutImage(
  dir: string,
  tag?: string,
): Promise<{
  manifestDigest: string;
  manifest: {
    config: { digest: string; mediaType: string };
    layers: { digest: string; mediaType: string }[];
  };
  config: { rootfs: { diff_ids: string[] } };
  configDigest: string;
}> {
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as {
    manifests: { digest: string; annotations?: Record<string, string> }[];
  };
  const entry =
    tag === undefined
      ? index.manifests[0]
      : index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  if (entry === undefined) throw new Error(`no ${tag} in ${dir}`);
  const manifest = JSON.parse((await layoutBlob(dir, entry.digest)).toString('utf8'));
  const config = JSON.parse((await layoutBlob(dir, manifest.config.digest)).toString('utf8'));
  return { manifestDigest: entry.digest, manifest, config, configDigest: manifest.config.digest };
}

/** Reads a whole stream. */
export async function drain(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

/** Copies the single image a source names into a sink (the smallest copy: blobs, manifest, commit). */
export async function copyOne(
  source: ImageSource,
  sink: ImageSink,
): Promise<{ reference: string; digest: Digest; document: TopDocument }> {
  const descriptor = await source.resolve();
  const document = await source.manifest(descriptor);
  if (document.kind !== 'manifest') throw new Error('expected a manifest');
  for (const blob of [document.value.config, ...document.value.layers]) {
    if (!(await sink.hasBlob(blob))) await sink.putBlob(blob, await source.blob(blob));
  }
  await sink.putManifest(document);
  const committed = await sink.commit(document);
  return { ...committed, document };
}

/** Names of the entries of a tar file, in order, as GNU tar lists them. */
export async function tarNames(file: string): Promise<string[]> {
  return (await exec('tar', ['-tf', file])).split('\n').filter((l) => l !== '');
}
