/**
 * The check that no layer of a built image holds what the RUN runtime mounts or generates: the
 * `dev/`, `proc/`, `sys/`, `run/` stubs, the generated `etc/hosts`, `etc/hostname` and
 * `etc/resolv.conf`, or anything below them (a whiteout of one included). A check on the
 * unpacked rootfs alone would miss a stub one layer adds and a later one deletes. Layers are
 * listed by GNU tar (a peer, not ocikit's reader).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../helpers/exec.ts';

/** The paths the runtime mounts or generates for a step. */
export const RUNTIME_STUBS = ['dev', 'proc', 'sys', 'run', 'etc/hosts', 'etc/hostname', 'etc/resolv.conf'];

/** The layer blob paths of `oci:LAYOUT:TAG`'s manifest (a single-image entry). */
export async function layerBlobs(layout: string, tag: string): Promise<string[]> {
  const blob = (digest: string): string => join(layout, 'blobs', ...digest.split(':'));
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as {
    manifests: { digest: string; annotations?: Record<string, string> }[];
  };
  const entry = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  assert.ok(entry, `no ${tag} in ${layout}`);
  const manifest = JSON.parse(await readFile(blob(entry.digest), 'utf8')) as { layers: { digest: string }[] };
  return manifest.layers.map((l) => blob(l.digest));
}

/** The names in one layer blob (compressed or not), without `./` and trailing slashes. */
export async function layerNames(path: string): Promise<string[]> {
  const out = await run('tar', ['-tf', path]);
  return out
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.replace(/^\.\//, '').replace(/\/$/, ''))
    .filter((name) => name !== '' && name !== '.');
}

/** The stub a layer entry is, or is below, or whites out; undefined when none. */
export function stubOf(name: string, stubs: readonly string[] = RUNTIME_STUBS): string | undefined {
  const slash = name.lastIndexOf('/');
  const base = name.slice(slash + 1);
  const unwhited = base.startsWith('.wh.') ? `${name.slice(0, slash + 1)}${base.slice(4)}` : name;
  return stubs.find((stub) => unwhited === stub || unwhited.startsWith(`${stub}/`));
}

/**
 * Asserts that the layers of `oci:LAYOUT:TAG` from the `from`-th on (the base's are not the
 * build's) hold none of `stubs`.
 */
export async function assertNoStubLayers(
  layout: string,
  tag: string,
  from: number,
  stubs: readonly string[] = RUNTIME_STUBS,
): Promise<void> {
  const blobs = (await layerBlobs(layout, tag)).slice(from);
  for (const [i, path] of blobs.entries()) {
    const leaked = (await layerNames(path)).filter((name) => stubOf(name, stubs) !== undefined);
    assert.deepEqual(leaked, [], `layer ${from + i} of the build holds runtime stubs`);
  }
}
