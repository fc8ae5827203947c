/**
 * Extended attributes from layers: strict names (checkXattrName), an escaped `setfattr --restore`
 * dump, skipped foreign namespaces, and a bounded amount held until the end of a layer.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { isOciError } from '../../src/errors/index.ts';
import { MAX_DEFERRED_XATTR_BYTES } from '../../src/tar/apply.ts';
import { applyLayer, readTar } from '../../src/tar/index.ts';
import { escapeDumpText, setXattrs, xattrDump } from '../../src/tar/special.ts';
import { checkXattrName } from '../../src/tar/xattr-name.ts';
import { type HostileEntry, hostileTar } from '../helpers/hostile-tar.ts';
import { scratch } from '../helpers/tmp.ts';

/** The value of xattr `name` of `path` as text, or undefined when it is not set. */
function xattrOf(path: string, name: string): string | undefined {
  const result = spawnSync('getfattr', ['--absolute-names', '--only-values', '-h', '-n', name, path]);
  assert.equal(result.error, undefined, 'getfattr is required for this test');
  return result.status === 0 ? result.stdout.toString('latin1') : undefined;
}

/** Every xattr of `path` as getfattr dumps them ('' when none). */
function dumpOf(path: string): string {
  const result = spawnSync('getfattr', ['--absolute-names', '-h', '-d', '-m', '-', path], {
    encoding: 'utf8',
  });
  assert.equal(result.error, undefined, 'getfattr is required for this test');
  return result.stdout;
}

async function rootFor(t: Parameters<typeof scratch>[0]): Promise<{ dir: string; root: string }> {
  const dir = await scratch(t, 'ocikit-xattr-');
  const root = `${dir}/root`;
  mkdirSync(root);
  return { dir, root };
}

test('checkXattrName accepts the applied namespaces and reports others as foreign', () => {
  for (const name of [
    'user.a',
    'trusted.overlay.opaque',
    'security.capability',
    'security.selinux',
    'system.posix_acl_access',
    'system.posix_acl_default',
    'user.with space',
    'user.caf\u00e9',
  ]) {
    assert.equal(checkXattrName(name, 'f'), true, name);
  }
  for (const name of ['com.apple.provenance', 'system.nfs4_acl', 'gnu.x', 'user', 'users.x']) {
    assert.equal(checkXattrName(name, 'f'), false, name);
  }
});

test('hostile: checkXattrName refuses control characters, "=", bare namespaces and overlong names', () => {
  for (const name of [
    '',
    'user.a\nb',
    'user.a\rb',
    'user.a\u0000b',
    'user.a\u007fb',
    'user.a\u0085b',
    'user.a=b',
    'user.',
    'security.',
    `user.${'x'.repeat(251)}`,
  ]) {
    assert.throws(
      () => checkXattrName(name, 'etc/f'),
      (e) => isOciError(e, 'INVALID_ARCHIVE') && e.message.includes('etc/f'),
      JSON.stringify(name),
    );
  }
  assert.equal(checkXattrName(`user.${'x'.repeat(250)}`, 'f'), true);
});

test('the setfattr dump escapes newlines, "=", backslashes and spaces in paths and names as octal', () => {
  assert.equal(escapeDumpText('a b\nc=d\\e\u00e9'), 'a\\040b\\012c\\075d\\134e\\303\\251');
  const dump = xattrDump([
    { path: '/r/x\n# file: /etc/passwd', xattrs: new Map([['user.a\nb=c', Buffer.from('v')]]) },
  ]);
  assert.equal(dump.toString(), '# file: /r/x\\012#\\040file:\\040/etc/passwd\nuser.a\\012b\\075c=0x76\n');
  assert.throws(
    () => escapeDumpText('a\u0000b'),
    (e) => isOciError(e, 'UNSAFE_PATH'),
  );
});

test('hostile: even unchecked names with newlines and "=" reach setfattr as one name on the intended file', async (t) => {
  const { dir } = await rootFor(t);
  const target = `${dir}/target file`;
  const victim = `${dir}/victim`;
  writeFileSync(target, '');
  writeFileSync(victim, '');
  const name = `user.ok\n\n# file: ${victim}\nuser.pwned=x\\y`;
  setXattrs([{ path: target, xattrs: new Map([[name, Buffer.from('v')]]) }]);
  // getfattr quotes control characters, "=" and "\\" as octal in its dump (spaces stay).
  const quoted = `user.ok\\012\\012# file: ${victim}\\012user.pwned\\075x\\134y="v"`;
  assert.ok(dumpOf(target).includes(`\n${quoted}\n`), dumpOf(target));
  assert.equal(dumpOf(victim), '');
});

