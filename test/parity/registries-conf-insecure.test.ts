/**
 * registries.conf `insecure = true`: a registry (or a mirror) whose certificate no CA here
 * signed is refused by default and reached once its entry says it is insecure, as containers/image
 * applies it.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { ensureTestHostname } from '../helpers/test-host.ts';
import { makeTlsCertificates } from '../helpers/tls-certs.ts';
import { suiteScratch } from '../helpers/tmp.ts';

describe('registries.conf insecure', () => {
  const makeDir = suiteScratch(after, 'ocikit-conf-tls-');
  let dir: string;
  let secure: RunningRegistry;
  let digest: string;

  before(async () => {
    dir = await makeDir();
    const hostname = await ensureTestHostname();
    const certs = await makeTlsCertificates(dir, hostname);
    secure = await startRegistry({ hostname, tls: { certificate: certs.serverCert, key: certs.serverKey } });
    mkdirSync(join(dir, 'root'));
    writeFileSync(join(dir, 'root/f'), 'x\n');
    const layout = `oci:${join(dir, 'layout')}:app`;
    const made = await ocikit(['append', 'scratch', join(dir, 'root'), '-t', layout]);
    assert.equal(made.code, 0, made.stderr);
    const pushed = await ocikit(['copy', '-q', '--dest-tls-verify=false', layout, `${secure.host}/app:1`]);
    assert.equal(pushed.code, 0, pushed.stderr);
    digest = (await ocikit(['digest', layout])).out;
  });
  after(async () => {
    await secure?.stop();
  });

  test('an unverifiable registry is refused until its entry says insecure', async () => {
    const plain = join(dir, 'plain.conf');
    writeFileSync(plain, `[[registry]]\nlocation = "${secure.host}"\n`);
    const refused = await ocikit(['--registries-conf', plain, 'digest', `${secure.host}/app:1`]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /certificate|TLS|NETWORK_ERROR/i);
    const file = join(dir, 'insecure.conf');
    writeFileSync(file, `[[registry]]\nlocation = "${secure.host}"\ninsecure = true\n`);
    // The same in an old (version 1) file, once ignored.
    const v1 = join(dir, 'insecure-v1.conf');
    writeFileSync(v1, `[registries.insecure]\nregistries = ["${secure.host}"]\n`);
    for (const conf of [file, v1]) {
      const r = await ocikit(['--registries-conf', conf, 'digest', `${secure.host}/app:1`]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.out, digest);
    }
  });

  test('an insecure mirror is reached for a secure origin', async () => {
    const file = join(dir, 'mirror.conf');
    writeFileSync(
      file,
      `[[registry]]\nprefix = "example.test"\nlocation = "example.test"\n[[registry.mirror]]\nlocation = "${secure.host}"\ninsecure = true\n`,
    );
    const r = await ocikit(['--registries-conf', file, 'digest', 'example.test/app:1']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.out, digest);
    assert.match(r.stderr, /from mirror/);
  });
});
