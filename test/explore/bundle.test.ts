/** The bundled command ships the explorer's pages: built as the package builds it, it serves them. */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, symlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { scratch } from '../helpers/tmp.ts';
import { json, writeBusyboxLayout } from './fixtures.ts';

const ROOT = resolve(import.meta.dirname, '../..');

test('the bundled ocikit explore serves its pages and API from the built package', async (t) => {
  const dir = await scratch(t);
  const pkg = join(dir, 'pkg');
  await mkdir(join(pkg, 'bin'), { recursive: true });
  await copyFile(join(ROOT, 'package.json'), join(pkg, 'package.json'));
  await copyFile(join(ROOT, 'bin/ocikit.js'), join(pkg, 'bin/ocikit.js'));
  await symlink(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
  await promisify(execFile)(process.execPath, [
    join(ROOT, 'scripts/bundle-cli.ts'),
    join(pkg, 'dist/ocikit'),
  ]);
  const { manifest } = await writeBusyboxLayout(join(dir, 'busybox'));

  const child = spawn(
    process.execPath,
    [join(pkg, 'bin/ocikit.js'), 'explore', `oci:${join(dir, 'busybox')}`],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      if (out.includes('\n')) resolveUrl(out.trim());
    });
    child.on('close', () => reject(new Error(`ocikit explore ended: ${stderr}`)));
  });
  for (const page of ['', 'app.js', 'dom.js', 'tree.js', 'trust.js', 'style.css']) {
    const res = await fetch(new URL(page, url));
    assert.equal(res.status, 200, `${page}: ${await res.clone().text()}`);
  }
  assert.equal((await json(await fetch(new URL('api/images', url))))[0].digest, manifest);
});
