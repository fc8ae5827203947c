/**
 * TLS failures in plain words: what went wrong with a registry's TLS and what to do about it
 * (which flag, which folder), instead of OpenSSL's text. All are NETWORK_ERROR (a retry cannot
 * help) with `data.tls` naming the kind: `plain-http`, `unknown-authority`, `expired`,
 * `hostname`, `client-certificate`, `https-only` or `handshake`.
 */
import { ErrorCode, OciError } from '../../../errors/index.ts';
import { redactUrl } from '../url.ts';
import type { RegistryTls } from './settings.ts';

/** What a message needs to know about the registry and its TLS settings. */
export interface TlsFailureContext {
  /** The registry as references name it (`host[:port]`). */
  registry: string;
  /** The settings in force, when known. */
  tls?: RegistryTls | undefined;
  method?: string;
  url?: URL | string;
}

/** The kinds of TLS failure told apart. */
export type TlsFailureKind =
  | 'plain-http'
  | 'unknown-authority'
  | 'expired'
  | 'hostname'
  | 'client-certificate'
  | 'https-only'
  | 'handshake';

/** OpenSSL's answer when the server's first bytes are not a TLS record (it speaks plain HTTP). */
const PLAIN_HTTP = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_HTTP_REQUEST',
]);
/** Node's verification errors for a chain that ends at no trusted CA. */
const UNKNOWN_AUTHORITY = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);
const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
/** Alerts a server sends about the client's certificate (or its absence). */
const CLIENT_CERTIFICATE_ALERT =
  /ALERT_(BAD_CERTIFICATE|CERTIFICATE_REQUIRED|UNKNOWN_CA|CERTIFICATE_UNKNOWN|UNSUPPORTED_CERTIFICATE|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED|ACCESS_DENIED)$/;

/**
 * True when `err` is a TLS handshake failure (the server does not speak TLS, or its TLS was
 * refused): a definite answer about the scheme, unlike a timeout or a reset connection.
 */
export function isTlsHandshakeFailure(err: unknown): boolean {
  return tlsCode(err) !== undefined;
}

/** The first error code in `err`'s cause chain that this module knows how to explain. */
function tlsCode(err: unknown): { code: string; error: Error } | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'string') continue;
    if (
      code.startsWith('ERR_SSL_') ||
      code.startsWith('ERR_TLS_') ||
      UNKNOWN_AUTHORITY.has(code) ||
      EXPIRED.has(code)
    ) {
      return { code, error: e as Error };
    }
  }
  return undefined;
}

/** Where TLS files for the registry go, in words: the folder in use, else the per-host folders and `--cert-dir`. */
function placesFor(context: TlsFailureContext): string {
  const tls = context.tls;
  if (tls?.certDir !== undefined) return tls.certDir;
  const perHost = [
    ...new Set([...(tls?.searched.slice(0, 2) ?? []), `/etc/containers/certs.d/${context.registry}`]),
  ];
  return `${perHost.slice(0, 2).join(' or ')}, or in a folder named with --cert-dir`;
}

/** Which folder was read, for messages. */
function whatWasRead(context: TlsFailureContext): string {
  const tls = context.tls;
  if (tls === undefined) return '';
  if (tls.certDir === undefined) return ', and no certs.d folder for it exists';
  const count = tls.ca.length;
  return ` (${count === 0 ? 'no' : count} CA certificate${count === 1 ? '' : 's'} read from ${tls.certDir})`;
}

function failure(
  kind: TlsFailureKind,
  message: string,
  context: TlsFailureContext,
  cause: unknown,
  code?: string,
) {
  return new OciError(ErrorCode.NETWORK_ERROR, message, {
    cause,
    data: {
      registry: context.registry,
      tls: kind,
      ...(code !== undefined ? { code } : {}),
      ...(context.method !== undefined ? { method: context.method } : {}),
      ...(context.url !== undefined ? { url: redactUrl(context.url) } : {}),
    },
    retryable: false,
  });
}

/**
 * The OciError explaining a TLS failure, or undefined when `err` is not one. `alert` is the TLS
 * alert remembered for a socket undici reported only as closed.
 */
export function tlsFailure(err: unknown, context: TlsFailureContext, alert?: Error): OciError | undefined {
  const found = tlsCode(alert) ?? tlsCode(err);
  if (found === undefined) return undefined;
  const { code } = found;
  const host = context.registry;
  if (PLAIN_HTTP.has(code)) {
    return failure(
      'plain-http',
      `registry ${host} does not speak TLS: it answered the TLS handshake in plain HTTP. ` +
        'To use plain HTTP with it, pass --tls-verify=false (or --insecure)',
      context,
      err,
      code,
    );
  }
  if (UNKNOWN_AUTHORITY.has(code)) {
    return failure(
      'unknown-authority',
      `the TLS certificate of registry ${host} is signed by an unknown authority (${code})${whatWasRead(context)}. ` +
        `Put its CA certificate (a .crt file) in ${placesFor(context)}; or skip verification with --tls-verify=false`,
      context,
      err,
      code,
    );
  }
  if (EXPIRED.has(code)) {
    return failure(
      'expired',
      `the TLS certificate of registry ${host} ${code === 'CERT_HAS_EXPIRED' ? 'has expired' : 'is not valid yet'}; ` +
        'renew it on the registry, or skip verification with --tls-verify=false',
      context,
      err,
      code,
    );
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return failure(
      'hostname',
      `the TLS certificate of registry ${host} is not issued for that name (${found.error.message.split('\n')[0]}); ` +
        'use a name the certificate lists, or skip verification with --tls-verify=false',
      context,
      err,
      code,
    );
  }
  if (CLIENT_CERTIFICATE_ALERT.test(code)) {
    const sent = context.tls?.clientCertificates ?? [];
    const alertName = (/ALERT_(.+)$/.exec(code)?.[1] ?? code).toLowerCase().replaceAll('_', ' ');
    const message =
      sent.length === 0
        ? `registry ${host} requires a TLS client certificate (it answered "${alertName}") and none was configured: ` +
          `put the certificate and its key, as NAME.cert and NAME.key, in ${placesFor(context)}`
        : `registry ${host} refused the TLS client certificate ${sent.map((pair) => pair.certPath).join(', ')} ` +
          `(it answered "${alertName}"): is it signed by a CA the registry accepts?`;
    return failure('client-certificate', message, context, err, code);
  }
  return failure(
    'handshake',
    `the TLS handshake with registry ${host} failed (${code}); check its certificate and the TLS files in ${placesFor(context)}; ` +
      'or skip verification with --tls-verify=false',
    context,
    err,
    code,
  );
}

/** Go's (and so Distribution's) answer to a plain-HTTP request on its TLS port. */
const HTTPS_ONLY_BODY = 'Client sent an HTTP request to an HTTPS server';

/** True when a 400 response body says the server wanted TLS. */
export function isHttpsOnlyAnswer(body: string): boolean {
  return body.includes(HTTPS_ONLY_BODY);
}

/** The error for a registry that serves HTTPS where plain HTTP was used (the loopback default). */
export function httpsOnlyFailure(context: TlsFailureContext): OciError {
  return failure(
    'https-only',
    `registry ${context.registry} serves HTTPS, but plain HTTP was used (the default for loopback registries): ` +
      'pass --tls-verify=true (with --cert-dir for its CA when it is not publicly trusted)',
    context,
    undefined,
  );
}
