/**
 * A source registry for the sync tests: a real Distribution registry holding several
 * repositories and tags over three images that share a base layer, and helpers that read back
 * what a registry or a layout folder holds (repository, tag and manifest digest).
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ocikit } from '../helpers/cli.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';

/** Runs ocikit and returns its stdout, failing the test on a non-zero exit. */
export async function ok(args: string[]): Promise<string> {
  const result = await ocikit(args);
  assert.equal(result.code, 0, `ocikit ${args.join(' ')}: ${result.stderr}`);
  return result.out;
}

/** The tags pushed, per repository, and which image each names. */
export const SOURCE_TAGS: Record<string, Record<string, 'base' | 'one' | 'two'>> = {
  app: { '1.0.0': 'base', '1.2.0': 'one', '2.0.0': 'two', '2.1.0-rc.1': 'one', latest: 'two', dev: 'base' },
  tools: { 'v1.0': 'one', 'v2.3.4': 'two', 'keep-a': 'base' },
  'ns/deep': { '0.9.0': 'two' },
};

/** A started source registry and the digests of its images. */
export interface SyncSource {
  registry: RunningRegistry;
  digests: Record<'base' | 'one' | 'two', string>;
  /** The layout the images were built in. */
  layout: string;
}

/** Builds the three images in `dir` and pushes every tag of {@link SOURCE_TAGS} to a new registry. */
export async function startSyncSource(dir: string): Promise<SyncSource> {
  for (const name of ['base', 'one', 'two']) {
    await mkdir(join(dir, `root-${name}`), { recursive: true });
    await writeFile(join(dir, `root-${name}/${name}.txt`), `${name}\n`);
  }
  const layout = join(dir, 'images');
  await ok(['append', 'scratch', join(dir, 'root-base'), '-t', `oci:${layout}:base`]);
  await ok(['append', `oci:${layout}:base`, join(dir, 'root-one'), '-t', `oci:${layout}:one`]);
  await ok(['append', `oci:${layout}:base`, join(dir, 'root-two'), '-t', `oci:${layout}:two`]);
  const digests = {
    base: await ok(['digest', `oci:${layout}:base`]),
    one: await ok(['digest', `oci:${layout}:one`]),
    two: await ok(['digest', `oci:${layout}:two`]),
  };
  const registry = await startRegistry();
  for (const [repository, tags] of Object.entries(SOURCE_TAGS)) {
    for (const [tag, image] of Object.entries(tags))
      await ok(['copy', '-q', `oci:${layout}:${image}`, `${registry.host}/${repository}:${tag}`]);
  }
  return { registry, digests, layout };
}

const ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

/**
 * Every `repository:tag → digest` a registry holds under `prefix/` (the prefix taken off the
 * names; an empty prefix: every repository), read through the Distribution API.
 */
export async function registryImages(host: string, prefix: string): Promise<Record<string, string>> {
  const catalog = (await (await fetch(`http://${host}/v2/_catalog`)).json()) as { repositories?: string[] };
  const images: Record<string, string> = {};
  for (const repository of catalog.repositories ?? []) {
    if (prefix !== '' && !repository.startsWith(`${prefix}/`)) continue;
    const list = (await (await fetch(`http://${host}/v2/${repository}/tags/list`)).json()) as {
      tags?: string[];
    };
    for (const tag of list.tags ?? []) {
      const res = await fetch(`http://${host}/v2/${repository}/manifests/${tag}`, {
        method: 'HEAD',
        headers: { accept: ACCEPT },
      });
      images[`${prefix === '' ? repository : repository.slice(prefix.length + 1)}:${tag}`] =
        res.headers.get('docker-content-digest') ?? '';
    }
  }
  return images;
}

/** The expected `repository:tag → digest` map for the given tags of the source. */
export function expectedImages(
  source: SyncSource,
  selected: Record<string, readonly string[]>,
  rename: (repository: string) => string = (r) => r,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [repository, tags] of Object.entries(selected)) {
    for (const tag of tags) {
      const image = SOURCE_TAGS[repository]?.[tag];
      assert.ok(image, `${repository}:${tag} is not in the source`);
      out[`${rename(repository)}:${tag}`] = source.digests[image];
    }
  }
  return out;
}
