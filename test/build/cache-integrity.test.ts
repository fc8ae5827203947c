/**
 * What the build cache may answer with. A step's key covers everything that decides its layer
 * (ADD's `--unpack`, the body of a heredoc copied next to `--from`); an entry whose layer is not
 * what its recorded DiffID says, in the local cache or in a cache repository, is never used (the
 * step is built again, and the image is the one a clean build gives); a cache blob damaged on
 * disk fails the build with DIGEST_MISMATCH rather than be used, and `--no-cache` repairs it.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { build } from '../../src/build/index.ts';
import { digestBytes } from '../../src/digest/index.ts';
import { isOciError } from '../../src/errors/index.ts';
import { OCI, serializeJson } from '../../src/spec/index.ts';
import { initLayout, type OciLayout, openLayout } from '../../src/store/index.ts';
import { run } from '../helpers/exec.ts';
import { hostileTar } from '../helpers/hostile-tar.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { scratch } from '../helpers/tmp.ts';
import { buildIn, listImage, readImage, writeTree } from './engine-helpers.ts';

let registry: RunningRegistry;
before(async () => {
  registry = await startRegistry();
});
after(async () => {
  await registry.stop();
});

/** The `step-…` tags of a cache layout. */
async function stepTags(layout: OciLayout): Promise<string[]> {
  return (await layout.listTags()).filter((t) => t.startsWith('step-'));
}

/**
 * Writes into `layout` a one-layer step image whose layer is `layer` (media type `mediaType`) but
 * whose config claims the DiffID `diffId`, tagged `tag`: a poisoned cache entry.
 */
async function poisonedStep(
  layout: OciLayout,
  tag: string,
  layer: Buffer,
  mediaType: string,
  diffId: string,
): Promise<void> {
  const layerDigest = (await layout.putBytes(layer)).digest;
  const config = serializeJson({
    architecture: 'amd64',
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: [diffId] },
  });
  const configDigest = (await layout.putBytes(config)).digest;
  const manifest = serializeJson({
    schemaVersion: 2,
    mediaType: OCI.manifest,
    config: { mediaType: OCI.config, digest: configDigest, size: config.byteLength },
    layers: [{ mediaType, digest: layerDigest, size: layer.byteLength }],
  });
  const manifestDigest = (await layout.putBytes(manifest)).digest;
  await layout.tag(tag, { mediaType: OCI.manifest, digest: manifestDigest, size: manifest.byteLength });
}

const POISON = () => hostileTar([{ name: 'f', content: 'not what the key says\n' }]);

test('ADD --unpack=false after ADD of the same archive gives the archive, not the cached unpacking', async (t) => {
  const dir = await scratch(t);
  await mkdir(join(dir, 'context'));
  await writeFile(join(dir, 'context', 'a.tar'), await hostileTar([{ name: 'in.txt', content: 'in\n' }]));
  const cacheDir = join(dir, 'cache');
  const context = join(dir, 'context');
  const unpacked = await buildIn(t, 'FROM scratch\nADD a.tar /x/\n', {}, { contextDir: context, cacheDir });
  assert.deepEqual(await listImage(unpacked.layout), [['d 0755 0:0 0 x/', '- 0644 0:0 3 x/in.txt']]);
  const packed = await buildIn(
    t,
    'FROM scratch\nADD --unpack=false a.tar /x/\n',
    {},
    {
      contextDir: context,
      cacheDir,
    },
  );
  assert.deepEqual(await listImage(packed.layout), [['d 0755 0:0 0 x/', '- 0644 0:0 2048 x/a.tar']]);
});

