/**
 * A base for RUN cases that need attribute tools: the comparison's busybox base (peer-base.ts)
 * with the host's `setcap`, `getcap`, `setfattr` and `getfattr` and the libraries they load
 * (found with `ldd`), appended as one more layer.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ocikit } from '../helpers/cli.ts';
import { run } from '../helpers/exec.ts';

/** The host programs the tools base adds. */
export const ATTRIBUTE_TOOLS = [
  '/usr/sbin/setcap',
  '/usr/sbin/getcap',
  '/usr/bin/setfattr',
  '/usr/bin/getfattr',
];

/** Writes the tools base under `dir` on top of `base` (an `oci:` name); returns its `oci:` name. */
export async function makeToolsBase(dir: string, base: string): Promise<string> {
  const root = join(dir, 'tools-rootfs');
  const files = new Set(ATTRIBUTE_TOOLS);
  for (const tool of ATTRIBUTE_TOOLS) {
    for (const line of (await run('ldd', [tool])).split('\n')) {
      const lib = /(\/\S+) \(0x/.exec(line)?.[1];
      if (lib !== undefined) files.add(lib);
    }
  }
  for (const file of files) {
    await mkdir(join(root, dirname(file)), { recursive: true });
    await copyFile(file, join(root, file));
  }
  const name = `oci:${join(dir, 'tools-layout')}:tools`;
  const result = await ocikit(['append', base, root, '-t', name, '--timestamp', '0']);
  assert.equal(result.code, 0, result.stderr);
  return name;
}
