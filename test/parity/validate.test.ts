/**
 * `ocikit validate IMAGE [--fast]` (crane validate): every fault `ocikit fsck` finds in a layout,
 * and the ones only the image model shows (a wrong DiffID, history that does not match the
 * layers, media types that disagree), named one per line with a non-zero exit, on a layout and on
 * the real registry (blobs corrupted in its storage folder).
 */
import assert from 'node:assert/strict';
import { readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DOCKER } from '../../src/spec/index.ts';
import { ocikit } from '../helpers/cli.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { scratch, suiteScratch } from '../helpers/tmp.ts';
import { blobPath, type GzipImage, type ImageEdits, writeGzipImage } from './fixtures.ts';

const WRONG = `sha256:${'1'.repeat(64)}`;

/** Flips one byte of a file, keeping its size. */
async function corrupt(path: string): Promise<void> {
  const bytes = await readFile(path);
  bytes[bytes.length - 5] = (bytes[bytes.length - 5] as number) ^ 0xff;
  writeFileSync(path, bytes);
}

/** Each fault: how to make it in a fresh layout, and the kind validate must name. */
const FAULTS: Array<{
  name: string;
  kind: string;
  edits?: ImageEdits;
  breakIt?: (image: GzipImage) => Promise<void>;
  /** The digest the fault line must name. */
  digest: (image: GzipImage) => string;
  fsck: boolean;
}> = [
  {
    name: 'a corrupted layer',
    kind: 'digest-mismatch',
    breakIt: (img) => corrupt(blobPath(img.root, img.layers[0]?.digest as string)),
    digest: (img) => img.layers[0]?.digest as string,
    fsck: true,
  },
  {
    name: 'a truncated layer',
    kind: 'size-mismatch',
    breakIt: async (img) => truncateSync(blobPath(img.root, img.layers[1]?.digest as string), 10),
    digest: (img) => img.layers[1]?.digest as string,
    fsck: true,
  },
  {
    name: 'a missing layer',
    kind: 'missing',
    breakIt: async (img) => rmSync(blobPath(img.root, img.layers[1]?.digest as string)),
    digest: (img) => img.layers[1]?.digest as string,
    fsck: true,
  },
  {
    name: 'a corrupted config',
    kind: 'digest-mismatch',
    breakIt: (img) => corrupt(blobPath(img.root, img.config.digest)),
    digest: (img) => img.config.digest,
    fsck: true,
  },
  {
    name: 'a wrong DiffID',
    kind: 'diffid-mismatch',
    edits: { diffId: { index: 1, value: WRONG } },
    digest: (img) => img.layers[1]?.digest as string,
    fsck: false,
  },
  {
    name: 'history that does not match the layers',
    kind: 'history-mismatch',
    edits: { history: [{ created_by: 'one' }, { created_by: 'two' }, { created_by: 'three' }] },
    digest: (img) => img.config.digest,
    fsck: false,
  },
  {
    name: 'a Docker layer media type in an OCI manifest',
    kind: 'media-type-mismatch',
    edits: { layerMediaType: { index: 0, value: DOCKER.layerGzip } },
    digest: (img) => img.layers[0]?.digest as string,
    fsck: false,
  },
];

describe('ocikit validate on a layout', () => {
  test('a sound image passes, with --fast too', async (t) => {
    const dir = await scratch(t);
    const image = await writeGzipImage(join(dir, 'ok'));
    const full = await ocikit(['validate', image.name]);
    assert.equal(full.code, 0, full.stderr + full.out);
    assert.match(full.out, /^ok: /m);
    const fast = await ocikit(['validate', '--fast', image.name]);
    assert.equal(fast.code, 0, fast.stderr + fast.out);
  });

  for (const fault of FAULTS) {
    test(`names ${fault.name} and exits non-zero`, async (t) => {
      const dir = await scratch(t);
      const image = await writeGzipImage(join(dir, 'img'), fault.edits);
      await fault.breakIt?.(image);
      const r = await ocikit(['validate', image.name]);
      assert.equal(r.code, 1, r.stderr + r.out);
      const line = r.out.split('\n').find((l) => l.startsWith(`${fault.kind}: `));
      assert.ok(line, `no ${fault.kind} line in:\n${r.out}\n${r.stderr}`);
      assert.ok(line.includes(fault.digest(image)), line);
      const json = await ocikit(['validate', '--json', image.name]);
      assert.equal(json.code, 1);
      const report = JSON.parse(json.out) as { ok: boolean; faults: Array<{ kind: string }> };
      assert.equal(report.ok, false);
      assert.ok(report.faults.some((f) => f.kind === fault.kind));
      if (fault.fsck) {
        const fsck = await ocikit(['fsck', image.root]);
        assert.equal(fsck.code, 1, 'fsck finds it too');
      }
    });
  }

  test('--fast finds missing and truncated layers without reading them', async (t) => {
    const dir = await scratch(t);
    const missing = await writeGzipImage(join(dir, 'missing'));
    rmSync(blobPath(missing.root, missing.layers[0]?.digest as string));
    const r1 = await ocikit(['validate', '--fast', missing.name]);
    assert.equal(r1.code, 1);
    assert.match(r1.out, new RegExp(`^missing: ${missing.layers[0]?.digest}`, 'm'));
    const short = await writeGzipImage(join(dir, 'short'));
    truncateSync(blobPath(short.root, short.layers[1]?.digest as string), 3);
    const r2 = await ocikit(['validate', '--fast', short.name]);
    assert.equal(r2.code, 1);
    assert.match(r2.out, new RegExp(`^size-mismatch: ${short.layers[1]?.digest}`, 'm'));
    // As crane's --fast: layer bytes are not read, so a same-size corruption is not seen.
    const bad = await writeGzipImage(join(dir, 'bad'));
    await corrupt(blobPath(bad.root, bad.layers[0]?.digest as string));
    assert.equal((await ocikit(['validate', '--fast', bad.name])).code, 0);
    assert.equal((await ocikit(['validate', bad.name])).code, 1);
  });

  test('validates every child of an index, naming the child', async (t) => {
    const dir = await scratch(t);
    const good = await writeGzipImage(join(dir, 'good'));
    const broken = await writeGzipImage(join(dir, 'broken'), { diffId: { index: 0, value: WRONG } });
    const index = join(dir, 'index');
    const made = await ocikit([
      'index',
      'create',
      '-m',
      good.name,
      '-m',
      broken.name,
      '-t',
      `oci:${index}:i`,
    ]);
    assert.equal(made.code, 0, made.stderr);
    const r = await ocikit(['validate', `oci:${index}:i`]);
    assert.equal(r.code, 1, r.out);
    const line = r.out.split('\n').find((l) => l.startsWith('diffid-mismatch: '));
    assert.ok(line?.includes('manifests[1]'), r.out);
  });
});

