/** The registry transport (ImageSource / ImageSink) against a real registry, cross-checked with skopeo. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { copyImage } from '../../src/copy/index.ts';
import { digestBytes } from '../../src/digest/index.ts';
import { ErrorCode, isOciError } from '../../src/errors/index.ts';
import type { BlobProgress } from '../../src/image/types.ts';
import { parseTopDocument } from '../../src/spec/index.ts';
import { OCI } from '../../src/spec/media-types.ts';
import { anonymousAuthenticator } from '../../src/transports/registry/auth-contract.ts';
import {
  parseRegistryReference,
  registrySink,
  registrySource,
  registryWithTag,
} from '../../src/transports/registry/transport.ts';
import { runBuffer } from '../helpers/exec.ts';
import { startFaultProxy } from '../helpers/fault-proxy.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { scratch } from '../helpers/tmp.ts';
import { collect, makeImage, type TestImage } from './fixture.ts';

let registry: RunningRegistry;
before(async () => {
  registry = await startRegistry();
});
after(() => registry?.stop());

const options = { authenticator: anonymousAuthenticator, retry: { baseDelayMs: 10 } };

async function pushWithSink(reference: string, image: TestImage) {
  const sink = await registrySink(reference, options);
  try {
    for (const blob of [image.config, ...image.layers]) {
      await sink.putBlob(blob.descriptor, Readable.from([blob.bytes]));
    }
    const top = parseTopDocument(image.manifest, { contentType: OCI.manifest });
    await sink.putManifest(top);
    return await sink.commit(top);
  } finally {
    await sink.close();
  }
}

describe('registry transport', () => {
  test('references: docker:// and bare forms parse alike; retagging keeps the repository', () => {
    assert.deepEqual(
      parseRegistryReference('docker://127.0.0.1:5000/a/b:1'),
      parseRegistryReference('127.0.0.1:5000/a/b:1'),
    );
    assert.deepEqual(parseRegistryReference('busybox'), {
      registry: 'docker.io',
      repository: 'library/busybox',
    });
    assert.equal(
      registryWithTag('docker://127.0.0.1:5000/a/b@' + digestBytes('x'), 'v2'),
      '127.0.0.1:5000/a/b:v2',
    );
    assert.throws(
      () => parseRegistryReference('docker://UPPER/Case:x'),
      (err) => isOciError(err, ErrorCode.INVALID_REFERENCE),
    );
  });

  test('the sink pushes an image skopeo reads back byte for byte, and commit names it by digest', async (t) => {
    const image = makeImage([2000, 5000]);
    const committed = await pushWithSink(`docker://${registry.host}/sink/app:v1`, image);
    assert.deepEqual(committed, {
      reference: `${registry.host}/sink/app@${image.manifestDigest}`,
      digest: image.manifestDigest,
    });
    const raw = await runBuffer('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${registry.host}/sink/app:v1`,
    ]);
    assert.deepEqual(raw, image.manifest);
    const dir = await scratch(t);
    await runBuffer('skopeo', [
      'copy',
      '--src-tls-verify=false',
      `docker://${registry.host}/sink/app:v1`,
      `oci:${dir}:v1`,
    ]);
    for (const blob of [image.config, ...image.layers]) {
      const [alg, hex] = blob.descriptor.digest.split(':') as [string, string];
      assert.deepEqual(await readFile(join(dir, 'blobs', alg, hex)), blob.bytes);
    }
  });

  test('the source resolves a tag, fetches the manifest and streams verified blobs with progress', async () => {
    const image = makeImage([3000]);
    await pushWithSink(`${registry.host}/source/app:v1`, image);
    const source = await registrySource(`${registry.host}/source/app:v1`, options);
    try {
      const top = await source.resolve();
      assert.deepEqual(top, {
        mediaType: OCI.manifest,
        digest: image.manifestDigest,
        size: image.manifest.byteLength,
      });
      const doc = await source.manifest(top);
      assert.equal(doc.kind, 'manifest');
      assert.deepEqual(Buffer.from(doc.bytes), image.manifest);
      const events: BlobProgress[] = [];
      const layer = image.layers[0]!;
      const bytes = await collect(await source.blob(layer.descriptor, { onProgress: (e) => events.push(e) }));
      assert.deepEqual(bytes, layer.bytes);
      assert.equal(events.at(-1)?.state, 'done');
      assert.equal(events.at(-1)?.done, layer.bytes.byteLength);
    } finally {
      await source.close();
    }
  });

  test('a source by digest resolves to that digest; a missing tag is NOT_FOUND', async () => {
    const image = makeImage([100]);
    await pushWithSink(`${registry.host}/digest/app:v1`, image);
    const source = await registrySource(`${registry.host}/digest/app@${image.manifestDigest}`, options);
    const missing = await registrySource(`${registry.host}/digest/app:nope`, options);
    try {
      assert.equal((await source.resolve()).digest, image.manifestDigest);
      await assert.rejects(missing.resolve(), (err) => isOciError(err, ErrorCode.NOT_FOUND));
    } finally {
      await source.close();
      await missing.close();
    }
  });

  test('a sink naming a digest refuses to commit a different image', async () => {
    const image = makeImage([100]);
    await assert.rejects(pushWithSink(`${registry.host}/lie/app@${digestBytes('other')}`, image), (err) =>
      isOciError(err, ErrorCode.DIGEST_MISMATCH),
    );
  });

  test('a sink fed bytes that do not match the descriptor fails with DIGEST_MISMATCH and stores nothing', async () => {
    const image = makeImage([1000]);
    const layer = image.layers[0]!;
    const forged = Buffer.from(layer.bytes);
    forged[10] = (forged[10] as number) ^ 1;
    for (const verifyUploads of [false, true]) {
      const sink = await registrySink(`${registry.host}/forged/app:v1`, { ...options, verifyUploads });
      try {
        await assert.rejects(sink.putBlob(layer.descriptor, Readable.from([forged])), (err) =>
          isOciError(err, ErrorCode.DIGEST_MISMATCH),
        );
        assert.equal(await sink.hasBlob(layer.descriptor), false);
      } finally {
        await sink.close();
      }
    }
  });

  test('resolve falls back to GET when HEAD gives no digest, and hashes the body', async (t) => {
    const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI.index, manifests: [] }));
    const server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': OCI.index, 'content-length': String(body.byteLength) });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const source = await registrySource(`${host}/nohead/app:v1`, options);
    try {
      const top = await source.resolve();
      assert.deepEqual(top, { mediaType: OCI.index, digest: digestBytes(body), size: body.byteLength });
      assert.equal((await source.manifest(top)).kind, 'index');
    } finally {
      await source.close();
    }
  });

  test('copying between repositories of one registry mounts the blobs instead of uploading them', async (t) => {
    const image = makeImage([4000, 4000]);
    await pushWithSink(`${registry.host}/copy/src:v1`, image);
    const proxy = await startFaultProxy(registry.host);
    t.after(() => proxy.stop());
    const source = await registrySource(`${proxy.host}/copy/src:v1`, options);
    const sink = await registrySink(`${proxy.host}/copy/dst:v2`, options);
    try {
      const result = await copyImage(source, sink);
      assert.equal(result.digest, image.manifestDigest);
    } finally {
      await source.close();
      await sink.close();
    }
    const mounts = proxy.seen.filter((r) => r.method === 'POST' && r.path.includes('mount='));
    assert.equal(mounts.length, 3);
    assert.equal(
      proxy.seen
        .filter((r) => r.method === 'PATCH' || r.method === 'PUT')
        .filter((r) => r.path.includes('/blobs/')).length,
      0,
    );
    const raw = await runBuffer('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${registry.host}/copy/dst:v2`,
    ]);
    assert.deepEqual(raw, image.manifest);
  });

  test('a large blob goes up in resumable chunks when the sink is asked to', async (t) => {
    const image = makeImage([300_000]);
    const proxy = await startFaultProxy(registry.host);
    t.after(() => proxy.stop());
    const sink = await registrySink(`${proxy.host}/chunky/app:v1`, { ...options, chunkSize: 64 * 1024 });
    try {
      for (const blob of [image.config, ...image.layers])
        await sink.putBlob(blob.descriptor, Readable.from([blob.bytes]));
      const top = parseTopDocument(image.manifest, { contentType: OCI.manifest });
      await sink.putManifest(top);
      await sink.commit(top);
    } finally {
      await sink.close();
    }
    assert.equal(proxy.seen.filter((r) => r.method === 'PATCH').length, 5, '300 000 bytes in 64 KiB chunks');
    const raw = await runBuffer('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${registry.host}/chunky/app:v1`,
    ]);
    assert.deepEqual(raw, image.manifest);
  });
});
