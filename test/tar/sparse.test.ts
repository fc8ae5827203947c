/**
 * Sparse files (GNU tar's `--sparse`) in layers: the four encodings GNU tar writes unpack byte for
 * byte, under their real names, with their holes kept as holes; umoci (Go's archive/tar) reads the
 * PAX ones the same; hostile maps are refused.
 */
import assert from 'node:assert/strict';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { test } from 'node:test';
import { isOciError } from '../../src/errors/index.ts';
import { applyLayer, readTar } from '../../src/tar/index.ts';
import { run } from '../helpers/exec.ts';
import { type HostileEntry, hostileTar } from '../helpers/hostile-tar.ts';
import { scratch } from '../helpers/tmp.ts';
import { snapshotTree } from '../helpers/tree-snapshot.ts';

const FORMATS = {
  gnu: ['--format=gnu'],
  'posix-0.0': ['--format=posix', '--sparse-version=0.0'],
  'posix-0.1': ['--format=posix', '--sparse-version=0.1'],
  'posix-1.0': ['--format=posix', '--sparse-version=1.0'],
} as const;

type Format = keyof typeof FORMATS;

/**
 * Writes sparse files into `src`: 30 data islands between holes (more fragments than an old GNU
 * header and one extension block hold), one ending in a hole, one that is all hole, and a plain file.
 */
function writeSparseTree(src: string): void {
  mkdirSync(src);
  const islands = openSync(`${src}/islands`, 'w');
  for (let i = 0; i < 30; i++)
    writeSync(islands, Buffer.alloc(5000, 65 + (i % 26)), 0, 5000, i * 65_536 + 100);
  closeSync(islands);
  const tail = openSync(`${src}/tail-hole`, 'w');
  writeSync(tail, Buffer.from('head'));
  closeSync(tail);
  truncateSync(`${src}/tail-hole`, 3 << 20);
  writeFileSync(`${src}/all-hole`, '');
  truncateSync(`${src}/all-hole`, 1 << 20);
  mkdirSync(`${src}/dir`);
  writeFileSync(`${src}/dir/plain`, 'plain');
}

async function archive(dir: string, format: Format): Promise<string> {
  const file = `${dir}/${format}.tar`;
  await run('tar', ['--sparse', ...FORMATS[format], '--numeric-owner', '-cf', file, '-C', `${dir}/src`, '.']);
  return file;
}

test('sparse files from GNU tar, in each of its four sparse formats, unpack byte for byte under their real names, holes kept as holes', async (t) => {
  const dir = await scratch(t);
  writeSparseTree(`${dir}/src`);
  for (const format of Object.keys(FORMATS) as Format[]) {
    const tar = readFileSync(await archive(dir, format));
    if (format === 'gnu') {
      // The old GNU form of `islands` needs extension blocks after its header: the case is covered.
      const at = tar.indexOf('./islands\u0000');
      assert.equal(String.fromCharCode(tar[at + 156] as number), 'S');
      assert.notEqual(tar[at + 482], 0, 'the islands header is followed by sparse extension blocks');
    } else assert.ok(tar.includes('GNU.sparse'), `${format}: GNU tar wrote PAX sparse records`);
    const out = `${dir}/out-${format}`;
    mkdirSync(out);
    await applyLayer(out, [tar]);
    for (const name of ['islands', 'tail-hole', 'all-hole']) {
      assert.deepEqual(
        readFileSync(`${out}/${name}`),
        readFileSync(`${dir}/src/${name}`),
        `${format}: ${name}`,
      );
      const st = statSync(`${out}/${name}`);
      assert.ok(st.blocks * 512 < st.size / 2, `${format}: ${name} keeps its holes (${st.blocks} blocks)`);
    }
    // GNU tar's own extraction gives the same tree (names, modes, owners, times, content).
    const theirs = `${dir}/gnu-${format}`;
    mkdirSync(theirs);
    await run('tar', ['-xf', `${dir}/${format}.tar`, '-C', theirs]);
    assert.deepEqual(snapshotTree(out), snapshotTree(theirs), format);
  }
});

