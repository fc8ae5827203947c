/**
 * Ctrl-C (SIGINT) and SIGTERM in the middle of a command (DESIGN.md §3: exit 130): every command
 * stops, removes what it had half written (a bundle, a spooled layer, a staged archive, a layout
 * temp file, an export's temp file and root), prints `ocikit: ABORTED: interrupted` and exits 130;
 * the same command then runs to the end. "In the middle" without a clock: the image comes from a
 * real registry through a proxy that holds each layer download after its first MiB, and the
 * signal is sent once the command has visibly started writing.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { type ChildEnd, type CliChild, startOcikit } from '../helpers/cli-child.ts';
import { run } from '../helpers/exec.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { type StallProxy, startStallProxy } from '../helpers/stall-proxy.ts';
import { scratch, suiteScratch } from '../helpers/tmp.ts';

const INTERRUPTED = 'ocikit: ABORTED: interrupted';
const HELD_AFTER = 1 << 20;

async function ok(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const result = await ocikit(args, { env });
  assert.equal(result.code, 0, `ocikit ${args.join(' ')}: ${result.stderr}`);
  return result.out;
}

/** Entries of a folder (none when it does not exist). */
async function entries(dir: string): Promise<string[]> {
  return existsSync(dir) ? (await readdir(dir)).sort() : [];
}

/** The command ended by itself with 130 and the one interrupt line, no other error line. */
function assertInterrupted(end: ChildEnd): void {
  assert.equal(end.signal, null, `ended by ${end.signal} instead of exiting: ${end.stderr}`);
  assert.equal(end.code, 130, end.stderr);
  const lines = end.stderr.trimEnd().split('\n');
  assert.equal(lines.at(-1), INTERRUPTED, end.stderr);
  assert.deepEqual(
    lines.filter((l) => l.startsWith('ocikit:')),
    [INTERRUPTED],
    `exactly one error line: ${end.stderr}`,
  );
}

/**
 * Nothing half written in a layout: no temp file in its ingest folder, every file under blobs/ a
 * complete blob (its name is its sha256), and no image in index.json.
 */
async function assertNoPartialWrites(layout: string): Promise<void> {
  assert.deepEqual(await entries(join(layout, '.ocikit-ingest')), [], 'no temp file left in the layout');
  for (const alg of await entries(join(layout, 'blobs'))) {
    assert.equal(alg, 'sha256');
    for (const name of await entries(join(layout, 'blobs', alg))) {
      const bytes: Buffer = await readFile(join(layout, 'blobs', alg, name));
      assert.equal(createHash('sha256').update(bytes).digest('hex'), name, `blob ${name} is complete`);
    }
  }
  for (const name of await entries(layout)) {
    // The emptied ingest folder is removed as the interrupted command exits.
    assert.ok(['oci-layout', 'index.json', 'blobs'].includes(name), `unexpected ${name}`);
  }
  if (existsSync(join(layout, 'index.json'))) {
    const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: unknown[] };
    assert.deepEqual(index.manifests, [], 'no image recorded');
  }
}

