/**
 * Checks on a token realm before anything is sent to it: it must be an http(s) URL without
 * userinfo, and credentials go over plain HTTP only to a loopback host or a host the caller
 * marked insecure. Docker sends Basic credentials to the realm host, whichever host that is;
 * that is the protocol, so it is allowed over HTTPS.
 */
import { ErrorCode, OciError } from '../../../errors/index.ts';
import { redactedRealm } from './token.ts';

/** Decides whether plain HTTP is acceptable for a `host[:port]`. */
export type InsecureHosts = readonly string[] | ((host: string) => boolean);

/** True for `localhost`, `127.0.0.0/8` and `::1`. */
export function isLoopbackHost(hostname: string): boolean {
  const bare = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

function isInsecure(url: URL, insecure: InsecureHosts | undefined): boolean {
  if (insecure === undefined) return false;
  if (typeof insecure === 'function') return insecure(url.host) || insecure(url.hostname);
  return insecure.includes(url.host) || insecure.includes(url.hostname);
}

/** Parses a challenge's realm; throws REGISTRY_ERROR when it is not a plain http(s) URL. */
export function parseRealm(registryHost: string, realm: string): URL {
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new OciError(
      ErrorCode.REGISTRY_ERROR,
      `registry ${registryHost} sent a token realm that is not a URL`,
      {
        data: { registry: registryHost },
      },
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new OciError(
      ErrorCode.REGISTRY_ERROR,
      `registry ${registryHost} sent a token realm with unsupported scheme ${url.protocol} (only http and https)`,
      { data: { registry: registryHost, protocol: url.protocol } },
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new OciError(
      ErrorCode.REGISTRY_ERROR,
      `registry ${registryHost} sent a token realm with embedded credentials`,
      {
        data: { registry: registryHost },
      },
    );
  }
  return url;
}

/** Throws UNAUTHORIZED when sending credentials to `realm` would expose them on the network. */
export function assertSafeForCredentials(
  registryHost: string,
  realm: URL,
  insecure: InsecureHosts | undefined,
): void {
  if (realm.protocol === 'https:' || isLoopbackHost(realm.hostname) || isInsecure(realm, insecure)) return;
  throw new OciError(
    ErrorCode.UNAUTHORIZED,
    `refusing to send credentials for registry ${registryHost} to token service ${redactedRealm(realm)} over plain HTTP ` +
      '(mark the host insecure to allow it)',
    { data: { registry: registryHost, realm: redactedRealm(realm) } },
  );
}
