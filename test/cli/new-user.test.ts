/**
 * What a new user runs into first: a registry name without a tag means `:latest` for writes as
 * for reads (and stderr says so), and commands that take a repository or registry name accept
 * the transports that make sense (`ls` of an archive lists its names) and refuse the others by
 * name instead of looking them up on Docker Hub.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { writeBusyboxRootfs } from '../helpers/busybox.ts';
import { ocikit } from '../helpers/cli.ts';
import { run } from '../helpers/exec.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { suiteScratch } from '../helpers/tmp.ts';

const NOTICE = 'ocikit: no tag given: using "latest"';

async function ok(args: string[]): Promise<string> {
  const result = await ocikit(args);
  assert.equal(result.code, 0, `ocikit ${args.join(' ')}: ${result.stderr}`);
  return result.out;
}

describe('a new user', () => {
  const makeDir = suiteScratch(after);
  let dir: string;
  let image: string;
  let registry: RunningRegistry;

  before(async () => {
    dir = await makeDir();
    await writeBusyboxRootfs(join(dir, 'rootfs'));
    image = `oci:${join(dir, 'layout')}:busybox`;
    await ok(['append', 'scratch', join(dir, 'rootfs'), '-t', image]);
    registry = await startRegistry();
  });
  after(() => registry?.stop());

  describe('a registry name without a tag', () => {
    test('copy pushes it as :latest, says so on stderr, and inspect of the same name finds it', async () => {
      const name = `${registry.host}/app`;
      const result = await ocikit(['copy', image, name]);
      assert.equal(result.code, 0, result.stderr);
      assert.ok(result.stderr.split('\n').includes(`${NOTICE} for ${name}`), result.stderr);
      const digest = await ok(['digest', image]);
      assert.equal(result.out, `${name}@${digest}`);
      assert.deepEqual((await ok(['ls', name])).split('\n'), ['latest']);
      assert.equal(await ok(['digest', name]), digest);
      const shown = await ocikit(['inspect', '--json', name]);
      assert.equal(shown.code, 0, shown.stderr);
      assert.equal(JSON.parse(shown.out).digest, digest);
      const raw = await run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${name}:latest`]);
      assert.equal(
        JSON.parse(raw).config.digest,
        JSON.parse(await ok(['inspect', '--raw', image])).config.digest,
      );
    });

    test('-q stays quiet and --json says it as a JSON line', async () => {
      const quiet = await ocikit(['copy', '-q', image, `${registry.host}/quiet`]);
      assert.equal(quiet.code, 0, quiet.stderr);
      assert.equal(quiet.stderr, '');
      const json = await ocikit(['copy', '--json', image, `${registry.host}/json`]);
      assert.equal(json.code, 0, json.stderr);
      const events = json.stderr
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      const notices = events.filter((e) => e.event === 'notice');
      assert.equal(notices.length, 1, json.stderr);
      assert.equal(notices[0].tag, 'latest');
      assert.equal(notices[0].name, `${registry.host}/json`);
      assert.deepEqual((await ok(['ls', `${registry.host}/json`])).split('\n'), ['latest']);
    });

    test('a tag or digest given is used as it is, with no notice', async () => {
      const result = await ocikit(['copy', image, `${registry.host}/tagged:v1`]);
      assert.equal(result.code, 0, result.stderr);
      assert.ok(!result.stderr.includes('no tag given'), result.stderr);
      const digest = await ok(['digest', image]);
      const pinned = await ocikit(['digest', `${registry.host}/tagged@${digest}`]);
      assert.equal(pinned.code, 0, pinned.stderr);
      assert.equal(pinned.stderr, '');
    });

    test('a missing image says which tag was assumed', async () => {
      const name = `${registry.host}/nothing-here`;
      const result = await ocikit(['inspect', name]);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /^ocikit: NOT_FOUND: .*nothing-here:latest/m);
      assert.ok(result.stderr.split('\n').includes(`${NOTICE} for ${name}`), result.stderr);
    });
  });

  describe('names of other transports where a repository is expected', () => {
    let ociArchive: string;
    let dockerArchive: string;

    before(async () => {
      ociArchive = join(dir, 'image-oci.tar');
      dockerArchive = join(dir, 'image-docker.tar');
      await ok(['copy', '-q', image, `oci-archive:${ociArchive}:v1`]);
      await ok(['copy', '-q', image, `docker-archive:${dockerArchive}:example/app:1`]);
    });

    test('ls of an archive lists the names it holds, as ls of a layout does', async () => {
      assert.deepEqual((await ok(['ls', `oci-archive:${ociArchive}`])).split('\n'), ['v1']);
      assert.deepEqual(JSON.parse(await ok(['ls', '--json', `oci-archive:${ociArchive}`])), ['v1']);
      assert.deepEqual((await ok(['ls', `docker-archive:${dockerArchive}`])).split('\n'), ['example/app:1']);
      assert.deepEqual((await ok(['ls', `oci:${join(dir, 'layout')}`])).split('\n'), ['busybox']);
    });

    test('ls, delete and catalog refuse a transport they cannot use, by name, without the network', async () => {
      const before = await readFile(dockerArchive);
      for (const [args, transport] of [
        [['ls', 'scratch'], 'scratch'],
        [['delete', 'scratch'], 'scratch'],
        [['delete', `docker-archive:${dockerArchive}`], 'docker-archive'],
        [['delete', `docker-archive:${dockerArchive}:example/app:1`], 'docker-archive'],
        [['delete', `oci-archive:${ociArchive}:v1`], 'oci-archive'],
        [['catalog', `oci-archive:${ociArchive}`], 'oci-archive'],
        [['catalog', `oci:${join(dir, 'layout')}`], 'oci'],
      ] as const) {
        const result = await ocikit([...args]);
        assert.equal(result.code, 1, `${args.join(' ')}: ${result.stderr}`);
        assert.match(result.stderr, /^ocikit: INVALID_ARGUMENT: /m, args.join(' '));
        assert.ok(result.stderr.includes(transport), `${args.join(' ')}: ${result.stderr}`);
        assert.doesNotMatch(result.stderr, /NETWORK_ERROR|https?:\/\//, args.join(' '));
      }
      assert.deepEqual(await readFile(dockerArchive), before);
    });
  });
});