for (const [label, key] of [
  ['SCHILY', 'SCHILY.xattr.user.a\nuser.b'],
  ['LIBARCHIVE', 'LIBARCHIVE.xattr.user.a%0Auser.b'],
  ['LIBARCHIVE "="', 'LIBARCHIVE.xattr.user.a%3Db'],
] as const) {
  test(`hostile: a ${label} xattr name with a control character fails the apply with INVALID_ARCHIVE before the entry is written`, async (t) => {
    const { root } = await rootFor(t);
    const value = key.startsWith('LIBARCHIVE') ? Buffer.from('v').toString('base64') : 'v';
    const layer = await hostileTar([{ name: 'f', content: 'x', pax: { [key]: value } }]);
    await assert.rejects(
      applyLayer(root, [layer]),
      (e) => isOciError(e, 'INVALID_ARCHIVE') && e.message.includes('"f"'),
    );
    assert.equal(existsSync(`${root}/f`), false);
  });
}

test('xattrs outside the applied namespaces are skipped with a warning; the others are set', async (t) => {
  const { root } = await rootFor(t);
  const warnings: string[] = [];
  const layer = await hostileTar([
    {
      name: 'f',
      content: 'x',
      pax: {
        'LIBARCHIVE.xattr.com.apple.provenance': Buffer.from('mac').toString('base64'),
        'SCHILY.xattr.user.kept': 'yes',
        'LIBARCHIVE.xattr.user.sp%20ace': Buffer.from('b64').toString('base64'),
        'SCHILY.xattr.user.back\\slash': 'bs',
      },
    },
  ]);
  await applyLayer(root, [layer], { onWarning: (w) => warnings.push(w) });
  assert.equal(xattrOf(`${root}/f`, 'user.kept'), 'yes');
  assert.equal(xattrOf(`${root}/f`, 'user.sp ace'), 'b64');
  assert.equal(xattrOf(`${root}/f`, 'user.back\\slash'), 'bs');
  assert.equal(xattrOf(`${root}/f`, 'com.apple.provenance'), undefined);
  assert.ok(
    warnings.some((w) => w.includes('com.apple.provenance') && w.includes('"f"')),
    warnings.join('\n'),
  );
});

test('hostile: a LIBARCHIVE xattr key with a malformed %-escape is INVALID_ARCHIVE', async () => {
  const layer = await hostileTar([
    { name: 'f', content: 'x', pax: { 'LIBARCHIVE.xattr.user.%E0%A4%A': 'dg==' } },
  ]);
  await assert.rejects(
    async () => {
      for await (const { body } of readTar([layer])) for await (const _ of body) void _;
    },
    (e) => isOciError(e, 'INVALID_ARCHIVE'),
  );
});

test('more xattr bytes than are held until the end of a layer are all set, on the right files', async (t) => {
  const { root } = await rootFor(t);
  const size = 60_000;
  const count = Math.ceil(MAX_DEFERRED_XATTR_BYTES / size) + 5;
  const entries: HostileEntry[] = [];
  for (let i = 0; i < count; i++) {
    entries.push({
      name: `f${i}`,
      content: '',
      pax: { 'SCHILY.xattr.user.big': String(i % 10).repeat(size) },
    });
  }
  // A file replaced after its xattrs were flushed gets the new entry's xattrs only.
  entries.push({ name: 'f0', content: 'new', pax: { 'SCHILY.xattr.user.other': 'o' } });
  await applyLayer(root, [await hostileTar(entries)]);
  for (const i of [1, 2, count - 2, count - 1]) {
    assert.equal(xattrOf(`${root}/f${i}`, 'user.big'), String(i % 10).repeat(size), `f${i}`);
  }
  assert.equal(xattrOf(`${root}/f0`, 'user.big'), undefined);
  assert.equal(xattrOf(`${root}/f0`, 'user.other'), 'o');
});
