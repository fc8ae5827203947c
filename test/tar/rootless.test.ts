/**
 * Rootless applies, run for real as an unprivileged user (uid 65534) in a child process:
 * ownership is never changed, device nodes are skipped, and read-only directories of lower
 * layers still receive entries of later layers and keep their modes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { hostileTar } from '../helpers/hostile-tar.ts';
import { scratch } from '../helpers/tmp.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const TAR_INDEX = resolve(HERE, '../../src/tar/index.ts');
const NOBODY = 65534;

test('rootless apply as an unprivileged user: no chown, devices skipped, read-only lower directories still written', async (t) => {
  const dir = await scratch(t);
  chownSync(dir, NOBODY, NOBODY);
  const root = `${dir}/root`;
  mkdirSync(root);
  chownSync(root, NOBODY, NOBODY);
  writeFileSync(
    `${dir}/layer1.tar`,
    await hostileTar([
      { name: 'ro/', type: 'directory', mode: 0o555 },
      { name: 'ro/old', content: 'old' },
      { name: 'ro/gone', content: 'gone' },
      { name: 'ro/sub/', type: 'directory', mode: 0o500 },
      { name: 'ro/sub/deep', content: 'deep', mode: 0o400 },
      { name: 'owned', content: 'x', uid: 1000, gid: 1000 },
      { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3 },
    ]),
  );
  writeFileSync(
    `${dir}/layer2.tar`,
    await hostileTar([
      { name: 'ro/new', content: 'new' },
      { name: 'ro/old', content: 'replaced' },
      { name: 'ro/.wh.gone' },
      { name: 'ro/.wh.sub' },
    ]),
  );
  const script = `${dir}/apply.ts`;
  writeFileSync(
    script,
    `import { applyLayer } from ${JSON.stringify(TAR_INDEX)};
import { readFileSync } from 'node:fs';
const warnings = [];
for (const name of ['layer1.tar', 'layer2.tar']) {
  await applyLayer(${JSON.stringify(root)}, [readFileSync(${JSON.stringify(dir)} + '/' + name)], { rootless: true, onWarning: (m) => warnings.push(m) });
}
console.log(JSON.stringify(warnings));
`,
  );
  const child = spawnSync(process.execPath, [script], {
    uid: NOBODY,
    gid: NOBODY,
    cwd: dir,
    encoding: 'utf8',
  });
  assert.equal(child.status, 0, child.stderr);
  const warnings = JSON.parse(child.stdout) as string[];
  assert.ok(warnings.some((w) => w.includes('dev/null')));
  assert.equal(existsSync(`${root}/dev/null`), false);
  assert.equal(lstatSync(`${root}/owned`).uid, NOBODY);
  assert.equal(lstatSync(`${root}/ro`).mode & 0o777, 0o555);
  assert.equal(readFileSync(`${root}/ro/new`, 'utf8'), 'new');
  assert.equal(readFileSync(`${root}/ro/old`, 'utf8'), 'replaced');
  assert.equal(existsSync(`${root}/ro/gone`), false);
  assert.equal(existsSync(`${root}/ro/sub`), false);
});

test('a non-rootless apply by an unprivileged user fails on foreign ownership instead of ignoring it', async (t) => {
  const dir = await scratch(t);
  chownSync(dir, NOBODY, NOBODY);
  writeFileSync(
    `${dir}/layer.tar`,
    await hostileTar([{ name: 'owned', content: 'x', uid: 1000, gid: 1000 }]),
  );
  const script = `${dir}/apply.ts`;
  writeFileSync(
    script,
    `import { applyLayer } from ${JSON.stringify(TAR_INDEX)};
import { mkdirSync, readFileSync } from 'node:fs';
mkdirSync(${JSON.stringify(`${dir}/root`)});
try {
  await applyLayer(${JSON.stringify(`${dir}/root`)}, [readFileSync(${JSON.stringify(`${dir}/layer.tar`)})]);
  console.log('applied');
} catch (err) {
  console.log(err.code);
}
`,
  );
  const child = spawnSync(process.execPath, [script], {
    uid: NOBODY,
    gid: NOBODY,
    cwd: dir,
    encoding: 'utf8',
  });
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stdout.trim(), 'IO_ERROR');
});
