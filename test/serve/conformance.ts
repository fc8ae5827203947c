/**
 * A conformance suite of our own, written from the text of the OCI distribution-spec 1.1
 * (spec.md: "Endpoints" end-1 … end-13, "Error Codes"). It runs against any registry URL, so the
 * same checks run against `ocikit serve` and against Distribution (`docker-registry` 2.8), which
 * shows the suite agrees with a reference. Where 2.8 predates 1.1 (referrers, `OCI-Subject`, tag
 * deletion), `profile.v11` is false and the suite asserts what 2.8 does instead, so a change in
 * either is noticed.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

/** A registry under test. */
export interface ConformanceTarget {
  url: string;
  stop(): Promise<void>;
}

/** What the registry implements. */
export interface ConformanceProfile {
  /** Implements distribution-spec 1.1 (referrers API, OCI-Subject, tag deletion). */
  v11: boolean;
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const EMPTY_JSON = Buffer.from('{}');

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function sha512(bytes: Buffer): string {
  return `sha512:${createHash('sha512').update(bytes).digest('hex')}`;
}

let counter = 0;
/** A repository name no other test uses. */
function repoName(): string {
  counter += 1;
  return `conformance/r${counter}-${randomBytes(3).toString('hex')}`;
}

/** Registers the suite against the registry `start` returns. */
export function conformanceSuite(
  label: string,
  start: () => Promise<ConformanceTarget>,
  profile: ConformanceProfile,
): void {
  describe(`distribution-spec conformance: ${label}`, () => {
    let target: ConformanceTarget;
    before(async () => {
      target = await start();
    });
    after(() => target?.stop());

    const url = (path: string) => new URL(path, target.url).toString();
    const req = (path: string, init: RequestInit = {}) => fetch(url(path), { redirect: 'manual', ...init });

    /** The `errors[].code` values of an error response. */
    async function codes(res: Response): Promise<string[]> {
      const body = (await res.json()) as { errors?: { code: string }[] };
      assert.ok(Array.isArray(body.errors), 'an error body has an errors array');
      return body.errors.map((e) => e.code);
    }

    async function pushBlob(name: string, bytes: Buffer, digest = sha256(bytes)): Promise<string> {
      const started = await req(`/v2/${name}/blobs/uploads/`, { method: 'POST' });
      assert.equal(started.status, 202);
      const location = started.headers.get('location') as string;
      const done = await req(`${location}${location.includes('?') ? '&' : '?'}digest=${digest}`, {
        method: 'PUT',
        body: bytes,
        headers: { 'Content-Type': 'application/octet-stream' },
      });
      assert.equal(done.status, 201, await done.clone().text());
      return digest;
    }

    /** Pushes a one-layer image; returns its manifest bytes, digest and the blobs. */
    async function pushImage(name: string, tag: string, extra: Record<string, unknown> = {}) {
      const layer = randomBytes(512);
      const config = Buffer.from(
        JSON.stringify({
          architecture: 'amd64',
          os: 'linux',
          rootfs: { type: 'layers', diff_ids: [sha256(layer)] },
        }),
      );
      await pushBlob(name, layer);
      await pushBlob(name, config);
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: {
            mediaType: 'application/vnd.oci.image.config.v1+json',
            digest: sha256(config),
            size: config.length,
          },
          layers: [
            {
              mediaType: 'application/vnd.oci.image.layer.v1.tar',
              digest: sha256(layer),
              size: layer.length,
            },
          ],
          ...extra,
        }),
      );
      const res = await req(`/v2/${name}/manifests/${tag}`, {
        method: 'PUT',
        body: manifest,
        headers: { 'Content-Type': OCI_MANIFEST },
      });
      assert.equal(res.status, 201, await res.clone().text());
      return { manifest, digest: sha256(manifest), layer, config, response: res };
    }

    test('end-1: GET /v2/ answers 200', async () => {
      const res = await req('/v2/');
      assert.equal(res.status, 200);
    });

    test('end-4b: a monolithic POST ?digest= creates the blob (201 and Location)', async () => {
      const name = repoName();
      const bytes = randomBytes(1000);
      const res = await req(`/v2/${name}/blobs/uploads/?digest=${sha256(bytes)}`, {
        method: 'POST',
        body: bytes,
        headers: { 'Content-Type': 'application/octet-stream' },
      });
      assert.ok(res.status === 201 || res.status === 202, `status ${res.status}`);
      if (res.status === 201) {
        assert.ok(res.headers.get('location'));
        const got = await req(`/v2/${name}/blobs/${sha256(bytes)}`);
        assert.equal(got.status, 200);
        assert.deepEqual(Buffer.from(await got.arrayBuffer()), bytes);
      }
    });

