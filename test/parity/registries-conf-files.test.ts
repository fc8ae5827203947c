/**
 * Reading registries.conf (containers-registries.conf(5), version 2): the files a user relies on
 * (system, drop-ins, user, an explicit file, `$CONTAINERS_REGISTRIES_CONF`), malformed TOML
 * refused with a typed error naming the file, and hostile configs (huge files, weird prefixes,
 * too many entries) refused before they are used.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OciError } from '../../src/errors/index.ts';
import { formatReference, parseReference } from '../../src/reference/index.ts';
import {
  loadRegistriesConf,
  pullEndpoints,
  pushEndpoint,
  resolveShortName,
} from '../../src/transports/registry/conf/index.ts';
import { suiteScratch } from '../helpers/tmp.ts';

describe('registries.conf files', () => {
  const makeDir = suiteScratch(after);
  let dir: string;
  before(async () => {
    dir = await makeDir();
  });

  function write(name: string, text: string | Buffer): string {
    const file = join(dir, name);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, text);
    return file;
  }

  async function refused(file: string, pattern: RegExp): Promise<void> {
    await assert.rejects(loadRegistriesConf({ file }), (err: unknown) => {
      assert.ok(err instanceof OciError, String(err));
      assert.equal(err.code, 'INVALID_ARGUMENT');
      assert.ok(err.message.includes(file), err.message);
      assert.match(err.message, pattern);
      return true;
    });
  }

  test('a file read again in one process is parsed again when its text changed, and not otherwise', async () => {
    const file = write('changing.conf', '[[registry]]\nprefix = "a.example"\nlocation = "one.example"\n');
    const first = await loadRegistriesConf({ file });
    assert.equal(first.registries[0]?.location, 'one.example');
    const again = await loadRegistriesConf({ file });
    assert.equal(again.registries[0], first.registries[0], 'the unchanged file is not parsed twice');
    // Same size, other text: a cache keyed by size or time alone would miss it.
    write('changing.conf', '[[registry]]\nprefix = "a.example"\nlocation = "two.example"\n');
    const changed = await loadRegistriesConf({ file });
    assert.equal(changed.registries[0]?.location, 'two.example');
    write('changing.conf', '[[registry]]\nprefix = "a.example"\nlocation = \n');
    await refused(file, /invalid TOML/);
  });

  test('no file at all keeps Docker Hub for short names', async () => {
    const conf = await loadRegistriesConf({
      root: join(dir, 'empty-root'),
      home: join(dir, 'no-home'),
      env: {},
    });
    const resolved = resolveShortName(conf, 'ubuntu');
    assert.deepEqual(
      resolved.candidates.map((r) => `${r.registry}/${r.repository}`),
      ['docker.io/library/ubuntu'],
    );
  });

  test('system file, then drop-ins in name order; the user file replaces the system file', async () => {
    const root = join(dir, 'root');
    write('root/etc/containers/registries.conf', 'unqualified-search-registries = ["sys.test"]\n');
    write('root/etc/containers/registries.conf.d/10-a.conf', '[aliases]\n"app" = "a.test/app"\n');
    write('root/etc/containers/registries.conf.d/20-b.conf', '[aliases]\n"app" = "b.test/app"\n');
    write('root/etc/containers/registries.conf.d/ignored.txt', 'not toml [[[');
    const sys = await loadRegistriesConf({ root, home: join(dir, 'no-home'), env: {} });
    assert.equal(resolveShortName(sys, 'app:1').candidates[0]?.registry, 'b.test');
    assert.equal(resolveShortName(sys, 'other').candidates[0]?.registry, 'sys.test');
    const home = join(dir, 'home');
    write('home/.config/containers/registries.conf', 'unqualified-search-registries = ["user.test"]\n');
    const user = await loadRegistriesConf({ root, home, env: {} });
    assert.equal(resolveShortName(user, 'other').candidates[0]?.registry, 'user.test');
    const viaEnv = await loadRegistriesConf({
      root,
      home,
      env: {
        CONTAINERS_REGISTRIES_CONF: write('env.conf', 'unqualified-search-registries = ["env.test"]\n'),
      },
    });
    assert.equal(resolveShortName(viaEnv, 'other').candidates[0]?.registry, 'env.test');
  });

  test('pull endpoints: mirrors in order, then the origin; pull-from-mirror filters them', async () => {
    const file = write(
      'endpoints.conf',
      [
        '[[registry]]',
        'prefix = "example.test/team"',
        'location = "origin.test/remapped"',
        '[[registry.mirror]]',
        'location = "m1.test/x"',
        'insecure = true',
        '[[registry.mirror]]',
        'location = "m2.test"',
        'pull-from-mirror = "tag-only"',
        '[[registry.mirror]]',
        'location = "m3.test"',
        'pull-from-mirror = "digest-only"',
      ].join('\n'),
    );
    const conf = await loadRegistriesConf({ file });
    const byTag = pullEndpoints(conf, parseReference('example.test/team/app:1'));
    assert.deepEqual(
      byTag.map((e) => [`${e.reference.registry}/${e.reference.repository}`, e.mirror, e.insecure]),
      [
        ['m1.test/x/app', true, true],
        ['m2.test/app', true, false],
        ['origin.test/remapped/app', false, false],
      ],
    );
    const digest = `sha256:${'a'.repeat(64)}`;
    const byDigest = pullEndpoints(conf, parseReference(`example.test/team/app@${digest}`));
    assert.deepEqual(
      byDigest.map((e) => e.reference.registry),
      ['m1.test', 'm3.test', 'origin.test'],
    );
    // A prefix may name one tag; a bare host never matches another port of it.
    const tagged = await loadRegistriesConf({
      file: write(
        'tagged.conf',
        '[[registry]]\nprefix = "a.test/app:1"\nblocked = true\n[[registry]]\nprefix = "c.test"\nblocked = true\n',
      ),
    });
    assert.throws(() => pushEndpoint(tagged, parseReference('a.test/app:1')), /blocked/);
    assert.equal(
      formatReference(pushEndpoint(tagged, parseReference('a.test/app:10')).reference),
      'a.test/app:10',
    );
    assert.equal(
      formatReference(pushEndpoint(tagged, parseReference('c.test:5000/x:1')).reference),
      'c.test:5000/x:1',
    );
    assert.throws(() => pushEndpoint(tagged, parseReference('c.test/x:1')), /blocked/);
    // `example.test/teammate` is not under the prefix `example.test/team`.
    assert.deepEqual(
      pullEndpoints(conf, parseReference('example.test/teammate:1')).map((e) => e.reference.registry),
      ['example.test'],
    );
  });

  test('malformed TOML is refused naming the file and the line', async () => {
    await refused(write('bad.conf', '[[registry]]\nlocation = "x.test\n'), /line 2|TOML/);
  });

  test('wrong types, unknown modes and weird prefixes are refused', async () => {
    await refused(write('t1.conf', '[[registry]]\nlocation = 5\n'), /location/);
    await refused(write('t2.conf', 'short-name-mode = "sometimes"\n'), /short-name-mode/);
    await refused(write('t3.conf', '[[registry]]\nprefix = "*.*.x.test"\n'), /prefix/);
    await refused(write('t4.conf', '[[registry]]\nprefix = "x.test/*"\n'), /prefix/);
    await refused(write('t5.conf', '[[registry]]\nprefix = "*.x.test/repo"\n'), /prefix/);
    await refused(write('t6.conf', '[[registry]]\nlocation = "../../etc"\n'), /location/);
    await refused(
      write(
        't7.conf',
        '[[registry]]\nprefix = "x.test"\nlocation = "x.test"\n[[registry.mirror]]\nlocation = "m.test"\npull-from-mirror = "never"\n',
      ),
      /pull-from-mirror/,
    );
    await refused(write('t8.conf', '[aliases]\n"app" = "app"\n'), /alias/);
    // One location with two different blocked (or insecure) settings, as containers/image refuses.
    await refused(
      write(
        't9.conf',
        '[[registry]]\nlocation = "x.test"\n[[registry]]\nlocation = "x.test"\nblocked = true\n',
      ),
      /x\.test.*conflicting/,
    );
    await refused(
      write(
        't10.conf',
        '[[registry]]\nprefix = "a.test"\nlocation = "x.test"\n[[registry]]\nprefix = "b.test"\nlocation = "x.test"\ninsecure = true\n',
      ),
      /x\.test.*conflicting/,
    );
  });

  test('huge files and too many entries are refused before parsing', async () => {
    await refused(write('huge.conf', Buffer.alloc(8 * 1024 * 1024, 0x20)), /too large|bytes/);
    const many = Array.from({ length: 20000 }, (_, i) => `[[registry]]\nlocation = "r${i}.test"\n`).join('');
    await refused(write('many.conf', many), /registr/);
  });
});
