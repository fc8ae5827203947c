/**
 * registries.conf as containers/image applies it, against two real Distribution registries: a
 * mirror holding the image serves the pull (the origin lacks it), a pull falls back to the origin
 * when the mirror lacks the image, `digest-only` mirrors are skipped for tag pulls, `blocked`
 * registries are refused, `prefix`/`location` remap, pushes never go to mirrors, aliases and
 * search registries resolve short names, and stderr says which endpoint served a pull.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { startFaultProxy } from '../helpers/fault-proxy.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { suiteScratch } from '../helpers/tmp.ts';

describe('registries.conf: mirrors, blocked, remapping, short names', () => {
  const makeDir = suiteScratch(after);
  let dir: string;
  let origin: RunningRegistry;
  let mirror: RunningRegistry;
  let imageA: string; // origin's app:1
  let imageB: string; // mirror's app:1 (different content)
  let onlyMirror: string; // mirror's only:1, absent from the origin

  /** Pushes an image built from one file with `content` to `dest`; returns its digest. */
  async function push(content: string, dest: string): Promise<string> {
    const root = join(dir, `root-${content}`);
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'f'), content);
    const made = await ocikit(['append', 'scratch', root, '-t', dest]);
    assert.equal(made.code, 0, made.stderr);
    const digest = await ocikit(['digest', dest]);
    assert.equal(digest.code, 0, digest.stderr);
    return digest.out;
  }

  function conf(name: string, text: string): string {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  }

  before(async () => {
    dir = await makeDir();
    [origin, mirror] = await Promise.all([startRegistry(), startRegistry()]);
    imageA = await push('origin', `${origin.host}/app:1`);
    imageB = await push('mirror', `${mirror.host}/app:1`);
    onlyMirror = await push('only', `${mirror.host}/only:1`);
  });
  after(async () => {
    await Promise.all([origin?.stop(), mirror?.stop()]);
  });

  test('a mirror holding the image serves the pull, and stderr names it', async () => {
    const file = conf(
      'mirror.conf',
      `[[registry]]\nprefix = "example.test"\nlocation = "${origin.host}"\n[[registry.mirror]]\nlocation = "${mirror.host}"\n`,
    );
    const r = await ocikit(['--registries-conf', file, 'digest', 'example.test/only:1']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.out, onlyMirror);
    assert.match(r.stderr, new RegExp(`${mirror.host}/only:1`));
    assert.match(r.stderr, /mirror/);
  });

  test('a pull falls back to the origin when the mirror lacks the image', async () => {
    const file = conf(
      'fallback.conf',
      `[[registry]]\nprefix = "example.test"\nlocation = "${origin.host}"\n[[registry.mirror]]\nlocation = "${mirror.host}/nothing-here"\n`,
    );
    const r = await ocikit(['--registries-conf', file, 'digest', 'example.test/app:1']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.out, imageA);
  });

  test('mirrors come first, in order: the mirror copy wins over the origin', async () => {
    const r = await ocikit(['digest', 'example.test/app:1'], {
      env: {
        CONTAINERS_REGISTRIES_CONF: conf(
          'order.conf',
          `[[registry]]\nprefix = "example.test"\nlocation = "${origin.host}"\n[[registry.mirror]]\nlocation = "${mirror.host}"\n`,
        ),
      },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.out, imageB);
  });

  test('digest-only mirrors are skipped for tag pulls and used for digest pulls', async () => {
    for (const text of [
      `[[registry]]\nprefix = "example.test"\nlocation = "${origin.host}"\n[[registry.mirror]]\nlocation = "${mirror.host}"\npull-from-mirror = "digest-only"\n`,
      `[[registry]]\nprefix = "example.test"\nlocation = "${origin.host}"\nmirror-by-digest-only = true\n[[registry.mirror]]\nlocation = "${mirror.host}"\n`,
    ]) {
      const file = conf('digest-only.conf', text);
      const byTag = await ocikit(['--registries-conf', file, 'digest', 'example.test/app:1']);
      assert.equal(byTag.code, 0, byTag.stderr);
      assert.equal(byTag.out, imageA);
      const byDigest = await ocikit(['--registries-conf', file, 'digest', `example.test/only@${onlyMirror}`]);
      assert.equal(byDigest.code, 0, byDigest.stderr);
      assert.equal(byDigest.out, onlyMirror);
    }
  });

  test('a blocked registry is refused, naming the config (version 2, and a version 1 [registries.block])', async () => {
    for (const file of [
      conf('blocked.conf', `[[registry]]\nlocation = "${origin.host}"\nblocked = true\n`),
      // An old (version 1) file: its block list was once ignored, so nothing was blocked.
      conf('blocked-v1.conf', `[registries.block]\nregistries = ["${origin.host}/"]\n`),
    ]) {
      for (const args of [
        ['digest', `${origin.host}/app:1`],
        ['copy', `${mirror.host}/app:1`, `${origin.host}/pushed:1`],
      ]) {
        const r = await ocikit(['--registries-conf', file, ...args]);
        assert.equal(r.code, 1, `${file}: ${args.join(' ')}`);
        assert.match(r.stderr, /DENIED/);
        assert.match(r.stderr, /blocked/);
        assert.ok(r.stderr.includes(file), r.stderr);
      }
    }
  });

  test('pushes go to the name as given, never remapped by location nor to a mirror (as containers/image)', async () => {
    const file = conf(
      'push.conf',
      `[[registry]]\nprefix = "${origin.host}/team"\nlocation = "${mirror.host}/remapped"\n[[registry.mirror]]\nlocation = "${mirror.host}/mirrored"\n`,
    );
    const r = await ocikit([
      '--registries-conf',
      file,
      'copy',
      `${origin.host}/app:1`,
      `${origin.host}/team/app:2`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const asGiven = await ocikit(['digest', `${origin.host}/team/app:2`]);
    assert.equal(asGiven.out, imageA, asGiven.stderr);
    for (const elsewhere of [`${mirror.host}/remapped/app:2`, `${mirror.host}/mirrored/app:2`]) {
      const there = await ocikit(['digest', elsewhere]);
      assert.notEqual(there.code, 0, `${elsewhere} was written`);
    }
  });

  test('a name remapped or mirrored onto a blocked registry is refused there too: the mirror is passed over, the origin refused', async () => {
    const file = conf(
      'blocked-behind.conf',
      [
        `[[registry]]\nprefix = "example.test"\nlocation = "${origin.host}"\n[[registry.mirror]]\nlocation = "${mirror.host}"\n`,
        `[[registry]]\nlocation = "${mirror.host}"\nblocked = true\n`,
        // Under another path of the blocked host: one location with two settings is refused.
        `[[registry]]\nprefix = "remapped.test"\nlocation = "blocked.test/sub"\n`,
        '[[registry]]\nlocation = "blocked.test"\nblocked = true\n',
      ].join(''),
    );
    // The mirror holds a different app:1; being blocked, it is never read: the origin serves.
    const viaOrigin = await ocikit(['--registries-conf', file, 'digest', 'example.test/app:1']);
    assert.equal(viaOrigin.code, 0, viaOrigin.stderr);
    assert.equal(viaOrigin.out, imageA);
    assert.doesNotMatch(viaOrigin.stderr, /from mirror/);
    const refused = await ocikit(['--registries-conf', file, 'digest', 'remapped.test/app:1']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /DENIED/);
    assert.match(refused.stderr, /blocked\.test/);
  });

  test('the longest prefix wins, and wildcard prefixes match subdomains', async () => {
    const file = conf(
      'prefix.conf',
      [
        `[[registry]]\nprefix = "example.test"\nlocation = "${origin.host}"\n`,
        `[[registry]]\nprefix = "example.test/only"\nlocation = "${mirror.host}/only"\n`,
        `[[registry]]\nprefix = "*.wild.test"\nblocked = true\n`,
      ].join(''),
    );
    const r = await ocikit(['--registries-conf', file, 'digest', 'example.test/only:1']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.out, onlyMirror);
    const wild = await ocikit(['--registries-conf', file, 'digest', 'a.b.wild.test/x:1']);
    assert.equal(wild.code, 1);
    assert.match(wild.stderr, /blocked/);
  });

  test('an alias resolves a short name; one search registry qualifies it; ambiguity is refused when enforcing', async () => {
    const alias = conf(
      'alias.conf',
      `unqualified-search-registries = ["${origin.host}", "${mirror.host}"]\nshort-name-mode = "enforcing"\n[aliases]\n"only" = "${mirror.host}/only"\n`,
    );
    const viaAlias = await ocikit(['--registries-conf', alias, 'digest', 'only:1']);
    assert.equal(viaAlias.code, 0, viaAlias.stderr);
    assert.equal(viaAlias.out, onlyMirror);
    const ambiguous = await ocikit(['--registries-conf', alias, 'digest', 'app:1']);
    assert.equal(ambiguous.code, 1);
    assert.match(ambiguous.stderr, /INVALID_REFERENCE/);
    assert.ok(ambiguous.stderr.includes(`${origin.host}/app:1`), ambiguous.stderr);
    assert.ok(ambiguous.stderr.includes(`${mirror.host}/app:1`), ambiguous.stderr);

    const permissive = conf(
      'permissive.conf',
      `unqualified-search-registries = ["${origin.host}", "${mirror.host}"]\nshort-name-mode = "permissive"\n`,
    );
    // app:1 is on both: the first search registry wins; only:1 is found on the second one.
    const first = await ocikit(['--registries-conf', permissive, 'digest', 'app:1']);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.out, imageA);
    const second = await ocikit(['--registries-conf', permissive, 'digest', 'only:1']);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.out, onlyMirror);
    const single = conf('single.conf', `unqualified-search-registries = ["${origin.host}"]\n`);
    const one = await ocikit(['--registries-conf', single, 'digest', 'app:1']);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(one.out, imageA);
  });

  test('a counting proxy in front of the mirror sees the mirror asked first, and never for digest-only tag pulls', async (t) => {
    const proxy = await startFaultProxy(mirror.host);
    t.after(() => proxy.stop());
    const manifestAsks = () => proxy.seen.filter((s) => s.path.includes('/manifests/')).map((s) => s.path);
    const fallback = conf(
      'counted.conf',
      `[[registry]]\nprefix = "example.test"\nlocation = "${origin.host}"\n[[registry.mirror]]\nlocation = "${proxy.host}/nothing-here"\n`,
    );
    const r = await ocikit(['--registries-conf', fallback, 'digest', 'example.test/app:1']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.out, imageA);
    assert.deepEqual(manifestAsks(), ['/v2/nothing-here/app/manifests/1']);
    proxy.seen.length = 0;
    const digestOnly = conf(
      'counted-digest-only.conf',
      `[[registry]]\nprefix = "example.test"\nlocation = "${origin.host}"\n[[registry.mirror]]\nlocation = "${proxy.host}"\npull-from-mirror = "digest-only"\n`,
    );
    const byTag = await ocikit(['--registries-conf', digestOnly, 'digest', 'example.test/app:1']);
    assert.equal(byTag.out, imageA, byTag.stderr);
    assert.deepEqual(manifestAsks(), []);
    const byDigest = await ocikit(['--registries-conf', digestOnly, 'digest', `example.test/app@${imageB}`]);
    assert.equal(byDigest.out, imageB, byDigest.stderr);
    assert.ok(manifestAsks().includes(`/v2/app/manifests/${imageB}`), JSON.stringify(manifestAsks()));
  });

  test('docker:// names are not short names: Docker Hub, even with an alias of that name', async () => {
    const file = conf(
      'docker-scheme.conf',
      `[aliases]\n"only" = "${mirror.host}/only"\n[[registry]]\nprefix = "docker.io"\nblocked = true\n`,
    );
    const r = await ocikit(['--registries-conf', file, 'digest', 'docker://only:1']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /docker\.io\/library\/only:1/);
    assert.match(r.stderr, /blocked/);
    const bare = await ocikit(['--registries-conf', file, 'digest', 'only:1']);
    assert.equal(bare.out, onlyMirror, bare.stderr);
  });

  test('the user file under $HOME is read when no file is named', async () => {
    const home = join(dir, 'home');
    mkdirSync(join(home, '.config/containers/registries.conf.d'), { recursive: true });
    writeFileSync(join(home, '.config/containers/registries.conf'), 'unqualified-search-registries = []\n');
    writeFileSync(
      join(home, '.config/containers/registries.conf.d/50-app.conf'),
      `[aliases]\n"myapp" = "${origin.host}/app"\n`,
    );
    const r = await ocikit(['digest', 'myapp:1'], { env: { HOME: home, CONTAINERS_REGISTRIES_CONF: '' } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.out, imageA);
  });
});
