import assert from 'node:assert/strict';
import { mkdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TarIndex } from '../../src/transports/archive/tar-index.ts';
import { drain, exec, makeTar, scratch } from './helpers.ts';

describe('tar index', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const longName = `${'deep/'.repeat(30)}file-with-a-long-name.txt`;

  before(async () => {
    ({ dir, cleanup } = await scratch());
    const tree = join(dir, 'tree');
    await mkdir(join(tree, 'deep/'.repeat(30)), { recursive: true });
    await writeFile(join(tree, longName), 'long\n');
    await writeFile(join(tree, 'big'), Buffer.alloc(700_000, 7));
    await writeFile(join(tree, 'empty'), '');
  });
  after(() => cleanup());

  for (const format of ['gnu', 'pax', 'ustar']) {
    test(`indexes GNU tar --format=${format} with long names (GNU records, PAX, ustar prefix) and reads entries at their offsets`, async () => {
      const file = join(dir, `${format}.tar`);
      await exec('tar', [`--format=${format}`, '-cf', file, '-C', join(dir, 'tree'), '.']);
      const index = await TarIndex.open(file);
      const big = index.get('big');
      assert.equal(big?.type, 'file');
      assert.ok((await drain(index.stream(big as never))).equals(Buffer.alloc(700_000, 7)));
      assert.equal((await drain(index.stream(index.get('empty') as never))).length, 0);
      const long = index.get(longName);
      assert.equal(long?.type, 'file');
      assert.equal((await index.read(long as never, 100)).toString(), 'long\n');
      assert.equal(index.get('deep')?.type, 'directory');
    });
  }

  test('an archive without end-of-archive blocks is still read', async () => {
    const tar = await makeTar([{ name: 'a', content: 'abc' }]);
    const file = join(dir, 'no-eof.tar');
    await writeFile(file, tar.subarray(0, 1024));
    const index = await TarIndex.open(file);
    assert.equal((await index.read(index.get('a') as never, 10)).toString(), 'abc');
  });

  test('truncated entry data is INVALID_ARCHIVE', async () => {
    const file = join(dir, 'truncated.tar');
    await writeFile(file, await makeTar([{ name: 'a', content: Buffer.alloc(5000, 1) }]));
    await truncate(file, 2048);
    await assert.rejects(TarIndex.open(file), { code: 'INVALID_ARCHIVE' });
  });

  test('a corrupted header checksum is INVALID_ARCHIVE', async () => {
    const file = join(dir, 'checksum.tar');
    const tar = await makeTar([{ name: 'a', content: 'abc' }]);
    tar[0] = 'b'.charCodeAt(0);
    await writeFile(file, tar);
    await assert.rejects(TarIndex.open(file), { code: 'INVALID_ARCHIVE' });
  });

  test('a later entry of the same name replaces the earlier one, as tar extraction would', async () => {
    const file = join(dir, 'dup.tar');
    await writeFile(
      file,
      await makeTar([
        { name: 'a', content: 'first' },
        { name: './a', content: 'second' },
      ]),
    );
    const index = await TarIndex.open(file);
    assert.equal((await index.read(index.get('a') as never, 100)).toString(), 'second');
  });

  test('read refuses entries above the limit with TOO_LARGE', async () => {
    const file = join(dir, 'limit.tar');
    await writeFile(file, await makeTar([{ name: 'a', content: Buffer.alloc(2000) }]));
    const index = await TarIndex.open(file);
    await assert.rejects(index.read(index.get('a') as never, 1000), { code: 'TOO_LARGE' });
    assert.equal((await readFile(file)).length % 512, 0);
  });
});
