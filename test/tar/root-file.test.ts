/** readFileInRoot: reading files of an unpacked rootfs with every symlink confined to the root. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { isOciError } from '../../src/errors/index.ts';
import { readFileInRoot } from '../../src/tar/index.ts';
import { scratch } from '../helpers/tmp.ts';

test('readFileInRoot follows symlinks inside the root, absolute ones relative to the root', async (t) => {
  const base = await scratch(t);
  const root = `${base}/root`;
  mkdirSync(`${root}/usr/etc`, { recursive: true });
  writeFileSync(`${root}/usr/etc/passwd`, 'inside');
  symlinkSync('/usr/etc', `${root}/etc`);
  symlinkSync('../usr/etc/passwd', `${root}/usr/p`);
  assert.equal((await readFileInRoot(root, 'etc/passwd', 100)).toString(), 'inside');
  assert.equal((await readFileInRoot(root, '/usr/p', 100)).toString(), 'inside');
});

test('hostile: readFileInRoot never reads outside the root through symlinks', async (t) => {
  const base = await scratch(t);
  const root = `${base}/root`;
  mkdirSync(`${root}/etc`, { recursive: true });
  writeFileSync(`${base}/secret`, 'outside');
  symlinkSync(`${base}/secret`, `${root}/etc/abs`);
  symlinkSync('../../secret', `${root}/etc/rel`);
  symlinkSync('../..', `${root}/up`);
  for (const path of ['etc/abs', 'etc/rel', 'up/secret']) {
    await assert.rejects(readFileInRoot(root, path, 100), (err) => isOciError(err, 'NOT_FOUND'), path);
  }
  await assert.rejects(readFileInRoot(root, '../secret', 100), (err) => isOciError(err, 'UNSAFE_PATH'));
});

test('readFileInRoot refuses symlink loops (UNSAFE_PATH), large files (TOO_LARGE) and missing files (NOT_FOUND)', async (t) => {
  const root = await scratch(t);
  symlinkSync('b', `${root}/a`);
  symlinkSync('a', `${root}/b`);
  writeFileSync(`${root}/big`, Buffer.alloc(1000));
  await assert.rejects(readFileInRoot(root, 'a', 100), (err) => isOciError(err, 'UNSAFE_PATH'));
  await assert.rejects(readFileInRoot(root, 'big', 100), (err) => isOciError(err, 'TOO_LARGE'));
  await assert.rejects(readFileInRoot(root, 'nope', 100), (err) => isOciError(err, 'NOT_FOUND'));
});

test('hostile: readFileInRoot never opens a FIFO, directory or device planted at the path (NOT_FOUND)', async (t) => {
  const root = await scratch(t);
  mkdirSync(`${root}/etc`);
  spawnSync('mkfifo', [`${root}/etc/passwd`]);
  symlinkSync('passwd', `${root}/etc/link`);
  mkdirSync(`${root}/etc/dir`);
  spawnSync('mknod', [`${root}/etc/null`, 'c', '1', '3']);
  // A watcher process releases any reader blocked on the FIFO (a non-blocking writer open succeeds
  // only while one waits) and says so: a blocking open fails the test instead of hanging it.
  const released = `${root}/released`;
  const watcher = spawn(
    process.execPath,
    [
      '-e',
      `const fs = require('node:fs');
       setInterval(() => {
         try { fs.closeSync(fs.openSync(process.argv[1], fs.constants.O_WRONLY | fs.constants.O_NONBLOCK)); }
         catch { return; }
         fs.writeFileSync(process.argv[2], 'yes');
       }, 10);`,
      `${root}/etc/passwd`,
      released,
    ],
    { stdio: 'ignore' },
  );
  t.after(() => watcher.kill());
  const paths = ['etc/passwd', 'etc/link', 'etc/dir'];
  if (lstatSync(`${root}/etc/null`, { throwIfNoEntry: false })?.isCharacterDevice()) paths.push('etc/null');
  for (const path of paths) {
    await assert.rejects(
      readFileInRoot(root, path, 100),
      (err) => isOciError(err, 'NOT_FOUND') && (err as Error).message.includes('not a regular file'),
      path,
    );
  }
  assert.equal(existsSync(released), false, 'readFileInRoot blocked opening the FIFO');
});

test('readFileInRoot reads a file of exactly maxBytes', async (t) => {
  const root = await scratch(t);
  writeFileSync(`${root}/f`, Buffer.alloc(100, 1));
  assert.equal((await readFileInRoot(root, 'f', 100)).length, 100);
  await assert.rejects(readFileInRoot(root, 'f', 99), (err) => isOciError(err, 'TOO_LARGE'));
});
