/**
 * A 10,000-file layer is listed page by page from its stream: a page reads only the part of the
 * blob up to it (the rest is never pulled), paging through yields every entry once, and once a
 * request has read the layer to its verified end, later pages come from its listing on disk. A
 * layer that fails verification is never listed, and an abandoned download releases its layer.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { type TestContext, test } from 'node:test';
import { startExplorer } from '../../src/explore/index.ts';
import type { ImageSource } from '../../src/image/types.ts';
import { layoutSource } from '../../src/transports/layout/index.ts';
import { hostileTar } from '../helpers/hostile-tar.ts';
import { scratch } from '../helpers/tmp.ts';
import { writeImageLayout } from '../security/fixtures.ts';
import { json } from './fixtures.ts';

const FILES = 10_000;

/** A source that counts the bytes of `digest` that readers actually pulled. */
function counting(source: ImageSource, digest: string, counter: { bytes: number }): ImageSource {
  return {
    name: source.name,
    resolve: (o) => source.resolve(o),
    manifest: (d, o) => source.manifest(d, o),
    close: () => source.close(),
    async blob(d, o) {
      const stream = await source.blob(d, o);
      if (d.digest !== digest) return stream;
      const count = new Transform({
        transform(chunk: Buffer, _enc, done) {
          counter.bytes += chunk.byteLength;
          done(null, chunk);
        },
      });
      stream.on('error', (err) => count.destroy(err));
      count.on('close', () => stream.destroy());
      return stream.pipe(count);
    },
  };
}

/**
 * An explorer over one image of the layer `tar` at `root`, closed after the test, counting the
 * bytes pulled from that layer's blob; `api(path)` names a URL under its manifest.
 */
async function countedExplorer(t: TestContext, root: string, tar: Buffer) {
  const { manifest, layers } = await writeImageLayout(root, [tar]);
  const layer = layers[0];
  assert.ok(layer !== undefined);
  const counter = { bytes: 0 };
  const explorer = await startExplorer({
    images: [{ name: 'image', source: counting(layoutSource(`oci:${root}`), layer.digest, counter) }],
  });
  t.after(() => explorer.close());
  const api = (path: string) => new URL(`api/images/0/manifests/${manifest.digest}/${path}`, explorer.url);
  return { layer, counter, api };
}

test('a 10k-file layer is paged from its stream, never read whole for one page', async (t) => {
  const dir = await scratch(t);
  const content = Buffer.alloc(1024, 'x');
  const entries = Array.from({ length: FILES }, (_, i) => ({
    name: `data/f${String(i).padStart(5, '0')}`,
    content,
  }));
  const { layer, counter, api } = await countedExplorer(t, join(dir, 'large'), await hostileTar(entries));
  const url = (offset: number, limit: number) => api(`layers/0/files?offset=${offset}&limit=${limit}`);

  const first = await json(await fetch(url(0, 50)));
  assert.equal(first.entries.length, 50);
  assert.equal(first.next, 50);
  assert.ok(
    counter.bytes < layer.size / 4,
    `the first page pulled ${counter.bytes} of ${layer.size} bytes: the layer was read past the page`,
  );

  const seen: string[] = [];
  let offset: number | null = 0;
  while (offset !== null) {
    const page: { entries: Array<{ path: string; mark: string }>; next: number | null } = await json(
      await fetch(url(offset, 1000)),
    );
    assert.ok(page.entries.length <= 1000);
    for (const e of page.entries) {
      assert.equal(e.mark, 'added');
      seen.push(e.path);
    }
    offset = page.next;
  }
  assert.equal(seen.length, FILES);
  assert.equal(new Set(seen).size, FILES);
  assert.equal(seen[FILES - 1], `data/f${String(FILES - 1).padStart(5, '0')}`);

  // The last page read the layer to its end: later pages and folders come from its listing, and
  // the blob is not read again.
  const pulled = counter.bytes;
  const again = await json(await fetch(url(7321, 3)));
  assert.deepEqual(
    again.entries.map((e: { path: string }) => e.path),
    ['data/f07321', 'data/f07322', 'data/f07323'],
  );
  const folder = await json(await fetch(api('layers/0/tree?dir=data&offset=9998')));
  assert.deepEqual(
    folder.entries.map((e: { name: string }) => e.name),
    ['f09998', 'f09999'],
  );
  assert.equal(counter.bytes, pulled, 'the blob was read again');

  const past = await json(await fetch(url(FILES + 5, 10)));
  assert.deepEqual(past.entries, []);
  assert.equal(past.next, null);
  // A page larger than the maximum is cut to it.
  assert.equal((await json(await fetch(url(0, 50_000)))).entries.length, 1000);
});

