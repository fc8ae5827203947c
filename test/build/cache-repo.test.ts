/**
 * `--cache-repo`: two builds that share nothing but a registry repository share layers. The
 * second, with an empty cache directory of its own, builds no layer: every step comes from the
 * (real, loopback) registry, and the result has the same digest.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { build } from '../../src/build/index.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { scratch } from '../helpers/tmp.ts';
import { writeTree } from './engine-helpers.ts';

let registry: RunningRegistry;
before(async () => {
  registry = await startRegistry();
});
after(async () => {
  await registry.stop();
});

test('two builds with separate cache dirs but one cache repository share layers', async (t) => {
  const dir = await scratch(t);
  const files = {
    Dockerfile: 'FROM scratch\nCOPY app /app/\nWORKDIR /data\nCOPY conf /etc/app/\n',
    'app/main.js': 'console.log("hi")\n',
    'conf/settings': 'a=1\n',
  };
  await writeTree(join(dir, 'one'), files);
  await writeTree(join(dir, 'two'), files);
  const cacheRepo = `${registry.host}/cache/app`;
  const first = await build({
    context: join(dir, 'one'),
    cacheDir: join(dir, 'cache-one'),
    cacheRepo,
    tags: [`${registry.host}/app:1`],
  });
  assert.equal(first.builtSteps, 3);
  const second = await build({ context: join(dir, 'two'), cacheDir: join(dir, 'cache-two'), cacheRepo });
  assert.equal(second.builtSteps, 0);
  assert.equal(second.cachedSteps, 3);
  assert.equal(second.digest, first.digest);
  assert.deepEqual(second.warnings, []);
  // The repository holds the steps as images, one tag per step.
  const tags = (await (await fetch(`${registry.url}/v2/cache/app/tags/list`)).json()) as { tags: string[] };
  assert.equal(tags.tags.length, 3);
});

test('an unreachable cache repository is a warning, not a failed build', async (t) => {
  const dir = await scratch(t);
  await writeTree(dir, { Dockerfile: 'FROM scratch\nCOPY f /f\n', f: 'f' });
  const result = await build({
    context: dir,
    cacheDir: join(dir, '.cache'),
    cacheRepo: '127.0.0.1:9/nothing/here',
  });
  assert.equal(result.builtSteps, 1);
  assert.equal(result.warnings.length, 1);
  assert.match(result.warnings[0] as string, /^cache repository 127\.0\.0\.1:9\/nothing\/here: /);
});
