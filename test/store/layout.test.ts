/** The layout store on real directories: init/open, blobs, index.json tags and resolution. */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { digestBytes } from '../../src/digest/index.ts';
import { isOciError } from '../../src/errors/index.ts';
import { OCI } from '../../src/spec/index.ts';
import { INGEST_DIR, initLayout, type OciLayout, openLayout, REF_NAME } from '../../src/store/index.ts';
import { scratch } from '../helpers/peers-layout.ts';

let dir: string;
let cleanup: () => Promise<void>;
before(async () => ({ dir, cleanup } = await scratch('layout')));
after(() => cleanup());

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function manifestIn(layout: OciLayout, text: string) {
  const config = await layout.putBytes(
    Buffer.from(
      `{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"x":"${text}"}`,
    ),
  );
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI.manifest,
      config: { mediaType: OCI.config, digest: config.digest, size: config.size },
      layers: [],
    }),
  );
  const info = await layout.putBytes(bytes);
  return { mediaType: OCI.manifest, digest: info.digest, size: info.size };
}

describe('init and open', () => {
  test('initLayout writes oci-layout, an empty OCI index and blobs/', async () => {
    const root = join(dir, 'init');
    await initLayout(root);
    assert.deepEqual(JSON.parse(await readFile(join(root, 'oci-layout'), 'utf8')), {
      imageLayoutVersion: '1.0.0',
    });
    assert.deepEqual(JSON.parse(await readFile(join(root, 'index.json'), 'utf8')), {
      schemaVersion: 2,
      mediaType: OCI.index,
      manifests: [],
    });
    assert.deepEqual(await readdir(join(root, 'blobs')), []);
    await openLayout(root);
  });

  test('openLayout refuses a missing, unquoted or wrong imageLayoutVersion and a non-index index.json', async () => {
    const root = join(dir, 'bad');
    await mkdir(join(root, 'blobs'), { recursive: true });
    await writeFile(join(root, 'index.json'), '{"schemaVersion":2,"manifests":[]}');
    await assert.rejects(openLayout(root), (e) => isOciError(e, 'INVALID_LAYOUT'));
    for (const header of ['{"imageLayoutVersion":1.0}', '{"imageLayoutVersion":"2.0.0"}', '[]', 'not json']) {
      await writeFile(join(root, 'oci-layout'), header);
      await assert.rejects(openLayout(root), (e) => isOciError(e, 'INVALID_LAYOUT'), header);
    }
    await writeFile(join(root, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    await openLayout(root);
    await writeFile(join(root, 'index.json'), '{"schemaVersion":2,"config":{}}');
    await assert.rejects(openLayout(root), (e) => isOciError(e, 'INVALID_LAYOUT'));
  });
});

describe('blobs', () => {
  test('ingest names a blob after its hash, get streams it back verified, delete removes it', async () => {
    const layout = await initLayout(join(dir, 'blobs'));
    const payload = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    const info = await layout.ingest(Readable.from([payload.subarray(0, 1000), payload.subarray(1000)]));
    assert.equal(info.digest, digestBytes(payload));
    assert.equal(info.size, payload.length);
    assert.equal(await layout.stat(info.digest), payload.length);
    assert.deepEqual(await collect(await layout.get(info)), payload);
    assert.deepEqual(
      (await Array.fromAsync(layout.walk())).map((b) => b.digest),
      [info.digest],
    );
    assert.equal(await layout.delete(info.digest), true);
    assert.equal(await layout.stat(info.digest), undefined);
    assert.equal(await layout.delete(info.digest), false);
    await assert.rejects(layout.get(info), (e) => isOciError(e, 'NOT_FOUND'));
  });

  test('a stream that does not match the expected digest or size leaves nothing behind', async () => {
    const layout = await initLayout(join(dir, 'mismatch'));
    const good = Buffer.from('the real content');
    const wrong = Buffer.from('something else!!');
    await assert.rejects(layout.ingest(Readable.from([wrong]), { digest: digestBytes(good) }), (e) =>
      isOciError(e, 'DIGEST_MISMATCH'),
    );
    await assert.rejects(layout.ingest(Readable.from([good]), { digest: digestBytes(good), size: 3 }), (e) =>
      isOciError(e, 'SIZE_MISMATCH'),
    );
    await assert.rejects(layout.putBytes(good, digestBytes(wrong)), (e) => isOciError(e, 'DIGEST_MISMATCH'));
    assert.deepEqual(await Array.fromAsync(layout.walk()), []);
    assert.deepEqual(await readdir(join(layout.root, INGEST_DIR)), []);
    await layout.putBytes(good, digestBytes(good));
    assert.equal(await layout.stat(digestBytes(good)), good.length);
  });

  test('get fails with DIGEST_MISMATCH when a stored blob was altered', async () => {
    const layout = await initLayout(join(dir, 'altered'));
    const info = await layout.putBytes(Buffer.from('original bytes'));
    await writeFile(layout.blobPath(info.digest), 'tampered bytes');
    await assert.rejects(collect(await layout.get(info)), (e) => isOciError(e, 'DIGEST_MISMATCH'));
    await assert.rejects(layout.readBytes(info), (e) => isOciError(e, 'DIGEST_MISMATCH'));
  });
});

describe('tags', () => {
  test('tag, retag, untag and listTags keep one entry per ref name', async () => {
    const layout = await initLayout(join(dir, 'tags'));
    const one = await manifestIn(layout, 'one');
    const two = await manifestIn(layout, 'two');
    await layout.tag('v1', one);
    await layout.tag('latest', one);
    await layout.tag('v1', two);
    assert.deepEqual(await layout.listTags(), ['v1', 'latest']);
    assert.equal((await layout.resolve('v1')).digest, two.digest);
    assert.equal((await layout.resolve('latest')).digest, one.digest);
    assert.equal(await layout.untag('latest'), true);
    assert.equal(await layout.untag('latest'), false);
    assert.deepEqual(await layout.listTags(), ['v1']);
    const index = JSON.parse(await readFile(join(layout.root, 'index.json'), 'utf8'));
    assert.equal(index.manifests[0].annotations[REF_NAME], 'v1');
  });

  test('ref names off the image-layout.md grammar are refused', async () => {
    const layout = await initLayout(join(dir, 'badtags'));
    const one = await manifestIn(layout, 'x');
    for (const name of ['', '-v1', 'a//b', 'a b', '../x', 'v1/', 'ä']) {
      await assert.rejects(layout.tag(name, one), (e) => isOciError(e, 'INVALID_REFERENCE'), name);
    }
    await layout.tag('example.com/app:1.0--rc+b@x', one);
  });

  test('resolve: the only entry, a digest, a full-reference ref name by its tag; clear errors otherwise', async () => {
    const layout = await initLayout(join(dir, 'resolve'));
    await assert.rejects(layout.resolve(), (e) => isOciError(e, 'NOT_FOUND'));
    const one = await manifestIn(layout, 'one');
    const two = await manifestIn(layout, 'two');
    await layout.addUntagged(one);
    await layout.addUntagged(one);
    assert.equal((await layout.resolve()).digest, one.digest);
    await layout.tag('docker.io/library/app:stable', two);
    await assert.rejects(
      layout.resolve(),
      (e) => isOciError(e, 'INVALID_REFERENCE') && /ambiguous/.test(e.message),
    );
    assert.equal((await layout.resolve('stable')).digest, two.digest);
    assert.equal((await layout.resolve('docker.io/library/app:stable')).digest, two.digest);
    assert.equal((await layout.resolve(one.digest)).digest, one.digest);
    await assert.rejects(layout.resolve('nope'), (e) => {
      assert.ok(isOciError(e, 'NOT_FOUND'));
      assert.match(e.message, /docker\.io\/library\/app:stable/);
      assert.match(e.message, new RegExp(one.digest));
      return true;
    });
    await assert.rejects(layout.resolve(digestBytes('absent')), (e) => isOciError(e, 'NOT_FOUND'));
  });

  test('tagging a descriptor whose blob is absent fails with NOT_FOUND', async () => {
    const layout = await initLayout(join(dir, 'absent'));
    await assert.rejects(
      layout.tag('v1', { mediaType: OCI.manifest, digest: digestBytes('nothing'), size: 7 }),
      (e) => isOciError(e, 'NOT_FOUND'),
    );
  });
});
