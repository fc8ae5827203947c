/**
 * The archives Go's archive/tar is tested with (its `testdata`, shipped by Debian in
 * golang-github-vbatts-tar-split-dev; scripts/install-peers.sh installs it): written by GNU tar, bsdtar,
 * star, old and new Go writers, and crafted to break readers. Go's reader is what Docker,
 * containerd and umoci unpack layers with, so each archive either unpacks to the tree umoci makes
 * of it, or, where umoci refuses a valid archive (GNU's old sparse type `S`), to the tree GNU tar
 * makes, or is refused as a damaged archive.
 */
import assert from 'node:assert/strict';
import { closeSync, mkdirSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { type ErrorCode, isOciError } from '../../src/errors/index.ts';
import { applyLayer } from '../../src/tar/index.ts';
import { run } from '../helpers/exec.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import { type SnapshotEntry, snapshotTree } from '../helpers/tree-snapshot.ts';

const TESTDATA = '/usr/share/gocode/src/github.com/vbatts/tar-split/archive/tar/testdata';

/** Unpacked by umoci (Go's archive/tar) to the same tree. */
const AS_UMOCI = [
  'file-and-dir',
  'gnu',
  'gnu-long-nul',
  'gnu-multi-hdrs',
  'gnu-utf8',
  'hardlink',
  // Header-only types (directories, links, fifos, devices) whose size field is not zero: no data follows.
  'hdr-only',
  // Go before 1.8 wrote a prefix into GNU headers, which have none.
  'invalid-go17',
  'nil-uid',
  'pax',
  'pax-multi-hdrs',
  // PAX sparse files (GNU 0.0 / 0.1) with no hole, or with nothing but a hole.
  'pax-nil-sparse-data',
  'pax-nil-sparse-hole',
  'pax-pos-size-file',
  'pax-records',
  'star',
  'trailing-slash',
  'ustar',
  'ustar-file-devs',
  'ustar-file-reg',
  'v7',
  'writer',
  'xattrs',
];

/** Old GNU sparse files (type `S`), which umoci refuses: unpacked as GNU tar extracts them. */
const AS_GNU_TAR = ['gnu-nil-sparse-data', 'gnu-nil-sparse-hole'];

/** Damaged or hostile: refused with this error code (umoci refuses each too, or the noted case). */
const REFUSED: Array<[string, ErrorCode, string]> = [
  ['gnu-incremental', 'INVALID_ARCHIVE', "GNU's incremental dump type D is no layer entry"],
  ['issue10968', 'INVALID_ARCHIVE', 'a fuzzed header'],
  ['issue11169', 'INVALID_ARCHIVE', 'a malformed checksum field'],
  ['issue12435', 'INVALID_ARCHIVE', 'a negative base-256 size'],
  ['neg-size', 'INVALID_ARCHIVE', 'a negative size'],
  ['pax-bad-hdr-file', 'INVALID_ARCHIVE', 'a PAX record without its newline'],
  ['pax-bad-mtime-file', 'INVALID_ARCHIVE', 'a PAX mtime that is no number'],
  ['pax-global-records', 'UNSAFE_PATH', 'a global PAX path naming the root'],
  ['pax-nul-path', 'UNSAFE_PATH', 'a NUL byte in a PAX path'],
  ['pax-nul-xattrs', 'INVALID_ARCHIVE', 'a NUL byte in an xattr name'],
  // umoci (Go) takes the archive's end right after a PAX header as the end of the archive.
  ['pax-path-hdr', 'INVALID_ARCHIVE', 'the archive ends after a PAX header, before its entry'],
  ['writer-big', 'INVALID_ARCHIVE', 'a 16 GiB file cut short'],
  ['writer-big-long', 'INVALID_ARCHIVE', 'a 16 GiB file with a long name cut short'],
];

const dirOf = suiteScratch(after);
let work: string;
let layout: string;

before(async () => {
  work = await dirOf();
  layout = `${work}/layout`;
  statSync(`${TESTDATA}/sparse-formats.tar`); // missing: run scripts/install-peers.sh
  await run('umoci', ['init', '--layout', layout]);
});

async function ours(name: string): Promise<string> {
  const root = `${work}/ours-${name}`;
  mkdirSync(root);
  await applyLayer(root, [readFileSync(`${TESTDATA}/${name}.tar`)]);
  return root;
}

/**
 * The tree as compared with umoci's: umoci leaves out `security.selinux` by design, and a folder
 * the archive does not list (a parent made on the way) takes the time it was made, which differs
 * between two unpacks a second apart.
 */
function comparable(tree: SnapshotEntry[]): SnapshotEntry[] {
  return tree.map(({ xattrs, mtime, ...rest }) => {
    const kept = Object.entries(xattrs ?? {}).filter(([name]) => name !== 'security.selinux');
    const timed = rest.type === 'directory' ? rest : { ...rest, mtime };
    return kept.length === 0 ? timed : { ...timed, xattrs: Object.fromEntries(kept) };
  });
}

for (const name of AS_UMOCI) {
  test(`Go's testdata ${name}.tar unpacks to the tree umoci makes of it`, async () => {
    const image = `${layout}:${name}`;
    await run('umoci', ['new', '--image', image]);
    await run('umoci', ['raw', 'add-layer', '--image', image, `${TESTDATA}/${name}.tar`]);
    await run('umoci', ['unpack', '--image', image, `${work}/bundle-${name}`]);
    const theirs = snapshotTree(`${work}/bundle-${name}/rootfs`);
    assert.ok(theirs.length > 0);
    assert.deepEqual(comparable(snapshotTree(await ours(name))), comparable(theirs));
  });
}

for (const name of AS_GNU_TAR) {
  test(`Go's testdata ${name}.tar (old GNU sparse) unpacks to the tree GNU tar extracts`, async () => {
    const theirs = `${work}/gnu-${name}`;
    mkdirSync(theirs);
    await run('tar', ['-xf', `${TESTDATA}/${name}.tar`, '-C', theirs]);
    assert.deepEqual(snapshotTree(await ours(name)), snapshotTree(theirs));
  });
}

test("Go's testdata sparse-formats.tar: one file in the four sparse encodings (old GNU, PAX 0.0, 0.1, 1.0) unpacks four times alike", async () => {
  // 200 bytes holding "GoGo...Go!" one byte in two, the bytes between them holes. GNU tar 1.34
  // itself stops in this archive's old GNU entry ("Unexpected EOF"), and umoci refuses type S.
  const expected = Buffer.alloc(200);
  const text = `${'Go'.repeat(47)}!`;
  for (let i = 0; i < text.length; i++) expected[2 * i + 1] = text.charCodeAt(i);
  const root = await ours('sparse-formats');
  for (const name of ['sparse-gnu', 'sparse-posix-0.0', 'sparse-posix-0.1', 'sparse-posix-1.0'])
    assert.deepEqual(readFileSync(`${root}/${name}`), expected, name);
  assert.equal(readFileSync(`${root}/end`, 'utf8'), 'end\n');
});

/** `length` bytes of `file` at `position`. */
function bytesAt(file: string, position: number, length: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const out = Buffer.alloc(length);
    readSync(fd, out, 0, length, position);
    return out;
  } finally {
    closeSync(fd);
  }
}

