/** A {@link SignatureStore} over a registry repository (distribution-spec), referrers included. */
import { type Digest, digestBytes } from '../../digest/index.ts';
import { ErrorCode, OciError } from '../../errors/index.ts';
import type { OperationOptions } from '../../image/types.ts';
import { formatName, type Reference } from '../../reference/index.ts';
import { parseTopDocument } from '../../spec/parse.ts';
import type { Descriptor, TopDocument } from '../../spec/types.ts';
import type { RegistrySource } from '../../transports/registry/index.ts';
import type { ReferrersLookup, SignatureStore } from './types.ts';

/** Docker Hub as go-containerregistry names it in `Repository.Name()`, which cosign claims. */
const COSIGN_DOCKER_HUB = 'index.docker.io';

/** The repository as cosign writes it into a payload's `docker-reference`. */
export function cosignIdentity(ref: Reference): string {
  const registry = ref.registry === 'docker.io' ? COSIGN_DOCKER_HUB : ref.registry;
  return `${registry}/${ref.repository}`;
}

/** The store over the repository `source` reads from (its client is used, and closed with the store). */
export function registryStore(source: RegistrySource): SignatureStore {
  const { client, repository, reference } = source;
  const parse = (fetched: { bytes: Uint8Array; mediaType: string }): TopDocument =>
    parseTopDocument(fetched.bytes, fetched.mediaType ? { contentType: fetched.mediaType } : {});
  return {
    name: source.name,
    remapped: source.pulledFrom !== undefined,
    identity: cosignIdentity(reference),
    resolve: (options) => source.resolve(options),
    async readTag(tag, options: OperationOptions = {}) {
      try {
        return parse(await client.getManifest(repository, tag, options));
      } catch (err) {
        if (err instanceof OciError && err.code === ErrorCode.NOT_FOUND) return undefined;
        throw err;
      }
    },
    async readManifest(descriptor, options: OperationOptions = {}) {
      const fetched = await client.getManifest(repository, descriptor.digest, options);
      return parse({ bytes: fetched.bytes, mediaType: fetched.mediaType || descriptor.mediaType });
    },
    readBlob: (descriptor: Descriptor, maxBytes: number, options: OperationOptions = {}) =>
      client.getBlobBytes(repository, descriptor, maxBytes, options),
    async writeBlob(descriptor, bytes, options: OperationOptions = {}) {
      await client.pushBlob(repository, descriptor, bytes, options);
    },
    async writeManifest(bytes, mediaType, tag, options: OperationOptions = {}): Promise<Digest> {
      const reference = tag ?? digestBytes(bytes);
      return (await client.putManifest(repository, reference, bytes, mediaType, options)).digest;
    },
    async referrers(subject, artifactType, options: ReferrersLookup = {}) {
      const found = await client.referrers(repository, subject, {
        ...options,
        ...(artifactType !== undefined ? { artifactType } : {}),
      });
      return found.descriptors;
    },
    pinned: (digest) => `${formatName(reference)}@${digest}`,
    close: () => source.close(),
  };
}
