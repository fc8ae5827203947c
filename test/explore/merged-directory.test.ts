/**
 * The merged filesystem as the explorer lists it (one directory through an external sort) and
 * finds it (one path), against applying the layers (layer.md "Applying Changesets",
 * "Whiteouts"): a table of the cases a review found wrong, then a seeded randomized comparison
 * with a naive in-memory model of the same layers.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { findPath } from '../../src/explore/filesystem.ts';
import { parsedListingLines } from '../../src/explore/layers/listing.ts';
import { mergedDirectory } from '../../src/explore/merged-directory.ts';
import { openImage } from '../../src/image/image.ts';
import type { Image } from '../../src/image/types.ts';
import { layoutSource } from '../../src/transports/layout/index.ts';
import { type HostileEntry, hostileTar } from '../helpers/hostile-tar.ts';
import { prng } from '../helpers/prng.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import { writeImageLayout } from '../security/fixtures.ts';
import { applyLayer, type ModelState, modelListing, namedPaths, randomLayer } from './merged-model.ts';

const dir = (name: string): HostileEntry => ({ name, type: 'directory' });
const file = (name: string): HostileEntry => ({ name, content: 'x' });

describe('merged directory', () => {
  const scratch = suiteScratch(after);
  let serial = 0;

  async function image(layers: HostileEntry[][]): Promise<Image> {
    const root = join(await scratch(), `image-${serial++}`);
    await writeImageLayout(root, await Promise.all(layers.map((layer) => hostileTar(layer))));
    const opened = await openImage(layoutSource(`oci:${root}`));
    assert.ok('layers' in opened);
    return opened as Image;
  }

  /** `name:type:layer` of each child of `path`, or `NOT_FOUND` when it is not a directory. */
  async function list(of: Image, path: string): Promise<string[] | string> {
    try {
      return (await (await mergedDirectory(of, path)).slice()).map((c) => `${c.name}:${c.type}:${c.layer}`);
    } catch (err) {
      return (err as { code?: string }).code ?? String(err);
    }
  }

  async function find(of: Image, path: string): Promise<string | undefined> {
    const entry = await findPath(of, path);
    return entry === undefined ? undefined : `${entry.path}:${entry.type}:${entry.layer}`;
  }

  test('a directory made a file and then a directory again lists only its new children', async () => {
    const img = await image([[dir('d/'), file('d/x')], [file('d')], [dir('d/'), file('d/y')]]);
    assert.deepEqual(await list(img, 'd'), ['y:file:2']);
    assert.equal(await find(img, 'd/x'), undefined);
  });

  test('a directory whose parent a higher layer made a file is gone, and so is everything below it', async () => {
    const img = await image([[dir('a/'), dir('a/b/'), file('a/b/c')], [file('a')]]);
    assert.equal(await list(img, 'a/b'), 'NOT_FOUND');
    assert.deepEqual(await list(img, ''), ['a:file:1']);
    assert.equal(await find(img, 'a/b'), undefined);
    assert.equal(await find(img, 'a/b/c'), undefined);
  });

  test('an opaque whiteout in a parent deletes the directory', async () => {
    const img = await image([
      [dir('p/'), dir('p/q/'), file('p/q/r')],
      [dir('p/'), file('p/.wh..wh..opq')],
    ]);
    assert.equal(await list(img, 'p/q'), 'NOT_FOUND');
    assert.deepEqual(await list(img, 'p'), []);
    assert.equal(await find(img, 'p/q'), undefined);
  });

  test('a directory implied by a deeper path wins over a lower non-directory, in both listings', async () => {
    // The spec leaves this open; containerd and umoci fail to create below a non-directory. The
    // explorer shows the layer's evident intent, as overlayfs shows an upper directory over a
    // lower non-directory.
    const img = await image([[file('x')], [file('x/y')]]);
    assert.deepEqual(await list(img, ''), ['x:directory:1']);
    assert.deepEqual(await list(img, 'x'), ['y:file:1']);
    assert.equal(await find(img, 'x'), 'x:directory:1');
  });

  test('an opaque whiteout alone brings back a deleted directory, empty', async () => {
    // containerd creates a missing parent before handling any entry, a whiteout included.
    const img = await image([[dir('d/'), file('d/z')], [file('.wh.d')], [file('d/.wh..wh..opq')]]);
    assert.deepEqual(await list(img, ''), ['d:directory:2']);
    assert.deepEqual(await list(img, 'd'), []);
    assert.equal(await find(img, 'd'), 'd:directory:2');
  });

  test('a whiteout below a deleted directory brings it back, empty', async () => {
    const img = await image([[dir('d/'), file('d/z')], [file('.wh.d')], [file('d/.wh.z')]]);
    assert.deepEqual(await list(img, ''), ['d:directory:2']);
    assert.deepEqual(await list(img, 'd'), []);
  });

  test('a lookup of a wide folder parses, per layer, the entries at it and the first one below it, and asked again parses none', async () => {
    const children = Array.from({ length: 500 }, (_, i) => file(`wide/c${i}`));
    const img = await image([
      [dir('wide/'), ...children, file('after')],
      [file('wide/c7'), dir('wide/')],
    ]);
    await find(img, 'after'); // reads each layer once, writing the listings the lookups below read
    let parsed = parsedListingLines();
    // The folder itself, one child implying it, and in the upper layer the child then the folder.
    assert.equal(await find(img, 'wide'), 'wide:directory:1');
    assert.equal(parsedListingLines() - parsed, 4);
    parsed = parsedListingLines();
    assert.equal(await find(img, 'wide'), 'wide:directory:1');
    assert.equal(parsedListingLines() - parsed, 0);
    // A kept answer is a copy: changing it changes no later answer.
    const entry = await findPath(img, 'wide');
    assert.ok(entry !== undefined);
    entry.type = 'file';
    assert.equal(await find(img, 'wide'), 'wide:directory:1');
  });

  test('a listing evicted from the cache is still read in full', async () => {
    const img = await image([[dir('keep/'), file('keep/one'), file('keep/two')]]);
    const listing = await mergedDirectory(img, 'keep');
    // More other directories than the cache keeps, so the first listing's file is removed.
    const others: HostileEntry[] = [];
    for (let i = 0; i < 80; i++) others.push(file(`o${i}/f`));
    const crowd = await image([others]);
    for (let i = 0; i < 80; i++) await mergedDirectory(crowd, `o${i}`);
    assert.deepEqual(
      (await listing.slice()).map((c) => c.name),
      ['one', 'two'],
    );
  });

  test('200 random images agree with applying their layers in memory', async () => {
    const random = prng(0x0c1);
    const disagreements: string[] = [];
    for (let n = 0; n < 200; n++) {
      const layers = Array.from({ length: 1 + Math.floor(random() * 4) }, () => randomLayer(random));
      const img = await image(layers);
      const state: ModelState = new Map();
      for (const [index, layer] of layers.entries()) applyLayer(state, layer, index);
      const probes = namedPaths(layers);
      probes.add('');
      for (const path of probes) {
        const want = modelListing(state, path) ?? 'NOT_FOUND';
        const got = await list(img, path);
        if (JSON.stringify(got) !== JSON.stringify(want))
          disagreements.push(
            `list ${JSON.stringify(path)}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`,
          );
        if (path === '') continue;
        const node = state.get(path);
        const wantEntry = node === undefined ? undefined : `${path}:${node.type}:${node.layer}`;
        const gotEntry = await find(img, path);
        if (gotEntry !== wantEntry)
          disagreements.push(`find ${JSON.stringify(path)}: got ${gotEntry}, want ${wantEntry}`);
      }
      if (disagreements.length > 0) {
        const shown = layers.map((layer, i) => `  L${i}: ${layer.map((e) => e.name).join('  ')}`).join('\n');
        assert.fail(`image ${n}\n${shown}\n${disagreements.slice(0, 5).join('\n')}`);
      }
    }
  });
});
