/**
 * `ocikit sync` carries each image's cosign signatures (the `.sig` manifest and a sigstore bundle
 * referrer, found through the referrers fallback tag on a registry without the API), and uses the
 * tag listing it made while planning: the signature and fallback tags of an image are asked for
 * only when the listing holds them. An image named by its tag alone (no listing) is still looked up,
 * and so is an image registries.conf sends to a mirror (the listing is the origin's, and a
 * signature the mirror holds is carried).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freshTags, TAG_LISTING_FRESH_MS } from '../../src/copy/sync/index.ts';
import { ocikit } from '../helpers/cli.ts';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import { layoutImage } from '../trust/helpers.ts';
import { ok } from './sync-fixtures.ts';

const password = { COSIGN_PASSWORD: 'sync-carry' };

describe('ocikit sync: signatures carried, lookups answered by the listing', () => {
  const makeDir = suiteScratch(after);
  let dir: string;
  let source: RunningRegistry;
  let target: RunningRegistry;
  let mirror: RunningRegistry;
  let proxy: FaultProxy;
  let signedHex: string;
  let plainHex: string;

  before(async () => {
    dir = await makeDir();
    [source, target, mirror] = await Promise.all([startRegistry(), startRegistry(), startRegistry()]);
    proxy = await startFaultProxy(source.host);
    const signed = await layoutImage(join(dir, 'layout'), 'signed', 'signed');
    const plain = await layoutImage(join(dir, 'layout'), 'plain', 'plain');
    await ok(['copy', '-q', signed, `${source.host}/signed:1`]);
    await ok(['copy', '-q', plain, `${source.host}/plain:1`]);
    signedHex = (await ok(['digest', signed])).trim().split(':')[1] as string;
    plainHex = (await ok(['digest', plain])).trim().split(':')[1] as string;
    assert.equal((await ocikit(['key', 'generate'], { cwd: dir, env: password })).code, 0);
    for (const format of ['tag', 'bundle']) {
      const key = join(dir, 'cosign.key');
      const result = await ocikit(['sign', `${source.host}/signed:1`, '--key', key, '--format', format], {
        env: password,
      });
      assert.equal(result.code, 0, result.stderr);
    }
  });
  after(async () => {
    await proxy?.stop();
    await Promise.all([source?.stop(), target?.stop(), mirror?.stop()]);
  });

  /** The cosign formats (`bundle`, `tag`) that verify on `image` with the test key, sorted. */
  async function verifiedFormats(image: string): Promise<string[]> {
    const verified = await ocikit(['verify', image, '--key', join(dir, 'cosign.pub'), '--json']);
    assert.equal(verified.code, 0, verified.stderr);
    return (JSON.parse(verified.out) as { verified: { format: string }[] }).verified
      .map((v) => v.format)
      .sort();
  }

  /** The manifest paths (`/v2/REPO/manifests/REF`) the source was asked for since `from`. */
  const manifestPaths = (from: number) =>
    proxy.seen
      .slice(from)
      .map((r) => r.path)
      .filter((p) => p.includes('/manifests/'));

  /** Syncs the YAML selection `images` of the source into `prefix`; `global` goes before `sync`. */
  async function syncYaml(
    name: string,
    images: string,
    prefix: string,
    global: string[] = [],
  ): Promise<void> {
    const yaml = join(dir, `${name}.yaml`);
    await writeFile(yaml, `${proxy.host}:\n  tls-verify: false\n${images}`);
    const result = await ocikit([
      ...global,
      'sync',
      '-q',
      '--src',
      'yaml',
      '--dest-tls-verify=false',
      yaml,
      `${target.host}/${prefix}`,
    ]);
    assert.equal(result.code, 0, result.stderr);
  }

  test('listed tags: the signatures are carried, and an unsigned image costs no signature lookup', async () => {
    const from = proxy.seen.length;
    await syncYaml('regex', `  images-by-tag-regex:\n    signed: '^1$'\n    plain: '^1$'\n`, 'listed');
    assert.deepEqual(await verifiedFormats(`${target.host}/listed/signed:1`), ['bundle', 'tag']);
    const asked = manifestPaths(from);
    assert.ok(asked.includes(`/v2/signed/manifests/sha256-${signedHex}.sig`), asked.join('\n'));
    assert.ok(asked.includes(`/v2/signed/manifests/sha256-${signedHex}`), asked.join('\n'));
    const unsigned = asked.filter((p) => p.startsWith(`/v2/plain/manifests/sha256-${plainHex}`));
    assert.deepEqual(unsigned, [], 'the listing holds no signature tag of the unsigned image');
  });

  test('tags named in the file (nothing listed): both images are looked up, the signatures carried', async () => {
    const from = proxy.seen.length;
    await syncYaml('named', `  images:\n    signed: ["1"]\n    plain: ["1"]\n`, 'named');
    assert.deepEqual(await verifiedFormats(`${target.host}/named/signed:1`), ['bundle', 'tag']);
    const asked = manifestPaths(from);
    assert.ok(asked.includes(`/v2/plain/manifests/sha256-${plainHex}.sig`), asked.join('\n'));
    assert.ok(asked.includes(`/v2/plain/manifests/sha256-${plainHex}`), asked.join('\n'));
  });

  test('an image read from a mirror: its signature there is looked up and carried, whatever the origin lists', async () => {
    // The mirror holds another plain:1, signed there only: no tag of the origin names its signature.
    const mirrored = await layoutImage(join(dir, 'layout'), 'mirrored', 'mirrored');
    await ok(['copy', '-q', mirrored, `${mirror.host}/plain:1`]);
    const signing = await ocikit(
      ['sign', `${mirror.host}/plain:1`, '--key', join(dir, 'cosign.key'), '--format', 'tag'],
      { env: password },
    );
    assert.equal(signing.code, 0, signing.stderr);
    const conf = join(dir, 'mirror.conf');
    await writeFile(
      conf,
      `[[registry]]\nprefix = "${proxy.host}"\nlocation = "${proxy.host}"\n[[registry.mirror]]\nlocation = "${mirror.host}"\ninsecure = true\n`,
    );
    await syncYaml('mirrored', `  images-by-tag-regex:\n    plain: '^1$'\n`, 'mirrored', [
      '--registries-conf',
      conf,
    ]);
    assert.equal(await ok(['digest', `${target.host}/mirrored/plain:1`]), await ok(['digest', mirrored]));
    assert.deepEqual(await verifiedFormats(`${target.host}/mirrored/plain:1`), ['tag']);
  });
});

test('a listing answers for the tags it lacks only while fresh: an older one sends the lookups out again', () => {
  const listing = { tags: new Set(['1']), listedAt: 1_000_000 };
  assert.equal(freshTags(listing, listing.listedAt + 1000), listing.tags);
  assert.equal(freshTags(listing, listing.listedAt + TAG_LISTING_FRESH_MS), undefined);
  assert.equal(freshTags(undefined), undefined);
});
