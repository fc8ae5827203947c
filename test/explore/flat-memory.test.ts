/**
 * A folder wider than one sort buffer: the merged filesystem's pages and dive's estimate are
 * computed through sorted runs on disk, never holding more than {@link RUN_SIZE} records, and
 * still give every child once, in name order, with the upper layer's version and whiteouts
 * applied. A folder archived in name order needs no sort at all, and when an upper layer changes
 * it, only that layer's records are sorted.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { startExplorer } from '../../src/explore/index.ts';
import { RUN_SIZE, resetSortGauge, sortGauge } from '../../src/explore/layers/external-sort.ts';
import { layoutSource } from '../../src/transports/layout/index.ts';
import { type HostileEntry, hostileTar } from '../helpers/hostile-tar.ts';
import { scratch } from '../helpers/tmp.ts';
import { writeImageLayout } from '../security/fixtures.ts';
import { json } from './fixtures.ts';

const FILES = 2 * RUN_SIZE + 100;
const name = (i: number) => `f${String(i).padStart(5, '0')}`;

/** `data/` and its {@link FILES} files, the archive's i-th file being `order(i)`. */
function wideFolder(order: (i: number) => number = (i) => i): HostileEntry[] {
  const entries: HostileEntry[] = [{ name: 'data/', type: 'directory' }];
  for (let i = 0; i < FILES; i++) entries.push({ name: `data/${name(order(i))}`, content: 'x' });
  return entries;
}

/** Serves an image of `layers` in a new explorer; returns the URL of an API path of its manifest. */
async function explore(t: TestContext, layers: HostileEntry[][]): Promise<(rest: string) => URL> {
  const root = join(await scratch(t), 'image');
  const tars = await Promise.all(layers.map((layer) => hostileTar(layer)));
  const { manifest } = await writeImageLayout(root, tars);
  const explorer = await startExplorer({ images: [{ name: 'wide', source: layoutSource(`oci:${root}`) }] });
  t.after(() => explorer.close());
  return (rest: string) => new URL(`api/images/0/manifests/${manifest.digest}/${rest}`, explorer.url);
}

test('a folder wider than one sort buffer is listed and estimated from sorted runs on disk', async (t) => {
  // Archive order is not name order: the sort has to reorder across runs.
  const base = wideFolder((i) => (i * 7919) % FILES);
  base.push({ name: 'data/gone', content: 'to be deleted' }, { name: 'data/sub/deep', content: 'y' });
  const api = await explore(t, [
    base,
    [
      { name: 'data/.wh.gone' },
      { name: 'data/f00001', content: 'rewritten' },
      { name: 'data/zzz', content: 'z' },
    ],
  ]);

  resetSortGauge();
  const seen: Array<{ name: string; layer: number; type: string }> = [];
  let offset: number | null = 0;
  while (offset !== null) {
    const page: { children: typeof seen; next: number | null } = await json(
      await fetch(api(`fs?path=/data&offset=${offset}&limit=1000`)),
    );
    assert.ok(page.children.length <= 1000);
    seen.push(...page.children);
    offset = page.next;
  }
  const expected = [...Array.from({ length: FILES }, (_, i) => name(i)), 'sub', 'zzz'];
  assert.deepEqual(
    seen.map((c) => c.name),
    expected,
  );
  assert.equal(seen.find((c) => c.name === 'f00001')?.layer, 1);
  assert.equal(seen.find((c) => c.name === 'f00002')?.layer, 0);
  assert.deepEqual(seen.find((c) => c.name === 'sub')?.type, 'directory');
  let gauge = sortGauge();
  assert.ok(gauge.runs >= 2, `the children were sorted in memory (${gauge.runs} runs on disk)`);
  assert.ok(gauge.mostHeld <= RUN_SIZE, `${gauge.mostHeld} records were held at once`);

  // A page deep in the list again: read from the list on disk, no new sort.
  resetSortGauge();
  const deep = await json(await fetch(api(`fs?path=/data&offset=${FILES - 1}&limit=2`)));
  assert.deepEqual(
    deep.children.map((c: { name: string }) => c.name),
    [name(FILES - 1), 'sub'],
  );
  assert.equal(deep.next, FILES + 1);
  assert.deepEqual(sortGauge(), { mostHeld: 0, runs: 0 });

  resetSortGauge();
  const eff = await json(await fetch(api('efficiency')));
  assert.deepEqual(
    eff.inefficiencies.map((i: { path: string; count: number }) => [i.path, i.count]),
    [
      ['data/gone', 2],
      ['data/f00001', 2],
    ],
  );
  assert.equal(eff.wastedBytes, 'to be deleted'.length + 'x'.length + 'rewritten'.length);
  gauge = sortGauge();
  assert.ok(gauge.runs >= 2, `the paths were grouped in memory (${gauge.runs} runs on disk)`);
  assert.ok(gauge.mostHeld <= RUN_SIZE, `${gauge.mostHeld} records were held at once`);
});

test('a wide folder archived in name order is listed in one pass, without a sort', async (t) => {
  // An upper layer adding names after the lower ones' keeps the records in order.
  const api = await explore(t, [
    wideFolder(),
    [
      { name: 'data/zz/', type: 'directory' },
      { name: 'data/zz/deep', content: 'y' },
    ],
  ]);

  resetSortGauge();
  const last = await json(await fetch(api(`fs?path=/data&offset=${FILES - 1}&limit=5`)));
  assert.deepEqual(
    last.children.map((c: { name: string; layer: number; type: string }) => `${c.name}:${c.type}:${c.layer}`),
    [`${name(FILES - 1)}:file:0`, 'zz:directory:1'],
  );
  assert.equal(last.next, null);
  assert.deepEqual(sortGauge(), { mostHeld: 0, runs: 0 });
  const first = await json(await fetch(api('fs?path=/data&limit=2')));
  assert.deepEqual(
    first.children.map((c: { name: string }) => c.name),
    [name(0), name(1)],
  );
});

test('a wide lower folder an upper layer changes is merged with the upper records, not sorted whole', async (t) => {
  const api = await explore(t, [
    wideFolder(),
    [
      { name: 'data/.wh.f00002' },
      { name: 'data/f00001', content: 'rewritten' },
      { name: 'data/aaa', content: 'first by name' },
    ],
  ]);

  resetSortGauge();
  const page = await json(await fetch(api('fs?path=/data&limit=4')));
  assert.deepEqual(
    page.children.map((c: { name: string; layer: number }) => `${c.name}:${c.layer}`),
    ['aaa:1', `${name(0)}:0`, `${name(1)}:1`, `${name(3)}:0`],
  );
  assert.deepEqual(sortGauge(), { mostHeld: 3, runs: 0 });
  // aaa, then every lower child but f00002: FILES children in all.
  const last = await json(await fetch(api(`fs?path=/data&offset=${FILES - 2}&limit=5`)));
  assert.deepEqual(
    last.children.map((c: { name: string }) => c.name),
    [name(FILES - 2), name(FILES - 1)],
  );
  assert.equal(last.next, null);
});
