/**
 * Referrers hang off their subjects in the DAG: a signed image's sigstore bundle under its
 * manifest, and in a signed index the index's `.sig`, one manifest's bundle referrer and the
 * other's `.att`, each under the document it is about; each one's manifest opens as a document.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { startExplorer } from '../../src/explore/index.ts';
import { layoutSource } from '../../src/transports/layout/index.ts';
import { ocikit } from '../helpers/cli.ts';
import { scratch } from '../helpers/tmp.ts';
import { type Json, json, writeBusyboxLayout } from './fixtures.ts';
import { writeSignedIndex } from './trust-fixtures.ts';

const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

const referrersOf = (node: Json): Json[] => node.children.filter((c: Json) => c.kind === 'referrer');

test('a signed image shows its signature as a referrer under its manifest, whose manifest is served', async (t) => {
  const dir = await scratch(t);
  const { manifest } = await writeBusyboxLayout(join(dir, 'img'));
  const env = { COSIGN_PASSWORD: 'explore' };
  assert.equal((await ocikit(['key', 'generate'], { cwd: dir, env })).code, 0);
  const signed = await ocikit(
    ['sign', `oci:${join(dir, 'img')}:latest`, '--key', join(dir, 'cosign.key'), '--format', 'bundle'],
    {
      env,
    },
  );
  assert.equal(signed.code, 0, signed.stderr);
  const name = `oci:${join(dir, 'img')}:latest`;
  const explorer = await startExplorer({ images: [{ name, source: layoutSource(name) }] });
  t.after(() => explorer.close());

  const { dag } = await json(await fetch(new URL('api/images/0', explorer.url)));
  assert.equal(dag.digest, manifest);
  const referrers = referrersOf(dag);
  assert.equal(referrers.length, 1);
  assert.equal(referrers[0].artifactType, BUNDLE);
  assert.equal(referrers[0].scheme, 'referrer');
  const res = await fetch(new URL(`api/images/0/documents/${referrers[0].digest}`, explorer.url));
  assert.equal(res.status, 200);
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.equal(`sha256:${createHash('sha256').update(bytes).digest('hex')}`, referrers[0].digest);
  assert.equal(JSON.parse(bytes.toString()).subject.digest, manifest);
});

test("a signed index: the index's .sig, one manifest's bundle and the other's .att each hang off their subject", async (t) => {
  const dir = await scratch(t);
  const signed = await writeSignedIndex(dir);
  const explorer = await startExplorer({
    images: [{ name: signed.name, source: layoutSource(signed.name) }],
  });
  t.after(() => explorer.close());

  const { dag } = await json(await fetch(new URL('api/images/0', explorer.url)));
  assert.equal(dag.kind, 'index');
  assert.equal(dag.digest, signed.index);
  const [amd64, arm64] = dag.children.filter((c: Json) => c.kind === 'manifest');
  assert.deepEqual([amd64.digest, arm64.digest], signed.manifests);
  const hex = (d: string) => d.slice('sha256:'.length);
  assert.deepEqual(
    referrersOf(dag).map((r) => [r.scheme, r.tag]),
    [['cosign .sig', `sha256-${hex(signed.index)}.sig`]],
  );
  assert.deepEqual(
    referrersOf(amd64).map((r) => [r.scheme, r.artifactType]),
    [['referrer', BUNDLE]],
  );
  assert.deepEqual(
    referrersOf(arm64).map((r) => [r.scheme, r.tag]),
    [['cosign .att', `sha256-${hex(signed.manifests[1] as string)}.att`]],
  );
  // The referrers come after the config and layers of their manifest.
  assert.deepEqual(
    amd64.children.map((c: Json) => c.kind),
    ['config', 'layer', 'referrer'],
  );
  // Each one's manifest is a document of the image, served as its exact bytes.
  const bundle = referrersOf(amd64)[0];
  const body = await fetch(new URL(`api/images/0/documents/${bundle.digest}`, explorer.url));
  assert.equal(body.status, 200);
  assert.equal(JSON.parse(await body.text()).subject.digest, amd64.digest);
  for (const r of [...referrersOf(dag), ...referrersOf(arm64)]) {
    const res = await fetch(new URL(`api/images/0/documents/${r.digest}`, explorer.url));
    assert.equal(res.status, 200, r.tag);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.equal(`sha256:${createHash('sha256').update(bytes).digest('hex')}`, r.digest);
  }
});
