/**
 * Registry connections shared by every image of a sync: one client per registry and set of
 * options, its connections and tokens reused from image to image, instead of one client (a new
 * connection, a new token) per image and per side. Names of other transports open as usual.
 */
import { ErrorCode, isOciError, OciError } from '../../errors/index.ts';
import type { ImageSink, ImageSource } from '../../image/types.ts';
import type { TransportOptions } from '../../transports/index.ts';
import type { RegistriesConf } from '../../transports/registry/conf/index.ts';
import type { RegistryClient, RegistryTransportOptions } from '../../transports/registry/index.ts';
import type { RegistryLister } from './plan.ts';
import type { SyncOpeners } from './run.ts';

/** {@link SyncOpeners} whose registry images share clients, and a `close` for those clients. */
export interface SharedOpeners extends SyncOpeners {
  /**
   * Lists a registry's catalog and tags for planning through the shared clients: at the origin
   * as named (no mirror, no remapping, as containers/image lists tags), DENIED when registries.conf
   * blocks it, without TLS verification when it marks it `insecure`.
   */
  openLister(registry: string, options: TransportOptions): Promise<RegistryLister>;
  /** Closes every shared client (after the sync: the images' own `close` leaves them open). */
  close(): Promise<void>;
}

/** `object` with a `close` that does nothing: the shared client outlives the image. */
function keepingClient<T extends { close(): Promise<void> }>(object: T): T {
  return new Proxy(object, {
    get(target, property, receiver) {
      if (property === 'close') return async () => {};
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The options that choose a client (what registries.conf and the sink use are left out). */
function clientOptions(options: TransportOptions): TransportOptions {
  // registriesConf and registriesConfRoot stay: a client reads its credential-helpers there.
  const {
    onPullEndpoint: _onPull,
    pullFromMirrors: _mirrors,
    chunkSize: _chunk,
    verifyUploads: _verify,
    ...rest
  } = options as TransportOptions & Record<string, unknown>;
  return rest;
}

/**
 * Openers for a sync: registry names (`docker://REF` or bare) read and write through one client per
 * registry and options, with registries.conf applied as a single pull or push applies it (read
 * once per sync): a read tries the mirrors that serve it (the first whose manifest resolves
 * serves that image) before the origin, a write goes to the name as given (never remapped), and a
 * blocked name is DENIED. Anything else goes to `fallback`.
 */
export async function sharedOpeners(fallback: SyncOpeners): Promise<SharedOpeners> {
  const { transportOf } = await import('../../transports/index.ts');
  const registry = await import('../../transports/registry/index.ts');
  const conf = await import('../../transports/registry/conf/index.ts');
  const { withDefaultTag } = await import('../../reference/index.ts');
  const clients = new Map<string, Promise<RegistryClient>>();
  // Reads and writes never share a client (nor so its connections): a download waits for its
  // upload, and both waiting on one pool deadlocks once paused downloads hold every connection.
  const clientFor = (
    host: string,
    options: TransportOptions,
    insecure = false,
    side: 'read' | 'write' = 'read',
  ): Promise<RegistryClient> => {
    const own = clientOptions(insecure ? { ...options, tlsVerify: false } : options);
    const key = `${side}\0${host}\0${JSON.stringify(own)}`;
    let client = clients.get(key);
    if (client === undefined) {
      client = registry.openRegistryClient(host, own);
      clients.set(key, client);
    }
    return client;
  };
  const confs = new Map<string, Promise<RegistriesConf>>();
  const confFor = (options: TransportOptions): Promise<RegistriesConf> => {
    const key = `${options.registriesConf ?? ''}\0${options.registriesConfRoot ?? ''}`;
    let loaded = confs.get(key);
    if (loaded === undefined) {
      loaded = conf.loadForTransport(options);
      confs.set(key, loaded);
    }
    return loaded;
  };
  const isRegistry = (name: string) => {
    const { label } = transportOf(name);
    return label === 'registry' || label === 'docker';
  };
  /** The name as typed (short names stay short), with `latest` when it has neither tag nor digest. */
  const typed = (name: string): string => {
    const { reference } = transportOf(name);
    const ref = registry.parseRegistryReference(reference);
    return ref.tag === undefined && ref.digest === undefined ? `${reference}:latest` : reference;
  };
  return {
    async openSource(name, options): Promise<ImageSource> {
      if (!isRegistry(name)) return fallback.openSource(name, options);
      const wanted = typed(name);
      const planned = conf.planPull(
        await confFor(options),
        name.startsWith('docker://') ? `docker://${wanted}` : wanted,
      );
      const noMirrors = (options as RegistryTransportOptions).pullFromMirrors === false;
      const attempts = noMirrors ? planned.filter((a) => !a.mirror) : planned;
      for (const [i, attempt] of attempts.entries()) {
        const own = conf.optionsForAttempt(options as RegistryTransportOptions, attempt);
        const client = await clientFor(attempt.reference.registry, own, attempt.insecure);
        const source = new registry.RegistrySource(attempt.reference, client);
        if (i < attempts.length - 1) {
          try {
            await source.resolve();
          } catch (err) {
            if (isOciError(err, ErrorCode.ABORTED)) throw err;
            continue;
          }
        }
        source.pulledFrom = conf.endpointEvent(wanted, attempt);
        if (source.pulledFrom !== undefined) options.onPullEndpoint?.(source.pulledFrom);
        return keepingClient(source);
      }
      throw new OciError(ErrorCode.INVALID_REFERENCE, `${name}: nowhere to pull from`);
    },
    async openSink(name, options): Promise<ImageSink> {
      if (!isRegistry(name)) return fallback.openSink(name, options);
      const wanted = typed(name);
      const target = conf.planPush(
        await confFor(options),
        name.startsWith('docker://') ? `docker://${wanted}` : wanted,
      );
      const client = await clientFor(target.reference.registry, options, target.insecure, 'write');
      return keepingClient(
        new registry.RegistrySink(target.reference, client, options as RegistryTransportOptions),
      );
    },
    async openLister(host, options): Promise<RegistryLister> {
      const loaded = await confFor(options);
      return {
        // A catalog names no repository: only an entry for the whole host applies.
        catalog: async (o) =>
          (await clientFor(host, options, conf.hostEntry(loaded, host).insecure)).catalog(o),
        // Tags are listed at the origin as named (containers/image lists no mirror), unless blocked.
        listTags: async (repository, o) => {
          const ref = withDefaultTag({ registry: host, repository });
          const endpoint = conf.pushEndpoint(loaded, ref);
          const client = await clientFor(host, options, endpoint.insecure);
          return client.listTags(repository, o);
        },
        close: async () => {},
      };
    },
    async close() {
      const opened = await Promise.allSettled([...clients.values()]);
      await Promise.allSettled(
        opened.map((o) => (o.status === 'fulfilled' ? o.value.close() : Promise.resolve())),
      );
    },
  };
}
