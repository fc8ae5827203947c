/** Tar header encoding and reading: every entry type, PAX long names, large ids and sizes, times, xattrs. */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { test } from 'node:test';
import { digestBytes, Hasher } from '../../src/digest/index.ts';
import { isOciError } from '../../src/errors/index.ts';
import {
  END_OF_ARCHIVE,
  encodeHeader,
  makeEntry,
  padding,
  readTar,
  type TarEntry,
} from '../../src/tar/index.ts';
import { run } from '../helpers/exec.ts';
import { hostileTar, rawHeader } from '../helpers/hostile-tar.ts';
import { scratch } from '../helpers/tmp.ts';
import { chunked } from './fixtures.ts';

async function readAll(bytes: Buffer): Promise<Array<{ entry: TarEntry; content: Buffer }>> {
  const out: Array<{ entry: TarEntry; content: Buffer }> = [];
  for await (const { entry, body } of readTar(chunked(bytes, 1000))) {
    const parts: Buffer[] = [];
    for await (const c of body) parts.push(c);
    out.push({ entry, content: Buffer.concat(parts) });
  }
  return out;
}

function archive(items: Array<{ entry: TarEntry; content?: Buffer }>): Buffer {
  const parts: Buffer[] = [];
  for (const { entry, content } of items) {
    parts.push(encodeHeader(entry));
    if (content) parts.push(content, padding(content.length));
  }
  parts.push(END_OF_ARCHIVE);
  return Buffer.concat(parts);
}

test('every entry type round-trips through encodeHeader and readTar', async () => {
  const content = Buffer.from('hello world');
  const entries: Array<{ entry: TarEntry; content?: Buffer }> = [
    { entry: makeEntry({ path: 'dir', type: 'directory', mode: 0o1777, mtimeNs: 5_000_000_000n }) },
    {
      entry: makeEntry({
        path: 'dir/file',
        type: 'file',
        size: content.length,
        mode: 0o4755,
        uid: 7,
        gid: 8,
      }),
      content,
    },
    { entry: makeEntry({ path: 'dir/sym', type: 'symlink', linkname: '../target' }) },
    { entry: makeEntry({ path: 'dir/hard', type: 'link', linkname: 'dir/file' }) },
    { entry: makeEntry({ path: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3 }) },
    { entry: makeEntry({ path: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0 }) },
    { entry: makeEntry({ path: 'fifo', type: 'fifo', mode: 0o600 }) },
  ];
  const read = await readAll(archive(entries));
  assert.equal(read.length, entries.length);
  for (const [i, { entry }] of entries.entries()) {
    const got = read[i]?.entry as TarEntry;
    const expectedPath = entry.type === 'directory' ? `${entry.path}/` : entry.path;
    assert.equal(got.path, expectedPath);
    assert.equal(got.type, entry.type);
    assert.equal(got.mode, entry.mode);
    assert.equal(got.uid, entry.uid);
    assert.equal(got.gid, entry.gid);
    assert.equal(got.linkname, entry.linkname);
    assert.equal(got.devmajor, entry.devmajor);
    assert.equal(got.devminor, entry.devminor);
    assert.equal(got.mtimeNs, entry.mtimeNs);
  }
  assert.deepEqual(read[1]?.content, content);
});

test('a file already buffered whole comes as `content` too, one split across chunks only through its body', async () => {
  const small = Buffer.from('small file\n');
  const large = Buffer.alloc(5000, 7);
  const bytes = archive([
    { entry: makeEntry({ path: 'small', type: 'file', size: small.length }), content: small },
    { entry: makeEntry({ path: 'large', type: 'file', size: large.length }), content: large },
  ]);
  const seen: Array<[string, string | undefined, number]> = [];
  for await (const { entry, body, content } of readTar(chunked(bytes, 1536))) {
    const parts: Buffer[] = [];
    for await (const c of body) parts.push(c);
    const streamed = Buffer.concat(parts);
    if (content !== undefined) assert.deepEqual(content, streamed);
    seen.push([entry.path, content?.toString('utf8'), streamed.length]);
  }
  assert.deepEqual(seen, [
    ['small', 'small file\n', small.length],
    ['large', undefined, large.length],
  ]);
});

