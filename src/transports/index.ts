/**
 * The transport table (DESIGN.md §1.5): `transport:reference` strings are parsed here and only
 * here. `oci:DIR[:TAG|@DIGEST]`, `oci-archive:FILE[:REF]`, `docker-archive:FILE[:NAME:TAG]`,
 * `docker://REF`, `scratch` (the empty image), and a bare reference means a registry.
 */
import type { Digest } from '../digest/index.ts';
import { ErrorCode, OciError } from '../errors/index.ts';
import type { ImageSink, ImageSource } from '../image/types.ts';

/** Options every transport accepts. */
export interface TransportOptions {
  /** Plain HTTP / no TLS verification for registries (always on for loopback hosts). */
  insecure?: boolean;
}

/** One entry of the table: how to open a reference of this transport for reading and writing. */
export interface Transport {
  /** The prefix before the reference, e.g. `oci:`; empty for bare registry references and `scratch`. */
  readonly prefix: string;
  source(reference: string, options: TransportOptions): Promise<ImageSource>;
  sink?(reference: string, options: TransportOptions): Promise<ImageSink>;
  /** The same image name with `tag` as its tag (for `ocikit tag`), when the transport has tags. */
  withTag?(reference: string, tag: string): Promise<string>;
  /** The same image pinned by digest, e.g. `oci:DIR@sha256:…` or `host/repo@sha256:…`. */
  withDigest?(reference: string, digest: string): Promise<string>;
}

/** Registries, named `docker://REF` or by a bare reference (the prefix is set per entry below). */
const REGISTRY: Omit<Transport, 'prefix'> = {
  source: async (ref, options) => (await import('./registry/index.ts')).registrySource(ref, options),
  sink: async (ref, options) => (await import('./registry/index.ts')).registrySink(ref, options),
  withTag: async (ref, tag) => (await import('./registry/index.ts')).registryWithTag(ref, tag),
  withDigest: async (ref, digest) => {
    const { parseRegistryReference } = await import('./registry/index.ts');
    const { formatName } = await import('../reference/index.ts');
    return `${formatName(parseRegistryReference(ref))}@${digest}`;
  },
};

/** The transports, matched by prefix in this order; each loads its module only when used. */
export const TRANSPORTS: Record<string, Transport> = {
  oci: {
    prefix: 'oci:',
    source: async (ref) => (await import('./layout/index.ts')).layoutSource(ref),
    sink: async (ref) => (await import('./layout/index.ts')).layoutSink(ref),
    withTag: async (ref, tag) => {
      const { formatLayoutReference, parseLayoutReference } = await import('./layout/index.ts');
      return formatLayoutReference({ dir: parseLayoutReference(ref).dir, tag });
    },
    withDigest: async (ref, digest) => {
      const { formatLayoutReference, parseLayoutReference } = await import('./layout/index.ts');
      return formatLayoutReference({ dir: parseLayoutReference(ref).dir, digest: digest as Digest });
    },
  },
  'oci-archive': {
    prefix: 'oci-archive:',
    source: async (ref) => (await import('./archive/index.ts')).ociArchiveSource(`oci-archive:${ref}`),
    sink: async (ref) => (await import('./archive/index.ts')).ociArchiveSink(`oci-archive:${ref}`),
  },
  'docker-archive': {
    prefix: 'docker-archive:',
    source: async (ref) => (await import('./archive/index.ts')).dockerArchiveSource(`docker-archive:${ref}`),
    sink: async (ref) => (await import('./archive/index.ts')).dockerArchiveSink(`docker-archive:${ref}`),
  },
  docker: { ...REGISTRY, prefix: 'docker://' },
  registry: { ...REGISTRY, prefix: '' },
  scratch: {
    prefix: '',
    source: async () => (await import('../image/empty.ts')).emptyImage().source,
  },
};

/** Finds the transport of an image name and the reference after its prefix. */
export function transportOf(name: string): { transport: Transport; reference: string; label: string } {
  if (name === 'scratch')
    return { transport: TRANSPORTS.scratch as Transport, reference: '', label: 'scratch' };
  for (const [label, transport] of Object.entries(TRANSPORTS)) {
    if (transport.prefix !== '' && name.startsWith(transport.prefix)) {
      return { transport, reference: name.slice(transport.prefix.length), label };
    }
  }
  const registry = TRANSPORTS.registry;
  if (registry) return { transport: registry, reference: name, label: 'registry' };
  throw new OciError(ErrorCode.INVALID_REFERENCE, `unknown transport in ${JSON.stringify(name)}`);
}

/** Opens an image name for reading. */
export function openSource(name: string, options: TransportOptions = {}): Promise<ImageSource> {
  const { transport, reference } = transportOf(name);
  return transport.source(reference, options);
}

/** Opens an image name for writing; INVALID_REFERENCE for read-only transports such as `scratch`. */
export function openSink(name: string, options: TransportOptions = {}): Promise<ImageSink> {
  const { transport, reference, label } = transportOf(name);
  if (!transport.sink)
    throw new OciError(ErrorCode.INVALID_REFERENCE, `the ${label} transport cannot be written to`);
  return transport.sink(reference, options);
}

/** The image name `name` with its tag replaced by `tag`; INVALID_REFERENCE for transports without tags. */
export async function retag(name: string, tag: string): Promise<string> {
  const { transport, reference, label } = transportOf(name);
  if (!transport.withTag)
    throw new OciError(ErrorCode.INVALID_REFERENCE, `images of the ${label} transport have no tags`);
  const renamed = await transport.withTag(reference, tag);
  return transport.prefix.endsWith(':') && !renamed.startsWith(transport.prefix)
    ? `${transport.prefix}${renamed}`
    : renamed;
}

/**
 * The image name `name` pinned to `digest`: `REF@sha256:…` in the transport's own syntax. Archive
 * names have no digest form, so they come back as the name and the digest separated by a space.
 */
export async function pinned(name: string, digest: string): Promise<string> {
  const { transport, reference } = transportOf(name);
  if (!transport.withDigest) return `${name} ${digest}`;
  const result = await transport.withDigest(reference, digest);
  return transport.prefix.endsWith(':') && !result.startsWith(transport.prefix)
    ? `${transport.prefix}${result}`
    : result;
}
