/** `ocikit explore IMAGE...`: prints its loopback URL, serves the images given, and stops on SIGTERM. */
import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ocikit } from '../helpers/cli.ts';
import { type CliChild, startOcikit } from '../helpers/cli-child.ts';
import { startRegistry } from '../helpers/registry.ts';
import { scratch } from '../helpers/tmp.ts';
import { json, writeBusyboxLayout, writeIndexLayout } from './fixtures.ts';

/** Starts `ocikit explore ...args` and resolves with the URL it printed (the child is killed after the test). */
async function explore(
  t: TestContext,
  args: string[],
  env?: NodeJS.ProcessEnv,
): Promise<{ run: CliChild; url: string }> {
  const run = startOcikit(['explore', ...args], { env });
  // Stopped as a user stops it, so it removes its listing folder (a SIGKILL left one behind).
  t.after(async () => {
    if (run.child.exitCode !== null || run.child.signalCode !== null) return;
    run.child.kill('SIGTERM');
    const killer = setTimeout(() => run.child.kill('SIGKILL'), 10_000);
    await run.ended;
    clearTimeout(killer);
  });
  let out = '';
  run.child.stdout.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  await run.until('it printed its URL', () => out.includes('\n'));
  return { run, url: out.trim() };
}

/** The digests of the images an explorer serves, in the order given. */
async function servedDigests(url: string): Promise<string[]> {
  const images = await json(await fetch(new URL('api/images', url)));
  return images.map((i: { digest: string }) => i.digest);
}

test('ocikit explore prints a loopback URL serving every image it was given', async (t) => {
  const dir = await scratch(t);
  const { manifest } = await writeBusyboxLayout(join(dir, 'busybox'));
  const { index } = await writeIndexLayout(join(dir, 'multi'));
  const { run, url } = await explore(t, [`oci:${join(dir, 'busybox')}`, `oci:${join(dir, 'multi')}:latest`]);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.deepEqual(await servedDigests(url), [manifest, index]);
  run.child.kill('SIGTERM');
  const end = await run.ended;
  assert.equal(end.code, 130, end.stderr);
});

test('ocikit explore serves images from an oci-archive, a docker-archive and a registry', async (t) => {
  const dir = await scratch(t);
  const layout = `oci:${join(dir, 'busybox')}`;
  const { manifest } = await writeBusyboxLayout(join(dir, 'busybox'));
  const registry = await startRegistry();
  t.after(() => registry.stop());
  const ociArchive = `oci-archive:${join(dir, 'image.tar')}:img`;
  const dockerArchive = `docker-archive:${join(dir, 'docker.tar')}:example.com/img:1`;
  const remote = `${registry.host}/explore/img:1`;
  for (const destination of [ociArchive, dockerArchive, remote]) {
    const copied = await ocikit(['copy', '-q', layout, destination]);
    assert.equal(copied.code, 0, copied.stderr);
  }
  const { url } = await explore(t, [ociArchive, dockerArchive, remote]);
  const [fromOciArchive, fromDockerArchive, fromRegistry] = await servedDigests(url);
  assert.equal(fromOciArchive, manifest);
  assert.equal(fromRegistry, manifest);
  // A docker-archive holds a Docker v2.2 manifest: another digest, the same layers.
  assert.match(fromDockerArchive ?? '', /^sha256:[0-9a-f]{64}$/);
  // Each one's layers are read through its own transport.
  for (const [id, digest] of [fromOciArchive, fromDockerArchive, fromRegistry].entries()) {
    const layers = await json(await fetch(new URL(`api/images/${id}/manifests/${digest}/layers`, url)));
    assert.equal(layers.length, 2, `image ${id}`);
  }
});

test('ocikit explore --open hands the URL to the desktop opener', async (t) => {
  const dir = await scratch(t);
  await writeBusyboxLayout(join(dir, 'busybox'));
  const bin = join(dir, 'bin');
  const opened = join(dir, 'opened');
  await mkdir(bin);
  await writeFile(join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`);
  await chmod(join(bin, 'xdg-open'), 0o755);
  const { url } = await explore(t, ['--open', `oci:${join(dir, 'busybox')}`], {
    PATH: `${bin}:${process.env.PATH}`,
  });
  let got = '';
  for (let i = 0; i < 200 && got === ''; i++) {
    got = await readFile(opened, 'utf8').catch(() => '');
    if (got === '') await sleep(25);
  }
  assert.equal(got, url);
});

test('ocikit explore refuses a --listen that is not HOST:PORT', async () => {
  const run = startOcikit(['explore', 'scratch', '--listen', 'nowhere']);
  const end = await run.ended;
  assert.equal(end.code, 1);
  assert.match(end.stderr, /INVALID_ARGUMENT: --listen wants HOST:PORT/);
});
