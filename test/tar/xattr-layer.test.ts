/**
 * Extended attributes read from disk into the layers we build (layer.md "File Attributes"): one
 * getfattr dump per tree, recorded as SCHILY.xattr records, restored by applyLayer and GNU tar,
 * compared by changesets; host-only and foreign names left out.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { applyLayer, createChangeset, createLayer, readTar } from '../../src/tar/index.ts';
import { parseGetfattrDump } from '../../src/tar/xattr-read.ts';
import { ocikit } from '../helpers/cli.ts';
import { run } from '../helpers/exec.ts';
import { scratch } from '../helpers/tmp.ts';
import { snapshotTree } from '../helpers/tree-snapshot.ts';
import { collect } from './fixtures.ts';

function setXattr(path: string, name: string, value: string, noDereference = false): void {
  const args = [...(noDereference ? ['-h'] : []), '-n', name, '-v', value, path];
  const result = spawnSync('setfattr', args, { encoding: 'utf8' });
  assert.equal(result.status, 0, `setfattr ${args.join(' ')}: ${result.stderr}`);
}

/** A tree with attributes on a file (user. and a file capability), a directory and a symlink. */
function writeTree(root: string): void {
  mkdirSync(`${root}/bin`, { recursive: true });
  writeFileSync(`${root}/bin/ping`, 'ping');
  writeFileSync(`${root}/plain`, 'plain');
  symlinkSync('bin/ping', `${root}/link`);
  // cap_net_raw+ep, as `setcap cap_net_raw+ep` writes it (VFS_CAP_REVISION_2).
  setXattr(`${root}/bin/ping`, 'security.capability', '0x0100000200200000000000000000000000000000');
  setXattr(`${root}/bin/ping`, 'user.note', 'hello');
  setXattr(`${root}/bin`, 'user.dir', 'd');
  setXattr(`${root}/link`, 'trusted.link', 'l', true);
}

async function xattrsByPath(tar: Buffer): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  for await (const { entry } of readTar([tar])) {
    if (entry.xattrs.size === 0) continue;
    out[entry.path] = Object.fromEntries([...entry.xattrs].map(([k, v]) => [k, v.toString('hex')]));
  }
  return out;
}

test('createLayer records the extended attributes on disk: files, directories, symlinks, file capabilities', async (t) => {
  const dir = await scratch(t);
  writeTree(dir);
  assert.deepEqual(await xattrsByPath(await collect(createLayer(dir))), {
    'bin/': { 'user.dir': '64' },
    'bin/ping': {
      'security.capability': '0100000200200000000000000000000000000000',
      'user.note': '68656c6c6f',
    },
    link: { 'trusted.link': '6c' },
  });
  assert.deepEqual(await xattrsByPath(await collect(createLayer(dir, { xattrs: false }))), {});
});

test('a tree given through a symlink (and with a trailing slash) still has its attributes read', async (t) => {
  const dir = await scratch(t);
  mkdirSync(`${dir}/real`);
  writeTree(`${dir}/real`);
  symlinkSync('real', `${dir}/via`);
  const direct = await xattrsByPath(await collect(createLayer(`${dir}/real`)));
  assert.deepEqual(await xattrsByPath(await collect(createLayer(`${dir}/via`))), direct);
  assert.deepEqual(await xattrsByPath(await collect(createLayer(`${dir}/real/`))), direct);
});

test('the attributes survive a round trip through applyLayer and through GNU tar', async (t) => {
  const dir = await scratch(t);
  const src = `${dir}/src`;
  mkdirSync(src);
  writeTree(src);
  const tar = await collect(createLayer(src));
  mkdirSync(`${dir}/ours`);
  await applyLayer(`${dir}/ours`, [tar]);
  assert.deepEqual(snapshotTree(`${dir}/ours`), snapshotTree(src));
  writeFileSync(`${dir}/layer.tar`, tar);
  mkdirSync(`${dir}/gnu`);
  await run('tar', [
    '-x',
    '-p',
    '--same-owner',
    '--numeric-owner',
    '--xattrs',
    '--xattrs-include=*',
    '-f',
    `${dir}/layer.tar`,
    '-C',
    `${dir}/gnu`,
  ]);
  assert.deepEqual(snapshotTree(`${dir}/gnu`), snapshotTree(src));
});

test('umoci unpacks the attributes of a layer `ocikit append` built, file capability included', async (t) => {
  const dir = await scratch(t);
  mkdirSync(`${dir}/tree`);
  writeTree(`${dir}/tree`);
  const appended = await ocikit(['append', 'scratch', `${dir}/tree`, '-t', `oci:${dir}/layout:x`]);
  assert.equal(appended.code, 0, appended.stderr);
  await run('umoci', ['unpack', '--image', `${dir}/layout:x`, `${dir}/bundle`]);
  const dump = await run('getfattr', [
    '--absolute-names',
    '-h',
    '-d',
    '-m',
    '-',
    '-e',
    'hex',
    `${dir}/bundle/rootfs/bin/ping`,
  ]);
  assert.match(dump, /security\.capability=0x0100000200200000000000000000000000000000/);
  assert.match(dump, /user\.note=0x68656c6c6f/);
});

