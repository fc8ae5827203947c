/**
 * Several target platforms: `--platform linux/amd64,linux/arm64` builds every stage once per
 * platform (COPY-only stages need no emulation) and writes an OCI index that skopeo copies whole,
 * each child's config declaring its own platform; a FROM of an index picks the matching image.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { isOciError } from '../../src/errors/index.ts';
import { run } from '../helpers/exec.ts';
import { scratch } from '../helpers/tmp.ts';
import { buildIn, listLayer, readImage } from './engine-helpers.ts';

const DOCKERFILE = [
  'FROM scratch AS build',
  'ARG TARGETARCH',
  'COPY dist/$TARGETARCH/app /app',
  'FROM scratch',
  'COPY --from=build /app /usr/bin/app',
  'COPY shared.js /srv/',
  'CMD ["/usr/bin/app"]',
  '',
].join('\n');
const FILES = { 'dist/amd64/app': 'x86 build', 'dist/arm64/app': 'arm build!', 'shared.js': 'js' };

test('two platforms make an index that skopeo copies whole, each child with its own platform', async (t) => {
  const { layout, result } = await buildIn(t, DOCKERFILE, FILES, {
    platforms: ['linux/amd64', 'linux/arm64'],
  });
  const index = JSON.parse(await readFile(join(layout, 'blobs', 'sha256', result.digest.slice(7)), 'utf8'));
  assert.equal(index.mediaType, 'application/vnd.oci.image.index.v1+json');
  assert.deepEqual(
    index.manifests.map((m: { platform: object }) => m.platform),
    [
      { architecture: 'amd64', os: 'linux' },
      { architecture: 'arm64', os: 'linux' },
    ],
  );
  const out = await scratch(t);
  await run('skopeo', ['copy', '--all', `oci:${layout}:img`, `oci:${join(out, 'copy')}:all`]);
  const raw = JSON.parse(await run('skopeo', ['inspect', '--raw', `oci:${join(out, 'copy')}:all`]));
  assert.equal(raw.manifests.length, 2);
  for (const [i, arch] of ['amd64', 'arm64'].entries()) {
    const manifest = JSON.parse(
      await readFile(join(out, 'copy', 'blobs', 'sha256', raw.manifests[i].digest.slice(7)), 'utf8'),
    );
    const config = JSON.parse(
      await readFile(join(out, 'copy', 'blobs', 'sha256', manifest.config.digest.slice(7)), 'utf8'),
    );
    assert.equal(config.architecture, arch);
    assert.equal(config.os, 'linux');
    const app = await run('tar', [
      '-xzOf',
      join(out, 'copy', 'blobs', 'sha256', manifest.layers[0].digest.slice(7)),
      'usr/bin/app',
    ]);
    assert.equal(app, arch === 'amd64' ? 'x86 build' : 'arm build!');
  }
});

test('FROM an index picks the image of the target platform', async (t) => {
  const base = await buildIn(
    t,
    'FROM scratch\nARG TARGETARCH\nCOPY $TARGETARCH.txt /arch.txt\n',
    { 'amd64.txt': 'amd', 'arm64.txt': 'arm' },
    {
      platforms: ['linux/amd64', 'linux/arm64'],
    },
  );
  const child = await buildIn(
    t,
    `FROM oci:${base.layout}:img\nCOPY extra /extra\n`,
    { extra: 'e' },
    { platforms: ['linux/arm64'] },
  );
  const image = await readImage(child.layout);
  assert.equal(image.config.architecture, 'arm64');
  assert.deepEqual(await listLayer(image.layers[0] as string), ['- 0644 0:0 3 arch.txt']);
  assert.equal(await run('tar', ['-xzOf', image.layers[0] as string, 'arch.txt']), 'arm');
  assert.equal(
    image.manifest.annotations['org.opencontainers.image.base.digest'],
    base.result.images[1]?.digest,
  );
});

test('a single-platform base must match an explicit --platform; without one, its own platform is kept', async (t) => {
  const base = await buildIn(t, 'FROM scratch\nCOPY f /f\n', { f: 'f' }, { platforms: ['linux/arm64'] });
  await assert.rejects(
    buildIn(t, `FROM oci:${base.layout}:img\n`, {}, { platforms: ['linux/amd64'] }),
    (err: unknown) =>
      isOciError(err, 'NO_MATCHING_PLATFORM') &&
      /^Dockerfile:1: oci:.* is for linux\/arm64, not linux\/amd64$/.test((err as Error).message),
  );
  const implicit = await buildIn(t, `FROM oci:${base.layout}:img\nENV A=1\n`);
  assert.equal((await readImage(implicit.layout)).config.architecture, 'arm64');
});
