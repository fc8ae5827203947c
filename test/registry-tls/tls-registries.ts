/**
 * What the TLS suites share: the Distribution registry serving HTTPS with a certificate from a
 * CA the test makes, and a plain-HTTP one, both reached by a test name that is not a loopback
 * name, each holding one image pushed by skopeo (so the setup does not depend on the code under
 * test); and a count of the TLS secure contexts Node makes.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type OpenRegistryOptions, openRegistryClient } from '../../src/transports/registry/open.ts';
import { ocikit } from '../helpers/cli.ts';
import { run } from '../helpers/exec.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { ensureTestHostname } from '../helpers/test-host.ts';
import { makeTlsCertificates, type TlsCertificates } from '../helpers/tls-certs.ts';
import { buildImage } from '../registry-auth/cli-env.ts';

/** The two registries, the CA, and the image both hold as `app:1`. */
export interface TlsRegistries {
  certs: TlsCertificates;
  /** HTTPS, with a certificate signed by `certs.caCert`. */
  secure: RunningRegistry;
  /** Plain HTTP. */
  plain: RunningRegistry;
  /** A folder with the registry's CA as `ca.crt`. */
  certDir: string;
  /** The image pushed, as an `oci:` reference. */
  image: string;
  /** Its digest. */
  local: string;
  stop(): Promise<void>;
}

/** Starts both registries with their files in `dir` and pushes the image to each. */
export async function startTlsRegistries(dir: string): Promise<TlsRegistries> {
  const hostname = await ensureTestHostname();
  const certs = await makeTlsCertificates(dir, hostname);
  const secure = await startRegistry({
    hostname,
    tls: { certificate: certs.serverCert, key: certs.serverKey },
  });
  const plain = await startRegistry({ hostname });
  const stop = async () => {
    await secure.stop();
    await plain.stop();
  };
  try {
    const certDir = join(dir, 'cert-dir');
    await mkdir(certDir);
    await copyFile(certs.caCert, join(certDir, 'ca.crt'));
    const image = await buildImage(dir);
    const local = (await ocikit(['digest', image])).out;
    await run('skopeo', ['copy', '-q', '--dest-cert-dir', certDir, image, `docker://${secure.host}/app:1`]);
    await run('skopeo', ['copy', '-q', '--dest-tls-verify=false', image, `docker://${plain.host}/app:1`]);
    return { certs, secure, plain, certDir, image, local, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Runs `fn`, counting the secure contexts Node makes meanwhile (`tls.createSecureContext`, where
 * `tls.connect` makes one for every connection given `ca`, `cert` or `key`).
 */
export async function countSecureContexts(fn: () => Promise<void>): Promise<number> {
  const tls = process.getBuiltinModule('node:tls');
  const made = tls.createSecureContext;
  let contexts = 0;
  tls.createSecureContext = (...args: Parameters<typeof made>) => {
    contexts++;
    return made(...args);
  };
  try {
    await fn();
  } finally {
    tls.createSecureContext = made;
  }
  return contexts;
}

/** The digest of `app:1` read four times at once (four connections) by one client of `host`. */
export async function readManifestFourTimes(host: string, options: OpenRegistryOptions): Promise<string[]> {
  const client = await openRegistryClient(host, options);
  try {
    return await Promise.all(
      Array.from({ length: 4 }, async () => (await client.getManifest('app', '1')).digest),
    );
  } finally {
    await client.close();
  }
}
