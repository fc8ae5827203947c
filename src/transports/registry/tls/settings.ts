/**
 * The TLS settings of one registry, resolved from the options as skopeo resolves its flags:
 * `certDir` (`--cert-dir`) names the folder, else the per-host certs.d lookup finds it; its CAs are
 * trusted on top of Node's own, its client pairs are offered, and `tlsVerify: false`
 * (`--tls-verify=false`) turns verification off without dropping the client certificates.
 */
import { join } from 'node:path';
import {
  type ClientCertificate,
  defaultCertsDirectories,
  perHostCertDir,
  readCertFolder,
} from './certs-dir.ts';

/** The TLS options a caller gives (the transport options carry the same fields). */
export interface RegistryTlsOptions {
  /**
   * `false`: certificates are not verified, and plain HTTP is tried when HTTPS fails (skopeo's
   * `--tls-verify=false`). `true`: verified HTTPS even for loopback hosts. Default: verified
   * HTTPS, plain HTTP for loopback hosts.
   */
  tlsVerify?: boolean;
  /** One folder of `*.crt` CAs and `NAME.cert` + `NAME.key` client pairs, instead of the per-host lookup. */
  certDir?: string;
  /**
   * The roots searched for a `HOST[:PORT]/` folder, the first existing one winning; default
   * `~/.config/containers/certs.d`, `/etc/containers/certs.d`, `/etc/docker/certs.d`.
   */
  certsDirectories?: readonly string[];
}

/** The resolved TLS settings of a registry. */
export interface RegistryTls {
  /** Whether server certificates are verified. */
  verify: boolean;
  /** Extra CA certificates (PEM blocks), trusted with Node's own. */
  ca: string[];
  clientCertificates: ClientCertificate[];
  /** The folder the files came from, when one was given or found. */
  certDir: string | undefined;
  /** Where a folder for this registry was looked for (for messages). */
  searched: string[];
  /** True when the folder came from `certDir` rather than the per-host lookup. */
  explicit: boolean;
}

/** Resolves the TLS settings for `registry` (its `host[:port]` as references spell it). */
export async function loadRegistryTls(
  registry: string,
  options: RegistryTlsOptions = {},
): Promise<RegistryTls> {
  const verify = options.tlsVerify !== false;
  if (options.certDir !== undefined && options.certDir !== '') {
    const folder = await readCertFolder(options.certDir);
    return { verify, ...folder, certDir: options.certDir, searched: [options.certDir], explicit: true };
  }
  const roots = options.certsDirectories ?? defaultCertsDirectories();
  const found = await perHostCertDir(registry, roots);
  const folder = found === undefined ? { ca: [], clientCertificates: [] } : await readCertFolder(found);
  return {
    verify,
    ...folder,
    certDir: found,
    searched: roots.map((root) => join(root, registry)),
    explicit: false,
  };
}
