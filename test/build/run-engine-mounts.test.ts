/**
 * `RUN --mount=type=cache` and `type=secret` in `ocikit build`, run by the real runc on a busybox
 * base: a cache directory kept between builds by id (mode and owner when made, `locked` steps one
 * at a time), never in a layer; a secret mounted read-only with its mode for the step alone, in no
 * layer, history entry, config or cache file; a required secret that was not given fails.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { isOciError } from '../../src/errors/index.ts';
import { run } from '../helpers/exec.ts';
import { scratch } from '../helpers/tmp.ts';
import { buildIn, listLayer, readImage } from './engine-helpers.ts';
import { makePeerBase } from './peer-base.ts';

let base = '';
let baseDir = '';

before(async () => {
  baseDir = await mkdtemp(join(tmpdir(), 'ocikit-run-mounts-'));
  base = (await makePeerBase(baseDir)).name;
});

after(() => rm(baseDir, { recursive: true, force: true }));

/** The text of `path` in a gzip layer blob. */
function fileIn(layer: string, path: string): Promise<string> {
  return run('tar', ['-xzOf', layer, path]);
}

/** The paths of the image's last layer. */
async function lastLayerPaths(layout: string): Promise<string[]> {
  const image = await readImage(layout);
  return (await listLayer(image.layers.at(-1) as string)).map((l) => l.split(' ').slice(4).join(' '));
}

/** Every regular file below `dir`, with gzip files also read decompressed. */
async function* everyFile(dir: string): AsyncGenerator<{ path: string; bytes: Buffer }> {
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const bytes = await readFile(path);
    yield { path, bytes };
    if (bytes[0] === 0x1f && bytes[1] === 0x8b)
      yield { path: `${path} (gunzipped)`, bytes: gunzipSync(bytes) };
  }
}

test('a cache mount keeps its directory between builds, by id, and never reaches a layer', async (t) => {
  const dir = await scratch(t);
  const cacheDir = join(dir, 'cache');
  const dockerfile = [
    `FROM ${base}`,
    'RUN --mount=type=cache,target=/var/cache/app,uid=1000,mode=0750 echo run >> /var/cache/app/log && wc -l < /var/cache/app/log > /count && stat -c "%u %a" /var/cache/app > /made',
    'RUN --mount=type=cache,id=/var/cache/app,target=/elsewhere,ro cat /elsewhere/log > /seen',
    '',
  ].join('\n');
  const first = await buildIn(t, dockerfile, {}, { cacheDir, noCache: true });
  let image = await readImage(first.layout);
  const [made, seen] = image.layers.slice(-2) as [string, string];
  assert.equal((await fileIn(made, 'count')).trim(), '1');
  assert.equal(await fileIn(made, 'made'), '1000 750\n');
  assert.equal(await fileIn(seen, 'seen'), 'run\n', 'the same id is the same directory');
  assert.deepEqual((await lastLayerPaths(first.layout)).sort(), ['seen']);
  const second = await buildIn(t, dockerfile, {}, { cacheDir, noCache: true });
  image = await readImage(second.layout);
  assert.equal((await fileIn(image.layers.at(-2) as string, 'count')).trim(), '2', 'the next build finds it');
  const paths = await listLayer(image.layers.at(-2) as string);
  assert.ok(!paths.some((p) => p.includes('var/cache')), paths.join('\n'));
});

test('sharing=locked runs steps of parallel stages on one cache one at a time', async (t) => {
  const step =
    'RUN --mount=type=cache,id=one,target=/c,sharing=locked test ! -e /c/busy && touch /c/busy && sleep 0.5 && rm /c/busy && echo ok > /ok';
  const dockerfile = [
    `FROM ${base} AS a`,
    step,
    `FROM ${base} AS b`,
    step,
    `FROM ${base}`,
    'COPY --from=a /ok /a',
    'COPY --from=b /ok /b',
    '',
  ].join('\n');
  const { layout } = await buildIn(t, dockerfile);
  const image = await readImage(layout);
  assert.equal(await fileIn(image.layers.at(-1) as string, 'b'), 'ok\n');
});

test('a secret is mounted read-only with its mode for the step, and is in no layer, history, config or cache file', async (t) => {
  const dir = await scratch(t);
  const secret = `s3cr3t-${process.pid}-value`;
  const secretFile = join(dir, 'token.txt');
  await writeFile(secretFile, secret);
  process.env.OCIKIT_TEST_SECRET = `${secret}-env`;
  t.after(() => {
    delete process.env.OCIKIT_TEST_SECRET;
  });
  const dockerfile = [
    `FROM ${base}`,
    'RUN --mount=type=secret,id=token wc -c < /run/secrets/token > /len && stat -c "%a %u" /run/secrets/token > /perm && ! touch /run/secrets/token 2>/dev/null',
    'RUN --mount=type=secret,id=fromenv,target=/etc/app-key,uid=1000,mode=0440 stat -c "%a %u" /etc/app-key > /env-perm && wc -c < /etc/app-key > /env-len',
    'RUN --mount=type=secret,id=absent test ! -e /run/secrets/absent && echo absent > /absent',
    '',
  ].join('\n');
  const { layout, cacheDir } = await buildIn(
    t,
    dockerfile,
    {},
    { secrets: { token: { file: secretFile }, fromenv: { env: 'OCIKIT_TEST_SECRET' } } },
  );
  const image = await readImage(layout);
  const [first, second, third] = image.layers.slice(-3) as [string, string, string];
  assert.equal((await fileIn(first, 'len')).trim(), String(secret.length));
  assert.equal(await fileIn(first, 'perm'), '400 0\n');
  assert.equal(await fileIn(second, 'env-perm'), '440 1000\n');
  assert.equal((await fileIn(second, 'env-len')).trim(), String(secret.length + 4));
  assert.equal(await fileIn(third, 'absent'), 'absent\n', 'a secret not given and not required is left out');
  for (const layer of [first, second, third]) {
    const paths = await listLayer(layer);
    assert.ok(!paths.some((p) => / (run|etc)\//.test(p)), paths.join('\n'));
  }
  for (const root of [layout, cacheDir]) {
    for await (const file of everyFile(root)) {
      assert.ok(!file.bytes.includes(secret), `the secret is in ${file.path}`);
    }
  }
  assert.ok((await stat(cacheDir)).isDirectory());
});

test('a required secret that the build was not given fails the step at its line', async (t) => {
  await assert.rejects(
    buildIn(t, `FROM ${base}\nRUN --mount=type=secret,id=needed,required=true true\n`),
    (err: unknown) => {
      assert.ok(isOciError(err, 'NOT_FOUND'), String(err));
      assert.match(err.message, /^Dockerfile:2: secret needed: not found/);
      return true;
    },
  );
});