test('umoci (Go archive/tar) unpacks the PAX sparse formats to the same tree as ocikit', async (t) => {
  const dir = await scratch(t);
  writeSparseTree(`${dir}/src`);
  const layout = `${dir}/layout`;
  await run('umoci', ['init', '--layout', layout]);
  for (const format of ['posix-0.0', 'posix-0.1', 'posix-1.0'] as const) {
    const file = await archive(dir, format);
    await run('umoci', ['new', '--image', `${layout}:${format}`]);
    await run('umoci', ['raw', 'add-layer', '--image', `${layout}:${format}`, file]);
    await run('umoci', ['unpack', '--image', `${layout}:${format}`, `${dir}/bundle-${format}`]);
    const ours = `${dir}/ours-${format}`;
    mkdirSync(ours);
    await applyLayer(ours, [readFileSync(file)]);
    assert.deepEqual(snapshotTree(ours), snapshotTree(`${dir}/bundle-${format}/rootfs`), format);
  }
});

test('readTar gives every reader (export, flatten, diff, the explorer) a sparse file expanded, under its real name', async (t) => {
  const dir = await scratch(t);
  writeSparseTree(`${dir}/src`);
  const file = await archive(dir, 'posix-1.0');
  const seen = new Map<string, Buffer>();
  for await (const { entry, body } of readTar([readFileSync(file)])) {
    if (entry.type !== 'file') continue;
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk));
    const content = Buffer.concat(chunks);
    assert.equal(content.length, entry.size, entry.path);
    seen.set(entry.path, content);
  }
  assert.deepEqual([...seen.keys()].sort(), ['./all-hole', './dir/plain', './islands', './tail-hole']);
  assert.deepEqual(seen.get('./islands'), readFileSync(`${dir}/src/islands`));
});

/** A PAX 0.1 sparse entry: `data` stored, spread by `map` (offset,length,...) over `size` bytes. */
function sparse01(
  name: string,
  data: string,
  map: string,
  size: number,
  extra: Record<string, string> = {},
): HostileEntry {
  return {
    name: `GNUSparseFile.0/${name}`,
    content: data,
    pax: {
      'GNU.sparse.major': '0',
      'GNU.sparse.minor': '1',
      'GNU.sparse.name': name,
      'GNU.sparse.size': String(size),
      'GNU.sparse.map': map,
      ...extra,
    },
  };
}

/** A PAX 1.0 sparse entry whose data starts with `mapText`, padded to a block. */
function sparse10(name: string, mapText: string, data: string, size: number): HostileEntry {
  const map = Buffer.alloc(Math.ceil(Buffer.byteLength(mapText) / 512) * 512 || 512);
  map.write(mapText, 'latin1');
  return {
    name: `GNUSparseFile.0/${name}`,
    content: Buffer.concat([map, Buffer.from(data)]),
    pax: {
      'GNU.sparse.major': '1',
      'GNU.sparse.minor': '0',
      'GNU.sparse.name': name,
      'GNU.sparse.realsize': String(size),
    },
  };
}

test('a hand-made PAX 0.1 and 1.0 sparse entry expand as their maps say', async (t) => {
  const root = `${await scratch(t)}/root`;
  mkdirSync(root);
  await applyLayer(root, [
    await hostileTar([sparse01('a', 'xxyyy', '2,2,10,3', 16), sparse10('b', '2\n0\n1\n7\n2\n', 'pqr', 12)]),
  ]);
  assert.deepEqual(readFileSync(`${root}/a`), Buffer.from('\0\0xx\0\0\0\0\0\0yyy\0\0\0'));
  assert.deepEqual(readFileSync(`${root}/b`), Buffer.from('p\0\0\0\0\0\0qr\0\0\0'));
});

const HOSTILE_MAPS: Array<[string, HostileEntry]> = [
  ['fragments out of order', sparse01('f', 'abcd', '10,2,0,2', 20)],
  ['overlapping fragments', sparse01('f', 'abcd', '0,3,2,1', 20)],
  ['a fragment past the real size', sparse01('f', 'abcd', '0,2,19,2', 20)],
  ['a map naming more data than is stored', sparse01('f', 'abcd', '0,2,10,3', 20)],
  ['a map naming less data than is stored', sparse01('f', 'abcd', '0,2', 20)],
  ['an odd number of map values', sparse01('f', 'abcd', '0,2,5', 20)],
  ['a map value that is not a number', sparse01('f', 'abcd', '0,2,x,2', 20)],
  ['an unknown sparse version', sparse01('f', 'abcd', '0,4', 20, { 'GNU.sparse.major': '2' })],
  ['a 1.0 map whose count does not fit its data', sparse10('f', '99999\n0\n1\n', 'a', 20)],
  ['a 1.0 map with a negative length', sparse10('f', '1\n0\n-1\n', 'a', 20)],
  [
    'a fragment count (numblocks) that is not the map',
    sparse01('f', 'abcd', '0,4', 20, { 'GNU.sparse.numblocks': '2' }),
  ],
  ['a 1.0 map line longer than any number', sparse10('f', `${'1'.repeat(4000)}\n`, 'a', 20)],
  [
    'sparse records on a symlink',
    { ...sparse01('f', '', '0,0', 20), type: 'symlink', linkname: 'x', content: undefined },
  ],
];