for (const [name, file] of [
  ['gnu-sparse-big', 'gnu-sparse'],
  ['pax-sparse-big', 'pax-sparse'],
] as const) {
  test(`Go's testdata ${name}.tar: a 60 GB sparse file of a few KB of data unpacks as GNU tar's, holes kept`, async () => {
    const theirs = `${work}/gnu-${name}`;
    mkdirSync(theirs);
    await run('tar', ['-xf', `${TESTDATA}/${name}.tar`, '-C', theirs]);
    const mine = `${await ours(name)}/${file}`;
    const st = statSync(mine);
    assert.equal(st.size, 60e9);
    assert.ok(st.blocks < 1024, `${st.blocks} blocks allocated`);
    // The data lies around each multiple of 10^10 (GNU tar's copy is sparse too: read, not scanned).
    for (const at of [1e10, 2e10, 3e10, 4e10, 5e10, 60e9 - 8192]) {
      const from = Math.max(0, at - 8192);
      assert.deepEqual(bytesAt(mine, from, 16_384), bytesAt(`${theirs}/${file}`, from, 16_384), `at ${at}`);
    }
    assert.ok(!bytesAt(mine, 1e10 - 8192, 16_384).every((b) => b === 0), 'the window holds data');
  });
}

for (const [name, code, what] of REFUSED) {
  test(`Go's testdata ${name}.tar is refused (${code}): ${what}`, async () => {
    await assert.rejects(ours(name), (err) => isOciError(err, code));
  });
}