describe('ocikit validate on the registry', () => {
  const makeDir = suiteScratch(after, 'ocikit-validate-');
  let registry: RunningRegistry;
  let dir: string;

  before(async () => {
    dir = await makeDir();
    registry = await startRegistry();
  });
  after(() => registry?.stop());

  /** The file the registry stores a blob's bytes in. */
  function storedBlob(digest: string): string {
    const hex = digest.slice('sha256:'.length);
    const base = join(registry.dir, 'data', 'docker', 'registry', 'v2', 'blobs', 'sha256');
    assert.ok(readdirSync(base).includes(hex.slice(0, 2)));
    return join(base, hex.slice(0, 2), hex, 'data');
  }

  async function push(edits: ImageEdits | undefined, repo: string): Promise<GzipImage> {
    // Salted: the registry stores each blob once for all repositories, and tests break blobs.
    const image = await writeGzipImage(join(dir, repo), { ...edits, salt: repo });
    const r = await ocikit(['copy', '-q', image.name, `${registry.host}/${repo}:1`]);
    assert.equal(r.code, 0, r.stderr);
    return image;
  }

  test('a sound image passes', async () => {
    await push(undefined, 'sound');
    for (const args of [[], ['--fast']]) {
      const r = await ocikit(['validate', ...args, `${registry.host}/sound:1`]);
      assert.equal(r.code, 0, r.stderr + r.out);
      assert.match(r.out, /^ok: 4 blobs/m);
    }
  });

  test('a layer corrupted in the storage folder', async () => {
    const image = await push(undefined, 'corrupt');
    await corrupt(storedBlob(image.layers[0]?.digest as string));
    const r = await ocikit(['validate', `${registry.host}/corrupt:1`]);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, new RegExp(`^digest-mismatch: ${image.layers[0]?.digest}`, 'm'));
  });

  test('a layer truncated in the storage folder, --fast too', async () => {
    const image = await push(undefined, 'short');
    truncateSync(storedBlob(image.layers[1]?.digest as string), 7);
    for (const args of [[], ['--fast']]) {
      const r = await ocikit(['validate', ...args, `${registry.host}/short:1`]);
      assert.equal(r.code, 1, r.out + r.stderr);
      assert.match(r.out, new RegExp(`^size-mismatch: ${image.layers[1]?.digest}`, 'm'), r.stderr);
    }
  });

  test('a layer missing from the storage folder', async () => {
    const image = await push(undefined, 'gone');
    rmSync(storedBlob(image.layers[1]?.digest as string));
    const r = await ocikit(['validate', `${registry.host}/gone:1`]);
    assert.equal(r.code, 1, r.out + r.stderr);
    assert.match(r.out, new RegExp(`^missing: ${image.layers[1]?.digest}`, 'm'));
  });

  test('a wrong DiffID and mismatched history, pushed as they are', async () => {
    await push({ diffId: { index: 0, value: WRONG } }, 'diffid');
    const r1 = await ocikit(['validate', `${registry.host}/diffid:1`]);
    assert.equal(r1.code, 1);
    assert.match(r1.out, /^diffid-mismatch: /m);
    await push({ history: [{ created_by: 'only one' }] }, 'history');
    const r2 = await ocikit(['validate', `${registry.host}/history:1`]);
    assert.equal(r2.code, 1);
    assert.match(r2.out, /^history-mismatch: /m);
  });
});
