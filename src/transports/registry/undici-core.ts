/**
 * The few parts of undici the registry client uses — the keep-alive Agent and `request` — loaded
 * from their own modules. Hand-written because `import 'undici'` evaluates the whole package (fetch,
 * WebSocket, mocks, caches, a SQLite store: over a hundred modules, about 30 ms) on every command
 * that talks to a registry, for two functions. The types still come from the package itself; the
 * module paths are pinned by the lockfile and covered by every registry test. The bundled command
 * turns each `load('undici/…')` into a `require` that the bundler follows (scripts/bundle-cli.ts).
 */
import { createRequire } from 'node:module';
import type {
  Dispatcher,
  Agent as UndiciAgent,
  buildConnector as UndiciBuildConnector,
  EnvHttpProxyAgent as UndiciEnvHttpProxyAgent,
} from 'undici';

const load = createRequire(import.meta.url);

/** undici's connection-pooling Agent (the same class `import { Agent } from 'undici'` gives). */
export const Agent = load('undici/lib/dispatcher/agent.js') as typeof UndiciAgent;

/** undici's connector factory (the same function `import { buildConnector } from 'undici'` gives). */
export const buildConnector = load('undici/lib/core/connect.js') as typeof UndiciBuildConnector;

/** Agent honouring `*_PROXY` / `NO_PROXY`; loaded on first use, since most runs have no proxy. */
export function envHttpProxyAgent(options: UndiciEnvHttpProxyAgent.Options): Dispatcher {
  // undici's index.js gives every dispatcher its API methods (`Object.assign(Dispatcher.prototype,
  // api)`), which loading files one by one skips; the proxy agent opens each tunnel with the
  // `connect` one. Without it, every request through a proxy failed ("this[kClient].connect is not
  // a function").
  const base = load('undici/lib/dispatcher/dispatcher.js') as { prototype: Partial<Dispatcher> };
  if (typeof base.prototype.connect !== 'function') {
    base.prototype.connect = load('undici/lib/api/api-connect.js') as Dispatcher['connect'];
  }
  const EnvAgent = load('undici/lib/dispatcher/env-http-proxy-agent.js') as typeof UndiciEnvHttpProxyAgent;
  return new EnvAgent(options);
}

type ApiRequest = (this: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;
const apiRequest = load('undici/lib/api/api-request.js') as ApiRequest;

/** Options of {@link request}: undici's, with the dispatcher optional (undici's global one when absent). */
export type RequestOptions = Omit<Dispatcher.RequestOptions, 'origin' | 'path' | 'method'> & {
  method?: Dispatcher.HttpMethod;
  dispatcher?: Dispatcher;
};

/** undici's global dispatcher, as `setGlobalDispatcher` (of this module or the package) last set it. */
function defaultDispatcher(): Dispatcher {
  return (load('undici/lib/global.js') as { getGlobalDispatcher(): Dispatcher }).getGlobalDispatcher();
}

/** Sends one request to `url` like undici's `request(url, options)`. */
export function request(url: URL, options: RequestOptions = {}): Promise<Dispatcher.ResponseData> {
  const { dispatcher = defaultDispatcher(), method, ...rest } = options;
  return apiRequest.call(dispatcher, {
    ...rest,
    origin: url.origin,
    path: url.search ? `${url.pathname}${url.search}` : url.pathname,
    method: method ?? (rest.body ? 'PUT' : 'GET'),
  });
}
