/**
 * Certificates for TLS tests, made with the real `openssl` at test time: a CA, a server
 * certificate it signs (for a host name and 127.0.0.1), a second CA for client certificates and a
 * client certificate it signs, and an unrelated CA that trusts nothing here.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './exec.ts';

/** Paths of the PEM files {@link makeTlsCertificates} wrote. */
export interface TlsCertificates {
  /** The CA that signed the server certificate. */
  caCert: string;
  /** The server certificate and its key. */
  serverCert: string;
  serverKey: string;
  /** The CA that signed the client certificate (the registry's `clientcas`). */
  clientCaCert: string;
  /** A client certificate and its key. */
  clientCert: string;
  clientKey: string;
  /** A CA that signed nothing used here. */
  otherCaCert: string;
}

async function makeCa(dir: string, name: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}-key.pem`);
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '2',
    '-subj',
    `/CN=ocikit test ${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { cert, key };
}

async function makeLeaf(
  dir: string,
  name: string,
  ca: { cert: string; key: string },
  extensions: string,
): Promise<{ cert: string; key: string }> {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}-key.pem`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  await writeFile(ext, extensions);
  await run('openssl', [
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
    '-out',
    csr,
    '-subj',
    `/CN=${name}`,
  ]);
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-out',
    cert,
    '-days',
    '2',
    '-extfile',
    ext,
  ]);
  return { cert, key };
}

/** Makes the CAs and certificates in `dir`; the server certificate names `hostname` and 127.0.0.1. */
export async function makeTlsCertificates(dir: string, hostname: string): Promise<TlsCertificates> {
  const ca = await makeCa(dir, 'server-ca');
  const clientCa = await makeCa(dir, 'client-ca');
  const other = await makeCa(dir, 'other-ca');
  const server = await makeLeaf(
    dir,
    'server',
    ca,
    `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:${hostname},IP:127.0.0.1\n`,
  );
  const client = await makeLeaf(
    dir,
    'client',
    clientCa,
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n',
  );
  return {
    caCert: ca.cert,
    serverCert: server.cert,
    serverKey: server.key,
    clientCaCert: clientCa.cert,
    clientCert: client.cert,
    clientKey: client.key,
    otherCaCert: other.cert,
  };
}
