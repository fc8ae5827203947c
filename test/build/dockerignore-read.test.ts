/**
 * Finding the ignore file of a build: `<Dockerfile>.dockerignore` beside the Dockerfile wins over
 * the context's `.dockerignore` (BuildKit's rule), on real directories.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { readIgnorePatterns } from '../../src/build/ignore/index.ts';
import { isOciError } from '../../src/errors/index.ts';
import { scratch } from '../helpers/tmp.ts';

async function layout(t: Parameters<typeof scratch>[0], files: Record<string, string>): Promise<string> {
  const root = await scratch(t, 'ocikit-ignore-');
  for (const [name, content] of Object.entries(files)) {
    await mkdir(join(root, name, '..'), { recursive: true });
    await writeFile(join(root, name), content);
  }
  return root;
}

test('the context .dockerignore, parsed', async (t) => {
  const root = await layout(t, {
    'ctx/.dockerignore': '# build output\n/dist\n!dist/keep\n',
    'ctx/Dockerfile': '',
  });
  assert.deepEqual(await readIgnorePatterns(join(root, 'ctx')), ['dist', '!dist/keep']);
  assert.deepEqual(await readIgnorePatterns(join(root, 'ctx'), join(root, 'ctx/Dockerfile')), [
    'dist',
    '!dist/keep',
  ]);
});

test('no ignore file: no patterns', async (t) => {
  const root = await layout(t, { 'ctx/Dockerfile': '' });
  assert.deepEqual(await readIgnorePatterns(join(root, 'ctx')), []);
  assert.deepEqual(await readIgnorePatterns(join(root, 'ctx'), join(root, 'elsewhere/Dockerfile')), []);
});

test('<Dockerfile>.dockerignore beside a Dockerfile outside the context wins', async (t) => {
  const root = await layout(t, {
    'ctx/.dockerignore': 'from-context\n',
    'build/app.Dockerfile': '',
    'build/app.Dockerfile.dockerignore': 'from-dockerfile\n',
  });
  assert.deepEqual(await readIgnorePatterns(join(root, 'ctx'), join(root, 'build/app.Dockerfile')), [
    'from-dockerfile',
  ]);
});

test('an empty <Dockerfile>.dockerignore still wins (nothing ignored)', async (t) => {
  const root = await layout(t, {
    'ctx/.dockerignore': 'from-context\n',
    'ctx/Dockerfile': '',
    'ctx/Dockerfile.dockerignore': '',
  });
  assert.deepEqual(await readIgnorePatterns(join(root, 'ctx'), join(root, 'ctx/Dockerfile')), []);
});

test('without a Dockerfile path, the default Dockerfile in the context is assumed', async (t) => {
  const root = await layout(t, {
    'ctx/.dockerignore': 'from-context\n',
    'ctx/Dockerfile.dockerignore': 'from-dockerfile\n',
  });
  assert.deepEqual(await readIgnorePatterns(join(root, 'ctx')), ['from-dockerfile']);
});

test('a relative Dockerfile path is taken from the current directory', async (t) => {
  const root = await layout(t, {
    'ctx/.dockerignore': 'from-context\n',
    'other/Dockerfile.dockerignore': 'from-dockerfile\n',
  });
  const rel = relative(process.cwd(), join(root, 'other/Dockerfile'));
  assert.deepEqual(await readIgnorePatterns(join(root, 'ctx'), rel), ['from-dockerfile']);
});

test('an ignore file that cannot be read is an error, not an empty list', async (t) => {
  const root = await layout(t, { 'ctx/Dockerfile': '' });
  await mkdir(join(root, 'ctx/.dockerignore'));
  await assert.rejects(readIgnorePatterns(join(root, 'ctx')), (err: unknown) => {
    assert.ok(isOciError(err, 'IO_ERROR'), String(err));
    assert.equal(err.data.path, join(root, 'ctx/.dockerignore'));
    return true;
  });
});