test('a changeset writes a path whose only change is an extended attribute', async (t) => {
  const dir = await scratch(t);
  for (const side of ['lower', 'upper']) {
    mkdirSync(`${dir}/${side}`);
    writeFileSync(`${dir}/${side}/same`, 'same');
    writeFileSync(`${dir}/${side}/tagged`, 'tagged');
  }
  spawnSync('touch', [
    '-r',
    `${dir}/lower/same`,
    `${dir}/upper/same`,
    `${dir}/lower/tagged`,
    `${dir}/upper/tagged`,
  ]);
  setXattr(`${dir}/upper/tagged`, 'user.tag', 'new');
  const paths: string[] = [];
  for await (const { entry } of readTar(createChangeset(`${dir}/lower`, `${dir}/upper`)))
    paths.push(entry.path);
  assert.deepEqual(paths, ['tagged']);
});

test('each file keeps its own attributes whatever its name: non-ASCII, look-alikes, newline, backslash, "="', async (t) => {
  // The root itself has spaces and non-ASCII, which getfattr prints raw.
  const root = `${await scratch(t)}/ré sp`;
  mkdirSync(root);
  const names = ['café', 'cafÃ©', 'new\nline', 'back\\slash', 'a=b', 'plain'];
  for (const [i, name] of names.entries()) {
    writeFileSync(`${root}/${name}`, name);
    setXattr(`${root}/${name}`, 'user.id', String(i));
  }
  setXattr(`${root}/plain`, 'user.é', 'accent');
  const expected: Record<string, Record<string, string>> = {};
  for (const [i, name] of names.entries())
    expected[name] = { 'user.id': Buffer.from(String(i)).toString('hex') };
  (expected.plain as Record<string, string>)['user.é'] = Buffer.from('accent').toString('hex');
  assert.deepEqual(await xattrsByPath(await collect(createLayer(root))), expected);
});

test('getfattr dumps: SELinux labels and foreign namespaces are left out; a root of / is read too', () => {
  const dump = [
    '# file: /',
    'user.root=0x72',
    '',
    '# file: //etc/passwd',
    'user.empty=0x',
    'security.selinux=0x73797374656d5f75',
    'system.nfs4_acl=0x00',
    'user.a\\075b=0x01ff',
    '',
  ].join('\n');
  const tree = parseGetfattrDump(dump, '/');
  assert.deepEqual(
    [...tree].map(([path, attrs]) => [
      path,
      Object.fromEntries([...attrs].map(([k, v]) => [k, v.toString('hex')])),
    ]),
    [
      ['', { 'user.root': '72' }],
      ['etc/passwd', { 'user.empty': '' }],
    ],
  );
});

test('a getfattr that dies part way fails the layer with IO_ERROR instead of dropping attributes', async (t) => {
  const dir = await scratch(t);
  mkdirSync(`${dir}/tree`);
  writeTree(`${dir}/tree`);
  mkdirSync(`${dir}/bin`);
  // Prints the start of a dump, then is killed by a signal (no message on stderr).
  writeFileSync(`${dir}/bin/getfattr`, `#!/bin/sh\necho "# file: $8/plain"\nkill -9 $$\n`, { mode: 0o755 });
  const path = process.env.PATH;
  process.env.PATH = `${dir}/bin:${path}`;
  try {
    await assert.rejects(collect(createLayer(`${dir}/tree`)), {
      code: 'IO_ERROR',
      message: /killed by SIGKILL/,
    });
  } finally {
    process.env.PATH = path;
  }
});

test('without getfattr, layers and changesets are built without attributes and one warning says why', async (t) => {
  const dir = await scratch(t);
  mkdirSync(`${dir}/lower`);
  mkdirSync(`${dir}/upper`);
  writeTree(`${dir}/upper`);
  const path = process.env.PATH;
  process.env.PATH = `${dir}/no-such-bin`;
  const layerWarnings: string[] = [];
  const changesetWarnings: string[] = [];
  try {
    const tar = await collect(createLayer(`${dir}/upper`, { onWarning: (m) => layerWarnings.push(m) }));
    assert.deepEqual(await xattrsByPath(tar), {});
    const changes = createChangeset(`${dir}/lower`, `${dir}/upper`, {
      onWarning: (m) => changesetWarnings.push(m),
    });
    assert.deepEqual(await xattrsByPath(await collect(changes)), {});
  } finally {
    process.env.PATH = path;
  }
  const missing = 'extended attributes were not recorded: getfattr (attr package) is not installed';
  assert.deepEqual(layerWarnings, [missing]);
  assert.deepEqual(changesetWarnings, [missing]);
});
