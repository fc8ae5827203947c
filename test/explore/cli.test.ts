/** `ocikit explore IMAGE...`: prints its loopback URL, serves the images given, and stops on SIGTERM. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { startOcikit } from '../helpers/cli-child.ts';
import { scratch } from '../helpers/tmp.ts';
import { json, writeBusyboxLayout, writeIndexLayout } from './fixtures.ts';

test('ocikit explore prints a loopback URL serving every image it was given', async (t) => {
  const dir = await scratch(t);
  const { manifest } = await writeBusyboxLayout(join(dir, 'busybox'));
  const { index } = await writeIndexLayout(join(dir, 'multi'));
  const run = startOcikit(['explore', `oci:${join(dir, 'busybox')}`, `oci:${join(dir, 'multi')}:latest`]);
  t.after(() => {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
  });
  let out = '';
  run.child.stdout.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  await run.until('it printed its URL', () => out.includes('\n'));
  const url = out.trim();
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const images = await json(await fetch(new URL('api/images', url)));
  assert.deepEqual(
    images.map((i: { digest: string }) => i.digest),
    [manifest, index],
  );
  run.child.kill('SIGTERM');
  const end = await run.ended;
  assert.equal(end.code, 130, end.stderr);
});

test('ocikit explore refuses a --listen that is not HOST:PORT', async () => {
  const run = startOcikit(['explore', 'scratch', '--listen', 'nowhere']);
  const end = await run.ended;
  assert.equal(end.code, 1);
  assert.match(end.stderr, /INVALID_ARGUMENT: --listen wants HOST:PORT/);
});
