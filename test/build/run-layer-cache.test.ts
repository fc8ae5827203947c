/**
 * The unpacked-layer cache RUN steps stand on: each layer unpacked once and shared, its
 * whiteouts in overlay form so a step sees exactly what an unpack of the image gives, DiffIDs
 * checked, and overlayfs's own attributes never taken from a layer.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { LayerCache } from '../../src/build/run/index.ts';
import { isOciError } from '../../src/errors/index.ts';
import {
  applyLayer,
  END_OF_ARCHIVE,
  encodeHeader,
  makeEntry,
  padding,
  type TarEntry,
} from '../../src/tar/index.ts';
import { scratch } from '../helpers/tmp.ts';
import { dataBaseLayer, layerOfTar, sh, stepRunner } from './run-fixtures.ts';

/** A tar of hand-made entries (files get `content`). */
function tarOf(
  items: Array<Partial<TarEntry> & Pick<TarEntry, 'path' | 'type'> & { content?: string }>,
): Buffer {
  const parts: Buffer[] = [];
  for (const { content, ...fields } of items) {
    const body = Buffer.from(content ?? '');
    parts.push(
      encodeHeader(makeEntry({ mtimeNs: 1_700_000_000_000_000_000n, ...fields, size: body.length })),
    );
    if (body.length > 0) parts.push(body, padding(body.length));
  }
  parts.push(END_OF_ARCHIVE);
  return Buffer.concat(parts);
}

/** `find DIR` as the step prints it: sorted paths. */
function listing(root: string, dir: string): string {
  const out = spawnSync('find', [dir], { cwd: root, encoding: 'utf8' }).stdout;
  return `${out
    .trim()
    .split('\n')
    .map((line) => line.replace(/^\./, ''))
    .sort()
    .join('\n')}\n`;
}

test('a layer is unpacked once into layers/<algorithm>/<hex> and shared by every later step', async (t) => {
  const base = await dataBaseLayer(t);
  const { run, cacheRoot } = await stepRunner(t);
  await run([base], { command: sh('true') });
  const dir = `${cacheRoot}/layers/${base.diffId.replace(':', '/')}`;
  const first = lstatSync(dir);
  assert.ok(existsSync(`${dir}/data/keep`));
  await run([base], { command: sh('true') });
  const cache = new LayerCache(cacheRoot);
  assert.equal(await cache.unpacked(base), dir);
  const again = lstatSync(dir);
  assert.equal(again.ino, first.ino, 'never unpacked again');
  assert.equal(again.mtimeMs, first.mtimeMs);
});

test('a step sees what an unpack of the image gives: whiteouts, opaque and replaced directories of the layers below', async (t) => {
  const base = await dataBaseLayer(t);
  const upper = tarOf([
    { path: 'data/', type: 'directory' },
    { path: 'data/.wh.keep', type: 'file' },
    { path: 'data/.wh.nested', type: 'file' },
    { path: 'data/nested/', type: 'directory' },
    { path: 'data/nested/fresh', type: 'file', content: 'fresh\n' },
    { path: 'data/opaque/', type: 'directory' },
    { path: 'data/opaque/.wh..wh..opq', type: 'file' },
    { path: 'data/opaque/z', type: 'file', content: 'z\n' },
    { path: 'data/replace-dir', type: 'file', content: 'a file over a directory\n' },
    // A whiteout whose directory this layer does not hold: left out, with a warning.
    { path: 'srv/work/.wh.nothing', type: 'file' },
  ]);
  const layers = [base, layerOfTar(upper)];
  const { run } = await stepRunner(t);
  const flat = await scratch(t);
  await applyLayer(flat, [base.tar]);
  await applyLayer(flat, [upper]);
  const expected = listing(flat, './data');
  assert.match(expected, /\/data\/nested\/fresh\n/);
  assert.doesNotMatch(expected, /keep|deep|opaque\/a|replace-dir\/child/);
  for (const capture of ['overlay', 'snapshot'] as const) {
    const warnings: string[] = [];
    const seen = await run(layers, {
      command: sh('find /data | sort; cat /data/replace-dir'),
      capture,
      onWarning: (message) => warnings.push(message),
    });
    assert.equal(seen.stdout, `${expected}a file over a directory\n`, capture);
    if (capture === 'overlay') {
      assert.deepEqual(warnings, [
        'whiteout "srv/work/.wh.nothing" left out: its directory is not in the layer',
      ]);
    }
  }
});

test('a blob that does not hash to its DiffID fails the step with DIGEST_MISMATCH and leaves nothing unpacked', async (t) => {
  const base = await dataBaseLayer(t);
  const liar = { ...layerOfTar(tarOf([{ path: 'x', type: 'file', content: 'x' }])), diffId: base.diffId };
  const { run, cacheRoot } = await stepRunner(t);
  await assert.rejects(run([liar], { command: sh('true') }), (err) => isOciError(err, 'DIGEST_MISMATCH'));
  assert.ok(!existsSync(`${cacheRoot}/layers/${base.diffId.replace(':', '/')}`));
  assert.deepEqual(readdirSync(`${cacheRoot}/tmp`), []);
});

test('overlayfs attributes carried by a layer are dropped: a layer cannot hide the layers below by itself', async (t) => {
  const base = await dataBaseLayer(t);
  const hostile = tarOf([
    { path: 'data/', type: 'directory', xattrs: new Map([['trusted.overlay.opaque', Buffer.from('y')]]) },
    { path: 'data/added', type: 'file', content: 'added\n' },
  ]);
  const { run, cacheRoot } = await stepRunner(t);
  const seen = await run([base, layerOfTar(hostile)], { command: sh('cat /data/keep /data/added') });
  assert.equal(seen.stdout, 'keep\nadded\n');
  const cache = new LayerCache(cacheRoot);
  const dir = await cache.unpacked(layerOfTar(hostile));
  const attrs = spawnSync('getfattr', ['-d', '-m', '-', '--absolute-names', `${dir}/data`], {
    encoding: 'utf8',
  }).stdout;
  assert.doesNotMatch(attrs, /overlay/);
});
