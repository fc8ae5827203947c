/**
 * Security cases of the layer apply (src/tar): extended attributes from PAX records are handed to
 * `setfattr --restore`, whose input is line-oriented. An xattr name carrying a newline must not be
 * able to start a new `# file:` block naming a path outside the root.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { applyLayer } from '../../src/tar/index.ts';
import { hostileTar } from '../helpers/hostile-tar.ts';
import { scratch } from '../helpers/tmp.ts';

/** All xattrs of `path` as getfattr dumps them ('' when none). */
function dumpXattrs(path: string): string {
  const result = spawnSync('getfattr', ['--absolute-names', '-d', '-m', '-', path], { encoding: 'utf8' });
  assert.equal(result.error, undefined, 'getfattr is required for this test');
  return result.stdout;
}

for (const [label, key] of [
  ['SCHILY', 'SCHILY.xattr.user.ok\n\n# file: VICTIM\nNAMESPACE.pwned'],
  ['LIBARCHIVE', 'LIBARCHIVE.xattr.user.ok%0A%0A%23 file: VICTIM%0ANAMESPACE.pwned'],
] as const) {
  test(`a ${label} xattr name with newlines cannot set an xattr on a file outside the root`, async (t) => {
    const dir = await scratch(t, 'ocikit-sec-tar-');
    const root = join(dir, 'rootfs');
    await mkdir(root);
    const victim = join(dir, 'victim');
    await writeFile(victim, 'a file of the host\n');
    // As root the trusted namespace works (security.capability on a host binary would be next).
    const namespace = process.getuid?.() === 0 ? 'trusted' : 'user';
    const name = key.replace('VICTIM', victim).replace('NAMESPACE', namespace);
    const layer = await hostileTar([{ name: 'f', content: 'x', pax: { [name]: 'owned' } }]);
    try {
      await applyLayer(root, Readable.from([layer]));
    } catch {
      // Refusing the entry is a fine outcome; only the victim's state matters.
    }
    const dump = dumpXattrs(victim);
    assert.ok(!dump.includes('pwned'), `the layer set an xattr on ${victim} outside the root:\n${dump}`);
  });
}