test('PAX carries long and non-ASCII names and link targets, large ids, sub-second mtimes and xattrs', async () => {
  const longName = `${'a'.repeat(150)}/${'b'.repeat(150)}/caf\u00e9`;
  const longTarget = `/${'t'.repeat(300)}`;
  const entry = makeEntry({
    path: longName,
    type: 'symlink',
    linkname: longTarget,
    uid: 3_000_000_000,
    gid: 2_097_152,
    mtimeNs: 1_700_000_000_123_456_789n,
    xattrs: new Map([
      ['user.comment', Buffer.from('caf\u00e9 = ok\n')],
      ['trusted.overlay.opaque', Buffer.from('y')],
    ]),
  });
  const [read] = await readAll(archive([{ entry }]));
  const got = read?.entry as TarEntry;
  assert.equal(got.path, longName);
  assert.equal(got.linkname, longTarget);
  assert.equal(got.uid, 3_000_000_000);
  assert.equal(got.gid, 2_097_152);
  assert.equal(got.mtimeNs, 1_700_000_000_123_456_789n);
  assert.deepEqual(got.xattrs, entry.xattrs);
});

test('negative mtimes round-trip through PAX', async () => {
  const entry = makeEntry({ path: 'old', type: 'file', mtimeNs: -1_500_000_000n });
  const [read] = await readAll(archive([{ entry, content: Buffer.alloc(0) }]));
  assert.equal(read?.entry.mtimeNs, -1_500_000_000n);
});

test('binary xattr values are written byte for byte as SCHILY.xattr records and read back losslessly', async () => {
  const value = Buffer.from([0x01, 0x00, 0x00, 0x02, 0xff, 0xfe, 0x00, 0x20, 0x0a, 0x3d]);
  const entry = makeEntry({ path: 'ping', type: 'file', xattrs: new Map([['security.capability', value]]) });
  const header = encodeHeader(entry);
  const key = Buffer.from('SCHILY.xattr.security.capability=');
  const at = header.indexOf(key);
  assert.ok(at > 0);
  assert.deepEqual(header.subarray(at + key.length, at + key.length + value.length), value);
  const [read] = await readAll(archive([{ entry, content: Buffer.alloc(0) }]));
  assert.deepEqual(read?.entry.xattrs.get('security.capability'), value);
});

test('GNU long names and link targets (type L and K) are read', async (t) => {
  const dir = await scratch(t);
  const long = `${'x'.repeat(120)}/${'y'.repeat(120)}`;
  mkdirSync(`${dir}/src/${long}`, { recursive: true });
  symlinkSync(`/${'t'.repeat(150)}`, `${dir}/src/${long}/link`);
  await run('tar', ['--format=gnu', '-c', '-f', `${dir}/gnu.tar`, '-C', `${dir}/src`, '.']);
  const read = await readAll(readFileSync(`${dir}/gnu.tar`));
  const link = read.find((r) => r.entry.type === 'symlink')?.entry;
  assert.equal(link?.path, `./${long}/link`);
  assert.equal(link?.linkname, `/${'t'.repeat(150)}`);
});

test('a global PAX header applies to every following entry', async () => {
  const records = Buffer.from('17 uid=123456789\n');
  const tar = Buffer.concat([
    rawHeader({ name: 'pax_global_header', typeflag: 'g', size: records.length }),
    records,
    padding(records.length),
    encodeHeader(makeEntry({ path: 'a', type: 'file' })),
    encodeHeader(makeEntry({ path: 'b', type: 'file' })),
    END_OF_ARCHIVE,
  ]);
  const read = await readAll(tar);
  assert.deepEqual(
    read.map((r) => r.entry.uid),
    [123456789, 123456789],
  );
});

test('a tar without end-of-archive blocks is accepted, and bytes after them are still hashed', async () => {
  const entry = makeEntry({ path: 'f', type: 'file', size: 3 });
  const noEnd = Buffer.concat([encodeHeader(entry), Buffer.from('abc'), padding(3)]);
  assert.equal((await readAll(noEnd)).length, 1);
  const trailing = Buffer.concat([noEnd, END_OF_ARCHIVE, Buffer.alloc(10_000)]);
  const hasher = new Hasher();
  for await (const { body } of readTar([trailing], { hasher })) for await (const _ of body) void _;
  assert.equal(hasher.digest(), digestBytes(trailing));
});

