/**
 * skopeo's `dir:` folders, both ways: folders skopeo writes (OCI and Docker v2.2, several layers,
 * a whole index) are read by ocikit with every digest kept, and folders ocikit writes are read by
 * skopeo, file for file in skopeo's own layout (`version`, `manifest.json`, blobs named by hex).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { digestBytes } from '../../src/digest/index.ts';
import { OCI, serializeJson } from '../../src/spec/index.ts';
import { openLayout } from '../../src/store/index.ts';
import { ocikit } from '../helpers/cli.ts';
import { run, runBuffer } from '../helpers/exec.ts';
import { suiteScratch } from '../helpers/tmp.ts';

const VERSION = 'Directory Transport Version: 1.1\n';
const hex = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

async function ok(args: string[]): Promise<string> {
  const result = await ocikit(args);
  assert.equal(result.code, 0, `ocikit ${args.join(' ')}: ${result.stderr}`);
  return result.out;
}

/** The files a single-image dir: folder must hold for `manifest`: version, manifest.json, config, layers. */
function expectedFiles(manifest: { config: { digest: string }; layers: { digest: string }[] }): string[] {
  const blobs = [manifest.config.digest, ...manifest.layers.map((l) => l.digest)].map((d) => d.split(':')[1]);
  return [...new Set(['manifest.json', 'version', ...(blobs as string[])])].sort();
}

