/**
 * Which TLS files apply to a registry, as containers/image reads them: the first existing
 * `ROOT/HOST[:PORT]/` folder of `~/.config/containers/certs.d`, `/etc/containers/certs.d`,
 * `/etc/docker/certs.d` (the roots are an option, so tests need not write to /etc), or the one
 * `certDir` instead; `*.crt` are CAs, `NAME.cert` + `NAME.key` a client pair, and a half pair is
 * an error.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isOciError } from '../../src/errors/index.ts';
import { defaultCertsDirectories, loadRegistryTls } from '../../src/transports/registry/tls/index.ts';
import { run } from '../helpers/exec.ts';
import { makeTlsCertificates, type TlsCertificates } from '../helpers/tls-certs.ts';
import { scratch, suiteScratch } from '../helpers/tmp.ts';

const HOST = 'registry.example.test:5443';

describe('per-registry TLS folders', () => {
  const makeDir = suiteScratch(after, 'ocikit-certs-');
  let certs: TlsCertificates;
  let pem: Record<'ca' | 'other' | 'clientCert' | 'clientKey', string>;
  before(async () => {
    certs = await makeTlsCertificates(await makeDir(), 'registry.example.test');
    pem = {
      ca: await readFile(certs.caCert, 'utf8'),
      other: await readFile(certs.otherCaCert, 'utf8'),
      clientCert: await readFile(certs.clientCert, 'utf8'),
      clientKey: await readFile(certs.clientKey, 'utf8'),
    };
  });

  const folder = async (root: string, files: Record<string, string>) => {
    const dir = join(root, HOST);
    await mkdir(dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    return dir;
  };

  test('the default roots are the user’s, then /etc/containers, then /etc/docker', () => {
    assert.deepEqual(defaultCertsDirectories({ HOME: '/home/u' }), [
      '/home/u/.config/containers/certs.d',
      '/etc/containers/certs.d',
      '/etc/docker/certs.d',
    ]);
    assert.equal(defaultCertsDirectories({})[0], join(homedir(), '.config/containers/certs.d'));
  });

  test('the first root holding a HOST[:PORT] folder is used and the later ones are not read', async (t) => {
    const base = await scratch(t);
    const [user, etcContainers, etcDocker] = ['user', 'containers', 'docker'].map((n) => join(base, n));
    await folder(etcContainers as string, { 'ca.crt': pem.ca });
    await folder(etcDocker as string, { 'other.crt': pem.other });
    const tls = await loadRegistryTls(HOST, {
      certsDirectories: [user as string, etcContainers as string, etcDocker as string],
    });
    assert.equal(tls.certDir, join(etcContainers as string, HOST));
    assert.deepEqual(tls.ca, [pem.ca.trim()]);
    assert.equal(tls.verify, true);
    const none = await loadRegistryTls('elsewhere.test', { certsDirectories: [etcContainers as string] });
    assert.equal(none.certDir, undefined);
    assert.deepEqual(none.ca, []);
  });

  test('certDir replaces the per-host lookup; NAME.cert with NAME.key is a client certificate', async (t) => {
    const base = await scratch(t);
    await folder(join(base, 'root'), { 'ca.crt': pem.other });
    const own = join(base, 'own');
    await mkdir(own);
    await writeFile(join(own, 'ca.crt'), pem.ca);
    await writeFile(join(own, 'client.cert'), pem.clientCert);
    await writeFile(join(own, 'client.key'), pem.clientKey);
    const tls = await loadRegistryTls(HOST, { certDir: own, certsDirectories: [join(base, 'root')] });
    assert.equal(tls.certDir, own);
    assert.deepEqual(tls.ca, [pem.ca.trim()]);
    assert.equal(tls.clientCertificates.length, 1);
    assert.equal(tls.clientCertificates[0]?.certPath, join(own, 'client.cert'));
  });

  test('a .cert without its .key, or a .key without its .cert, is an error naming both', async (t) => {
    const base = await scratch(t);
    const lonelyCert = await folder(join(base, 'a'), { 'client.cert': pem.clientCert });
    await assert.rejects(loadRegistryTls(HOST, { certDir: lonelyCert }), (err: unknown) => {
      assert.ok(isOciError(err, 'INVALID_ARGUMENT'));
      assert.match(err.message, /missing key client\.key for client certificate client\.cert/);
      assert.match(err.message, /CA certificates should use the extension \.crt/);
      return true;
    });
    const lonelyKey = await folder(join(base, 'b'), { 'client.key': pem.clientKey });
    await assert.rejects(loadRegistryTls(HOST, { certDir: lonelyKey }), (err: unknown) => {
      assert.ok(isOciError(err, 'INVALID_ARGUMENT'));
      assert.match(err.message, /missing client certificate client\.cert for key client\.key/);
      return true;
    });
  });

  test('a client certificate whose key does not match is an error naming the files', async (t) => {
    const base = await scratch(t);
    const serverKey = await readFile(certs.serverKey, 'utf8');
    const dir = await folder(join(base, 'a'), { 'client.cert': pem.clientCert, 'client.key': serverKey });
    await assert.rejects(loadRegistryTls(HOST, { certDir: dir }), (err: unknown) => {
      assert.ok(isOciError(err, 'INVALID_ARGUMENT'));
      assert.ok(err.message.includes(join(dir, 'client.cert')));
      assert.match(err.message, /does not match/);
      return true;
    });
  });

  test('tlsVerify false still reads the folder (client certificates are still sent)', async (t) => {
    const base = await scratch(t);
    const dir = await folder(join(base, 'a'), { 'client.cert': pem.clientCert, 'client.key': pem.clientKey });
    const tls = await loadRegistryTls(HOST, { certDir: dir, tlsVerify: false });
    assert.equal(tls.verify, false);
    assert.equal(tls.clientCertificates.length, 1);
  });

  test('a TLS file that is not a regular file (a FIFO, a device) is refused, naming it, without reading it', async (t) => {
    // Opening a FIFO for reading waits for a writer forever, and a device such as /dev/zero has
    // no end: neither may hold up, or fill the memory of, every command that talks to a registry.
    const base = await scratch(t);
    const fifoCa = await folder(join(base, 'a'), {});
    await run('mkfifo', [join(fifoCa, 'ca.crt')]);
    const fifoKey = await folder(join(base, 'b'), { 'client.cert': pem.clientCert });
    await run('mkfifo', [join(fifoKey, 'client.key')]);
    const deviceCa = await folder(join(base, 'c'), {});
    await symlink('/dev/zero', join(deviceCa, 'ca.crt'));
    for (const [dir, file] of [
      [fifoCa, 'ca.crt'],
      [fifoKey, 'client.key'],
      [deviceCa, 'ca.crt'],
    ] as const) {
      await assert.rejects(loadRegistryTls(HOST, { certDir: dir }), (err: unknown) => {
        assert.ok(isOciError(err, 'INVALID_ARGUMENT'), String(err));
        assert.ok(err.message.includes(join(dir, file)), err.message);
        assert.match(err.message, /not a regular file/);
        return true;
      });
    }
  });

  test('a registry name that could leave the roots is refused', async () => {
    for (const bad of ['../x', 'a/b', '..', '']) {
      await assert.rejects(loadRegistryTls(bad, { certsDirectories: ['/nonexistent'] }), (err) =>
        isOciError(err, 'INVALID_REFERENCE'),
      );
    }
  });
});
