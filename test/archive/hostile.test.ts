import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ImageSource } from '../../src/image/types.ts';
import {
  dockerArchiveSink,
  dockerArchiveSource,
  ociArchiveSource,
} from '../../src/transports/archive/index.ts';
import { copyOne, makeTar, scratch, sha256, type TarSpec } from './helpers.ts';

const ID = 'd'.repeat(64);

describe('hostile archives', () => {
  let dir: string;
  let work: string;
  let cleanup: () => Promise<void>;
  let layer: Buffer;
  let cfg: string;
  let before_: string[];

  before(async () => {
    ({ dir, cleanup } = await scratch());
    work = join(dir, 'a', 'b', 'c');
    await mkdir(work, { recursive: true });
    await writeFile(join(dir, 'canary'), 'canary');
    layer = await makeTar([{ name: 'x', content: 'x' }]);
    cfg = JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [sha256(layer)] },
    });
    before_ = await readdir(dir, { recursive: true });
  });
  after(async () => {
    // Canary: nothing appeared (or changed) anywhere around the archives.
    const now = await readdir(dir, { recursive: true });
    const added = now.filter((n) => !before_.includes(n) && !n.startsWith('a/b/c/'));
    assert.deepEqual(added, []);
    assert.equal(await readFile(join(dir, 'canary'), 'utf8'), 'canary');
    await cleanup();
  });

  async function archive(name: string, entries: TarSpec[]): Promise<string> {
    const path = join(work, name);
    await writeFile(path, await makeTar(entries));
    return path;
  }

  function docker(name: string, manifest: object, extra: TarSpec[] = []): Promise<string> {
    return archive(name, [
      { name: `${ID}/layer.tar`, content: layer },
      { name: 'c.json', content: cfg },
      ...extra,
      { name: 'manifest.json', content: JSON.stringify([manifest]) },
    ]);
  }

  /** Opens, resolves, and copies the image out — the whole read path must refuse. */
  async function readAll(ref: string, open: (r: string) => Promise<ImageSource>): Promise<void> {
    const source = await open(ref);
    const sink = await dockerArchiveSink(`docker-archive:${join(work, 'out.tar')}`);
    try {
      await copyOne(source, sink);
    } finally {
      await sink.close();
    }
  }

  const unsafe = (err: unknown) =>
    ['UNSAFE_PATH', 'INVALID_ARCHIVE'].includes((err as { code?: string }).code ?? '');

  test('manifest.json Config ../../canary is UNSAFE_PATH', async () => {
    const path = await docker('config-escape.tar', {
      Config: '../../../canary',
      Layers: [`${ID}/layer.tar`],
    });
    await assert.rejects(readAll(`docker-archive:${path}`, dockerArchiveSource), { code: 'UNSAFE_PATH' });
  });

  test('manifest.json layer ../../etc/passwd is UNSAFE_PATH', async () => {
    const path = await docker('layer-escape.tar', { Config: 'c.json', Layers: ['../../etc/passwd'] });
    await assert.rejects(readAll(`docker-archive:${path}`, dockerArchiveSource), { code: 'UNSAFE_PATH' });
  });

  test('manifest.json absolute layer path is UNSAFE_PATH', async () => {
    const path = await docker('layer-absolute.tar', { Config: 'c.json', Layers: ['/etc/passwd'] });
    await assert.rejects(readAll(`docker-archive:${path}`, dockerArchiveSource), { code: 'UNSAFE_PATH' });
  });

  test('a symlinked layer pointing outside the archive is UNSAFE_PATH', async () => {
    const path = await docker('symlink-escape.tar', { Config: 'c.json', Layers: ['evil/layer.tar'] }, [
      { name: 'evil/layer.tar', type: 'symlink', linkname: '../../../../canary' },
    ]);
    await assert.rejects(readAll(`docker-archive:${path}`, dockerArchiveSource), { code: 'UNSAFE_PATH' });
  });

  test('a symlinked layer with an absolute target is UNSAFE_PATH', async () => {
    const path = await docker('symlink-absolute.tar', { Config: 'c.json', Layers: ['evil/layer.tar'] }, [
      { name: 'evil/layer.tar', type: 'symlink', linkname: '/etc/passwd' },
    ]);
    await assert.rejects(readAll(`docker-archive:${path}`, dockerArchiveSource), { code: 'UNSAFE_PATH' });
  });

  test('a symlinked directory leading out of the archive is UNSAFE_PATH', async () => {
    const path = await docker('dir-symlink.tar', { Config: 'c.json', Layers: ['up/up/canary'] }, [
      { name: 'up', type: 'symlink', linkname: '..' },
    ]);
    await assert.rejects(readAll(`docker-archive:${path}`, dockerArchiveSource), { code: 'UNSAFE_PATH' });
  });

  test('a symlink loop is INVALID_ARCHIVE', async () => {
    const path = await docker('loop.tar', { Config: 'c.json', Layers: ['l1'] }, [
      { name: 'l1', type: 'symlink', linkname: 'l2' },
      { name: 'l2', type: 'symlink', linkname: 'l1' },
    ]);
    await assert.rejects(readAll(`docker-archive:${path}`, dockerArchiveSource), { code: 'INVALID_ARCHIVE' });
  });

  test('a symlinked layer whose target has 100k components is INVALID_ARCHIVE with a short message', async () => {
    const path = await docker('long-target.tar', { Config: 'c.json', Layers: ['evil/layer.tar'] }, [
      { name: 'evil/layer.tar', type: 'symlink', linkname: `${'a/'.repeat(100_000)}x` },
    ]);
    await assert.rejects(
      readAll(`docker-archive:${path}`, dockerArchiveSource),
      (err: Error & { code?: string }) => err.code === 'INVALID_ARCHIVE' && err.message.length < 1000,
    );
  });

  test('a symlinked layer whose target walks a few hundred components still resolves', async () => {
    const path = await docker('long-ok.tar', { Config: 'c.json', Layers: ['alias/layer.tar'] }, [
      { name: 'alias/layer.tar', type: 'symlink', linkname: `${'./'.repeat(300)}../${ID}/layer.tar` },
    ]);
    await readAll(`docker-archive:${path}`, dockerArchiveSource);
  });

  test('a layer path naming a directory is INVALID_ARCHIVE', async () => {
    const path = await docker('dir-layer.tar', { Config: 'c.json', Layers: [ID] }, [
      { name: `${ID}/`, type: 'directory' },
    ]);
    await assert.rejects(readAll(`docker-archive:${path}`, dockerArchiveSource), { code: 'INVALID_ARCHIVE' });
  });

  test('manifest.json that is null or malformed is INVALID_ARCHIVE', async () => {
    const nul = await archive('null-manifest.tar', [{ name: 'manifest.json', content: 'null' }]);
    await assert.rejects(dockerArchiveSource(`docker-archive:${nul}`), { code: 'INVALID_ARCHIVE' });
    const bad = await archive('bad-manifest.tar', [{ name: 'manifest.json', content: '[{"Config":1}]' }]);
    await assert.rejects(dockerArchiveSource(`docker-archive:${bad}`), {
      code: 'INVALID_ARCHIVE',
      message: /manifest\.json \[0\]\.Config: must be a string, not a number$/,
    });
    const empty = await archive('empty-config.tar', [
      { name: 'manifest.json', content: '[{"Config":"","Layers":[]}]' },
    ]);
    await assert.rejects(dockerArchiveSource(`docker-archive:${empty}`), {
      code: 'INVALID_ARCHIVE',
      message: /manifest\.json \[0\]\.Config: must not be empty$/,
    });
  });

  test('oci-archive entries with .. are UNSAFE_PATH', async () => {
    const path = await archive('dotdot.tar', [
      { name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' },
      { name: 'index.json', content: '{"schemaVersion":2,"manifests":[]}' },
      { name: '../../../canary', content: 'overwritten' },
    ]);
    await assert.rejects(ociArchiveSource(`oci-archive:${path}`), { code: 'UNSAFE_PATH' });
    await assert.rejects(dockerArchiveSource(`docker-archive:${path}`), { code: 'UNSAFE_PATH' });
  });

  test('oci-archive entries with absolute names are UNSAFE_PATH', async () => {
    const path = await archive('absolute.tar', [
      { name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' },
      { name: '/tmp/evil', content: 'evil' },
    ]);
    await assert.rejects(ociArchiveSource(`oci-archive:${path}`), { code: 'UNSAFE_PATH' });
  });

  test('oci-archive with a symlinked blob is INVALID_ARCHIVE', async () => {
    const path = await archive('symlink-blob.tar', [
      { name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' },
      { name: 'index.json', content: '{"schemaVersion":2,"manifests":[]}' },
      { name: `blobs/sha256/${'e'.repeat(64)}`, type: 'symlink', linkname: '/etc/passwd' },
    ]);
    await assert.rejects(ociArchiveSource(`oci-archive:${path}`), unsafe);
  });

  test('oci-archive with a wrong layout version or a broken index.json is INVALID_ARCHIVE', async () => {
    const version = await archive('version.tar', [
      { name: 'oci-layout', content: '{"imageLayoutVersion":"2.0.0"}' },
      { name: 'index.json', content: '{"schemaVersion":2,"manifests":[]}' },
    ]);
    await assert.rejects(ociArchiveSource(`oci-archive:${version}`), { code: 'INVALID_ARCHIVE' });
    const index = await archive('index.tar', [
      { name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' },
      { name: 'index.json', content: '{"schemaVersion":2,"manifests":[{"digest":"sha256:../../x"}]}' },
    ]);
    await assert.rejects(ociArchiveSource(`oci-archive:${index}`), { code: 'INVALID_ARCHIVE' });
  });

  test('a file that is not a tar is INVALID_ARCHIVE', async () => {
    const path = join(work, 'garbage.tar');
    await writeFile(path, Buffer.alloc(1024, 0x41));
    await assert.rejects(ociArchiveSource(`oci-archive:${path}`), { code: 'INVALID_ARCHIVE' });
    await assert.rejects(dockerArchiveSource(`docker-archive:${path}`), { code: 'INVALID_ARCHIVE' });
  });
});
