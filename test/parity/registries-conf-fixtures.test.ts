/**
 * registries.conf files from containers/image's own test data (Debian's
 * golang-github-containers-image-dev, installed by scripts/install-peers.sh): every file it loads
 * loads here, every file it refuses is refused here, and the names they configure resolve as
 * they do in skopeo and podman: the version 1 tables converted, wildcard prefixes with a location,
 * an alias removed by a drop-in's empty value.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isOciError } from '../../src/errors/index.ts';
import { formatReference, parseReference, type Reference } from '../../src/reference/index.ts';
import {
  loadRegistriesConf,
  pullEndpoints,
  pushEndpoint,
  resolveShortName,
} from '../../src/transports/registry/conf/index.ts';
import { suiteScratch } from '../helpers/tmp.ts';

const TESTDATA = '/usr/share/gocode/src/github.com/containers/image/pkg/sysregistriesv2/testdata';

/** Files containers/image loads. */
const LOADED = [
  'aliases.conf',
  'base-for-registries.d.conf',
  'cred-helper.conf',
  'empty.conf',
  'find-registry.conf',
  'invalidate-cache.conf',
  'mirrors.conf',
  'pull-sources-from-reference.conf',
  'pull-sources-mirror-reference.conf',
  'try-update-cache-valid.conf',
  'unmarshal.conf',
  'unqualified-search.conf',
  'v1-compatibility.conf',
];

/** Files containers/image refuses, and a word of what the message names. */
const REFUSED: Array<[string, RegExp]> = [
  ['blocked-conflicts.conf', /registry\.com.*conflicting/],
  ['insecure-conflicts.conf', /registry\.com.*conflicting/],
  ['invalid-aliases.conf', /alias/],
  ['invalid-config-level-mirror.conf', /pull-from-mirror/],
  ['invalid-conflict-mirror.conf', /mirror-by-digest-only/],
  ['invalid-prefix.conf', /URL schemes are not supported/],
  ['invalid-search.conf', /unqualified-search-registries/],
  ['invalid-short-name-mode.conf', /short-name-mode/],
  ['invalid-value-mirror.conf', /pull-from-mirror/],
  ['missing-mirror-location.conf', /location/],
  ['mixing-v1-v2.conf', /version 1/],
  ['try-update-cache-invalid.conf', /TOML/],
  ['v1-invalid-block.conf', /registries\.block/],
  ['v1-invalid-insecure.conf', /registries\.insecure/],
  ['v1-invalid-search.conf', /registries\.search/],
];

const ref = (name: string) => parseReference(name);
/** Where a pull of `name` reads at the origin (the last endpoint: after the mirrors). */
const origin = (conf: Awaited<ReturnType<typeof loadRegistriesConf>>, name: string) =>
  formatReference((pullEndpoints(conf, ref(name)).at(-1) as { reference: Reference }).reference);