describe('dir: folders with skopeo', () => {
  const makeDir = suiteScratch(after);
  let dir: string;
  let layout: string;

  before(async () => {
    dir = await makeDir();
    layout = join(dir, 'layout');
    for (const part of ['a', 'b', 'c']) {
      await mkdir(join(dir, 'src', part, part), { recursive: true });
      await writeFile(join(dir, 'src', part, part, 'file'), `layer ${part}\n`);
    }
    // Three layers, one per folder.
    await ok([
      'append',
      'scratch',
      join(dir, 'src/a'),
      join(dir, 'src/b'),
      join(dir, 'src/c'),
      '-t',
      `oci:${layout}:app`,
    ]);
    await ok(['mutate', `oci:${layout}:app`, '--set-platform', 'linux/amd64', '-t', `oci:${layout}:amd`]);
    await ok(['mutate', `oci:${layout}:app`, '--set-platform', 'linux/arm64', '-t', `oci:${layout}:arm`]);
    const store = await openLayout(layout);
    const manifests = [];
    for (const [tag, platform] of [
      ['amd', { architecture: 'amd64', os: 'linux' }],
      ['arm', { architecture: 'arm64', os: 'linux' }],
    ] as const) {
      const d = await store.resolve(tag);
      manifests.push({ mediaType: d.mediaType, digest: d.digest, size: d.size, platform });
    }
    const index = serializeJson({ schemaVersion: 2, mediaType: OCI.index, manifests });
    await store.putBytes(index, digestBytes(index));
    await store.tag('multi', { mediaType: OCI.index, digest: digestBytes(index), size: index.byteLength });
  });

  test('a multi-layer OCI image skopeo wrote to dir: is read by ocikit, digests kept', async () => {
    const folder = join(dir, 'skopeo-oci');
    await run('skopeo', ['copy', '--quiet', `oci:${layout}:app`, `dir:${folder}`]);
    const raw = await readFile(join(folder, 'manifest.json'));
    const shown = await ocikit(['inspect', '--raw', `dir:${folder}`]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.deepEqual(shown.stdout, raw);
    assert.equal(await ok(['digest', `dir:${folder}`]), `sha256:${hex(raw)}`);
    assert.equal(JSON.parse(raw.toString()).layers.length, 3);
    // Into a layout and back out through skopeo: the same manifest bytes, every blob verified.
    const out = join(dir, 'from-skopeo');
    await ok(['copy', '-q', `dir:${folder}`, `oci:${out}:app`]);
    assert.deepEqual(await runBuffer('skopeo', ['inspect', '--raw', `oci:${out}:app`]), raw);
    await ok(['fsck', out]);
  });

  test('a Docker v2.2 image skopeo wrote to dir: keeps its media types and digest', async () => {
    const folder = join(dir, 'skopeo-v2s2');
    await run('skopeo', ['copy', '--quiet', '--format', 'v2s2', `oci:${layout}:app`, `dir:${folder}`]);
    const raw = await readFile(join(folder, 'manifest.json'));
    assert.equal(
      JSON.parse(raw.toString()).mediaType,
      'application/vnd.docker.distribution.manifest.v2+json',
    );
    const out = join(dir, 'v2s2-copy');
    const printed = await ok(['copy', '-q', `dir:${folder}`, `dir:${out}`]);
    assert.match(printed, new RegExp(`sha256:${hex(raw)}`));
    assert.deepEqual(await readFile(join(out, 'manifest.json')), raw);
    const config = JSON.parse(await ok(['inspect', '--config', `dir:${out}`]));
    assert.equal(config.rootfs.diff_ids.length, 3);
  });

  test('a dir: folder ocikit wrote is skopeo’s format, and skopeo reads it', async () => {
    const folder = join(dir, 'ocikit-dir');
    await ok(['copy', '-q', `oci:${layout}:app`, `dir:${folder}`]);
    const original = await runBuffer('skopeo', ['inspect', '--raw', `oci:${layout}:app`]);
    const manifest = await readFile(join(folder, 'manifest.json'));
    assert.deepEqual(manifest, original);
    assert.equal(await readFile(join(folder, 'version'), 'utf8'), VERSION);
    assert.deepEqual((await readdir(folder)).sort(), expectedFiles(JSON.parse(manifest.toString())));
    for (const name of await readdir(folder)) {
      if (/^[0-9a-f]{64}$/.test(name)) assert.equal(hex(await readFile(join(folder, name))), name);
    }
    assert.deepEqual(await runBuffer('skopeo', ['inspect', '--raw', `dir:${folder}`]), original);
    const back = join(dir, 'skopeo-from-ocikit');
    await run('skopeo', ['copy', '--quiet', `dir:${folder}`, `oci:${back}:app`]);
    assert.deepEqual(await runBuffer('skopeo', ['inspect', '--raw', `oci:${back}:app`]), original);
    const info = JSON.parse((await runBuffer('skopeo', ['inspect', `dir:${folder}`])).toString());
    assert.equal(info.Layers.length, 3);
  });

  test('a whole index goes both ways: children as HEX.manifest.json, as skopeo --all writes them', async () => {
    const mine = join(dir, 'index-ocikit');
    await ok(['copy', '-q', '--all-platforms', `oci:${layout}:multi`, `dir:${mine}`]);
    const theirs = join(dir, 'index-skopeo');
    await run('skopeo', ['copy', '--quiet', '--all', `oci:${layout}:multi`, `dir:${theirs}`]);
    assert.deepEqual((await readdir(mine)).sort(), (await readdir(theirs)).sort());
    for (const name of await readdir(theirs)) {
      assert.deepEqual(await readFile(join(mine, name)), await readFile(join(theirs, name)), name);
    }
    const out = join(dir, 'index-back');
    await ok(['copy', '-q', '--all-platforms', `dir:${theirs}`, `oci:${out}:multi`]);
    assert.deepEqual(
      await runBuffer('skopeo', ['inspect', '--raw', `oci:${out}:multi`]),
      await readFile(join(theirs, 'manifest.json')),
    );
    await ok(['fsck', out]);
  });

  test('writing over a dir: image replaces it; a folder that is not one is refused and kept', async () => {
    const folder = join(dir, 'replace');
    await ok(['copy', '-q', `oci:${layout}:app`, `dir:${folder}`]);
    await ok(['copy', '-q', `oci:${layout}:amd`, `dir:${folder}`]);
    const manifest = await readFile(join(folder, 'manifest.json'));
    assert.deepEqual(manifest, await runBuffer('skopeo', ['inspect', '--raw', `oci:${layout}:amd`]));
    assert.deepEqual((await readdir(folder)).sort(), expectedFiles(JSON.parse(manifest.toString())));

    const other = join(dir, 'not-an-image');
    await mkdir(other);
    await writeFile(join(other, 'notes.txt'), 'keep me\n');
    const refused = await ocikit(['copy', '-q', `oci:${layout}:app`, `dir:${other}`]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^ocikit: ALREADY_EXISTS: .*not a dir: image/m);
    assert.deepEqual(await readdir(other), ['notes.txt']);
    assert.deepEqual(await readdir(dir).then((names) => names.filter((n) => n.startsWith('.'))), []);
  });
});
