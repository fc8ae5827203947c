/**
 * The transport table (DESIGN.md §1.5): `transport:reference` strings are parsed here and only
 * here. `oci:DIR[:TAG|@DIGEST]`, `oci-archive:FILE[:REF]`, `docker-archive:FILE[:NAME:TAG]`,
 * `dir:DIR` (skopeo's folder format), `docker://REF`, `scratch` (the empty image), and a bare
 * reference means a registry.
 */
import type { Digest } from '../digest/index.ts';
import { ErrorCode, OciError } from '../errors/index.ts';
import type { ImageSink, ImageSource } from '../image/types.ts';
import { refuseTransportName } from './transport-names.ts';

/** Options every transport accepts. */
export interface TransportOptions {
  /** The same as `tlsVerify: false` (`--insecure`). */
  insecure?: boolean;
  /**
   * Registries: `false` skips TLS verification and falls back to plain HTTP when HTTPS fails
   * (skopeo's `--tls-verify=false`); `true` insists on verified HTTPS even for loopback hosts.
   * Default: verified HTTPS, plain HTTP for `localhost` and `127.0.0.0/8`.
   */
  tlsVerify?: boolean;
  /** Registries: one folder of `*.crt` CAs and `NAME.cert` + `NAME.key` client pairs, instead of the certs.d lookup (`--cert-dir`). */
  certDir?: string;
  /**
   * Registries: the roots searched for a `HOST[:PORT]/` folder, the first existing one winning;
   * default `~/.config/containers/certs.d`, `/etc/containers/certs.d`, `/etc/docker/certs.d`.
   */
  certsDirectories?: readonly string[];
  /** Registries: a user name and password that replace any stored credentials (`--creds`). */
  credentials?: { username: string; password: string };
  /** Registries: a bearer token sent as it is (`--registry-token`). */
  registryToken?: string;
  /**
   * Registries: the only auth file read (`--authfile`); default `$REGISTRY_AUTH_FILE`, else
   * `$XDG_RUNTIME_DIR/containers/auth.json`, `~/.config/containers/auth.json`, Docker's `config.json`.
   */
  authFile?: string;
  /** Registries: access anonymously, reading no stored credentials (`--src-no-creds`, `--dest-no-creds`). */
  anonymous?: boolean;
  /** Registries: the only registries.conf read (`--registries-conf`); default `$CONTAINERS_REGISTRIES_CONF`, else the system and user files. */
  registriesConf?: string;
  /** Registries: prefixed to `/etc/containers/registries.conf[.d]` (default `/`), for tests and chroots. */
  registriesConfRoot?: string;
  /** Registries: told where a pull reads from when registries.conf sent it to a mirror, a remapped origin or a qualified short name. */
  onPullEndpoint?: (event: { requested: string; endpoint: string; mirror: boolean }) => void;
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
  /** The tags (or names) held where the reference points: a repository, a layout, an archive. */
  names?(reference: string, options: TransportOptions): Promise<string[]>;
}

/**
 * A registry reference with tag `latest` when it has neither tag nor digest: what reads resolve,
 * and what a push is tagged with (as skopeo and crane do), so a pushed name reads back.
 */
async function withDefaultTag(reference: string): Promise<string> {
  const { parseRegistryReference } = await import('./registry/index.ts');
  const { DEFAULT_TAG } = await import('../reference/index.ts');
  const ref = parseRegistryReference(reference);
  // Kept as typed (not normalised), so registries.conf can still resolve a short name.
  return ref.tag === undefined && ref.digest === undefined ? `${reference}:${DEFAULT_TAG}` : reference;
}

/** Registries, named `docker://REF` or by a bare reference (the prefix is set per entry below). */
const REGISTRY: Omit<Transport, 'prefix'> = {
  source: async (ref, options) =>
    (await import('./registry/index.ts')).registrySource(await withDefaultTag(ref), options),
  sink: async (ref, options) =>
    (await import('./registry/index.ts')).registrySink(await withDefaultTag(ref), options),
  withTag: async (ref, tag) => (await import('./registry/index.ts')).registryWithTag(ref, tag),
  withDigest: async (ref, digest) => {
    const { parseRegistryReference } = await import('./registry/index.ts');
    const { formatName } = await import('../reference/index.ts');
    return `${formatName(parseRegistryReference(ref))}@${digest}`;
  },
  names: async (ref, options) => {
    const source = await (await import('./registry/index.ts')).registrySource(ref, {
      ...options,
      pullFromMirrors: false,
    });
    try {
      return await source.client.listTags(source.repository);
    } finally {
      await source.close();
    }
  },
};

/** The folder of a `dir:PATH` name; INVALID_REFERENCE when PATH is empty. */
function dirPath(reference: string): string {
  if (reference === '')
    throw new OciError(ErrorCode.INVALID_REFERENCE, 'dir: needs a folder path, as in dir:./image');
  return reference;
}

