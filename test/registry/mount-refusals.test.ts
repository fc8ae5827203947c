/**
 * A mount from a repository the client saw holding a blob is only a shortcut: a registry that
 * fails it, or ignores mounts (answering 202, an upload session), still gets the blob uploaded,
 * and a client told once that mounts are ignored stops asking and stops waiting for them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { copyImage } from '../../src/copy/index.ts';
import { parseReference } from '../../src/reference/index.ts';
import { BlobHomes } from '../../src/transports/registry/blob-homes.ts';
import { RegistrySink, RegistrySource } from '../../src/transports/registry/transport.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { clientFor, makeImage, pushImage } from './fixture.ts';
import { type MountRefusingProxy, startMountRefusingProxy } from './mount-refusing-proxy.ts';

const image = makeImage([50_000, 60_000]);
let source: RunningRegistry;
let destination: RunningRegistry;
let proxy: MountRefusingProxy;

before(async () => {
  [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
  proxy = await startMountRefusingProxy(destination.host);
  await pushImage(clientFor({ after: () => {} }, source.host), 'src/app', image, 'v1');
});
after(async () => {
  await proxy?.stop();
  await source?.stop();
  await destination?.stop();
});

const copyTo = (t: { after(fn: () => unknown): void }, sink: RegistrySink) =>
  copyImage(
    new RegistrySource(parseReference(`${source.host}/src/app:v1`), clientFor(t, source.host)),
    sink,
    { jobs: 2 },
  );

describe('mounts from a known home', () => {
  test('a mount that fails with a server error falls back to an upload', async (t) => {
    const to = clientFor(t, proxy.host);
    proxy.failMountsWith = undefined;
    await copyTo(t, new RegistrySink(parseReference(`${proxy.host}/fail/a:v1`), to));
    proxy.failMountsWith = 500;
    proxy.mounts.length = 0;
    try {
      const result = await copyTo(t, new RegistrySink(parseReference(`${proxy.host}/fail/b:v1`), to));
      assert.equal(result.digest, image.manifestDigest);
    } finally {
      proxy.failMountsWith = undefined;
    }
    assert.ok(proxy.mounts.includes('fail/a'), 'the mount from the known home was tried');
  });

  test('once the registry ignores a mount (202), the client stops asking for mounts', async (t) => {
    const to = clientFor(t, proxy.host);
    proxy.failMountsWith = undefined;
    await copyTo(t, new RegistrySink(parseReference(`${proxy.host}/refused/a:v1`), to));
    proxy.mounts.length = 0;
    const second = await copyTo(t, new RegistrySink(parseReference(`${proxy.host}/refused/b:v1`), to));
    assert.equal(second.digest, image.manifestDigest);
    const asked = proxy.mounts.length;
    assert.ok(asked >= 1, 'the first mount was asked for');
    const third = await copyTo(t, new RegistrySink(parseReference(`${proxy.host}/refused/c:v1`), to));
    assert.equal(third.digest, image.manifestDigest);
    assert.equal(proxy.mounts.length, asked, 'no mount asked for after the refusal');
  });

  test('a lookup waiting for an upload stops waiting when mounts are refused', async () => {
    const homes = new BlobHomes();
    homes.claim('sha256:aa', 'one');
    const found = homes.find('sha256:aa', 'two');
    homes.refuseMounts();
    assert.equal(await found, undefined);
    homes.record('sha256:bb', 'one');
    assert.equal(await homes.find('sha256:bb', 'two'), undefined);
  });
});
