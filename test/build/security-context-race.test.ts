/**
 * A build context that changes while the build reads it. A COPY step computes its cache key from
 * the files (their content hashed), then writes its layer from the same files: anything that
 * changes in between (a file swapped for a symlink to a secret outside the context, for a FIFO,
 * or given new content) fails the step with IO_ERROR. Nothing outside the context is read, the
 * build never blocks on a FIFO, and no cache key ever names a layer with other content.
 *
 * The change is made from the step's progress event through setImmediate: the key is computed
 * synchronously after the event, and the cache lookup that follows does file I/O, so the change
 * lands after the key and before the layer is written.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BuildEvent } from '../../src/build/index.ts';
import { isOciError } from '../../src/errors/index.ts';
import { scratch } from '../helpers/tmp.ts';
import { buildIn, listImage } from './engine-helpers.ts';

const SECRET = 'a secret outside the build context, longer than the file it replaces\n';

/** A progress callback that runs `change` once, right after the COPY step has started. */
function whenCopyStarts(change: () => void): (event: BuildEvent) => void {
  let done = false;
  return (event) => {
    if (done || event.kind !== 'step' || event.status !== 'started' || !event.text.startsWith('COPY')) return;
    done = true;
    setImmediate(change);
  };
}

function changedDuringBuild(err: unknown): boolean {
  return isOciError(err, 'IO_ERROR') && /changed while the build was reading it/.test((err as Error).message);
}

test('security: a context file swapped for a symlink to a secret during the step is not read through it', async (t) => {
  const outside = await scratch(t);
  writeFileSync(join(outside, 'secret'), SECRET);
  const context = join(await scratch(t), 'context');
  for (const dockerfile of ['FROM scratch\nCOPY config /config\n', 'FROM scratch\nCOPY app/ /app/\n']) {
    const config = dockerfile.includes('app/') ? join(context, 'app', 'config') : join(context, 'config');
    await assert.rejects(
      buildIn(
        t,
        dockerfile,
        { config: 'public config\n', 'app/config': 'public config\n' },
        {
          contextDir: context,
          onProgress: whenCopyStarts(() => {
            rmSync(config);
            symlinkSync(join(outside, 'secret'), config);
          }),
        },
      ),
      changedDuringBuild,
      dockerfile,
    );
    rmSync(context, { recursive: true });
  }
});

test('security: a context file swapped for a FIFO during the step fails instead of blocking the build', async (t) => {
  const context = join(await scratch(t), 'context');
  const config = join(context, 'config');
  await assert.rejects(
    buildIn(
      t,
      'FROM scratch\nCOPY config /config\n',
      { config: 'public config\n' },
      {
        contextDir: context,
        onProgress: whenCopyStarts(() => {
          rmSync(config);
          execFileSync('mkfifo', [config]);
        }),
      },
    ),
    changedDuringBuild,
  );
});

test('a context file given new content during the step fails it, and the key never names that content', async (t) => {
  const context = join(await scratch(t), 'context');
  const cacheDir = join(await scratch(t), 'cache');
  const files = { 'src/a.txt': 'original\n', 'src/b.txt': 'b\n' };
  await assert.rejects(
    buildIn(t, 'FROM scratch\nCOPY src/ /src/\n', files, {
      contextDir: context,
      cacheDir,
      onProgress: whenCopyStarts(() => writeFileSync(join(context, 'src', 'a.txt'), 'EDITED!!\n')),
    }),
    changedDuringBuild,
  );
  // The same sources as when the key was computed: the cache must not answer with the edited file.
  rmSync(context, { recursive: true });
  const again = await buildIn(t, 'FROM scratch\nCOPY src/ /src/\n', files, { contextDir: context, cacheDir });
  assert.deepEqual(await listImage(again.layout), [
    ['d 0755 0:0 0 src/', '- 0644 0:0 9 src/a.txt', '- 0644 0:0 2 src/b.txt'],
  ]);
  assert.equal(again.result.cachedSteps, 0);
});
