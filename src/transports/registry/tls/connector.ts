/**
 * How connections to a registry are opened with its TLS settings: extra CAs on top of Node's own
 * (`tls.getCACertificates('default')`, which follows `NODE_EXTRA_CA_CERTS` and `--use-system-ca`),
 * client certificates, and verification on or off.
 *
 * It also keeps the TLS alert a server sent before closing: with TLS 1.3 a server refuses a
 * client certificate only after the handshake, and undici then reports the closed socket
 * ("other side closed") instead of the alert, so the alert is remembered here by the socket's
 * local port and looked up when that error arrives.
 */
import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import type { buildConnector as BuildConnector } from 'undici';
import { buildConnector } from '../undici-core.ts';
import type { RegistryTls } from './settings.ts';

/** undici's connector function type. */
export type Connector = BuildConnector.connector;

/**
 * Secure contexts made for registries' TLS settings, by a digest of those settings. Kept for the
 * process: a program that changes Node's default CAs later (`tls.setDefaultCACertificates`) gets
 * them in contexts made afterwards only.
 */
const secureContexts = new Map<string, SecureContext>();

/**
 * True when Node's root store holds CAs beyond its bundled ones (`NODE_EXTRA_CA_CERTS`, the
 * system's with `--use-system-ca`): older Node 22 releases do not copy those into a context's own
 * store when a CA is added to it, so such a context is made from the full list instead.
 */
function rootStoreExtended(): boolean {
  const options = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  return (
    (process.env.NODE_EXTRA_CA_CERTS ?? '') !== '' ||
    process.env.NODE_USE_SYSTEM_CA === '1' ||
    /(^|\s)--use-system-ca(\s|$)/.test(options)
  );
}

/**
 * The secure context of HTTPS connections with `tls`'s settings, made once per process: passing
 * `ca`, `cert` and `key` to `tls.connect` instead makes Node build a context for every connection,
 * and a context given `ca` parses every root certificate again (265 of them here: 12-20 ms per
 * connection, 50-80 ms of a warm pull from a registry with its own CA). The extra CAs are added
 * to the context's own copy of Node's root store, whose certificates Node has parsed once (under
 * 1 ms); the shared store, and so every other registry's connections, never see them.
 */
export function httpsSecureContext(tls: RegistryTls): SecureContext {
  const certs =
    tls.clientCertificates.length > 0
      ? {
          cert: tls.clientCertificates.map((pair) => pair.cert),
          key: tls.clientCertificates.map((pair) => pair.key),
        }
      : {};
  // Key material is only ever hashed, never kept as a key.
  const key = createHash('sha256')
    .update(JSON.stringify([tls.verify, tls.verify ? tls.ca : [], certs]))
    .digest('hex');
  const cached = secureContexts.get(key);
  if (cached !== undefined) return cached;
  const { createSecureContext, getCACertificates } = process.getBuiltinModule('node:tls');
  const fullList = () => createSecureContext({ ca: [...getCACertificates('default'), ...tls.ca], ...certs });
  let context: SecureContext;
  if (!tls.verify) {
    context = createSecureContext({ ca: [], ...certs });
  } else if (tls.ca.length === 0) {
    context = createSecureContext(certs);
  } else if (rootStoreExtended()) {
    context = fullList();
  } else {
    context = createSecureContext(certs);
    // Node's own configuration of a context calls this for each `ca`; `context.context` is the
    // native context behind the object (a long-standing property, checked before use).
    const native = (context as { context?: { addCACert?: (pem: string) => void } }).context;
    if (typeof native?.addCACert === 'function') for (const pem of tls.ca) native.addCACert(pem);
    else context = fullList();
  }
  secureContexts.set(key, context);
  return context;
}

/** How many remembered alerts are kept (alerts are rare; the oldest go first). */
const REMEMBERED = 32;

/** A connector that remembers TLS alerts, and the lookup of the alert behind a closed-socket error. */
export interface RecordingConnector {
  connect: Connector;
  /** The TLS error a server sent on the socket that `err` (undici's socket error) is about, if any. */
  alertBehind(err: unknown): Error | undefined;
}

/** True for the errors OpenSSL reports for a TLS alert or record failure. */
function isTlsError(err: unknown): err is Error & { code: string } {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_SSL_');
}

/**
 * Builds the connector of a registry's connections: plain TCP for HTTP, and for HTTPS the secure
 * context of its TLS settings ({@link httpsSecureContext}, made on the first such connection), or
 * Node's default one without settings.
 */
export function recordingConnector(tls?: RegistryTls): RecordingConnector {
  const plain = buildConnector({});
  let secure: Connector | undefined;
  const base: Connector = (options, callback) => {
    if (options.protocol !== 'https:' || tls === undefined) return plain(options, callback);
    secure ??= buildConnector({ rejectUnauthorized: tls.verify, secureContext: httpsSecureContext(tls) });
    return secure(options, callback);
  };
  const alerts = new Map<number, Error>();
  const connect: Connector = (options, callback) =>
    base(options, (...args: Parameters<BuildConnector.Callback>) => {
      const socket = args[1];
      if (socket && options.protocol === 'https:') {
        const port = (socket as Socket).localPort;
        socket.on('error', (error: unknown) => {
          if (port === undefined || !isTlsError(error)) return;
          alerts.delete(port);
          alerts.set(port, error);
          if (alerts.size > REMEMBERED) alerts.delete(alerts.keys().next().value as number);
        });
      }
      callback(...args);
    });
  return {
    connect,
    alertBehind(err) {
      for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
        if ((e as { code?: unknown }).code !== 'UND_ERR_SOCKET') continue;
        const port = (e as { socket?: { localPort?: unknown } }).socket?.localPort;
        if (typeof port === 'number') return alerts.get(port);
      }
      return undefined;
    },
  };
}
