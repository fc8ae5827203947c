/**
 * undici Agents lent to registry clients, one client at a time. A command often opens several
 * clients for one registry in turn (the image, then its signatures and referrers; one image of a
 * sync after another): a client given back its Agent lets the next client with the same
 * connection settings (TLS files and verification, timeouts, proxy) reuse the kept-alive
 * connections instead of opening new ones. Clients in use at the same time never share an Agent:
 * a copy's download waits for its upload to read it, so a source and a destination sharing one
 * pool of connections per origin deadlock once paused downloads hold every connection. An Agent
 * nobody holds is closed after a moment.
 */
import { createHash } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { httpsSecureContext, type RecordingConnector, recordingConnector } from './tls/connector.ts';
import type { RegistryTls } from './tls/settings.ts';
import { Agent, envHttpProxyAgent } from './undici-core.ts';

/** How long an Agent nobody holds stays open for the next client (its sockets do not keep the process alive). */
const LINGER_MS = 5_000;

/** Most Agents kept idle per settings (after many clients at once); the oldest beyond it close. */
const MAX_IDLE = 8;

/** What the Agent of a client depends on. */
export interface ConnectionSettings {
  tls: RegistryTls | undefined;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
}

/** One client's exclusive hold on an Agent. */
export interface DispatcherLease {
  dispatcher: Dispatcher;
  /** The connector that remembers TLS alerts (absent behind a proxy). */
  connector: RecordingConnector | undefined;
  /**
   * Per origin: the scheme a `--tls-verify=false` registry turned out to speak, once definitely
   * known; shared by every client with the same settings.
   */
  schemes: Map<string, Promise<'https:' | 'http:'>>;
  /** Gives the Agent back for the next client. Idempotent. */
  release(): Promise<void>;
}

interface Entry {
  dispatcher: Dispatcher;
  connector: RecordingConnector | undefined;
  idle: NodeJS.Timeout | undefined;
}

/** Agents nobody holds, by settings key (the most recently released last). */
const idleAgents = new Map<string, Entry[]>();
/** Scheme findings by settings key. */
const schemesByKey = new Map<string, Map<string, Promise<'https:' | 'http:'>>>();
/** True when the environment names an HTTP(S) proxy (`HTTP_PROXY`, `HTTPS_PROXY`, either case). */
function proxyConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'].some((name) => (env[name] ?? '') !== '');
}

/** The proxy settings undici reads, each as it reads them (the lower-case spelling first). */
function proxyVariables(): Array<string | undefined> {
  return ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY'].map((n) => process.env[n.toLowerCase()] ?? process.env[n]);
}

/** The proxy-honouring dispatcher for requests made outside registry clients, and its settings. */
let plainProxy: { key: string; dispatcher: Dispatcher } | undefined;

/**
 * A dispatcher honouring `*_PROXY` / `NO_PROXY` for requests outside a registry client (an
 * http(s) lookaside's signatures), kept for the process; undefined when no proxy is configured,
 * for undici's global dispatcher to connect directly.
 */
export function proxyDispatcher(): Dispatcher | undefined {
  if (!proxyConfigured()) return undefined;
  const key = JSON.stringify(proxyVariables());
  if (plainProxy?.key !== key) plainProxy = { key, dispatcher: envHttpProxyAgent({ proxyTunnel: false }) };
  return plainProxy.dispatcher;
}

/** A digest of everything the Agent depends on (key material only ever hashed, never kept as a key). */
function keyOf(settings: ConnectionSettings, proxy: boolean): string {
  const { tls } = settings;
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify([
      settings.headersTimeoutMs,
      settings.bodyTimeoutMs,
      proxy ? proxyVariables() : null,
      tls === undefined ? null : [tls.verify, tls.ca, tls.clientCertificates.map((c) => [c.cert, c.key])],
    ]),
  );
  return hash.digest('hex');
}

/**
 * A keep-alive Agent with the registry's TLS settings and a connector that remembers TLS alerts,
 * or a proxy agent honouring `*_PROXY` / `NO_PROXY` when a proxy is configured.
 */
function createEntry(settings: ConnectionSettings, proxy: boolean): Entry {
  const options = {
    connections: 16,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    headersTimeout: settings.headersTimeoutMs,
    bodyTimeout: settings.bodyTimeoutMs,
  };
  if (proxy) {
    // The tunnel to the registry (and a host NO_PROXY exempts) uses the secure context of these
    // settings, made once per process as for direct connections: given as `ca`, `cert` and
    // `key`, Node would build one per connection, parsing every root certificate again.
    const tls =
      settings.tls === undefined
        ? {}
        : { rejectUnauthorized: settings.tls.verify, secureContext: httpsSecureContext(settings.tls) };
    // Plain HTTP goes to an HTTP proxy as absolute-URI requests, as skopeo and curl send it: a
    // CONNECT tunnel to a registry's port is what proxies refuse by default (Squid allows 443 only).
    const dispatcher = envHttpProxyAgent({ ...options, connect: tls, requestTls: tls, proxyTunnel: false });
    return { dispatcher, connector: undefined, idle: undefined };
  }
  const connector = recordingConnector(settings.tls);
  const dispatcher = new Agent({ ...options, connect: connector.connect });
  return { dispatcher, connector, idle: undefined };
}

/**
 * Lends an Agent for `settings` to one client: an idle one a client gave back (its connections
 * still warm), else a new one. No other client gets it until {@link DispatcherLease.release}.
 */
export function leaseDispatcher(settings: ConnectionSettings): DispatcherLease {
  const proxy = proxyConfigured();
  const key = keyOf(settings, proxy);
  const entry = idleAgents.get(key)?.pop() ?? createEntry(settings, proxy);
  if (idleAgents.get(key)?.length === 0) idleAgents.delete(key);
  if (entry.idle !== undefined) {
    clearTimeout(entry.idle);
    entry.idle = undefined;
  }
  let schemes = schemesByKey.get(key);
  if (schemes === undefined) {
    schemes = new Map();
    schemesByKey.set(key, schemes);
  }
  let released = false;
  return {
    dispatcher: entry.dispatcher,
    connector: entry.connector,
    schemes,
    async release() {
      if (released) return;
      released = true;
      let idle = idleAgents.get(key);
      if (idle === undefined) {
        idle = [];
        idleAgents.set(key, idle);
      }
      idle.push(entry);
      entry.idle = setTimeout(() => {
        const list = idleAgents.get(key);
        const at = list?.indexOf(entry) ?? -1;
        if (list === undefined || at < 0) return;
        list.splice(at, 1);
        if (list.length === 0) idleAgents.delete(key);
        void entry.dispatcher.close().catch(() => {});
      }, LINGER_MS);
      entry.idle.unref();
      if (idle.length > MAX_IDLE) {
        const oldest = idle.shift() as Entry;
        clearTimeout(oldest.idle);
        void oldest.dispatcher.close().catch(() => {});
      }
    },
  };
}