test('the Layers page reads each layer once: its size comes with the listing, and the tree then reads the listing', async (t) => {
  const dir = await scratch(t);
  const tar = await hostileTar(
    Array.from({ length: 2000 }, (_, i) => ({
      name: `data/f${String(i).padStart(4, '0')}`,
      content: `${i}\n`,
    })),
  );
  const { layer, counter, api } = await countedExplorer(t, join(dir, 'image'), tar);

  const [summary] = await json(await fetch(api('layers')));
  assert.equal(summary.uncompressedSize, tar.byteLength);
  assert.equal(counter.bytes, layer.size, 'the layer was read once, to its end');
  const folder = await json(await fetch(api('layers/0/tree?dir=data&offset=1998')));
  assert.deepEqual(
    folder.entries.map((e: { name: string }) => e.name),
    ['f1998', 'f1999'],
  );
  await json(await fetch(api('layers')));
  assert.equal(counter.bytes, layer.size, 'the blob was read again');
});

test('security: a layer whose bytes do not match its digest is never listed, not even on a second request', async (t) => {
  const dir = await scratch(t);
  const root = join(dir, 'corrupt');
  const { manifest, layers } = await writeImageLayout(root, [
    await hostileTar([
      { name: 'a.txt', content: 'a\n' },
      { name: 'b.txt', content: 'b\n' },
    ]),
  ]);
  const layer = layers[0];
  assert.ok(layer !== undefined);
  // Change one byte of the end padding: the tar still parses, the digest no longer matches.
  const blob = join(root, 'blobs', 'sha256', layer.digest.slice('sha256:'.length));
  const bytes = await readFile(blob);
  bytes[bytes.length - 1] = 1;
  await writeFile(blob, bytes);
  const explorer = await startExplorer({
    images: [{ name: 'corrupt', source: layoutSource(`oci:${root}`) }],
  });
  t.after(() => explorer.close());
  const tree = new URL(`api/images/0/manifests/${manifest.digest}/layers/0/tree?dir=`, explorer.url);
  for (let i = 0; i < 2; i++) {
    const res = await fetch(tree);
    assert.notEqual(res.status, 200, `request ${i + 1} answered from unverified bytes`);
    assert.equal((await json(res)).error.code, 'DIGEST_MISMATCH');
  }
});

test('a client that leaves in the middle of a large download releases the layer it was reading', async (t) => {
  const dir = await scratch(t);
  const root = join(dir, 'big-file');
  const big = Buffer.alloc(64 << 20, 'y');
  const { manifest, layers } = await writeImageLayout(root, [
    await hostileTar([{ name: 'big.bin', content: big }]),
  ]);
  const layer = layers[0];
  assert.ok(layer !== undefined);
  const source = layoutSource(`oci:${root}`);
  let open = 0;
  const tracking: ImageSource = {
    ...source,
    name: source.name,
    async blob(d, o) {
      const stream = await source.blob(d, o);
      if (d.digest === layer.digest) {
        open++;
        stream.on('close', () => open--);
      }
      return stream;
    },
  };
  const explorer = await startExplorer({ images: [{ name: 'big', source: tracking }] });
  t.after(() => explorer.close());
  const url = new URL(`api/images/0/manifests/${manifest.digest}/fs/content?path=big.bin`, explorer.url);
  // Read the first bytes, then go away while the server is held up by a full socket buffer.
  await new Promise<void>((resolve, reject) => {
    const req = request(url, (res) => {
      res.once('data', () => {
        res.pause();
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 200);
      });
    });
    req.on('error', reject);
    req.end();
  });
  for (let i = 0; i < 200 && open > 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(open, 0, 'the layer stream behind the abandoned download is still open');
});
