/**
 * attach / discover / copy --referrers on a real Distribution registry (which has no referrers
 * API, so the referrers tag schema is used: skopeo reads the `sha256-HEX` index it keeps) and on
 * `oci:` layouts: an SBOM attached to an image, a signature attached to the SBOM, the tree drawn
 * as `oras discover` draws it, and copies that take the whole tree (or only the first level).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { run } from '../helpers/exec.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import { layoutImage } from './helpers.ts';

let registry: RunningRegistry;
let dir: string;
let image: string;
let imageDigest: string;
let sbomDigest: string;
let signatureDigest: string;
const workdir = suiteScratch(after, 'ocikit-referrers-');

async function ok(args: string[]): Promise<string> {
  const result = await ocikit(args);
  assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
  return result.out;
}

before(async () => {
  registry = await startRegistry();
  dir = await workdir();
  const layout = await layoutImage(join(dir, 'layout'), 'v1', 'with referrers');
  image = `${registry.host}/referred:v1`;
  await run('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', layout, `docker://${image}`]);
  imageDigest = await ok(['digest', image]);
  await writeFile(join(dir, 'sbom.json'), '{"spdxVersion":"SPDX-2.3"}');
  await writeFile(join(dir, 'sbom.sig'), 'signature bytes');
  const sbom = await ok([
    'attach',
    image,
    '--artifact-type',
    'application/spdx+json',
    '--annotation',
    'org.example.tool=test',
    `${join(dir, 'sbom.json')}:application/spdx+json`,
  ]);
  sbomDigest = sbom.split('@')[1] ?? '';
  const signature = await ok([
    'attach',
    `${registry.host}/referred@${sbomDigest}`,
    '--artifact-type',
    'application/vnd.example.signature',
    join(dir, 'sbom.sig'),
  ]);
  signatureDigest = signature.split('@')[1] ?? '';
});
after(async () => {
  await registry?.stop();
});

const tree = (root: string) =>
  [
    `${root}@${imageDigest}`,
    '└── application/spdx+json',
    `    └── ${sbomDigest}`,
    '        └── application/vnd.example.signature',
    `            └── ${signatureDigest}`,
  ].join('\n');

test('attach writes an artifact manifest with the subject, the empty config and titled layers; skopeo reads the tag-schema index', async () => {
  const manifest = JSON.parse(
    await run('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${registry.host}/referred@${sbomDigest}`,
    ]),
  );
  assert.equal(manifest.artifactType, 'application/spdx+json');
  assert.equal(manifest.config.mediaType, 'application/vnd.oci.empty.v1+json');
  assert.equal(manifest.subject.digest, imageDigest);
  assert.equal(manifest.layers[0].mediaType, 'application/spdx+json');
  assert.equal(manifest.layers[0].annotations['org.opencontainers.image.title'], 'sbom.json');
  assert.equal(manifest.annotations['org.example.tool'], 'test');
  const fallback = JSON.parse(
    await run('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${registry.host}/referred:${imageDigest.replace(':', '-')}`,
    ]),
  );
  assert.deepEqual(
    fallback.manifests.map((m: { digest: string; artifactType: string }) => [m.digest, m.artifactType]),
    [[sbomDigest, 'application/spdx+json']],
  );
});

test('discover prints the tree of referrers, recursively, as oras does; --json nests them; --artifact-type filters', async () => {
  assert.equal(await ok(['discover', image]), tree(`${registry.host}/referred`));
  const json = JSON.parse(await ok(['discover', image, '--json']));
  assert.equal(json.digest, imageDigest);
  assert.equal(json.manifests[0].digest, sbomDigest);
  assert.equal(json.manifests[0].manifests[0].artifactType, 'application/vnd.example.signature');
  const filtered = await ok(['discover', image, '--artifact-type', 'application/vnd.example.signature']);
  assert.equal(filtered, `${registry.host}/referred@${imageDigest}`);
});

test('copy --referrers takes the whole tree into a layout; a plain copy takes the first level', async () => {
  const all = `oci:${join(dir, 'all')}:v1`;
  await ok(['copy', '--referrers', image, all]);
  assert.equal(await ok(['discover', all]), tree(`oci:${join(dir, 'all')}`));
  const plain = `oci:${join(dir, 'plain')}:v1`;
  await ok(['copy', image, plain]);
  assert.equal(
    await ok(['discover', plain]),
    [`oci:${join(dir, 'plain')}@${imageDigest}`, '└── application/spdx+json', `    └── ${sbomDigest}`].join(
      '\n',
    ),
  );
  const none = `oci:${join(dir, 'none')}:v1`;
  await ok(['copy', '--remove-signatures', image, none]);
  assert.equal(await ok(['discover', none]), `oci:${join(dir, 'none')}@${imageDigest}`);
});

test('attach and discover on an oci: layout, and copy --referrers from it to the registry', async () => {
  const layout = await layoutImage(join(dir, 'attach-layout'), 'v1', 'layout referrers');
  const attached = await ok([
    'attach',
    layout,
    '--artifact-type',
    'application/vnd.example.sbom',
    join(dir, 'sbom.json'),
  ]);
  const digest = attached.split('@')[1] ?? '';
  const subject = await ok(['digest', layout]);
  assert.equal(
    await ok(['discover', layout]),
    [
      `oci:${join(dir, 'attach-layout')}@${subject}`,
      '└── application/vnd.example.sbom',
      `    └── ${digest}`,
    ].join('\n'),
  );
  const pushed = `${registry.host}/from-layout:v1`;
  await ok(['copy', '--referrers', layout, pushed]);
  assert.equal(
    await ok(['discover', pushed]),
    [`${registry.host}/from-layout@${subject}`, '└── application/vnd.example.sbom', `    └── ${digest}`].join(
      '\n',
    ),
  );
});
