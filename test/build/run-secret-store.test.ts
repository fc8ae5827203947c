/**
 * A secret given to `RUN --mount=type=secret` is used by the step and stored nowhere: not in any
 * blob of the result (layers decompressed, config, manifest, index), not in its history, and not
 * in any file of the build cache, the default cache folder (`$XDG_CACHE_HOME/ocikit/build`, with
 * the `run/` folder of mounts and extracted layers) included, after a first build and after a
 * second one served from that cache.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import { build } from '../../src/build/index.ts';
import { run } from '../helpers/exec.ts';
import { scratch } from '../helpers/tmp.ts';
import { readImage } from './engine-helpers.ts';
import { makePeerBase } from './peer-base.ts';

/** Every regular file below `dir`, and the decompressed bytes of those that are gzip or zstd. */
async function* everyFile(dir: string): AsyncGenerator<{ path: string; bytes: Buffer }> {
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const bytes = await readFile(path);
    yield { path, bytes };
    if (bytes[0] === 0x1f && bytes[1] === 0x8b)
      yield { path: `${path} (gunzipped)`, bytes: gunzipSync(bytes) };
    if (bytes.length >= 4 && bytes.readUInt32LE(0) === 0xfd2fb528)
      yield { path: `${path} (zstd-decompressed)`, bytes: zstdDecompressSync(bytes) };
  }
}

/** Asserts that no file below `dir` holds `needle`; returns how many files were read. */
async function assertNowhere(dir: string, needle: Buffer): Promise<number> {
  let files = 0;
  for await (const file of everyFile(dir)) {
    files += 1;
    assert.ok(!file.bytes.includes(needle), `the secret is in ${file.path}`);
  }
  return files;
}

test('a mounted secret is in no blob, history entry, config or cache file, the default cache folder included', async (t) => {
  const dir = await scratch(t);
  const xdg = join(dir, 'xdg-cache');
  const saved = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = xdg;
  t.after(() => {
    if (saved === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = saved;
  });
  const secret = `tok-${randomBytes(16).toString('hex')}`;
  const secretFile = join(dir, 'secret.txt');
  await writeFile(secretFile, secret);
  const { name: base } = await makePeerBase(join(dir, 'base'));
  const context = join(dir, 'ctx');
  await run('mkdir', ['-p', context]);
  await writeFile(
    join(context, 'Dockerfile'),
    [
      `FROM ${base} AS use`,
      'RUN --mount=type=secret,id=api sha256sum /run/secrets/api | cut -d" " -f1 > /sum',
      'RUN --mount=type=secret,id=api,target=/etc/key --mount=type=cache,target=/var/cache/x wc -c < /etc/key > /len && cp /sum /var/cache/x/sum',
      `FROM ${base}`,
      'COPY --from=use /sum /len /',
      '',
    ].join('\n'),
  );
  const needle = Buffer.from(secret);
  for (const round of [1, 2]) {
    for (const target of ['use', undefined]) {
      const layout = join(dir, `out-${target ?? 'final'}-${round}`);
      const result = await build({
        context,
        tags: [`oci:${layout}:img`],
        secrets: { api: { file: secretFile } },
        ...(target !== undefined ? { target } : {}),
      });
      if (round === 2)
        assert.equal(result.builtSteps, 0, 'the second build is served from the default cache');
      const image = await readImage(layout);
      const layerWithSum = image.layers.at(target === 'use' ? -2 : -1) as string;
      const sum = await run('tar', ['-xzOf', layerWithSum, 'sum']);
      assert.equal(sum.trim(), createHash('sha256').update(secret).digest('hex'), 'the step read the secret');
      const history = JSON.stringify(image.config.history);
      if (target === 'use') assert.match(history, /RUN \/bin\/sh -c sha256sum \/run\/secrets\/api/);
      assert.ok(!history.includes(secret) && !JSON.stringify(image.config).includes(secret));
      assert.ok((await assertNowhere(layout, needle)) > 3);
    }
  }
  const cache = join(xdg, 'ocikit', 'build');
  assert.ok((await readdir(cache)).includes('run'), 'the default cache folder has its run/ folder');
  assert.ok((await assertNowhere(cache, needle)) > 3);
});
