/**
 * Entry orderings that real layer writers produce (containers/storage's overlay differ as buildah
 * commits, sorted differs that write a whiteout before the entry replacing it, GNU tar given a path
 * twice), each applied with applyLayer and compared with `umoci unpack` of the same layers
 * (`umoci raw add-layer`). Where umoci follows a symlink a whiteout lies under, the reference is
 * the same layer written in the order umoci gets right (layer.md W12: order does not matter).
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { type TestContext, test } from 'node:test';
import { applyLayer } from '../../src/tar/index.ts';
import { run } from '../helpers/exec.ts';
import { type HostileEntry, hostileTar } from '../helpers/hostile-tar.ts';
import { scratch } from '../helpers/tmp.ts';
import { type SnapshotEntry, snapshotTree } from '../helpers/tree-snapshot.ts';
import { umociRawImage, umociUnpack } from '../helpers/umoci-image.ts';

/** Applies the layers with applyLayer into `dir/name`; returns the root. */
async function applyOurs(dir: string, name: string, tars: readonly Buffer[]): Promise<string> {
  const root = `${dir}/${name}`;
  mkdirSync(root);
  for (const tar of tars) await applyLayer(root, [tar]);
  return root;
}

async function tarsOf(layers: readonly HostileEntry[][]): Promise<Buffer[]> {
  return Promise.all(layers.map((layer) => hostileTar(layer)));
}

/**
 * Applies the layers with applyLayer and with `umoci unpack`; asserts equal trees (mtimes
 * included unless `mtimes` is false), returns ours.
 */
async function assertLikeUmoci(
  t: TestContext,
  layers: HostileEntry[][],
  options: { mtimes?: boolean } = {},
): Promise<string> {
  const dir = await scratch(t, 'ocikit-orderings-');
  const tars = await tarsOf(layers);
  const image = await umociRawImage(dir, tars);
  const theirs = await umociUnpack(image.layout, image.tag, `${dir}/bundle`);
  const ours = await applyOurs(dir, 'ours', tars);
  assert.deepEqual(snapshotTree(ours, options), snapshotTree(theirs, options));
  return ours;
}

/** Our tree for `layers`, snapshotted. */
async function oursOf(t: TestContext, ...layers: HostileEntry[][]): Promise<SnapshotEntry[]> {
  const dir = await scratch(t, 'ocikit-orderings-');
  return snapshotTree(await applyOurs(dir, 'ours', await tarsOf(layers)));
}

const dir = (name: string, extra: Partial<HostileEntry> = {}): HostileEntry => ({
  name,
  type: 'directory',
  ...extra,
});
const file = (name: string, content: string): HostileEntry => ({ name, content });

/** A lower layer with a directory `d` and a symlink `dl -> d` to it. */
const LINKED_DIR: HostileEntry[] = [
  dir('d/'),
  file('d/child', 'c'),
  dir('d/sub/'),
  file('d/sub/y', 'y'),
  { name: 'dl', type: 'symlink', linkname: 'd' },
];

test('buildah (overlay differ): a symlink replaced by a new directory, written "dl/" then "dl/.wh..wh..opq"', async (t) => {
  const ours = await assertLikeUmoci(t, [
    LINKED_DIR,
    [dir('dl/'), { name: 'dl/.wh..wh..opq', mode: 0o755, mtime: 0 }, file('dl/w', 'w')],
  ]);
  assert.ok(statSync(`${ours}/dl`).isDirectory());
  assert.equal(readFileSync(`${ours}/d/child`, 'utf8'), 'c');
});

test('W12: the opaque whiteout written before the directory that replaces a symlink gives the same tree (the link target keeps its children)', async (t) => {
  const reference = await oursOf(t, LINKED_DIR, [dir('dl/'), { name: 'dl/.wh..wh..opq' }, file('dl/w', 'w')]);
  const opaqueFirst = await oursOf(t, LINKED_DIR, [
    { name: 'dl/.wh..wh..opq' },
    dir('dl/'),
    file('dl/w', 'w'),
  ]);
  assert.deepEqual(opaqueFirst, reference);
  assert.ok(opaqueFirst.some((e) => e.path === 'd/child'));
});

test('sorted differ: a directory deleted and re-created in one layer, ".wh.foo" before "foo/"', async (t) => {
  await assertLikeUmoci(t, [
    [dir('foo/'), file('foo/old', 'old'), dir('foo/sub/'), file('foo/sub/x', 'x')],
    [{ name: '.wh.foo' }, dir('foo/', { mode: 0o700 }), file('foo/new', 'new')],
  ]);
});

