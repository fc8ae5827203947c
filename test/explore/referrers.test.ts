/** A signed image: its sigstore bundle hangs off it as a referrer, and the bundle's manifest opens as a document. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { startExplorer } from '../../src/explore/index.ts';
import { layoutSource } from '../../src/transports/layout/index.ts';
import { ocikit } from '../helpers/cli.ts';
import { scratch } from '../helpers/tmp.ts';
import { json, writeBusyboxLayout } from './fixtures.ts';

test('a signed image lists its signature as a referrer, whose manifest is served', async (t) => {
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

  const { dag, referrers } = await json(await fetch(new URL('api/images/0', explorer.url)));
  assert.equal(dag.digest, manifest);
  assert.equal(referrers.length, 1);
  assert.equal(referrers[0].artifactType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
  const res = await fetch(new URL(`api/images/0/documents/${referrers[0].digest}`, explorer.url));
  assert.equal(res.status, 200);
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.equal(`sha256:${createHash('sha256').update(bytes).digest('hex')}`, referrers[0].digest);
  assert.equal(JSON.parse(bytes.toString()).subject.digest, manifest);
});