test('a tar whose last file ends without its padding (as umoci insert writes it) is read whole', async () => {
  // umoci insert ends its layer right after the last file's content: no padding, no end blocks.
  const entry = makeEntry({ path: 'f', type: 'file', size: 2 });
  const truncated = Buffer.concat([encodeHeader(entry), Buffer.from('x\n')]);
  const read = [];
  for await (const { entry: e, body } of readTar([truncated])) {
    const parts: Buffer[] = [];
    for await (const chunk of body) parts.push(Buffer.from(chunk));
    read.push([e.path, Buffer.concat(parts).toString()]);
  }
  assert.deepEqual(read, [['f', 'x\n']]);
  // Content cut short is still refused.
  const short = Buffer.concat([
    encodeHeader(makeEntry({ path: 'g', type: 'file', size: 5 })),
    Buffer.from('ab'),
  ]);
  await assert.rejects(readAll(short), (err) => isOciError(err, 'INVALID_ARCHIVE'));
});

test('malformed PAX records fail with INVALID_ARCHIVE', async () => {
  for (const bad of ['99 path=x\n', 'abc path=x\n', '12 pathx\n ']) {
    const records = Buffer.from(bad);
    const tar = Buffer.concat([
      rawHeader({ name: 'PaxHeader', typeflag: 'x', size: records.length }),
      records,
      padding(records.length),
      encodeHeader(makeEntry({ path: 'a', type: 'file' })),
      END_OF_ARCHIVE,
    ]);
    await assert.rejects(readAll(tar), (err) => isOciError(err, 'INVALID_ARCHIVE'), bad);
  }
});

test('an oversized extended header fails with INVALID_ARCHIVE before it is buffered', async () => {
  const tar = Buffer.concat([
    rawHeader({ name: 'PaxHeader', typeflag: 'x', size: 64 << 20 }),
    Buffer.alloc(1024),
  ]);
  await assert.rejects(readAll(tar), (err) => isOciError(err, 'INVALID_ARCHIVE'));
});

test('LIBARCHIVE.xattr records (base64) are read losslessly', async () => {
  const value = Buffer.from([0x00, 0xff, 0x80, 0x7f]);
  const bytes = await hostileTar([
    { name: 'f', content: 'x', pax: { 'LIBARCHIVE.xattr.security.capability': value.toString('base64') } },
  ]);
  const [read] = await readAll(bytes);
  assert.deepEqual(read?.entry.xattrs.get('security.capability'), value);
});

test('sizes over 8 GiB use a PAX size record and base-256, and read back exactly', async () => {
  const size = 9 * 1024 ** 3 + 3;
  const header = encodeHeader(makeEntry({ path: 'huge', type: 'file', size }));
  assert.ok(header.includes(Buffer.from(` size=${size}\n`)));
  assert.equal(header[header.length - 512 + 124], 0x80);
  for await (const { entry } of readTar([header, Buffer.alloc(4096)])) {
    assert.equal(entry.size, size);
    break;
  }
});

test('uname and gname are empty and device numbers appear only on devices', () => {
  const file = encodeHeader(makeEntry({ path: 'f', type: 'file', uid: 1000 }));
  assert.deepEqual(file.subarray(265, 265 + 64), Buffer.alloc(64));
  assert.deepEqual(file.subarray(329, 345), Buffer.alloc(16));
  const dev = encodeHeader(makeEntry({ path: 'd', type: 'character-device', devmajor: 1, devminor: 5 }));
  assert.equal(dev.subarray(329, 336).toString(), '0000001');
  assert.equal(dev.subarray(337, 344).toString(), '0000005');
});

test('a truncated tar stream fails with INVALID_ARCHIVE', async () => {
  const bytes = await hostileTar([{ name: 'f', content: 'x'.repeat(2000) }]);
  await assert.rejects(readAll(bytes.subarray(0, 1024)), (err) => isOciError(err, 'INVALID_ARCHIVE'));
});

test('an unsupported type flag fails with INVALID_ARCHIVE', async () => {
  const bytes = Buffer.concat([rawHeader({ name: 'sparse', typeflag: 'S' }), Buffer.alloc(1024)]);
  await assert.rejects(readAll(bytes), (err) => isOciError(err, 'INVALID_ARCHIVE'));
});

test('a corrupt header checksum fails with INVALID_ARCHIVE', async () => {
  const header = rawHeader({ name: 'f', typeflag: '0' });
  header[0] = 0x67;
  await assert.rejects(readAll(Buffer.concat([header, Buffer.alloc(1024)])), (err) =>
    isOciError(err, 'INVALID_ARCHIVE'),
  );
});
