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
import type { Socket } from 'node:net';
import type { buildConnector as BuildConnector } from 'undici';
import { buildConnector } from '../undici-core.ts';
import type { RegistryTls } from './settings.ts';

/** undici's connector function type. */
export type Connector = BuildConnector.connector;

/** The `tls.connect` options for a registry's settings (for undici's `connect` and `requestTls`). */
export function tlsConnectOptions(tls: RegistryTls): BuildConnector.BuildOptions {
  const options: BuildConnector.BuildOptions = { rejectUnauthorized: tls.verify };
  // Taken when needed: importing node:tls costs every registry command about 10 ms of start-up,
  // plain-HTTP ones included (undici loads it itself for an https connection).
  if (!tls.verify) {
    // Nothing is verified, so no CA is read: an empty list spares Node's loading of its whole root
    // store (about 10 ms, once per process) for the HTTPS attempt `--tls-verify=false` makes.
    options.ca = [];
  } else if (tls.ca.length > 0) {
    options.ca = [...process.getBuiltinModule('node:tls').getCACertificates('default'), ...tls.ca];
  }
  if (tls.clientCertificates.length > 0) {
    options.cert = tls.clientCertificates.map((pair) => pair.cert);
    options.key = tls.clientCertificates.map((pair) => pair.key);
  }
  return options;
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

/** Builds the connector for `settings` (plain-HTTP connections pass through unchanged). */
export function recordingConnector(settings: BuildConnector.BuildOptions): RecordingConnector {
  const base = buildConnector(settings);
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
