/**
 * The ingest folder exists only while blobs are being written: a layout that `ocikit` wrote holds
 * what skopeo's does (oci-layout, index.json, blobs/) and nothing of ours; and a writer whose
 * ingest folder another process removed in the meantime makes it again instead of failing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdir, open, readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type BlobInfo, INGEST_DIR, initLayout } from '../../src/store/index.ts';
import { createInIngestDir } from '../../src/store/ingest-dir.ts';
import { writeBusyboxRootfs } from '../helpers/busybox.ts';
import { ocikit } from '../helpers/cli.ts';
import { run } from '../helpers/exec.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { suiteScratch } from '../helpers/tmp.ts';

const makeDir = suiteScratch(after);
let dir: string;
let source: string;
let registry: RunningRegistry;

before(async () => {
  dir = await makeDir();
  await writeBusyboxRootfs(join(dir, 'rootfs'));
  source = join(dir, 'source');
  const made = await ocikit(['append', 'scratch', join(dir, 'rootfs'), '-t', `oci:${source}:img`]);
  assert.equal(made.code, 0, made.stderr);
  registry = await startRegistry();
});
after(() => registry?.stop());

async function entries(path: string): Promise<string[]> {
  return (await readdir(path)).sort();
}

test('a layout written by ocikit holds only what skopeo leaves in one: no ingest folder', async () => {
  const bySkopeo = join(dir, 'by-skopeo');
  await run('skopeo', ['copy', '-q', `oci:${source}:img`, `oci:${bySkopeo}:img`]);
  assert.deepEqual(await entries(bySkopeo), ['blobs', 'index.json', 'oci-layout']);
  assert.deepEqual(await entries(source), await entries(bySkopeo), 'ocikit append');

  const copied = join(dir, 'copied');
  const copy = await ocikit(['copy', '-q', `oci:${source}:img`, `oci:${copied}:img`]);
  assert.equal(copy.code, 0, copy.stderr);
  assert.deepEqual(await entries(copied), await entries(bySkopeo), 'ocikit copy oci: to oci:');

  const remote = `${registry.host}/tidy/img:1`;
  const push = await ocikit(['copy', '-q', `oci:${source}:img`, remote]);
  assert.equal(push.code, 0, push.stderr);
  const pulled = join(dir, 'pulled');
  const pull = await ocikit(['copy', '-q', remote, `oci:${pulled}:img`]);
  assert.equal(pull.code, 0, pull.stderr);
  assert.deepEqual(await entries(pulled), await entries(bySkopeo), 'ocikit copy from a registry');
});

test('gc removes an emptied ingest folder left by an older version, and dry-run does not', async () => {
  const layout = await initLayout(join(dir, 'old'));
  await mkdir(join(layout.root, INGEST_DIR));
  await layout.gc({ dryRun: true });
  assert.equal(existsSync(join(layout.root, INGEST_DIR)), true);
  await layout.gc();
  assert.equal(existsSync(join(layout.root, INGEST_DIR)), false);
});

test('a writer whose ingest folder was removed before its temp file was made makes it again', async () => {
  const layout = await initLayout(join(dir, 'vanished'));
  let calls = 0;
  const handle = await createInIngestDir(layout.root, async (ingest) => {
    calls++;
    // Another process tidies the (empty) folder just after this one made it.
    if (calls === 1) await rmdir(ingest);
    return open(join(ingest, 'temp.tmp'), 'wx');
  });
  await handle.close();
  assert.equal(calls, 2);
  assert.deepEqual(await readdir(join(layout.root, INGEST_DIR)), ['temp.tmp']);
});

test('a writer that saw the folder a moment ago makes it again when it has gone since', async () => {
  const layout = await initLayout(join(dir, 'seen'));
  const ingest = join(layout.root, INGEST_DIR);
  await mkdir(ingest);
  let calls = 0;
  const handle = await createInIngestDir(
    layout.root,
    async (folder) => {
      calls++;
      if (calls === 1) await rmdir(folder);
      return open(join(folder, 'temp.tmp'), 'wx');
    },
    { present: true },
  );
  await handle.close();
  assert.equal(calls, 2);
  assert.deepEqual(await readdir(ingest), ['temp.tmp']);
});

test('an ENOENT the caller knows is about something else is thrown at once', async () => {
  const layout = await initLayout(join(dir, 'source-gone'));
  let calls = 0;
  await assert.rejects(
    createInIngestDir(
      layout.root,
      async (ingest) => {
        calls++;
        return link(join(layout.root, 'no-such-blob'), join(ingest, 'temp.tmp'));
      },
      { otherCause: async () => true },
    ),
    { code: 'ENOENT' },
  );
  assert.equal(calls, 1);
});

test('an ENOENT that is not about the ingest folder is thrown after a few tries', async () => {
  const layout = await initLayout(join(dir, 'other-enoent'));
  let calls = 0;
  await assert.rejects(
    createInIngestDir(layout.root, async (ingest) => {
      calls++;
      return open(join(ingest, 'missing-folder', 'temp.tmp'), 'wx');
    }),
    { code: 'ENOENT' },
  );
  assert.ok(calls > 1 && calls < 20, `tried ${calls} times`);
});

test('blobs written while other processes tidy the ingest folder are all stored', async () => {
  const layout = await initLayout(join(dir, 'churn'));
  const ingest = join(layout.root, INGEST_DIR);
  let writing = true;
  let removed = 0;
  // A process exiting removes the folder once; here many do, one every few milliseconds.
  const tidier = (async () => {
    while (writing) {
      await rmdir(ingest).then(
        () => removed++,
        () => {},
      );
      await sleep(5);
    }
  })();
  const blobs = Array.from({ length: 300 }, () => randomBytes(64));
  const stored: BlobInfo[] = [];
  try {
    for (let i = 0; i < blobs.length; i += 10) {
      stored.push(...(await Promise.all(blobs.slice(i, i + 10).map((bytes) => layout.putBytes(bytes)))));
    }
  } finally {
    writing = false;
    await tidier;
  }
  assert.ok(removed > 0, 'the folder was removed while blobs were written');
  for (const [i, info] of stored.entries()) assert.deepEqual(await layout.readBytes(info), blobs[i]);
});
