/**
 * What a layer can make the explorer hold or leave behind: a name no Linux filesystem could hold
 * (a component over 255 bytes, a path or link target over 4,096) is left out of every list, so a
 * PAX path of up to 1 MiB costs nothing; dive's estimate counts a path written twice in one layer
 * once, and a failed estimate leaves no sorted run on disk.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startExplorer } from '../../src/explore/index.ts';
import { RUN_SIZE } from '../../src/explore/layers/external-sort.ts';
import { listingFolder } from '../../src/explore/layers/listing.ts';
import { layoutSource } from '../../src/transports/layout/index.ts';
import { hostileTar } from '../helpers/hostile-tar.ts';
import { scratch } from '../helpers/tmp.ts';
import { writeImageLayout } from '../security/fixtures.ts';
import { json } from './fixtures.ts';

/** A layout of one image with these layer tars, in a scratch folder removed after the test. */
async function imageOf(t: Parameters<typeof scratch>[0], tars: Buffer[]) {
  const root = join(await scratch(t), 'image');
  return { root, ...(await writeImageLayout(root, tars)) };
}

/** An explorer over the layout at `root`, closed after the test; the API URL of its manifest. */
async function explore(t: Parameters<typeof scratch>[0], root: string, manifest: string) {
  const explorer = await startExplorer({ images: [{ name: 'image', source: layoutSource(`oci:${root}`) }] });
  t.after(() => explorer.close());
  return (path: string) => new URL(`api/images/0/manifests/${manifest}/${path}`, explorer.url);
}

test('security: names Linux cannot hold (a 512 KiB PAX path, a 256-byte component, a 4 KiB link target) are left out of every list', async (t) => {
  const { root, manifest } = await imageOf(t, [
    await hostileTar([
      { name: 'd/', type: 'directory' },
      { name: 'd/ok', content: 'ok' },
      { name: 'd/placeholder-1', content: 'x', pax: { path: `d/${'a'.repeat(1 << 19)}` } },
      { name: `d/${'b'.repeat(256)}`, content: 'x' },
      { name: 'd/link', type: 'symlink', linkname: 'c'.repeat(4096) },
    ]),
  ]);
  const api = await explore(t, root, manifest.digest);
  const files: { entries: Array<{ path: string }> } = await json(await fetch(api('layers/0/files')));
  assert.deepEqual(
    files.entries.map((e) => e.path),
    ['d', 'd/ok'],
  );
  const merged: { children: Array<{ name: string }> } = await json(await fetch(api('fs?path=d')));
  assert.deepEqual(
    merged.children.map((c) => c.name),
    ['ok'],
  );
});

test("dive's estimate counts a path written twice in one layer once (dive keeps one node per layer)", async (t) => {
  const { root, manifest } = await imageOf(t, [
    await hostileTar([
      { name: 'a.txt', content: 'first' },
      { name: 'b.txt', content: 'b' },
      { name: 'a.txt', content: 'second!' },
    ]),
  ]);
  const api = await explore(t, root, manifest.digest);
  const eff = await json(await fetch(api('efficiency')));
  assert.deepEqual(eff, { wastedBytes: 0, score: 1, inefficiencies: [] });
});

test('a failed estimate leaves no sorted run behind', async (t) => {
  const many = Array.from({ length: RUN_SIZE + 100 }, (_, i) => ({ name: `f${i}`, content: 'x' }));
  const { root, manifest, layers } = await imageOf(t, [
    await hostileTar(many),
    await hostileTar([{ name: 'z.txt', content: 'z' }]),
  ]);
  // The second layer's bytes no longer match its digest: the estimate fails after one full run.
  const upper = layers[1];
  assert.ok(upper !== undefined);
  const blob = join(root, 'blobs', 'sha256', upper.digest.slice('sha256:'.length));
  const bytes = await readFile(blob);
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
  await writeFile(blob, bytes);
  const api = await explore(t, root, manifest.digest);
  const runs = async () => (await readdir(listingFolder())).filter((name) => name.startsWith('run-'));
  const before = await runs();
  const res = await fetch(api('efficiency'));
  assert.notEqual(res.status, 200);
  await res.arrayBuffer();
  assert.deepEqual(await runs(), before);
});
