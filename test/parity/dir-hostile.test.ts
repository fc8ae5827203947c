/**
 * Hostile `dir:` folders: a blob whose bytes are not what its name says, a blob or manifest that is
 * a symlink (to a secret), an oversized manifest.json, a child manifest swapped for another, a
 * missing version file. Each is refused with a typed error, and a copy from it writes nothing.
 */
import assert from 'node:assert/strict';
import { cp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { suiteScratch } from '../helpers/tmp.ts';

async function ok(args: string[]): Promise<string> {
  const result = await ocikit(args);
  assert.equal(result.code, 0, `ocikit ${args.join(' ')}: ${result.stderr}`);
  return result.out;
}

describe('hostile dir: folders', () => {
  const makeDir = suiteScratch(after);
  let dir: string;
  let good: string;
  let manifest: { config: { digest: string }; layers: { digest: string }[] };
  let n = 0;

  before(async () => {
    dir = await makeDir();
    await writeFile(join(dir, 'file'), 'content\n');
    await ok(['append', 'scratch', dir, '-t', `oci:${join(dir, 'layout')}:app`]);
    good = join(dir, 'good');
    await ok(['copy', '-q', `oci:${join(dir, 'layout')}:app`, `dir:${good}`]);
    manifest = JSON.parse(await readFile(join(good, 'manifest.json'), 'utf8'));
  });

  /** A copy of the good folder, changed by `spoil`. */
  async function spoilt(spoil: (folder: string) => Promise<void>): Promise<string> {
    const folder = join(dir, `bad-${++n}`);
    await cp(good, folder, { recursive: true });
    await spoil(folder);
    return folder;
  }

  /** Copies `folder` into a fresh layout: must fail with `code`, and leave no layout behind. */
  async function refusedCopy(folder: string, code: string, message?: RegExp): Promise<string> {
    const out = join(dir, `out-${n}`);
    const result = await ocikit(['copy', '-q', `dir:${folder}`, `dir:${out}`]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`^ocikit: ${code}: `, 'm'));
    if (message) assert.match(result.stderr, message);
    assert.deepEqual(
      (await readdir(dir)).filter((name) => name === `out-${n}` || name.startsWith(`.out-${n}.`)),
      [],
    );
    return result.stderr;
  }

  test('a layer file whose bytes do not match the digest it is named by', async () => {
    const layer = (manifest.layers[0]?.digest ?? '').split(':')[1] as string;
    const folder = await spoilt(async (f) => writeFile(join(f, layer), Buffer.alloc(1024, 1)));
    await refusedCopy(folder, '(SIZE|DIGEST)_MISMATCH');
    // Same size, other bytes: the digest check catches it.
    const size = (await readFile(join(good, layer))).byteLength;
    const same = await spoilt(async (f) => writeFile(join(f, layer), Buffer.alloc(size, 7)));
    await refusedCopy(same, 'DIGEST_MISMATCH');
  });

  test('a manifest naming a blob by a malformed digest is refused before any file is opened', async () => {
    const folder = await spoilt(async (f) => {
      const text = (await readFile(join(f, 'manifest.json'), 'utf8')).replace(
        manifest.config.digest,
        'sha256:../../../etc/passwd',
      );
      await writeFile(join(f, 'manifest.json'), text);
    });
    await refusedCopy(folder, 'INVALID_(DOCUMENT|DIGEST)');
  });

  test('a blob that is a symlink to a secret is refused, never read', async () => {
    await writeFile(join(dir, 'secret'), 'private key\n');
    const config = manifest.config.digest.split(':')[1] as string;
    const folder = await spoilt(async (f) => {
      await rm(join(f, config));
      await symlink(join(dir, 'secret'), join(f, config));
    });
    const stderr = await refusedCopy(folder, 'INVALID_LAYOUT', /symbolic link/);
    assert.doesNotMatch(stderr, /private key/);
  });

  test('a manifest.json that is a symlink, or too big, is refused', async () => {
    const linked = await spoilt(async (f) => {
      await cp(join(f, 'manifest.json'), join(dir, 'elsewhere.json'));
      await rm(join(f, 'manifest.json'));
      await symlink(join(dir, 'elsewhere.json'), join(f, 'manifest.json'));
    });
    await refusedCopy(linked, 'INVALID_LAYOUT', /symbolic link/);
    const big = await spoilt(async (f) => {
      await writeFile(join(f, 'manifest.json'), `{"schemaVersion":2,"x":"${'a'.repeat(5 * 1024 * 1024)}"}`);
    });
    await refusedCopy(big, 'TOO_LARGE');
    const inspected = await ocikit(['inspect', '--raw', `dir:${big}`]);
    assert.equal(inspected.code, 1);
    assert.match(inspected.stderr, /^ocikit: TOO_LARGE: /m);
  });

  test('a folder without the version file is not a dir: image', async () => {
    const folder = await spoilt(async (f) => rm(join(f, 'version')));
    await refusedCopy(folder, 'INVALID_LAYOUT', /no version file/);
    const other = await spoilt(async (f) =>
      writeFile(join(f, 'version'), 'Directory Transport Version: 9\n'),
    );
    await refusedCopy(other, 'INVALID_LAYOUT', /unsupported version/);
  });

  test('a child manifest of an index swapped for another document is refused', async () => {
    const layout = join(dir, 'layout');
    await ok(['mutate', `oci:${layout}:app`, '--set-platform', 'linux/amd64', '-t', `oci:${layout}:amd`]);
    const child = JSON.parse(await ok(['inspect', '--raw', `oci:${layout}:amd`]));
    const childDigest = await ok(['digest', `oci:${layout}:amd`]);
    const childBytes = await ocikit(['inspect', '--raw', `oci:${layout}:amd`]);
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          {
            mediaType: child.mediaType,
            digest: childDigest,
            size: childBytes.stdout.byteLength,
            platform: { architecture: 'amd64', os: 'linux' },
          },
        ],
      }),
    );
    const hex = childDigest.split(':')[1] as string;
    const folder = await spoilt(async (f) => {
      await writeFile(join(f, 'manifest.json'), index);
      // Same length, other bytes: the file's name promises a digest it does not have.
      const text = childBytes.stdout.toString();
      const config = child.config.digest as string;
      const flipped = `${config.slice(0, -1)}${config.endsWith('0') ? '1' : '0'}`;
      const tampered = Buffer.from(text.replace(config, flipped));
      await writeFile(join(f, `${hex}.manifest.json`), tampered);
    });
    await refusedCopy(folder, 'DIGEST_MISMATCH');
  });
});