    test('end-4a, end-6, end-2: POST then PUT; GET and HEAD return the blob with its digest and length', async () => {
      const name = repoName();
      const bytes = randomBytes(3000);
      const digest = await pushBlob(name, bytes);
      const head = await req(`/v2/${name}/blobs/${digest}`, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('content-length'), String(bytes.length));
      assert.equal(head.headers.get('docker-content-digest'), digest);
      const got = await req(`/v2/${name}/blobs/${digest}`);
      assert.deepEqual(Buffer.from(await got.arrayBuffer()), bytes);
    });

    test('end-2: a Range request gets 206 with the bytes asked for', async () => {
      const name = repoName();
      const bytes = randomBytes(2000);
      const digest = await pushBlob(name, bytes);
      const res = await req(`/v2/${name}/blobs/${digest}`, { headers: { Range: 'bytes=10-19' } });
      assert.equal(res.status, 206);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), bytes.subarray(10, 20));
    });

    test('end-5, end-13: chunked PATCH uploads with Content-Range, status GET, 416 out of order', async () => {
      const name = repoName();
      const bytes = randomBytes(5000);
      const started = await req(`/v2/${name}/blobs/uploads/`, { method: 'POST' });
      assert.equal(started.status, 202);
      let location = started.headers.get('location') as string;
      const first = await req(location, {
        method: 'PATCH',
        body: bytes.subarray(0, 2000),
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': '0-1999' },
      });
      assert.equal(first.status, 202);
      assert.equal(first.headers.get('range'), '0-1999');
      location = first.headers.get('location') as string;
      const status = await req(location);
      assert.equal(status.status, 204);
      assert.equal(status.headers.get('range'), '0-1999');
      const wrong = await req(location, {
        method: 'PATCH',
        body: bytes.subarray(3000, 4000),
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': '3000-3999' },
      });
      await wrong.arrayBuffer();
      if (!profile.v11) {
        // Distribution 2.8 does not check where a chunk starts: it appends it (202).
        assert.equal(wrong.status, 202);
        return;
      }
      assert.equal(wrong.status, 416, 'a chunk that does not start at the end is refused');
      const second = await req(location, {
        method: 'PATCH',
        body: bytes.subarray(2000),
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': '2000-4999' },
      });
      assert.equal(second.status, 202);
      location = second.headers.get('location') as string;
      const done = await req(`${location}${location.includes('?') ? '&' : '?'}digest=${sha256(bytes)}`, {
        method: 'PUT',
      });
      assert.equal(done.status, 201);
      assert.equal(done.headers.get('docker-content-digest'), sha256(bytes));
      const got = await req(`/v2/${name}/blobs/${sha256(bytes)}`);
      assert.deepEqual(Buffer.from(await got.arrayBuffer()), bytes);
    });

    test('end-6: a digest that does not match the content is 400 DIGEST_INVALID and nothing is stored', async () => {
      const name = repoName();
      const bytes = randomBytes(100);
      const wrongDigest = sha256(randomBytes(100));
      const started = await req(`/v2/${name}/blobs/uploads/`, { method: 'POST' });
      const location = started.headers.get('location') as string;
      const res = await req(`${location}${location.includes('?') ? '&' : '?'}digest=${wrongDigest}`, {
        method: 'PUT',
        body: bytes,
        headers: { 'Content-Type': 'application/octet-stream' },
      });
      assert.equal(res.status, 400);
      assert.ok((await codes(res)).includes('DIGEST_INVALID'));
      assert.equal((await req(`/v2/${name}/blobs/${wrongDigest}`, { method: 'HEAD' })).status, 404);
    });

    test('cancel: DELETE on an upload is 204 and the session is then BLOB_UPLOAD_UNKNOWN', async () => {
      const name = repoName();
      const started = await req(`/v2/${name}/blobs/uploads/`, { method: 'POST' });
      const location = started.headers.get('location') as string;
      const cancelled = await req(location, { method: 'DELETE' });
      assert.equal(cancelled.status, 204);
      const status = await req(location);
      assert.equal(status.status, 404);
      assert.ok((await codes(status)).includes('BLOB_UPLOAD_UNKNOWN'));
    });

    test('end-11: a mount from a repository that has the blob is 201; from one that has not, 202', async () => {
      const from = repoName();
      const to = repoName();
      const bytes = randomBytes(700);
      const digest = await pushBlob(from, bytes);
      const mounted = await req(`/v2/${to}/blobs/uploads/?mount=${digest}&from=${from}`, { method: 'POST' });
      assert.equal(mounted.status, 201);
      assert.equal(mounted.headers.get('docker-content-digest'), digest);
      const got = await req(`/v2/${to}/blobs/${digest}`);
      assert.deepEqual(Buffer.from(await got.arrayBuffer()), bytes);
      const other = sha256(randomBytes(10));
      const fallback = await req(`/v2/${to}/blobs/uploads/?mount=${other}&from=${from}`, { method: 'POST' });
      assert.equal(fallback.status, 202, 'falls back to an upload session');
      assert.ok(fallback.headers.get('location'));
    });

    test('end-7, end-3: a manifest PUT by tag is 201; GET and HEAD by tag and digest return it', async () => {
      const name = repoName();
      const { manifest, digest, response } = await pushImage(name, 'v1');
      assert.equal(response.headers.get('docker-content-digest'), digest);
      assert.ok(response.headers.get('location'));
      for (const reference of ['v1', digest]) {
        const got = await req(`/v2/${name}/manifests/${reference}`, { headers: { Accept: OCI_MANIFEST } });
        assert.equal(got.status, 200);
        assert.equal(got.headers.get('content-type'), OCI_MANIFEST);
        assert.equal(got.headers.get('docker-content-digest'), digest);
        assert.deepEqual(Buffer.from(await got.arrayBuffer()), manifest);
        const head = await req(`/v2/${name}/manifests/${reference}`, {
          method: 'HEAD',
          headers: { Accept: OCI_MANIFEST },
        });
        assert.equal(head.status, 200);
        assert.equal(head.headers.get('content-length'), String(manifest.length));
      }
    });

    test('end-7: Docker v2.2 manifests and OCI indexes are stored and served with their types', async () => {
      const name = repoName();
      const image = await pushImage(name, 'oci');
      const docker = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: DOCKER_MANIFEST,
          config: {
            mediaType: 'application/vnd.docker.container.image.v1+json',
            digest: sha256(image.config),
            size: image.config.length,
          },
          layers: [
            {
              mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
              digest: sha256(image.layer),
              size: image.layer.length,
            },
          ],
        }),
      );
      const put = await req(`/v2/${name}/manifests/docker`, {
        method: 'PUT',
        body: docker,
        headers: { 'Content-Type': DOCKER_MANIFEST },
      });
      assert.equal(put.status, 201, await put.clone().text());
      const index = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_INDEX,
          manifests: [
            {
              mediaType: OCI_MANIFEST,
              digest: image.digest,
              size: image.manifest.length,
              platform: { os: 'linux', architecture: 'amd64' },
            },
          ],
        }),
      );
      const putIndex = await req(`/v2/${name}/manifests/index`, {
        method: 'PUT',
        body: index,
        headers: { 'Content-Type': OCI_INDEX },
      });
      assert.equal(putIndex.status, 201, await putIndex.clone().text());
      const accept = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST].join(', ');
      for (const [tag, type, bytes] of [
        ['docker', DOCKER_MANIFEST, docker],
        ['index', OCI_INDEX, index],
      ] as const) {
        const got = await req(`/v2/${name}/manifests/${tag}`, { headers: { Accept: accept } });
        assert.equal(got.headers.get('content-type'), type);
        assert.deepEqual(Buffer.from(await got.arrayBuffer()), bytes);
      }
    });

    test('end-7: a manifest naming a blob the repository lacks is 400 MANIFEST_BLOB_UNKNOWN', async () => {
      const name = repoName();
      const config = Buffer.from(
        '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}',
      );
      await pushBlob(name, config);
      const missing = randomBytes(64);
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: sha256(config),
          size: config.length,
        },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(missing), size: 64 }],
      });
      const res = await req(`/v2/${name}/manifests/t`, {
        method: 'PUT',
        body: manifest,
        headers: { 'Content-Type': OCI_MANIFEST },
      });
      assert.equal(res.status, 400);
      assert.ok((await codes(res)).includes('MANIFEST_BLOB_UNKNOWN'));
    });

    test('end-7: a body that is not a manifest is 400 MANIFEST_INVALID', async () => {
      const name = repoName();
      await pushImage(name, 'exists');
      const res = await req(`/v2/${name}/manifests/bad`, {
        method: 'PUT',
        body: '{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": 7}',
        headers: { 'Content-Type': OCI_MANIFEST },
      });
      assert.equal(res.status, 400);
      assert.ok((await codes(res)).includes('MANIFEST_INVALID'));
    });

    test('unknown things: 404 MANIFEST_UNKNOWN, BLOB_UNKNOWN, NAME_UNKNOWN', async () => {
      const name = repoName();
      await pushImage(name, 'exists');
      const manifest = await req(`/v2/${name}/manifests/nope`, { headers: { Accept: OCI_MANIFEST } });
      assert.equal(manifest.status, 404);
      assert.ok((await codes(manifest)).includes('MANIFEST_UNKNOWN'));
      const blob = await req(`/v2/${name}/blobs/${sha256(randomBytes(8))}`);
      assert.equal(blob.status, 404);
      assert.ok((await codes(blob)).includes('BLOB_UNKNOWN'));
      const tags = await req(`/v2/${repoName()}/tags/list`);
      assert.equal(tags.status, 404);
      assert.ok((await codes(tags)).includes('NAME_UNKNOWN'));
    });

    test('end-8a, end-8b: tags list sorted, paginated with n and last, Link to the next page', async () => {
      const name = repoName();
      const image = await pushImage(name, 'c');
      for (const tag of ['a', 'b', 'd']) {
        const res = await req(`/v2/${name}/manifests/${tag}`, {
          method: 'PUT',
          body: image.manifest,
          headers: { 'Content-Type': OCI_MANIFEST },
        });
        assert.equal(res.status, 201);
      }
      const all = (await (await req(`/v2/${name}/tags/list`)).json()) as { name: string; tags: string[] };
      if (!profile.v11) {
        // Distribution 2.8 neither sorts a repository's tags nor pages them (n and last are ignored):
        // both came with distribution-spec 1.1.
        assert.deepEqual(all.tags.sort(), ['a', 'b', 'c', 'd']);
        const page = (await (await req(`/v2/${name}/tags/list?n=2`)).json()) as { tags: string[] };
        assert.equal(page.tags.length, 4);
        return;
      }
      assert.deepEqual(all, { name, tags: ['a', 'b', 'c', 'd'] });
      const first = await req(`/v2/${name}/tags/list?n=2`);
      assert.deepEqual(((await first.json()) as { tags: string[] }).tags, ['a', 'b']);
      const link = first.headers.get('link') ?? '';
      assert.match(link, /^<[^>]*\/v2\/[^>]*tags\/list\?[^>]*>; rel="next"$/);
      const next = await req(link.slice(1, link.indexOf('>')));
      assert.deepEqual(((await next.json()) as { tags: string[] }).tags, ['c', 'd']);
      const after = (await (await req(`/v2/${name}/tags/list?n=10&last=b`)).json()) as { tags: string[] };
      assert.deepEqual(after.tags, ['c', 'd']);
    });

    test('_catalog lists repositories, paginated', async () => {
      const name = repoName();
      await pushImage(name, 'x');
      const catalog = (await (await req('/v2/_catalog?n=1000')).json()) as { repositories: string[] };
      assert.ok(catalog.repositories.includes(name));
      assert.deepEqual(catalog.repositories, [...catalog.repositories].sort());
      const one = await req('/v2/_catalog?n=1');
      assert.equal(((await one.json()) as { repositories: string[] }).repositories.length, 1);
    });

    test('end-9, end-10: manifest and blob deletes are 202, then 404', async () => {
      const name = repoName();
      const image = await pushImage(name, 'gone');
      const del = await req(`/v2/${name}/manifests/${image.digest}`, { method: 'DELETE' });
      assert.equal(del.status, 202);
      const after = await req(`/v2/${name}/manifests/${image.digest}`, { headers: { Accept: OCI_MANIFEST } });
      assert.equal(after.status, 404);
      assert.ok((await codes(after)).includes('MANIFEST_UNKNOWN'));
      const tag = await req(`/v2/${name}/manifests/gone`, { headers: { Accept: OCI_MANIFEST } });
      assert.equal(tag.status, 404, 'the tag went with the digest');
      await tag.arrayBuffer();
      const blob = await req(`/v2/${name}/blobs/${sha256(image.layer)}`, { method: 'DELETE' });
      assert.equal(blob.status, 202);
      assert.equal((await req(`/v2/${name}/blobs/${sha256(image.layer)}`, { method: 'HEAD' })).status, 404);
    });

    test('end-9: deleting a tag', async () => {
      const name = repoName();
      const image = await pushImage(name, 'keep');
      await req(`/v2/${name}/manifests/drop`, {
        method: 'PUT',
        body: image.manifest,
        headers: { 'Content-Type': OCI_MANIFEST },
      });
      const res = await req(`/v2/${name}/manifests/drop`, { method: 'DELETE' });
      if (profile.v11) {
        assert.equal(res.status, 202);
        const tags = (await (await req(`/v2/${name}/tags/list`)).json()) as { tags: string[] };
        assert.deepEqual(tags.tags, ['keep']);
      } else {
        // Distribution 2.8 predates tag deletion (spec 1.1): it refuses with UNSUPPORTED.
        assert.ok(res.status >= 400, `status ${res.status}`);
        await res.arrayBuffer();
      }
    });

    test('sha512 blobs are accepted and served by their sha512 digest', async () => {
      const name = repoName();
      const bytes = randomBytes(900);
      const started = await req(`/v2/${name}/blobs/uploads/`, { method: 'POST' });
      const location = started.headers.get('location') as string;
      const res = await req(`${location}${location.includes('?') ? '&' : '?'}digest=${sha512(bytes)}`, {
        method: 'PUT',
        body: bytes,
        headers: { 'Content-Type': 'application/octet-stream' },
      });
      assert.equal(res.status, 201, await res.clone().text());
      const got = await req(`/v2/${name}/blobs/${sha512(bytes)}`);
      assert.equal(got.status, 200);
      assert.deepEqual(Buffer.from(await got.arrayBuffer()), bytes);
    });

    test('end-12a, end-12b: referrers list manifests whose subject is the digest, filtered by artifactType', async () => {
      const name = repoName();
      const subject = await pushImage(name, 'subject');
      await pushBlob(name, EMPTY_JSON);
      const artifact = (artifactType: string) =>
        Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: OCI_MANIFEST,
            artifactType,
            config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(EMPTY_JSON), size: 2 },
            layers: [{ mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(EMPTY_JSON), size: 2 }],
            subject: { mediaType: OCI_MANIFEST, digest: subject.digest, size: subject.manifest.length },
            annotations: { 'org.example.kind': artifactType },
          }),
        );
      const sbom = artifact('application/vnd.example.sbom');
      const sig = artifact('application/vnd.example.signature');
      for (const bytes of [sbom, sig]) {
        const put = await req(`/v2/${name}/manifests/${sha256(bytes)}`, {
          method: 'PUT',
          body: bytes,
          headers: { 'Content-Type': OCI_MANIFEST },
        });
        assert.equal(put.status, 201, await put.clone().text());
        if (profile.v11) assert.equal(put.headers.get('oci-subject'), subject.digest);
        else assert.equal(put.headers.get('oci-subject'), null, 'Distribution 2.8 predates OCI-Subject');
      }
      const res = await req(`/v2/${name}/referrers/${subject.digest}`);
      if (!profile.v11) {
        // Distribution 2.8 has no referrers API: clients fall back to the tag schema.
        assert.equal(res.status, 404);
        await res.arrayBuffer();
        return;
      }
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), OCI_INDEX);
      const list = (await res.json()) as {
        manifests: { digest: string; artifactType: string; annotations: Record<string, string> }[];
      };
      assert.deepEqual(list.manifests.map((m) => m.digest).sort(), [sha256(sbom), sha256(sig)].sort());
      const entry = list.manifests.find((m) => m.digest === sha256(sbom));
      assert.equal(entry?.artifactType, 'application/vnd.example.sbom');
      assert.equal(entry?.annotations['org.example.kind'], 'application/vnd.example.sbom');
      const filtered = await req(
        `/v2/${name}/referrers/${subject.digest}?artifactType=application/vnd.example.signature`,
      );
      assert.equal(filtered.headers.get('oci-filters-applied'), 'artifactType');
      const only = (await filtered.json()) as { manifests: { digest: string }[] };
      assert.deepEqual(
        only.manifests.map((m) => m.digest),
        [sha256(sig)],
      );
      const none = await req(`/v2/${name}/referrers/${sha256(randomBytes(4))}`);
      assert.equal(none.status, 200, 'an unknown subject has an empty list, never a 404');
      assert.deepEqual(((await none.json()) as { manifests: unknown[] }).manifests, []);
      const invalid = await req(`/v2/${name}/referrers/sha256:xyz`);
      assert.equal(invalid.status, 400);
      await invalid.arrayBuffer();
    });

    test('invalid names are refused with NAME_INVALID', async () => {
      const res = await req('/v2/Upper/Case/tags/list');
      assert.ok(res.status === 400 || res.status === 404, `status ${res.status}`);
      if (!profile.v11) {
        // Distribution 2.8 does not route such a path at all: a plain-text 404.
        assert.equal(res.status, 404);
        await res.arrayBuffer();
        return;
      }
      const found = await codes(res);
      assert.ok(found.includes('NAME_INVALID') || found.includes('NAME_UNKNOWN'), found.join());
    });
  });
}