describe("containers/image's registries.conf test files", () => {
  const makeDir = suiteScratch(after);
  let dir: string;
  before(async () => {
    dir = await makeDir();
  });

  /** `main` as the system file, with the test data's drop-in folder beside it, loaded as a machine's. */
  async function withDropIns(main: string) {
    const root = join(dir, main);
    mkdirSync(join(root, 'etc/containers/registries.conf.d'), { recursive: true });
    copyFileSync(join(TESTDATA, main), join(root, 'etc/containers/registries.conf'));
    for (const f of readdirSync(join(TESTDATA, 'registries.conf.d')))
      copyFileSync(join(TESTDATA, 'registries.conf.d', f), join(root, 'etc/containers/registries.conf.d', f));
    return loadRegistriesConf({ root, home: join(dir, 'no-home'), env: {} });
  }

  test('every file is covered: loaded or refused', () => {
    const files = readdirSync(TESTDATA).filter(
      (f) => f.endsWith('.conf') && statSync(join(TESTDATA, f)).isFile(),
    );
    assert.deepEqual(files.sort(), [...LOADED, ...REFUSED.map(([f]) => f)].sort());
  });

  for (const file of LOADED) {
    test(`${file} loads`, async () => {
      const conf = await loadRegistriesConf({ file: join(TESTDATA, file) });
      // Where credentials are looked for: the file's list, else the auth files.
      assert.deepEqual(
        conf.credentialHelpers,
        file === 'cred-helper.conf' ? ['helper-1', 'helper-2'] : ['containers-auth.json'],
      );
    });
  }

  for (const [file, names] of REFUSED) {
    test(`${file} is refused (INVALID_ARGUMENT naming the file)`, async () => {
      await assert.rejects(loadRegistriesConf({ file: join(TESTDATA, file) }), (err) => {
        assert.ok(isOciError(err, 'INVALID_ARGUMENT'), String(err));
        assert.ok(err.message.includes(file), err.message);
        assert.match(err.message, names);
        return true;
      });
    });
  }

  test('version 1 tables: [registries.search] qualifies short names, [registries.block] blocks and [registries.insecure] allows plain HTTP', async () => {
    const conf = await loadRegistriesConf({ file: join(TESTDATA, 'v1-compatibility.conf') });
    // Trailing slashes are dropped, as containers/image drops them.
    assert.deepEqual(conf.searchRegistries, ['registry-a.com', 'registry-c.com', 'registry-d.com']);
    assert.equal(conf.registries.length, 4);
    assert.throws(
      () => pullEndpoints(conf, ref('registry-b.com/bar/foo/barfoo:latest')),
      (err) => isOciError(err, 'DENIED') && err.message.includes('v1-compatibility.conf'),
    );
    for (const name of ['registry-a.com/x:1', 'registry-d.com/x:1', 'registry-e.com/x:1'])
      assert.equal(pushEndpoint(conf, ref(name)).insecure, true, name);
    assert.equal(pushEndpoint(conf, ref('registry-c.com/x:1')).insecure, false);
    assert.deepEqual(
      resolveShortName(conf, 'app:1').candidates.map((c) => formatReference(c)),
      ['registry-a.com/app:1', 'registry-c.com/app:1', 'registry-d.com/app:1'],
    );
  });

  test('find-registry.conf with its drop-ins: the longest prefix wins, wildcard prefixes rewrite the host to their location', async () => {
    const conf = await withDropIns('find-registry.conf');
    assert.equal(origin(conf, 'simple-prefix.com/foo/bar:latest'), 'registry.com:5000/foo/bar:latest');
    assert.equal(origin(conf, 'not.so.simple-prefix.com/foo:1'), 'subdomain-prefix.com/foo:1');
    // The wildcard takes the host; the port and the path stay.
    assert.equal(
      origin(conf, 'not.quite.simple-prefix.com:5000/with/path/and/beyond:tag'),
      'subdomain-prefix-2.com:5000/with/path/and/beyond:tag',
    );
    // A drop-in replaces the location of the same wildcard prefix.
    assert.equal(
      origin(conf, 'really.not.quite.simple-prefix.com:5000/with/path:tag'),
      'subdomain-prefix-1-overridden-by-dropin-location.com:5000/with/path:tag',
    );
    // *.docker.com (a drop-in) does not match docker.io; *.bar.docker.io beats *.docker.io.
    assert.equal(
      origin(conf, 'foo.bar.docker.io:5000/omg/wtf:foo'),
      'subdomain-prefix-4.com:5000/omg/wtf:foo',
    );
    assert.equal(origin(conf, 'foo.docker.io:5000/omg/wtf:foo'), 'subdomain-prefix-2.com:5000/omg/wtf:foo');
    // An exact host:port prefix is longer than the wildcard over it.
    assert.equal(origin(conf, 'foo.bar.example.com:5000/omg/wtf:foo'), 'subdomain-prefix-5.com/omg/wtf:foo');
    assert.equal(
      origin(conf, `foo.bar.example.com:6000/omg/wtf@sha256:${'a'.repeat(64)}`),
      `subdomain-prefix-3-overridden-by-dropin-location.com:6000/omg/wtf@sha256:${'a'.repeat(64)}`,
    );
    // No match: the name stays as it is.
    assert.equal(origin(conf, 'simple-prefix.comx/a:1'), 'simple-prefix.comx/a:1');
  });

  test('aliases.conf with its drop-ins: later files replace aliases, an empty value removes one, a .ignore file is not read', async () => {
    const conf = await withDropIns('aliases.conf');
    const target = (name: string) => conf.aliases.get(name)?.target;
    assert.equal(target('docker'), 'docker.io/library/config1');
    assert.equal(target('quay/foo'), 'quay.io/library/foo');
    assert.equal(target('barz'), 'barz.com/config2');
    assert.equal(target('config1'), 'config1.com/image');
    assert.equal(target('example'), undefined, 'config-2.conf empties it');
    assert.equal(target('empty'), undefined);
    assert.equal(target('ignore'), undefined);
    assert.equal(conf.shortNameMode, 'permissive');
    assert.deepEqual(conf.searchRegistries, ['example-overwrite.com']);
    // config-1.conf's credential-helpers, replaced by config-2.conf's.
    assert.deepEqual(conf.credentialHelpers, ['dropin-1', 'dropin-2']);
    assert.throws(
      () => pullEndpoints(conf, ref('base.com/x:1')),
      (err) => isOciError(err, 'DENIED'),
    );
    // The removed alias no longer decides: the search registry does.
    assert.deepEqual(
      resolveShortName(conf, 'example').candidates.map((c) => formatReference(c)),
      ['example-overwrite.com/example'],
    );
  });
});
