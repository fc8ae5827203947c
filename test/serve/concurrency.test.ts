/**
 * Many clients at once, and a server killed mid-push: eight clients pushing the same image and
 * eight pushing different tags into one repository leave every tag in place and a layout that
 * `ocikit fsck` passes; `kill -9` of `ocikit serve` in the middle of pushes leaves layouts that
 * fsck passes, and a new server takes pushes again.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startOcikit } from '../helpers/cli-child.ts';
import { run } from '../helpers/exec.ts';
import { freePort } from '../helpers/registry.ts';
import { scratch, suiteScratch } from '../helpers/tmp.ts';
import { makeImages, ok, serve } from './fixture.ts';

const INSECURE = ['--src-tls-verify=false', '--dest-tls-verify=false'];

/** Eight single-layer images tagged t0…t7 in the layout `dir/many`, each `layerBytes` of random data. */
async function manyImages(dir: string, layerBytes: number): Promise<string> {
  const layout = join(dir, 'many');
  for (let i = 0; i < 8; i++) {
    const context = join(dir, `ctx${i}`);
    await mkdir(context, { recursive: true });
    await writeFile(join(context, 'data.bin'), randomBytes(layerBytes));
    await ok(['append', 'scratch', context, '-t', `oci:${layout}:t${i}`]);
  }
  return layout;
}

describe('ocikit serve under concurrent pushes', () => {
  let images = '';
  let many = '';
  const suiteDir = suiteScratch(after, 'ocikit-serve-concurrency-');
  before(async () => {
    const dir = await suiteDir();
    images = await makeImages(dir);
    many = await manyImages(dir, 2 * 1024 * 1024);
  });

  test('eight clients pushing the same image to one tag: all succeed, the layout passes fsck', async (t) => {
    const server = await serve(t);
    const pushes = Array.from({ length: 8 }, () =>
      run('skopeo', [
        'copy',
        '--all',
        ...INSECURE,
        `oci:${images}:multi`,
        `docker://${server.host}/shared/app:same`,
      ]),
    );
    await Promise.all(pushes);
    assert.equal(
      await ok(['digest', `${server.host}/shared/app:same`]),
      await ok(['digest', `oci:${images}:multi`]),
    );
    assert.match(await ok(['fsck', join(server.root, 'shared/app')]), /^ok: /m);
  });

  test('eight clients pushing different tags into one repository: every tag present, fsck clean', async (t) => {
    const server = await serve(t);
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        run('skopeo', [
          'copy',
          ...INSECURE,
          `oci:${many}:t${i}`,
          `docker://${server.host}/shared/tags:t${i}`,
        ]),
      ),
    );
    const list = (await (await fetch(`${server.url}/v2/shared/tags/tags/list`)).json()) as { tags: string[] };
    assert.deepEqual(list.tags, ['t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7']);
    for (let i = 0; i < 8; i++) {
      assert.equal(
        await ok(['digest', `${server.host}/shared/tags:t${i}`]),
        await ok(['digest', `oci:${many}:t${i}`]),
      );
    }
    assert.match(await ok(['fsck', join(server.root, 'shared/tags')]), /^ok: /m);
  });

  test('kill -9 of the server in the middle of pushes leaves layouts that fsck passes', async (t) => {
    const root = join(await scratch(t), 'root');
    const port = await freePort();
    const start = () => {
      const server = startOcikit(['serve', root, '--listen', `127.0.0.1:${port}`]);
      t.after(() => server.child.kill('SIGKILL'));
      return server;
    };
    const first = start();
    await first.until('listening', () => first.stderr().includes('serving'));
    const pushes = Array.from({ length: 8 }, (_, i) =>
      run('skopeo', [
        'copy',
        ...INSECURE,
        `oci:${many}:t${i}`,
        `docker://127.0.0.1:${port}/crash/r${i % 2}:t${i}`,
      ]).then(
        () => 'pushed',
        () => 'failed',
      ),
    );
    // Killed once some blob has been committed and other uploads are under way.
    await first.until('uploads in flight', () =>
      /PUT \/v2\/crash\/r\d\/blobs\/uploads\/\S+ 201/.test(first.stderr()),
    );
    first.child.kill('SIGKILL');
    await first.ended;
    const outcomes = await Promise.all(pushes);
    assert.ok(outcomes.includes('failed'), 'the kill interrupted pushes');
    const repositories = (await readdir(join(root, 'crash'))).filter((r) =>
      existsSync(join(root, 'crash', r, 'oci-layout')),
    );
    assert.ok(repositories.length > 0);
    for (const repository of repositories) {
      assert.match(await ok(['fsck', join(root, 'crash', repository)]), /^ok: /m, repository);
    }
    // A new server takes the same pushes; gc sweeps what the dead one left half-written.
    const second = start();
    await second.until('listening', () => second.stderr().includes('serving'));
    for (let i = 0; i < 8; i++) {
      await run('skopeo', [
        'copy',
        ...INSECURE,
        `oci:${many}:t${i}`,
        `docker://127.0.0.1:${port}/crash/r${i % 2}:t${i}`,
      ]);
    }
    for (const repository of ['r0', 'r1']) {
      const dir = join(root, 'crash', repository);
      assert.match(await ok(['fsck', dir]), /^ok: /m);
      await ok(['gc', dir]);
      assert.deepEqual(
        await readdir(join(dir, '.ocikit-ingest')).catch(() => []),
        [],
        'no leftovers after gc',
      );
    }
    second.child.kill('SIGKILL');
  });
});
