/**
 * skopeo's smaller `copy` flags: `--digestfile F` (the digest written, as skopeo writes it),
 * `--additional-tag T` (repeatable: the same image under more tags), `--retry-times N` with
 * `--retry-delay D` (the whole copy tried again after a failure a retry can mend), and
 * `--preserve-digests` (a copy that would change a digest fails before writing anything).
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { runBuffer } from '../helpers/exec.ts';
import { startFailingManifestsProxy } from '../helpers/fault-proxy.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { suiteScratch } from '../helpers/tmp.ts';

async function ok(args: string[]): Promise<string> {
  const result = await ocikit(args);
  assert.equal(result.code, 0, `ocikit ${args.join(' ')}: ${result.stderr}`);
  return result.out;
}

describe('copy flags from skopeo', () => {
  const makeDir = suiteScratch(after);
  let dir: string;
  let image: string;
  let digest: string;
  let registry: RunningRegistry;
  after(() => registry?.stop());

  before(async () => {
    dir = await makeDir();
    await mkdir(join(dir, 'root'));
    await writeFile(join(dir, 'root/file'), 'hello\n');
    image = `oci:${join(dir, 'layout')}:app`;
    await ok(['append', 'scratch', join(dir, 'root'), '-t', image]);
    digest = await ok(['digest', image]);
    registry = await startRegistry();
  });

  test('--digestfile writes the digest of what was written, as skopeo does (no newline)', async () => {
    const file = join(dir, 'digest.txt');
    await ok(['copy', '-q', '--digestfile', file, image, `oci:${join(dir, 'df')}:x`]);
    assert.equal(await readFile(file, 'utf8'), digest);
    // A converting copy writes the new digest, the one the destination holds.
    const converted = join(dir, 'digest-docker.txt');
    await ok([
      'copy',
      '-q',
      '--format',
      'docker',
      '--digestfile',
      converted,
      image,
      `oci:${join(dir, 'df')}:d`,
    ]);
    assert.equal(await readFile(converted, 'utf8'), await ok(['digest', `oci:${join(dir, 'df')}:d`]));
    assert.notEqual(await readFile(converted, 'utf8'), digest);
  });

  test('--additional-tag gives a layout and a registry repository more tags for the image', async () => {
    const layout = join(dir, 'tags');
    await ok(['copy', '-q', '--additional-tag', 'b', '--additional-tag', 'c', image, `oci:${layout}:a`]);
    assert.deepEqual((await ok(['ls', `oci:${layout}`])).split('\n').sort(), ['a', 'b', 'c']);
    for (const tag of ['a', 'b', 'c']) assert.equal(await ok(['digest', `oci:${layout}:${tag}`]), digest);

    const repo = `${registry.host}/app`;
    await ok(['copy', '-q', '--additional-tag', '2', '--additional-tag', 'stable', image, `${repo}:1`]);
    for (const tag of ['1', '2', 'stable']) {
      const raw = await runBuffer('skopeo', [
        'inspect',
        '--raw',
        '--tls-verify=false',
        `docker://${repo}:${tag}`,
      ]);
      assert.equal(
        `sha256:${(await import('node:crypto')).createHash('sha256').update(raw).digest('hex')}`,
        digest,
      );
    }
    // A tag the reference grammar refuses is refused before anything is copied.
    const bad = await ocikit([
      'copy',
      '-q',
      '--additional-tag',
      'no/slash',
      image,
      `oci:${join(dir, 'bad')}:a`,
    ]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.deepEqual(await readdir(dir).then((n) => n.filter((x) => x === 'bad')), []);
    // A destination without tags cannot take more.
    const untagged = await ocikit(['copy', '-q', '--additional-tag', 'b', image, `dir:${join(dir, 'bad')}`]);
    assert.equal(untagged.code, 2, untagged.stderr);
    assert.match(untagged.stderr, /--additional-tag needs a destination with tags/);
  });

  test('--retry-times retries a copy that failed on a transient registry fault', async () => {
    await ok(['copy', '-q', image, `${registry.host}/retry:1`]);
    const failing = () => startFailingManifestsProxy(registry.host);
    const without = await failing();
    try {
      const failed = await ocikit(['copy', '-q', `${without.host}/retry:1`, `oci:${join(dir, 'r1')}:x`]);
      assert.equal(failed.code, 1);
      assert.match(failed.stderr, /^ocikit: REGISTRY_ERROR: /m);
    } finally {
      await without.stop();
    }
    const withRetry = await failing();
    try {
      const out = join(dir, 'r2');
      const result = await ocikit([
        'copy',
        '-q',
        '--retry-times',
        '2',
        '--retry-delay',
        '10ms',
        `${withRetry.host}/retry:1`,
        `oci:${out}:x`,
      ]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /retrying/);
      assert.equal(await ok(['digest', `oci:${out}:x`]), digest);
    } finally {
      await withRetry.stop();
    }
  });

  test('--retry-delay takes a duration and --retry-times a count; others are usage errors', async () => {
    for (const [args, message] of [
      [['--retry-times', '-1'], /--retry-times takes a whole number/],
      [['--retry-times', 'x'], /--retry-times takes a whole number/],
      [['--retry-delay', '5parsecs'], /--retry-delay takes a duration/],
      [['--retry-delay', '1'], /--retry-delay takes a duration/],
    ] as const) {
      const result = await ocikit(['copy', '-q', ...args, image, `oci:${join(dir, 'u')}:x`]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
    // Go durations with several units are taken.
    await ok([
      'copy',
      '-q',
      '--retry-times',
      '0',
      '--retry-delay',
      '1m30.5s',
      image,
      `oci:${join(dir, 'u')}:x`,
    ]);
  });

  test('--preserve-digests fails instead of converting, and writes nothing', async () => {
    const out = join(dir, 'preserve');
    for (const args of [
      ['--format', 'docker'],
      ['--compression', 'zstd'],
    ]) {
      const result = await ocikit(['copy', '-q', '--preserve-digests', ...args, image, `oci:${out}:x`]);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /^ocikit: UNSUPPORTED: .*--preserve-digests/m);
    }
    const archive = await ocikit([
      'copy',
      '-q',
      '--preserve-digests',
      image,
      `docker-archive:${join(dir, 'p.tar')}`,
    ]);
    assert.equal(archive.code, 1, archive.stderr);
    assert.match(archive.stderr, /--preserve-digests/);
    assert.deepEqual(await readdir(dir).then((n) => n.filter((x) => x === 'preserve' || x === 'p.tar')), []);
    // What needs no conversion copies, digest kept (the same format and compression asked for is fine).
    await ok([
      'copy',
      '-q',
      '--preserve-digests',
      '--format',
      'oci',
      '--compression',
      'gzip',
      image,
      `oci:${out}:x`,
    ]);
    assert.equal(await ok(['digest', `oci:${out}:x`]), digest);
  });
});
