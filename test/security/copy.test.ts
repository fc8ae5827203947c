/**
 * Security cases of the copy engine (src/copy): a small hostile index graph must not make a copy
 * do work exponential in its depth.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { copyImage } from '../../src/copy/index.ts';
import type { ImageSource } from '../../src/image/index.ts';
import { OCI } from '../../src/spec/index.ts';
import { layoutSink, layoutSource } from '../../src/transports/layout/index.ts';
import { scratch } from '../helpers/tmp.ts';
import { type FixtureDescriptor, putJson, writeIndex, writeLayout } from './fixtures.ts';

const FAN_OUT = 8;
const LEVELS = 3;

test('copy --all-platforms reads each manifest of a fan-out index graph once, not once per path', async (t) => {
  const dir = await scratch(t, 'ocikit-sec-copy-');
  const root = join(dir, 'src');
  await writeLayout(root);
  const config = await putJson(
    root,
    { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } },
    OCI.config,
  );
  let child: FixtureDescriptor = await putJson(
    root,
    { schemaVersion: 2, mediaType: OCI.manifest, config, layers: [] },
    OCI.manifest,
  );
  // Each index lists the same child FAN_OUT times: 4 documents, FAN_OUT^LEVELS paths to the leaf.
  for (let level = 0; level < LEVELS; level++) {
    const entry = { ...child, platform: { os: 'linux', architecture: 'amd64' } };
    child = await putJson(
      root,
      { schemaVersion: 2, mediaType: OCI.index, manifests: Array.from({ length: FAN_OUT }, () => entry) },
      OCI.index,
    );
  }
  await writeIndex(root, [{ ...child, annotations: { 'org.opencontainers.image.ref.name': 'bomb' } }]);

  const inner = layoutSource(`oci:${root}:bomb`);
  let reads = 0;
  const counting: ImageSource = {
    name: inner.name,
    resolve: (o) => inner.resolve(o),
    manifest: (d, o) => {
      reads++;
      return inner.manifest(d, o);
    },
    blob: (d, o) => inner.blob(d, o),
    close: () => inner.close(),
  };
  await copyImage(counting, layoutSink(`oci:${join(dir, 'dst')}:copy`), { allPlatforms: true });
  const documents = LEVELS + 1;
  assert.ok(
    reads <= 2 * documents,
    `copying ${documents} distinct documents read manifests ${reads} times (${FAN_OUT}^${LEVELS} paths); ` +
      'a 4 MiB index can list ~20000 entries, so three levels mean ~10^12 reads',
  );
});