describe('interrupting a command', () => {
  const makeDir = suiteScratch(after);
  let dir: string;
  let registry: RunningRegistry;
  let proxy: StallProxy;
  /** The image, read through the stalling proxy. */
  let image: string;
  let layerDigest: string;
  let sourceDigest: string;
  /** A small tree to append. */
  let extra: string;

  before(async () => {
    dir = await makeDir();
    const tree = join(dir, 'tree');
    await mkdir(tree);
    await writeFile(join(tree, 'a.txt'), 'first\n');
    await writeFile(join(tree, 'big.bin'), randomBytes(8 << 20));
    extra = join(dir, 'extra');
    await mkdir(extra);
    await writeFile(join(extra, 'added.txt'), 'added\n');
    const layout = `oci:${join(dir, 'layout')}:img`;
    await ok(['append', 'scratch', tree, '-t', layout]);
    registry = await startRegistry();
    await ok(['copy', '-q', layout, `${registry.host}/interrupt/img:1`]);
    proxy = await startStallProxy(registry.host, HELD_AFTER);
    image = `${proxy.host}/interrupt/img:1`;
    sourceDigest = await ok(['digest', layout]);
    const manifest = JSON.parse(await ok(['inspect', '--raw', layout])) as {
      layers: Array<{ digest: string }>;
    };
    layerDigest = manifest.layers[0]?.digest ?? '';
  });
  after(async () => {
    await proxy?.stop();
    await registry?.stop();
  });
  beforeEach(() => {
    proxy.stalling = true;
  });

  /** The environment of a command whose temp directory is `tmp` (Node's compile cache kept elsewhere). */
  function envFor(tmp: string): NodeJS.ProcessEnv {
    return { TMPDIR: tmp, NODE_COMPILE_CACHE: join(dir, 'compile-cache') };
  }

  /**
   * Starts `args` with its temp directory at `tmp`, waits until a layer download is held and
   * `ready` holds, sends `signal`, and returns how the command ended.
   */
  async function interrupt(
    args: string[],
    tmp: string,
    ready: () => boolean | Promise<boolean>,
    signal: NodeJS.Signals = 'SIGINT',
  ): Promise<ChildEnd> {
    const held = proxy.held;
    const cli: CliChild = startOcikit(args, { env: envFor(tmp) });
    await cli.until('a download was held', () => proxy.held > held);
    await cli.until('it started writing', ready);
    cli.child.kill(signal);
    return cli.ended;
  }

  /** A scratch folder with an empty temp directory for the command. */
  async function workspace(t: Parameters<typeof scratch>[0]): Promise<{ work: string; tmp: string }> {
    const work = await scratch(t);
    const tmp = join(work, 'tmp');
    await mkdir(tmp);
    return { work, tmp };
  }

  /** Runs the same command again, the proxy no longer holding anything. */
  async function rerun(args: string[], tmp: string): Promise<string> {
    proxy.stalling = false;
    const out = await ok(args, envFor(tmp));
    assert.deepEqual(await entries(tmp), [], 'a finished command leaves no temp files');
    return out;
  }

  test('copy to oci: removes its temp blob, records no image; a re-run completes', async (t) => {
    const { work, tmp } = await workspace(t);
    const out = join(work, 'out');
    const args = ['copy', image, `oci:${out}:img`];
    const end = await interrupt(
      args,
      tmp,
      async () => (await entries(join(out, '.ocikit-ingest'))).length > 0,
    );
    assertInterrupted(end);
    await assertNoPartialWrites(out);
    assert.deepEqual(await entries(tmp), []);
    await rerun(args, tmp);
    assert.equal(await ok(['digest', `oci:${out}:img`]), sourceDigest);
    assert.match(await ok(['fsck', out]), /^ok: /);
  });

  test('copy to oci-archive: (SIGTERM) leaves no staged blobs and no partial archive', async (t) => {
    const { work, tmp } = await workspace(t);
    const out = join(work, 'out');
    await mkdir(out);
    const args = ['copy', image, `oci-archive:${join(out, 'img.tar')}`];
    const end = await interrupt(args, tmp, async () => (await entries(tmp)).length > 0, 'SIGTERM');
    assertInterrupted(end);
    assert.deepEqual(await entries(tmp), [], 'the staging folder is removed');
    assert.deepEqual(await entries(out), [], 'no archive, no temp file beside it');
    await rerun(args, tmp);
    assert.equal(await ok(['digest', `oci-archive:${join(out, 'img.tar')}`]), sourceDigest);
  });

  test('copy to docker-archive: leaves no staged layers and no partial archive', async (t) => {
    const { work, tmp } = await workspace(t);
    const out = join(work, 'out');
    await mkdir(out);
    const args = ['copy', image, `docker-archive:${join(out, 'img.tar')}:interrupt/img:1`];
    const end = await interrupt(args, tmp, async () => (await entries(tmp)).length > 0);
    assertInterrupted(end);
    assert.deepEqual(await entries(tmp), []);
    assert.deepEqual(await entries(out), []);
    await rerun(args, tmp);
    const listing = await run('tar', ['-tf', join(out, 'img.tar')]);
    assert.match(listing, /manifest\.json/);
  });

  test('copy to a registry: no tag is pushed; a re-run completes', async (t) => {
    const { tmp } = await workspace(t);
    const target = `${registry.host}/interrupt/copy:1`;
    const args = ['copy', image, target];
    const end = await interrupt(args, tmp, () => true);
    assertInterrupted(end);
    const missing = await ocikit(['digest', target]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /NOT_FOUND/);
    await rerun(args, tmp);
    assert.equal(await ok(['digest', target]), sourceDigest);
  });

  test('unpack removes the bundle it was writing; a re-run unpacks it whole', async (t) => {
    const { work, tmp } = await workspace(t);
    const bundle = join(work, 'bundle');
    const args = ['unpack', '--rootless', image, bundle];
    const end = await interrupt(args, tmp, () => existsSync(join(bundle, 'rootfs/a.txt')));
    assertInterrupted(end);
    assert.equal(existsSync(bundle), false, 'no half-unpacked bundle');
    await rerun(args, tmp);
    assert.equal((await stat(join(bundle, 'rootfs/big.bin'))).size, 8 << 20);
    assert.ok(existsSync(join(bundle, 'config.json')));
  });

  test('append removes its spooled layer and the temp blob it was storing', async (t) => {
    const { work, tmp } = await workspace(t);
    const out = join(work, 'out');
    const args = ['append', image, extra, '-t', `oci:${out}:img`];
    const end = await interrupt(args, tmp, async () => (await entries(tmp)).length > 0);
    assertInterrupted(end);
    assert.deepEqual(await entries(tmp), [], 'the spooled layer is removed');
    await assertNoPartialWrites(out);
    await rerun(args, tmp);
    assert.match(await ok(['fsck', out]), /^ok: /);
  });

  test('export to a file removes its temp file and temp root', async (t) => {
    const { work, tmp } = await workspace(t);
    const out = join(work, 'out');
    await mkdir(out);
    const args = ['export', image, join(out, 'fs.tar')];
    const end = await interrupt(args, tmp, async () => (await entries(out)).length > 0);
    assertInterrupted(end);
    assert.deepEqual(await entries(out), [], 'no export, no temp file or root beside it');
    await rerun(args, tmp);
    assert.match(await run('tar', ['-tf', join(out, 'fs.tar')]), /^a\.txt$/m);
  });

  test('export to stdout removes its temp root', async (t) => {
    const { tmp } = await workspace(t);
    const end = await interrupt(['export', image, '-'], tmp, async () => (await entries(tmp)).length > 0);
    assertInterrupted(end);
    assert.deepEqual(await entries(tmp), []);
  });

  test('mutate removes the temp blob it was storing; a re-run completes', async (t) => {
    const { work, tmp } = await workspace(t);
    const out = join(work, 'out');
    const args = ['mutate', image, '--label', 'k=v', '-t', `oci:${out}:img`];
    const end = await interrupt(
      args,
      tmp,
      async () => (await entries(join(out, '.ocikit-ingest'))).length > 0,
    );
    assertInterrupted(end);
    await assertNoPartialWrites(out);
    await rerun(args, tmp);
    assert.match(await ok(['fsck', out]), /^ok: /);
  });

  test('diff removes the temp root it was flattening into', async (t) => {
    const { tmp } = await workspace(t);
    const end = await interrupt(['diff', image, image], tmp, async () => (await entries(tmp)).length > 0);
    assertInterrupted(end);
    assert.deepEqual(await entries(tmp), []);
  });

  test('blob stops mid-download', async (t) => {
    const { tmp } = await workspace(t);
    const end = await interrupt(['blob', image, layerDigest], tmp, () => true);
    assertInterrupted(end);
  });

  test('blob -o FILE removes its temp file and leaves no partial blob', async (t) => {
    const { work, tmp } = await workspace(t);
    const out = join(work, 'out');
    await mkdir(out);
    const args = ['blob', image, layerDigest, '-o', join(out, 'layer')];
    const end = await interrupt(args, tmp, async () => (await entries(out)).length > 0);
    assertInterrupted(end);
    assert.deepEqual(await entries(out), []);
    await rerun(args, tmp);
    const bytes: Buffer = await readFile(join(out, 'layer'));
    assert.equal(`sha256:${createHash('sha256').update(bytes).digest('hex')}`, layerDigest);
  });

  test('a second signal while stopping still ends with 130 and one line', async (t) => {
    const { work, tmp } = await workspace(t);
    const bundle = join(work, 'bundle');
    const held = proxy.held;
    const cli = startOcikit(['unpack', '--rootless', image, bundle], { env: envFor(tmp) });
    await cli.until('a download was held', () => proxy.held > held);
    await cli.until('it started writing', () => existsSync(join(bundle, 'rootfs/a.txt')));
    cli.child.kill('SIGINT');
    cli.child.kill('SIGINT');
    assertInterrupted(await cli.ended);
  });
});
