/**
 * Reproducible by default: with no timestamp given, file times in new layers and every `created`
 * field are the Unix epoch (or SOURCE_DATE_EPOCH), entries are sorted and owners are as given, so
 * the same inputs give the same digests in any folder at any time. `--timestamp S` clamps times
 * to S; `now` keeps file times and stamps the current time.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { scratch } from '../helpers/tmp.ts';
import { buildIn, listImage, listLayer, readImage } from './engine-helpers.ts';

const DOCKERFILE = 'FROM scratch\nCOPY app /app/\nWORKDIR /data\nENV A=1\nCOPY top.txt /\n';
const FILES = { 'app/z.js': 'z', 'app/a.js': 'a', 'app/m/n.js': 'n', 'top.txt': 't' };

test('two builds in different folders, with different file times, give the same digest', async (t) => {
  const first = await buildIn(t, DOCKERFILE, FILES);
  const other = await scratch(t);
  const context = join(other, 'somewhere', 'else');
  await mkdir(context, { recursive: true });
  const second = await buildIn(
    t,
    DOCKERFILE,
    {
      ...FILES,
      'app/a.js': { content: 'a', mtime: 1_234_567_890 },
      'top.txt': { content: 't', mtime: 981_000_000 },
    },
    { contextDir: context },
  );
  assert.equal(second.result.digest, first.result.digest);
  const image = await readImage(first.layout);
  assert.equal(image.config.created, '1970-01-01T00:00:00Z');
  assert.ok(image.config.history.every((h: { created: string }) => h.created === '1970-01-01T00:00:00Z'));
  // Sorted entries, every time at the epoch.
  assert.deepEqual(await listImage(first.layout), [
    [
      'd 0755 0:0 0 app/',
      '- 0644 0:0 1 app/a.js',
      'd 0755 0:0 0 app/m/',
      '- 0644 0:0 1 app/m/n.js',
      '- 0644 0:0 1 app/z.js',
    ],
    ['d 0755 0:0 0 data/'],
    ['- 0644 0:0 1 top.txt'],
  ]);
  for (const path of image.layers) {
    assert.ok(
      (await listLayer(path, true)).every((line) => line.endsWith(' @0')),
      path,
    );
  }
});

test('--timestamp clamps newer file times to it and is the created time; older times stay', async (t) => {
  const { layout } = await buildIn(
    t,
    'FROM scratch\nCOPY old new /f/\n',
    { old: { content: 'o', mtime: 1_000_000_000 }, new: { content: 'n', mtime: 2_000_000_000 } },
    { timestamp: 1_500_000_000 },
  );
  const image = await readImage(layout);
  assert.equal(image.config.created, '2017-07-14T02:40:00Z');
  assert.deepEqual(await listLayer(image.layers[0] as string, true), [
    'd 0755 0:0 0 f/ @1500000000',
    '- 0644 0:0 1 f/old @1000000000',
    '- 0644 0:0 1 f/new @1500000000',
  ]);
});

test('SOURCE_DATE_EPOCH is the default timestamp; an explicit one wins', async (t) => {
  const saved = process.env.SOURCE_DATE_EPOCH;
  process.env.SOURCE_DATE_EPOCH = '86400';
  t.after(() => {
    if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
    else process.env.SOURCE_DATE_EPOCH = saved;
  });
  const env = await buildIn(t, 'FROM scratch\nENV A=1\n');
  assert.equal((await readImage(env.layout)).config.created, '1970-01-02T00:00:00Z');
  const explicit = await buildIn(t, 'FROM scratch\nENV A=1\n', {}, { timestamp: 0 });
  assert.equal((await readImage(explicit.layout)).config.created, '1970-01-01T00:00:00Z');
});

test('--timestamp now keeps file times and stamps the current time', async (t) => {
  const { layout } = await buildIn(
    t,
    'FROM scratch\nCOPY f /f\n',
    { f: { content: 'f', mtime: 1_000_000_000 } },
    { timestamp: 'now' },
  );
  const image = await readImage(layout);
  assert.ok(Date.parse(image.config.created) > Date.parse('2020-01-01T00:00:00Z'), image.config.created);
  assert.deepEqual(await listLayer(image.layers[0] as string, true), ['- 0644 0:0 1 f @1000000000']);
});
