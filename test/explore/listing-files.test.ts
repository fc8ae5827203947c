/**
 * The explorer's lists on disk: names in any script come back exactly as the layer holds them
 * (lines are cut before they are decoded, so no character is split between two reads), and a
 * list that cannot be written fails its writer's calls instead of crashing the process.
 */
import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startExplorer } from '../../src/explore/index.ts';
import { listingFolder } from '../../src/explore/layers/listing.ts';
import { PagedListWriter } from '../../src/explore/layers/paged-list.ts';
import { layoutSource } from '../../src/transports/layout/index.ts';
import { hostileTar } from '../helpers/hostile-tar.ts';
import { scratch } from '../helpers/tmp.ts';
import { writeImageLayout } from '../security/fixtures.ts';
import { json } from './fixtures.ts';

test('names of multi-byte characters read back from a listing on disk are exact (none split across reads)', async (t) => {
  const dir = await scratch(t);
  // 3,000 entries of ~120 bytes each: the listing spans several 64 KiB reads, and a 3-byte
  // character lands across a read boundary somewhere.
  const names = Array.from(
    { length: 3000 },
    (_, i) => `${'€'.repeat(30 + (i % 7))}${String(i).padStart(4, '0')}`,
  );
  const root = join(dir, 'image');
  const { manifest } = await writeImageLayout(root, [
    await hostileTar([
      { name: 'd/', type: 'directory' },
      ...names.map((name) => ({ name: `d/${name}`, content: 'x' })),
    ]),
  ]);
  const explorer = await startExplorer({ images: [{ name: 'image', source: layoutSource(`oci:${root}`) }] });
  t.after(() => explorer.close());
  const api = (path: string) => new URL(`api/images/0/manifests/${manifest.digest}/${path}`, explorer.url);
  const read = async (pass: string): Promise<string[]> => {
    const got: string[] = [];
    for (let offset: number | null = 0; offset !== null; ) {
      const page: { entries: Array<{ path: string }>; next: number | null } = await json(
        await fetch(api(`layers/0/files?offset=${offset}&limit=1000`)),
      );
      got.push(...page.entries.map((e) => e.path));
      offset = page.next;
    }
    assert.equal(got.length, names.length + 1, pass);
    return got;
  };
  const streamed = await read('from the layer stream');
  const listed = await read('from the listing on disk');
  assert.deepEqual(listed, streamed);
  assert.deepEqual(listed, ['d', ...names.map((n) => `d/${n}`)]);
  // The merged filesystem's folder, sorted on disk, too.
  const merged: { children: Array<{ name: string }> } = await json(
    await fetch(api('fs?path=d&limit=1000&offset=2000')),
  );
  assert.deepEqual(
    merged.children.map((c) => c.name),
    [...names].sort().slice(2000),
  );
});

test('a layer listing removed from disk before a request reads it (evicted for a newer one) is read from the layer again', async (t) => {
  const dir = await scratch(t);
  const root = join(dir, 'image');
  const { manifest } = await writeImageLayout(root, [
    await hostileTar(
      Array.from({ length: 1500 }, (_, i) => ({ name: `f${String(i).padStart(4, '0')}`, content: 'x' })),
    ),
  ]);
  const explorer = await startExplorer({ images: [{ name: 'image', source: layoutSource(`oci:${root}`) }] });
  t.after(() => explorer.close());
  const page = async (offset: number): Promise<string[]> => {
    const res = await fetch(
      new URL(
        `api/images/0/manifests/${manifest.digest}/layers/0/files?offset=${offset}&limit=1000`,
        explorer.url,
      ),
    );
    assert.equal(res.status, 200, await res.clone().text());
    return (await json(res)).entries.map((e: { path: string }) => e.path);
  };
  await page(0);
  await page(1000); // read to the end: the listing is on disk now
  for (const name of await readdir(listingFolder())) {
    if (name.startsWith('layer-')) await rm(join(listingFolder(), name));
  }
  assert.deepEqual(
    await page(1200),
    Array.from({ length: 300 }, (_, i) => `f${String(1200 + i).padStart(4, '0')}`),
  );
});

test('a list whose file cannot be written rejects add or finish, and nothing escapes as an uncaught error', async (t) => {
  const dir = await scratch(t);
  const writer = new PagedListWriter<{ n: number }>(join(dir, 'missing-folder', 'list'));
  let failed: unknown;
  try {
    for (let n = 0; n < 10_000; n++) {
      const wait = writer.add({ n });
      if (wait !== undefined) await wait;
    }
    await writer.finish();
  } catch (err) {
    failed = err;
  }
  assert.equal((failed as NodeJS.ErrnoException | undefined)?.code, 'ENOENT');
  await writer.abandon();
});