for (const [what, entry] of HOSTILE_MAPS) {
  test(`hostile sparse map refused (INVALID_ARCHIVE): ${what}`, async (t) => {
    const root = `${await scratch(t)}/root`;
    mkdirSync(root);
    await assert.rejects(applyLayer(root, [await hostileTar([entry])]), (err) =>
      isOciError(err, 'INVALID_ARCHIVE'),
    );
  });
}

test('hostile: a sparse name (GNU.sparse.name) climbing out of the root is refused as any entry name is (UNSAFE_PATH)', async (t) => {
  const dir = await scratch(t);
  const root = `${dir}/root`;
  mkdirSync(root);
  await assert.rejects(
    applyLayer(root, [await hostileTar([sparse01('../escaped', 'abcd', '0,4', 8)])]),
    (err) => isOciError(err, 'UNSAFE_PATH'),
  );
  assert.equal(existsSync(`${dir}/escaped`), false);
});

/** One PAX record, its length counting itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = body.length + 1;
  while (`${length}${body}`.length !== length) length++;
  return `${length}${body}`;
}

test('sparse records in a global PAX header make no later entry sparse; an empty map with no version is no sparse file', async (t) => {
  const root = `${await scratch(t)}/root`;
  mkdirSync(root);
  await applyLayer(root, [
    await hostileTar([
      {
        name: 'pax_global_header',
        rawTypeflag: 'g',
        content:
          paxRecord('GNU.sparse.major', '1') +
          paxRecord('GNU.sparse.minor', '0') +
          paxRecord('GNU.sparse.name', 'all'),
      },
      { name: 'plain', content: 'plain content' },
      { name: 'dir/', type: 'directory' },
      { name: 'empty-map', content: 'stored as is', pax: { 'GNU.sparse.map': '' } },
    ]),
  ]);
  assert.equal(readFileSync(`${root}/plain`, 'utf8'), 'plain content');
  assert.ok(statSync(`${root}/dir`).isDirectory());
  assert.equal(readFileSync(`${root}/empty-map`, 'utf8'), 'stored as is');
  assert.equal(existsSync(`${root}/all`), false);
});

/** Unpacks one PAX 0.1 sparse file of `size` bytes ending in `tail`; checks it kept its holes. */
async function unpackSparse(
  t: Parameters<typeof scratch>[0],
  data: string,
  map: string,
  size: number,
  tail: string,
): Promise<void> {
  const root = `${await scratch(t)}/root`;
  mkdirSync(root);
  await applyLayer(root, [await hostileTar([sparse01('f', data, map, size)])]);
  const st = statSync(`${root}/f`);
  assert.equal(st.size, size);
  assert.ok(st.blocks <= 64, `${st.blocks} blocks allocated`);
  const fd = openSync(`${root}/f`, 'r');
  const end = Buffer.alloc(tail.length);
  readSync(fd, end, 0, end.length, size - end.length);
  closeSync(fd);
  assert.equal(end.toString(), tail);
}

test('hostile: a sparse bomb (64 GiB of holes in a layer of a few KB) unpacks as a sparse file, without writing 64 GiB', async (t) => {
  const size = 64 * 2 ** 30;
  await unpackSparse(t, 'headtail', `0,4,${size - 4},4`, size, 'tail');
});

test('hostile: a hole of 2^50 bytes costs one step, not one per megabyte (the file keeps its holes)', {
  timeout: 120_000,
}, async (t) => {
  const size = 2 ** 50;
  await unpackSparse(t, 'tail', `${size - 4},4`, size, 'tail');
});
