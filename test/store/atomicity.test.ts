/**
 * Crash safety and concurrency with real processes: a writer killed with SIGKILL mid-ingest leaves
 * no visible blob, a killed lock holder does not block others, and concurrent taggers lose no tag.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OCI, parseIndex } from '../../src/spec/index.ts';
import { INDEX_LOCK_FILE, INGEST_DIR, initLayout, openLayout } from '../../src/store/index.ts';
import { scratch } from '../helpers/peers-layout.ts';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
let dir: string;
let cleanup: () => Promise<void>;
before(async () => ({ dir, cleanup } = await scratch('atomic')));
after(() => cleanup());

function child(script: string, args: string[]): ChildProcess {
  return spawn(process.execPath, [join(FIXTURES, script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

function waitForLine(proc: ChildProcess, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    proc.stderr?.on('data', (d) => {
      err += d;
    });
    proc.stdout?.on('data', (d) => {
      out += d;
      if (out.includes(line)) resolve();
    });
    proc.on('exit', (code) => reject(new Error(`child exited (${code}) before printing ${line}: ${err}`)));
  });
}

function exited(proc: ChildProcess): Promise<number | null> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode);
  return new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
}

async function manifest(layout: Awaited<ReturnType<typeof initLayout>>) {
  const config = await layout.putBytes(
    Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'),
  );
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI.manifest,
      config: { mediaType: OCI.config, ...config },
      layers: [],
    }),
  );
  return { mediaType: OCI.manifest, ...(await layout.putBytes(bytes)) };
}

test('a blob write killed with SIGKILL midway leaves no visible blob and a parseable index.json', async () => {
  const layout = await initLayout(join(dir, 'killed'));
  const image = await manifest(layout);
  await layout.tag('keep', image);
  const before = (await Array.fromAsync(layout.walk())).map((b) => b.digest).sort();
  const writer = child('slow-ingest.ts', [layout.root]);
  await waitForLine(writer, 'WRITING');
  writer.kill('SIGKILL');
  await exited(writer);

  const leftovers = await readdir(join(layout.root, INGEST_DIR));
  assert.equal(leftovers.length, 1, 'the killed writer was mid-write in its temp file');
  assert.deepEqual((await Array.fromAsync(layout.walk())).map((b) => b.digest).sort(), before);
  parseIndex(await readFile(join(layout.root, 'index.json')));
  const reopened = await openLayout(layout.root);
  assert.equal((await reopened.resolve('keep')).digest, image.digest);
  assert.equal((await reopened.fsck()).ok, true);

  const report = await reopened.gc();
  assert.deepEqual(report.removed, []);
  assert.deepEqual(report.tempFiles, [`${INGEST_DIR}/${leftovers[0]}`]);
  assert.equal(existsSync(join(layout.root, INGEST_DIR)), false, 'the emptied ingest folder went too');
});

test('a lock left by a process killed while holding it is broken, and the next writer proceeds', async () => {
  const layout = await initLayout(join(dir, 'stale-lock'));
  const image = await manifest(layout);
  const holder = child('hold-lock.ts', [layout.root]);
  await waitForLine(holder, 'LOCKED');
  holder.kill('SIGKILL');
  await exited(holder);
  assert.ok((await readdir(layout.root)).includes(INDEX_LOCK_FILE), 'the dead holder left its lock file');
  await layout.tag('after-crash', image, { timeoutMs: 30_000 });
  assert.deepEqual(await layout.listTags(), ['after-crash']);
  assert.ok(!(await readdir(layout.root)).includes(INDEX_LOCK_FILE));
});

test('a live lock holder makes other writers wait, then fail with LOCKED after their timeout', async () => {
  const layout = await initLayout(join(dir, 'live-lock'));
  const image = await manifest(layout);
  const holder = child('hold-lock.ts', [layout.root]);
  try {
    await waitForLine(holder, 'LOCKED');
    await assert.rejects(
      layout.tag('blocked', image, { timeoutMs: 200 }),
      (e: Error & { code?: string }) => e.code === 'LOCKED',
    );
  } finally {
    holder.kill('SIGKILL');
    await exited(holder);
  }
  await layout.tag('unblocked', image);
  assert.deepEqual(await layout.listTags(), ['unblocked']);
});

test('8 processes tagging 10 tags each into one layout at once lose no tag', async () => {
  const layout = await initLayout(join(dir, 'concurrent'));
  const image = await manifest(layout);
  const writers = Array.from({ length: 8 }, (_, i) =>
    child('tag-many.ts', [layout.root, `w${i}`, '10', JSON.stringify(image)]),
  );
  const codes = await Promise.all(writers.map(exited));
  assert.deepEqual(codes, Array(8).fill(0));
  const tags = (await layout.listTags()).sort();
  const expected = Array.from({ length: 8 }, (_, w) => Array.from({ length: 10 }, (_, i) => `w${w}-${i}`))
    .flat()
    .sort();
  assert.deepEqual(tags, expected);
  assert.deepEqual(
    (await readdir(layout.root)).filter((n) => n.endsWith('.tmp') || n.endsWith('.lock')),
    [],
    'no temp or lock files remain',
  );
});

test('tagging a manifest with the tag that already names it leaves index.json as it is (no rewrite)', async () => {
  const layout = await initLayout(join(dir, 'same-tag'));
  const manifest = await layout.putBytes(
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI.manifest, config: {}, layers: [] })),
  );
  const descriptor = { mediaType: OCI.manifest, ...manifest };
  await layout.tag('v1', descriptor);
  const before = await stat(join(layout.root, 'index.json'));
  await layout.tag('v1', descriptor);
  assert.equal(
    (await stat(join(layout.root, 'index.json'))).ino,
    before.ino,
    'the same tag again: not replaced',
  );
  await layout.addUntagged(descriptor);
  const untagged = await stat(join(layout.root, 'index.json'));
  assert.notEqual(untagged.ino, before.ino, 'adding an entry rewrites the file');
  await layout.addUntagged(descriptor);
  await layout.tag('v1', descriptor);
  const after = await stat(join(layout.root, 'index.json'));
  assert.equal(after.ino, untagged.ino, 'the same tag and entry again: the same file, not replaced');
  assert.equal(after.mtimeMs, untagged.mtimeMs);
  const index = parseIndex(await readFile(join(layout.root, 'index.json')));
  assert.equal(index.value.manifests.length, 2);
});
