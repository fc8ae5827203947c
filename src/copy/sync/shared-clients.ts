/**
 * Registry connections shared by every image of a sync: one client per registry and set of
 * options, its connections and tokens reused from image to image, instead of one client (a new
 * connection, a new token) per image and per side. Names of other transports open as usual.
 */
import type { ImageSink, ImageSource } from '../../image/types.ts';
import type { TransportOptions } from '../../transports/index.ts';
import type { RegistryClient } from '../../transports/registry/index.ts';
import type { SyncOpeners } from './run.ts';

/** {@link SyncOpeners} whose registry images share clients, and a `close` for those clients. */
export interface SharedOpeners extends SyncOpeners {
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

/**
 * Openers for a sync: registry names (`docker://REF` or bare) read and write through one client per
 * registry and options; anything else goes to `fallback`.
 */
export async function sharedOpeners(fallback: SyncOpeners): Promise<SharedOpeners> {
  const { transportOf } = await import('../../transports/index.ts');
  const registry = await import('../../transports/registry/index.ts');
  const clients = new Map<string, Promise<RegistryClient>>();
  const clientFor = (host: string, options: TransportOptions): Promise<RegistryClient> => {
    const key = `${host}\0${JSON.stringify(options)}`;
    let client = clients.get(key);
    if (client === undefined) {
      client = registry.openRegistryClient(host, options);
      clients.set(key, client);
    }
    return client;
  };
  const isRegistry = (name: string) => {
    const { label } = transportOf(name);
    return label === 'registry' || label === 'docker';
  };
  return {
    async openSource(name, options): Promise<ImageSource> {
      if (!isRegistry(name)) return fallback.openSource(name, options);
      const ref = registry.parseRegistryReference(name);
      return keepingClient(new registry.RegistrySource(ref, await clientFor(ref.registry, options)));
    },
    async openSink(name, options): Promise<ImageSink> {
      if (!isRegistry(name)) return fallback.openSink(name, options);
      const ref = registry.parseRegistryReference(name);
      return keepingClient(new registry.RegistrySink(ref, await clientFor(ref.registry, options)));
    },
    async close() {
      const opened = await Promise.allSettled([...clients.values()]);
      await Promise.allSettled(
        opened.map((o) => (o.status === 'fulfilled' ? o.value.close() : Promise.resolve())),
      );
    },
  };
}