test('a heredoc copied with --from is part of the key: a new body is a new layer', async (t) => {
  const dir = await scratch(t);
  const cacheDir = join(dir, 'cache');
  const dockerfile = (body: string) =>
    `FROM scratch AS s\nCOPY a /a\nFROM scratch\nCOPY --from=s <<EOF /f\n${body}\nEOF\n`;
  await buildIn(t, dockerfile('one'), { a: 'a' }, { cacheDir });
  const second = await buildIn(t, dockerfile('two'), { a: 'a' }, { cacheDir });
  const image = await readImage(second.layout);
  assert.equal(await run('tar', ['-xzOf', image.layers[0] as string, 'f']), 'two\n');
});

test('security: a local cache entry whose layer does not match its DiffID is not used', async (t) => {
  const clean = await buildIn(t, 'FROM scratch\nCOPY f /f\n', { f: 'the real content\n' });
  const layout = await openLayout(clean.cacheDir);
  const [tag] = await stepTags(layout);
  const diffId = clean.result.images[0]?.config.rootfs.diff_ids[0] as string;
  await poisonedStep(layout, tag as string, await POISON(), OCI.layer, diffId);
  for (const name of await layout.listTags()) if (name.startsWith('gzip-')) await layout.untag(name);
  const again = await build({
    context: clean.context,
    cacheDir: clean.cacheDir,
    tags: [`oci:${clean.layout}:again`],
  });
  assert.equal(again.cachedSteps, 0);
  assert.equal(again.digest, clean.result.digest);
});

test('security: a cache repository entry whose layer does not match its DiffID is not used', async (t) => {
  const dir = await scratch(t);
  const files = { Dockerfile: 'FROM scratch\nCOPY f /f\n', f: 'the real content\n' };
  await writeTree(join(dir, 'one'), files);
  await writeTree(join(dir, 'two'), files);
  const cacheRepo = `${registry.host}/cache/poisoned`;
  const first = await build({ context: join(dir, 'one'), cacheDir: join(dir, 'cache-one'), cacheRepo });
  // Replace the step in the repository by one whose gzip layer holds other content.
  const [tag] = await stepTags(await openLayout(join(dir, 'cache-one')));
  const staging = await initLayout(join(dir, 'staging'));
  const diffId = first.images[0]?.config.rootfs.diff_ids[0] as string;
  await poisonedStep(staging, tag as string, gzipSync(await POISON()), OCI.layerGzip, diffId);
  await run('skopeo', [
    'copy',
    '--dest-tls-verify=false',
    `oci:${join(dir, 'staging')}:${tag}`,
    `docker://${cacheRepo}:${tag}`,
  ]);
  const second = await build({ context: join(dir, 'two'), cacheDir: join(dir, 'cache-two'), cacheRepo });
  assert.equal(second.cachedSteps, 0);
  assert.equal(second.digest, first.digest);
  assert.ok(
    second.warnings.some((w) => /does not match its DiffID/.test(w)),
    second.warnings.join('\n'),
  );
});

test('a damaged cache blob fails the build with DIGEST_MISMATCH, and --no-cache repairs it', async (t) => {
  const clean = await buildIn(t, 'FROM scratch\nCOPY f /f\n', { f: 'the real content\n' });
  const image = await readImage(clean.layout);
  const digest = image.manifest.layers[0].digest as string;
  const cached = join(clean.cacheDir, 'blobs', ...digest.split(':'));
  const bytes = await readFile(cached);
  bytes[bytes.length - 9] = (bytes[bytes.length - 9] as number) ^ 0xff;
  await writeFile(cached, bytes);
  // A fresh destination each time: one that has the blob already is not read from the cache.
  let n = 0;
  const options = () => ({
    context: clean.context,
    cacheDir: clean.cacheDir,
    tags: [`oci:${clean.layout}-${++n}:again`],
  });
  await assert.rejects(build(options()), (err: unknown) => isOciError(err, 'DIGEST_MISMATCH'));
  const repaired = await build({ ...options(), noCache: true });
  assert.equal(repaired.digest, clean.result.digest);
  const after = await build(options());
  assert.equal(after.digest, clean.result.digest);
  assert.equal(digestBytes(await readFile(cached)), digest);
});