test('W12: an opaque whiteout after entries of its directory in the same layer hides only lower children', async (t) => {
  // Times left out: umoci empties d/keep after setting its time, so it shows the time of the
  // unpack; here every directory keeps the time its entry gives (checked below).
  const ours = await assertLikeUmoci(
    t,
    [
      [dir('d/'), file('d/old', 'old'), dir('d/keep/'), file('d/keep/lower', 'l')],
      [
        dir('d/'),
        file('d/new', 'n'),
        dir('d/keep/', { mtime: 1234 }),
        file('d/keep/upper', 'u'),
        { name: 'd/.wh..wh..opq' },
      ],
    ],
    { mtimes: false },
  );
  assert.equal(Math.floor(statSync(`${ours}/d/keep`).mtimeMs / 1000), 1234);
  assert.deepEqual(
    snapshotTree(ours).map((e) => e.path),
    ['d', 'd/keep', 'd/keep/upper', 'd/new'],
  );
});

test('a directory replaced by a file in the same layer right after its whiteout: ".wh.d" then "d"', async (t) => {
  await assertLikeUmoci(t, [
    [dir('d/'), file('d/child', 'c'), dir('d/sub/'), file('d/sub/y', 'y')],
    [{ name: '.wh.d' }, file('d', 'file now')],
  ]);
});

test('children whited out before their directory is replaced by a file: "d/.wh.child" then "d"', async (t) => {
  await assertLikeUmoci(t, [
    [dir('d/'), file('d/child', 'c'), file('d/other', 'o')],
    [{ name: 'd/.wh.child' }, { name: 'd/.wh.other' }, file('d', 'file now')],
  ]);
});

test('a directory replaced by a file, then whiteouts of its children under the file (umoci repack order)', async (t) => {
  await assertLikeUmoci(t, [
    [dir('d/'), file('d/child', 'c'), dir('d/sub/'), file('d/sub/y', 'y')],
    [file('d', 'file now'), { name: 'd/.wh.child' }, { name: 'd/.wh.sub' }],
  ]);
});

test('a whiteout of a path this layer re-created earlier keeps the new path (W7): "f/", "f/in", ".wh.f"', async (t) => {
  await assertLikeUmoci(t, [[file('f', 'old file')], [dir('f/'), file('f/in', 'in'), { name: '.wh.f' }]]);
});

test('a hard link to a file the same layer rewrote earlier shares the new content', async (t) => {
  const ours = await assertLikeUmoci(t, [
    [file('f', 'old')],
    [file('f', 'new'), { name: 'h', type: 'link', linkname: 'f' }],
  ]);
  assert.equal(readFileSync(`${ours}/h`, 'utf8'), 'new');
});

test('a hard link made before the same layer rewrites its target keeps the old content (as GNU tar extracts it)', async (t) => {
  const ours = await assertLikeUmoci(t, [
    [file('f', 'old')],
    [{ name: 'h', type: 'link', linkname: 'f' }, file('f', 'new')],
  ]);
  assert.equal(readFileSync(`${ours}/h`, 'utf8'), 'old');
  assert.equal(readFileSync(`${ours}/f`, 'utf8'), 'new');
  // GNU tar, extracting both layers in turn, agrees.
  const gnu = `${ours}-gnu`;
  mkdirSync(gnu);
  const layers = [
    [file('f', 'old')],
    [{ name: 'h', type: 'link' as const, linkname: 'f' }, file('f', 'new')],
  ];
  for (const [i, layer] of layers.entries()) {
    writeFileSync(`${gnu}-${i}.tar`, await hostileTar(layer));
    await run('tar', ['-x', '-f', `${gnu}-${i}.tar`, '-C', gnu]);
  }
  assert.equal(readFileSync(`${gnu}/h`, 'utf8'), 'old');
});

test('a hard link to a lower file that the same layer then whites out keeps the content (W7)', async (t) => {
  const ours = await assertLikeUmoci(t, [
    [file('f', 'lower')],
    [{ name: 'h', type: 'link', linkname: 'f' }, { name: '.wh.f' }],
  ]);
  assert.equal(readFileSync(`${ours}/h`, 'utf8'), 'lower');
});

test('the same path twice in one layer: the last entry wins (file over file, directory over file, file over directory)', async (t) => {
  const ours = await assertLikeUmoci(t, [
    [file('lower', 'l')],
    [
      file('x', 'first'),
      file('x', 'second'),
      file('z', 'file'),
      dir('z/'),
      file('z/in', 'in'),
      dir('y/'),
      file('y/child', 'c'),
      file('y', 'file wins'),
    ],
  ]);
  assert.equal(readFileSync(`${ours}/x`, 'utf8'), 'second');
  assert.equal(readFileSync(`${ours}/y`, 'utf8'), 'file wins');
});
