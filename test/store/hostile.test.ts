/**
 * Hostile digests: a digest string from index.json, a manifest or a caller never reaches the
 * filesystem unless it passes the digest grammar. A canary file outside the layout proves it.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { isOciError } from '../../src/errors/index.ts';
import { OCI } from '../../src/spec/index.ts';
import { initLayout, type OciLayout, openLayout } from '../../src/store/index.ts';
import { scratch } from '../helpers/peers-layout.ts';

const CANARY = 'canary: must never be read, changed or removed\n';
const HOSTILE = [
  'sha256:../../../canary',
  'sha256:../../canary',
  'sha256/../../../canary',
  '../canary',
  `sha256:${'a'.repeat(63)}/`,
  `sha256:${'A'.repeat(64)}`,
  `sha512:${'a'.repeat(64)}`,
];

let dir: string;
let cleanup: () => Promise<void>;
let canary: string;
before(async () => {
  ({ dir, cleanup } = await scratch('hostile'));
  canary = join(dir, 'canary');
  await writeFile(canary, CANARY);
});
after(async () => {
  assert.equal(await readFile(canary, 'utf8'), CANARY);
  await cleanup();
});

async function deepLayout(name: string): Promise<OciLayout> {
  const root = join(dir, name, 'inner');
  await mkdir(root, { recursive: true });
  return initLayout(root);
}

const invalidDigest = (e: unknown) => isOciError(e, 'INVALID_DIGEST');

describe('hostile digests', () => {
  test('store calls with an off-grammar digest fail with INVALID_DIGEST and leave the canary alone', async () => {
    const layout = await deepLayout('calls');
    for (const digest of HOSTILE) {
      assert.throws(() => layout.blobPath(digest), invalidDigest, digest);
      await assert.rejects(layout.stat(digest), invalidDigest, digest);
      await assert.rejects(layout.get({ digest, size: CANARY.length }), invalidDigest, digest);
      await assert.rejects(layout.readBytes({ digest, size: CANARY.length }), invalidDigest, digest);
      await assert.rejects(layout.delete(digest), invalidDigest, digest);
      await assert.rejects(
        layout.ingest(Readable.from([Buffer.from('x')]), { digest }),
        invalidDigest,
        digest,
      );
      const asRef = /^sha(256|512):/.test(digest) ? digest : `sha256:${digest}`;
      await assert.rejects(layout.resolve(asRef), invalidDigest, asRef);
    }
    assert.equal(await readFile(canary, 'utf8'), CANARY);
  });

  test('an index.json entry with digest sha256:../../../canary fails with INVALID_DIGEST', async () => {
    const layout = await deepLayout('index');
    await writeFile(
      join(layout.root, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [{ mediaType: OCI.manifest, digest: 'sha256:../../../canary', size: CANARY.length }],
      }),
    );
    await assert.rejects(openLayout(layout.root), invalidDigest);
    await assert.rejects(layout.resolve(), invalidDigest);
    await assert.rejects(layout.gc(), invalidDigest);
    const report = await layout.fsck();
    assert.deepEqual(
      report.problems.map((p) => [p.kind, p.path]),
      [['invalid-digest', 'index.json']],
    );
  });

  test('a manifest whose layer digest climbs out of the layout is refused by reads, gc and fsck', async () => {
    const layout = await deepLayout('manifest');
    const config = await layout.putBytes(
      Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'),
    );
    const manifest = await layout.putBytes(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI.manifest,
          config: { mediaType: OCI.config, ...config },
          layers: [{ mediaType: OCI.layerGzip, digest: 'sha256:../../../canary', size: CANARY.length }],
        }),
      ),
    );
    const descriptor = { mediaType: OCI.manifest, ...manifest };
    await layout.tag('evil', descriptor);
    await assert.rejects(layout.readDocument(descriptor), invalidDigest);
    await assert.rejects(layout.gc(), invalidDigest);
    assert.equal(await layout.stat(config.digest), config.size, 'a refused gc removed nothing');
    const report = await layout.fsck();
    assert.equal(report.problems.length, 1);
    assert.equal(report.problems[0]?.kind, 'invalid-digest');
    assert.equal(report.problems[0]?.digest, manifest.digest);
    assert.match(report.problems[0]?.message ?? '', /layers\[0\]\.digest/);
  });
});
