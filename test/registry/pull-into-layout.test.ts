/**
 * Copies with a registry on one side. Pulling into an OCI layout: blob streams are verified once,
 * by the registry client, and the layout trusts that verification — so altered bytes must still
 * never be stored. Pushing: a blob the copy found absent is uploaded without asking again.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { copyImage } from '../../src/copy/index.ts';
import { digestBytes } from '../../src/digest/index.ts';
import { ErrorCode, isOciError } from '../../src/errors/index.ts';
import { parseReference } from '../../src/reference/index.ts';
import { INGEST_DIR, openLayout } from '../../src/store/index.ts';
import { layoutSink } from '../../src/transports/layout/index.ts';
import { RegistrySink, RegistrySource } from '../../src/transports/registry/transport.ts';
import { startFaultProxy } from '../helpers/fault-proxy.ts';
import { scratch } from '../helpers/peers-layout.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { clientFor, makeImage, pushImage, type TestImage } from './fixture.ts';

let registry: RunningRegistry;
let dir: string;
let cleanup: () => Promise<void>;
const image: TestImage = makeImage([200_000, 700_000]);

before(async () => {
  registry = await startRegistry();
  ({ dir, cleanup } = await scratch('pull-layout'));
  await pushImage(clientFor({ after: () => {} }, registry.host), 'pull/app', image, 'v1');
});
after(async () => {
  await registry?.stop();
  await cleanup?.();
});

function sourceFor(t: { after(fn: () => unknown): void }, host: string): RegistrySource {
  const ref = parseReference(`${host}/pull/app:v1`);
  const source = new RegistrySource(ref, clientFor(t, host));
  return source;
}

describe('pull from a registry into a layout', () => {
  test('stores every blob, each with the bytes its digest names', async (t) => {
    const target = join(dir, 'good');
    const result = await copyImage(sourceFor(t, registry.host), layoutSink(`${target}:v1`));
    assert.equal(result.digest, image.manifestDigest);
    const layout = await openLayout(target);
    for (const blob of [image.config, ...image.layers]) {
      const bytes = await layout.readBytes(blob.descriptor, 1 << 20);
      assert.equal(digestBytes(bytes), blob.descriptor.digest);
    }
  });

  test('altered blob bytes fail the copy with DIGEST_MISMATCH and no layer is stored', async (t) => {
    const proxy = await startFaultProxy(registry.host);
    t.after(() => proxy.stop());
    proxy.faults.corruptBlobs = true;
    const target = join(dir, 'corrupt');
    await assert.rejects(copyImage(sourceFor(t, proxy.host), layoutSink(`${target}:v1`)), (err) =>
      isOciError(err, ErrorCode.DIGEST_MISMATCH),
    );
    const layout = await openLayout(target);
    for (const blob of [image.config, ...image.layers]) {
      assert.equal(await layout.stat(blob.descriptor.digest), undefined, `${blob.descriptor.digest} absent`);
    }
    assert.deepEqual(await readdir(join(layout.root, INGEST_DIR)), [], 'no temp file left');
    assert.equal(await layout.stat(image.manifestDigest), undefined, 'manifest not written');
  });
});

describe('push to a registry', () => {
  test('each blob is asked for once (HEAD) and uploaded once; a second copy uploads nothing', async (t) => {
    const proxy = await startFaultProxy(registry.host);
    t.after(() => proxy.stop());
    const sinkFor = () =>
      new RegistrySink(parseReference(`${proxy.host}/push/app:v1`), clientFor(t, proxy.host));
    const result = await copyImage(sourceFor(t, registry.host), sinkFor());
    assert.equal(result.digest, image.manifestDigest);
    for (const blob of [image.config, ...image.layers]) {
      const path = `/v2/push/app/blobs/${blob.descriptor.digest}`;
      const heads = proxy.seen.filter((r) => r.method === 'HEAD' && r.path === path);
      assert.equal(heads.length, 1, `${blob.descriptor.digest} HEADed once`);
    }
    const uploads = () =>
      proxy.seen.filter((r) => r.method === 'POST' && r.path.startsWith('/v2/push/app/blobs/uploads/'));
    assert.equal(uploads().length, 3, 'config and two layers uploaded');
    await copyImage(sourceFor(t, registry.host), sinkFor());
    assert.equal(uploads().length, 3, 'nothing uploaded again');
  });

  test('putBlob on its own still skips a blob the registry has', async (t) => {
    const proxy = await startFaultProxy(registry.host);
    t.after(() => proxy.stop());
    const sink = new RegistrySink(parseReference(`${proxy.host}/pull/app:v1`), clientFor(t, proxy.host));
    const blob = image.config;
    await sink.putBlob(blob.descriptor, Readable.from([blob.bytes]));
    assert.equal(proxy.seen.filter((r) => r.method === 'POST').length, 0, 'no upload started');
  });
});
