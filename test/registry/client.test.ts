/** The distribution client against a real registry, checked byte for byte with skopeo and umoci. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { digestBytes } from '../../src/digest/index.ts';
import { ErrorCode, isOciError } from '../../src/errors/index.ts';
import { OCI } from '../../src/spec/media-types.ts';
import type { Authenticator } from '../../src/transports/registry/auth-contract.ts';
import { referrersTag } from '../../src/transports/registry/referrers-tag.ts';
import { run, runBuffer } from '../helpers/exec.ts';
import { startFaultProxy } from '../helpers/fault-proxy.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { scratch } from '../helpers/tmp.ts';
import { blobOf, clientFor, collect, makeImage, pushImage } from './fixture.ts';

let registry: RunningRegistry;
before(async () => {
  registry = await startRegistry();
});
after(() => registry?.stop());

describe('registry client against a real registry', () => {
  test('ping answers for a running registry', async (t) => {
    await clientFor(t, registry.host).ping();
  });

  test('an image pushed by us is served by the registry with identical bytes and digest', async (t) => {
    const client = clientFor(t, registry.host);
    const image = makeImage();
    const pushed = await pushImage(client, 'ours/app', image, 'v1');
    assert.equal(pushed.digest, image.manifestDigest);
    const raw = await runBuffer('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${registry.host}/ours/app:v1`,
    ]);
    assert.deepEqual(raw, image.manifest);
    const info = JSON.parse(
      await run('skopeo', ['inspect', '--tls-verify=false', `docker://${registry.host}/ours/app:v1`]),
    ) as { Digest: string; Layers: string[] };
    assert.equal(info.Digest, image.manifestDigest);
    assert.deepEqual(
      info.Layers,
      image.layers.map((l) => l.descriptor.digest),
    );
  });

  test('a chunked upload gives the same blob as a monolithic one', async (t) => {
    const client = clientFor(t, registry.host);
    const blob = blobOf(Buffer.alloc(100_001, 7), OCI.layer);
    assert.equal(
      await client.pushBlob('ours/chunked', blob.descriptor, blob.bytes, { chunkSize: 30_000 }),
      'uploaded',
    );
    assert.equal(
      await client.pushBlob('ours/chunked', blob.descriptor, blob.bytes, { chunkSize: 30_000 }),
      'exists',
    );
    const head = await client.headBlob('ours/chunked', blob.descriptor.digest);
    assert.equal(head?.size, blob.bytes.byteLength);
    assert.deepEqual(await collect(await client.getBlob('ours/chunked', blob.descriptor)), blob.bytes);
  });

  test('a zero-byte blob is pushed monolithically even when chunks are asked for', async (t) => {
    const client = clientFor(t, registry.host);
    const blob = blobOf(Buffer.alloc(0), OCI.layer);
    assert.equal(
      await client.pushBlob('ours/empty', blob.descriptor, blob.bytes, { chunkSize: 10 }),
      'uploaded',
    );
    assert.equal((await client.headBlob('ours/empty', blob.descriptor.digest))?.size, 0);
  });

  test('an image pushed by skopeo is pulled with identical digests', async (t) => {
    const dir = await scratch(t);
    const layout = join(dir, 'layout');
    const bundle = join(dir, 'bundle');
    await run('umoci', ['init', '--layout', layout]);
    await run('umoci', ['new', '--image', `${layout}:base`]);
    await run('umoci', ['unpack', '--rootless', '--image', `${layout}:base`, bundle]);
    await run('sh', ['-c', `echo hello > ${join(bundle, 'rootfs', 'hello.txt')}`]);
    await run('umoci', ['repack', '--image', `${layout}:base`, bundle]);
    await run('skopeo', [
      'copy',
      '--dest-tls-verify=false',
      `oci:${layout}:base`,
      `docker://${registry.host}/theirs/app:1`,
    ]);
    const raw = await runBuffer('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${registry.host}/theirs/app:1`,
    ]);
    const client = clientFor(t, registry.host);
    const fetched = await client.getManifest('theirs/app', '1');
    assert.deepEqual(fetched.bytes, raw);
    assert.equal(fetched.digest, digestBytes(raw));
    const manifest = JSON.parse(raw.toString()) as {
      config: { digest: string; size: number };
      layers: { digest: string; size: number }[];
    };
    assert.equal(manifest.layers.length, 1);
    for (const d of [manifest.config, ...manifest.layers]) {
      const bytes = await collect(await client.getBlob('theirs/app', d));
      assert.equal(digestBytes(bytes), d.digest);
      const [alg, hex] = d.digest.split(':') as [string, string];
      assert.deepEqual(bytes, await readFile(join(layout, 'blobs', alg, hex)));
    }
    const byDigest = await client.getManifest('theirs/app', fetched.digest);
    assert.deepEqual(byDigest.bytes, raw);
    const head = await client.headManifest('theirs/app', '1');
    assert.equal(head?.digest, fetched.digest);
    assert.equal(head?.size, raw.byteLength);
  });

  test('a blob is mounted from another repository without upload', async (t) => {
    const client = clientFor(t, registry.host);
    const blob = blobOf(Buffer.from('mount me'), OCI.layer);
    await client.pushBlob('mount/src', blob.descriptor, blob.bytes);
    assert.equal(await client.headBlob('mount/dst', blob.descriptor.digest), undefined);
    assert.equal(await client.mountBlob('mount/dst', blob.descriptor.digest, 'mount/src'), true);
    assert.equal((await client.headBlob('mount/dst', blob.descriptor.digest))?.size, blob.bytes.byteLength);
    const other = blobOf(Buffer.from('not in the source'), OCI.layer);
    assert.equal(await client.mountBlob('mount/dst2', other.descriptor.digest, 'mount/src'), false);
    const result = await client.pushBlob('mount/dst3', other.descriptor, other.bytes, {
      mountFrom: 'mount/src',
    });
    assert.equal(result, 'uploaded');
    assert.equal(
      await client.pushBlob('mount/dst4', blob.descriptor, blob.bytes, { mountFrom: 'mount/src' }),
      'mounted',
    );
  });

  test('tags of a real registry are all listed (distribution 2.8 ignores n for tags)', async (t) => {
    const client = clientFor(t, registry.host);
    const image = makeImage([10]);
    const tags = ['a', 'b', 'c', 'd', 'e'];
    for (const tag of tags) await pushImage(client, 'paged/app', image, tag);
    const listed = await client.listTags('paged/app', { pageSize: 2 });
    // distribution 2.8 lists tags in storage order: compare as sets, with no repeats.
    assert.deepEqual([...listed].sort(), tags);
    assert.equal(listed.length, tags.length);
  });

  test('tags are listed across relative Link pages of two, even when a page is short', async (t) => {
    // A real HTTP server on 127.0.0.1 that pages the way the spec allows and distribution 2.8 does not.
    const tags = ['a', 'b', 'c', 'd', 'e'];
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(req.url ?? '');
      const url = new URL(req.url ?? '/', 'http://x');
      const n = Number(url.searchParams.get('n') ?? '100');
      const last = url.searchParams.get('last');
      const startAt = last === null ? 0 : tags.indexOf(last) + 1;
      // The first page is short (1 of 2) yet has a Link: clients must not stop early.
      const page = tags.slice(startAt, startAt + (startAt === 0 ? 1 : n));
      const end = startAt + page.length;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (end < tags.length)
        headers.link = `</v2/paged/app/tags/list?n=${n}&last=${page.at(-1)}>; rel="next"`;
      res.writeHead(200, headers);
      res.end(JSON.stringify({ name: 'paged/app', tags: page }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as AddressInfo).port;
    const listed = await clientFor(t, `127.0.0.1:${port}`).listTags('paged/app', { pageSize: 2 });
    assert.deepEqual(listed, tags);
    assert.deepEqual(seen, [
      '/v2/paged/app/tags/list?n=2',
      '/v2/paged/app/tags/list?n=2&last=a',
      '/v2/paged/app/tags/list?n=2&last=c',
    ]);
  });

  test('the catalog lists pushed repositories across pages', async (t) => {
    const client = clientFor(t, registry.host);
    const image = makeImage([10]);
    for (const repo of ['cat/one', 'cat/two', 'cat/three']) await pushImage(client, repo, image, 'x');
    const proxy = await startFaultProxy(registry.host);
    t.after(() => proxy.stop());
    const repos = await clientFor(t, proxy.host).catalog({ pageSize: 2 });
    const pages = proxy.seen.filter((r) => r.path.startsWith('/v2/_catalog'));
    assert.ok(pages.length >= 2, 'the catalog came in several pages');
    assert.ok(pages.slice(1).every((r) => r.path.includes('last=')));
    for (const repo of ['cat/one', 'cat/two', 'cat/three']) assert.ok(repos.includes(repo), repo);
    assert.equal(new Set(repos).size, repos.length);
  });

  test('a deleted manifest is gone', async (t) => {
    const client = clientFor(t, registry.host);
    const image = makeImage([10]);
    await pushImage(client, 'del/app', image, 'v1');
    await client.deleteManifest('del/app', image.manifestDigest);
    assert.equal(await client.headManifest('del/app', image.manifestDigest), undefined);
    await assert.rejects(client.getManifest('del/app', 'v1'), (err) => isOciError(err, ErrorCode.NOT_FOUND));
  });

  test('a missing manifest is NOT_FOUND with status, method, redacted URL and errors[]', async (t) => {
    const client = clientFor(t, registry.host);
    await assert.rejects(client.getManifest('nope/app', 'latest'), (err) => {
      assert.ok(isOciError(err, ErrorCode.NOT_FOUND));
      assert.equal(err.data.status, 404);
      assert.equal(err.data.method, 'GET');
      assert.equal(err.data.url, `http://${registry.host}/v2/nope/app/manifests/latest`);
      const errors = err.data.errors as { code: string }[];
      assert.ok(['MANIFEST_UNKNOWN', 'NAME_UNKNOWN'].includes(errors[0]?.code ?? ''));
      assert.equal(err.retryable, false);
      return true;
    });
  });

  test('a manifest that references missing blobs is refused as REGISTRY_ERROR with MANIFEST_BLOB_UNKNOWN', async (t) => {
    const client = clientFor(t, registry.host);
    const image = makeImage([10]);
    await assert.rejects(client.putManifest('missing/app', 'v1', image.manifest, OCI.manifest), (err) => {
      assert.ok(isOciError(err, ErrorCode.REGISTRY_ERROR));
      assert.equal((err.data.errors as { code: string }[])[0]?.code, 'MANIFEST_BLOB_UNKNOWN');
      return true;
    });
  });

  test('referrers are found through the tag schema when the registry lacks the API', async (t) => {
    const client = clientFor(t, registry.host);
    const image = makeImage([10]);
    await pushImage(client, 'ref/app', image, 'v1');
    const empty = blobOf(Buffer.from('{}'), OCI.empty);
    await client.pushBlob('ref/app', empty.descriptor, empty.bytes);
    const artifact = (n: number) =>
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI.manifest,
          artifactType: 'application/vnd.example.sig',
          config: empty.descriptor,
          layers: [empty.descriptor],
          subject: { mediaType: OCI.manifest, digest: image.manifestDigest, size: image.manifest.byteLength },
          annotations: { n: String(n) },
        }),
      );
    const first = artifact(1);
    const pushed = await client.putManifest('ref/app', digestBytes(first), first, OCI.manifest);
    assert.equal(pushed.fallbackUpdated, true);
    assert.equal(pushed.ociSubject, undefined);
    const second = artifact(2);
    await client.putManifest('ref/app', digestBytes(second), second, OCI.manifest);
    await client.putManifest('ref/app', digestBytes(second), second, OCI.manifest);
    const found = await client.referrers('ref/app', image.manifestDigest);
    assert.equal(found.via, 'tag');
    assert.deepEqual(
      found.descriptors.map((d) => [d.digest, d.artifactType, d.annotations?.n, d.size]),
      [
        [digestBytes(first), 'application/vnd.example.sig', '1', first.byteLength],
        [digestBytes(second), 'application/vnd.example.sig', '2', second.byteLength],
      ],
    );
    const tagged = await client.getManifest('ref/app', referrersTag(image.manifestDigest));
    assert.equal(JSON.parse(tagged.bytes.toString()).mediaType, OCI.index);
    const filtered = await client.referrers('ref/app', image.manifestDigest, {
      artifactType: 'application/other',
    });
    assert.deepEqual(filtered.descriptors, []);
    const none = await client.referrers('ref/app', digestBytes('no such subject'));
    assert.deepEqual(none, { descriptors: [], via: 'tag' });
    await client.deleteManifest('ref/app', digestBytes(first));
    const left = await client.referrers('ref/app', image.manifestDigest);
    assert.deepEqual(
      left.descriptors.map((d) => d.digest),
      [digestBytes(second)],
    );
  });

  test('a fallback tag that holds no index gives no referrers, and pushing a referrer then fails', async (t) => {
    const client = clientFor(t, registry.host);
    const image = makeImage([10]);
    await pushImage(client, 'ref/odd', image, 'v1');
    const subject = digestBytes('some subject');
    await client.putManifest('ref/odd', referrersTag(subject), image.manifest, OCI.manifest);
    assert.deepEqual(await client.referrers('ref/odd', subject), { descriptors: [], via: 'tag' });
    const referrer = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI.manifest,
        config: image.config.descriptor,
        layers: [],
        subject: { mediaType: OCI.manifest, digest: subject, size: 1 },
      }),
    );
    await assert.rejects(
      client.putManifest('ref/odd', digestBytes(referrer), referrer, OCI.manifest),
      (err) => isOciError(err, ErrorCode.INVALID_DOCUMENT),
    );
  });

  test('every upload request asks the authenticator for push access to the repository', async (t) => {
    const asked: string[] = [];
    const recording: Authenticator = {
      authorize: async (_host, scopes) => {
        asked.push(scopes.map((s) => `${s.type}:${s.name}:${s.actions.join(',')}`).join(' '));
        return undefined;
      },
      challenge: async () => false,
    };
    const client = clientFor(t, registry.host, recording);
    const blob = blobOf(Buffer.alloc(50_000, 1), OCI.layer);
    const other = blobOf(Buffer.alloc(50_000, 2), OCI.layer);
    await client.pushBlob('scoped/app', blob.descriptor, Readable.from([blob.bytes]));
    await client.pushBlob('scoped/app', other.descriptor, other.bytes, { chunkSize: 20_000 });
    assert.ok(asked.length >= 8, `${asked.length} requests`);
    const uploads = asked.filter((scope) => scope !== 'repository:scoped/app:pull');
    assert.ok(uploads.length >= 6);
    assert.ok(
      uploads.every((scope) => scope === 'repository:scoped/app:pull,push'),
      JSON.stringify(asked),
    );
  });

  test('path traversal in a repository name or reference is refused before any request', async (t) => {
    const client = clientFor(t, registry.host);
    for (const bad of ['../../etc', 'a/../../b', 'UPPER/case', 'a//b', '']) {
      await assert.rejects(client.getManifest(bad, 'latest'), (err) =>
        isOciError(err, ErrorCode.INVALID_REFERENCE),
      );
    }
    await assert.rejects(client.getManifest('a/b', '../x'), (err) =>
      isOciError(err, ErrorCode.INVALID_REFERENCE),
    );
    await assert.rejects(client.getBlob('a/b', { digest: 'sha256:../../x' }), (err) =>
      isOciError(err, ErrorCode.INVALID_DIGEST),
    );
  });

  test('a manifest over 4 MiB is refused before pushing', async (t) => {
    const client = clientFor(t, registry.host);
    const huge = Buffer.alloc(4 * 1024 * 1024 + 1, 0x20);
    await assert.rejects(client.putManifest('big/app', 'v1', huge, OCI.manifest), (err) =>
      isOciError(err, ErrorCode.TOO_LARGE),
    );
  });

  test('a manifest pushed by digest whose bytes differ from the digest is refused', async (t) => {
    const client = clientFor(t, registry.host);
    const image = makeImage([10]);
    await assert.rejects(
      client.putManifest('dig/app', digestBytes('other'), image.manifest, OCI.manifest),
      (err) => isOciError(err, ErrorCode.DIGEST_MISMATCH),
    );
  });
});