/** The transports, matched by prefix in this order; each loads its module only when used. */
export const TRANSPORTS: Record<string, Transport> = {
  oci: {
    prefix: 'oci:',
    source: async (ref) => (await import('./layout/source.ts')).openLayoutSource(ref),
    sink: async (ref) => (await import('./layout/index.ts')).layoutSink(ref),
    withTag: async (ref, tag) => {
      const { formatLayoutReference, parseLayoutReference } = await import('./layout/index.ts');
      return formatLayoutReference({ dir: parseLayoutReference(ref).dir, tag });
    },
    withDigest: async (ref, digest) => {
      const { formatLayoutReference, parseLayoutReference } = await import('./layout/index.ts');
      return formatLayoutReference({ dir: parseLayoutReference(ref).dir, digest: digest as Digest });
    },
    names: async (ref) => {
      const { parseLayoutReference } = await import('./layout/index.ts');
      const { openLayout } = await import('../store/index.ts');
      return (await openLayout(parseLayoutReference(ref).dir)).listTags();
    },
  },
  'oci-archive': {
    prefix: 'oci-archive:',
    source: async (ref) => (await import('./archive/index.ts')).ociArchiveSource(`oci-archive:${ref}`),
    sink: async (ref) => (await import('./archive/index.ts')).ociArchiveSink(`oci-archive:${ref}`),
    names: async (ref) => (await import('./archive/index.ts')).archiveNames(`oci-archive:${ref}`),
  },
  'docker-archive': {
    prefix: 'docker-archive:',
    source: async (ref) => (await import('./archive/index.ts')).dockerArchiveSource(`docker-archive:${ref}`),
    sink: async (ref) => (await import('./archive/index.ts')).dockerArchiveSink(`docker-archive:${ref}`),
    names: async (ref) => (await import('./archive/index.ts')).archiveNames(`docker-archive:${ref}`),
  },
  dir: {
    prefix: 'dir:',
    source: async (ref) => (await import('./dir/index.ts')).openDirSource(dirPath(ref)),
    sink: async (ref) => (await import('./dir/index.ts')).openDirSink(dirPath(ref)),
  },
  docker: {
    ...REGISTRY,
    prefix: 'docker://',
    // `docker://` names keep Docker Hub for short names (skopeo's rule); bare names resolve them.
    source: async (ref, options) => REGISTRY.source(`docker://${ref}`, options),
    sink: async (ref, options) =>
      (await import('./registry/index.ts')).registrySink(await withDefaultTag(`docker://${ref}`), options),
  },
  registry: { ...REGISTRY, prefix: '' },
  scratch: {
    prefix: '',
    source: async () => (await import('../image/empty.ts')).emptyImage().source,
  },
};

/** How each transport of the table is written, for messages: `oci:`, `docker://`, `scratch`. */
function spellings(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [label, transport] of Object.entries(TRANSPORTS)) {
    if (label !== 'registry') out[label] = transport.prefix === '' ? label : transport.prefix;
  }
  return out;
}

/**
 * Finds the transport of an image name and the reference after its prefix; a name without a
 * prefix is a registry name. A transport ocikit lacks (`ostree:x`, skopeo's: UNSUPPORTED) or does
 * not know (`ocii:x`: INVALID_REFERENCE) is refused with the list of the ones it has, never taken
 * for a Docker Hub name (the rule: transport-names.ts).
 */
export function transportOf(name: string): { transport: Transport; reference: string; label: string } {
  if (name === 'scratch')
    return { transport: TRANSPORTS.scratch as Transport, reference: '', label: 'scratch' };
  for (const [label, transport] of Object.entries(TRANSPORTS)) {
    if (transport.prefix !== '' && name.startsWith(transport.prefix)) {
      return { transport, reference: name.slice(transport.prefix.length), label };
    }
  }
  refuseTransportName(name, spellings());
  const registry = TRANSPORTS.registry;
  if (registry) return { transport: registry, reference: name, label: 'registry' };
  throw new OciError(ErrorCode.INVALID_REFERENCE, `unknown transport in ${JSON.stringify(name)}`);
}

/**
 * The tag a registry name without tag or digest is read and written with (`latest`), or undefined
 * when the name gives one, or is not a registry name.
 */
export async function assumedTag(name: string): Promise<string | undefined> {
  const { label, reference } = transportOf(name);
  if (label !== 'registry' && label !== 'docker') return undefined;
  const { parseRegistryReference } = await import('./registry/index.ts');
  const { DEFAULT_TAG } = await import('../reference/index.ts');
  const ref = parseRegistryReference(reference);
  return ref.tag === undefined && ref.digest === undefined ? DEFAULT_TAG : undefined;
}

/**
 * The names held where `name` points: the tags of a registry repository or of a layout, the ref
 * names of an `oci-archive:`, the `NAME:TAG`s of a `docker-archive:`. INVALID_ARGUMENT for a
 * transport that holds no names (`scratch`).
 */
export function listNames(name: string, options: TransportOptions = {}): Promise<string[]> {
  const { transport, reference, label } = transportOf(name);
  if (!transport.names)
    throw new OciError(ErrorCode.INVALID_ARGUMENT, `the ${label} transport holds no tags to list`, {
      data: { transport: label },
    });
  return transport.names(reference, options);
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
