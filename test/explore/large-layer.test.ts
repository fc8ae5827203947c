/**
 * A 10,000-file layer is listed page by page from its stream: a page reads only the part of the
 * blob up to it (the rest is never pulled), and paging through yields every entry once.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { test } from 'node:test';
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

test('a 10k-file layer is paged from its stream, never read whole for one page', async (t) => {
  const dir = await scratch(t);
  const content = Buffer.alloc(1024, 'x');
  const entries = Array.from({ length: FILES }, (_, i) => ({
    name: `data/f${String(i).padStart(5, '0')}`,
    content,
  }));
  const root = join(dir, 'large');
  const { manifest, layers } = await writeImageLayout(root, [await hostileTar(entries)]);
  const layer = layers[0];
  assert.ok(layer !== undefined);
  const counter = { bytes: 0 };
  const explorer = await startExplorer({
    images: [{ name: 'large', source: counting(layoutSource(`oci:${root}`), layer.digest, counter) }],
  });
  t.after(() => explorer.close());
  const url = (offset: number, limit: number) =>
    new URL(
      `api/images/0/manifests/${manifest.digest}/layers/0/files?offset=${offset}&limit=${limit}`,
      explorer.url,
    );

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

  const past = await json(await fetch(url(FILES + 5, 10)));
  assert.deepEqual(past.entries, []);
  assert.equal(past.next, null);
  // A page larger than the maximum is cut to it.
  assert.equal((await json(await fetch(url(0, 50_000)))).entries.length, 1000);
});
