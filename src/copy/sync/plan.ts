/**
 * What a sync copies: the source images (a repository's tags, a registry's catalog, or the
 * selections of a YAML file) and where each goes, named as skopeo sync names them: the
 * destination plus the image's last path element (`DST/repo:tag`), or with `scoped` its whole
 * name (`DST/host:port/ns/repo:tag`). For `oci` destinations each repository is one layout,
 * `DST/repo`, its tags the layout's ref names.
 */
import { ErrorCode, OciError } from '../../errors/index.ts';
import { limiter } from '../../image/limit.ts';
import type { TransportOptions } from '../../transports/index.ts';
import type { RegistrySelection } from './config.ts';
import { tagsInRange, tagsMatching } from './select-tags.ts';

/** Tag listings in flight at once while planning a YAML source. */
const LISTINGS_AT_ONCE = 8;

/** The kinds of destination a sync writes to (skopeo's `--dest`, plus `oci` layouts). */
export type SyncDestinationKind = 'docker' | 'dir' | 'oci';

/** One image to copy. */
export interface SyncItem {
  /** The source image, `host/repo:tag` or `host/repo@sha256:…`. */
  source: string;
  /** The destination, a transport name (`host/prefix/repo:tag`, `oci:DIR/repo:tag`, `dir:DIR/repo:tag`). */
  destination: string;
  /** The transport options for the source registry. */
  sourceOptions: TransportOptions;
  /**
   * Every tag of the source repository, when the plan listed them: lookups of tags missing from
   * it (signatures, referrers fallback) can be skipped while the listing is fresh ({@link freshTags}).
   */
  sourceTags?: TagListing;
}

/** A repository's tags as the plan listed them, and when the listing was asked for. */
export interface TagListing {
  readonly tags: ReadonlySet<string>;
  /** `Date.now()` when the listing request went out: what it lacks was absent then. */
  readonly listedAt: number;
}

/**
 * How long a listing answers for a tag's absence. A signature pushed after the listing (an image
 * signed while a long sync runs, a tag moved to a new digest) is not in it: past this age, the
 * copy asks the registry again, as it does for an image named without a listing.
 */
export const TAG_LISTING_FRESH_MS = 30_000;

/** The listed tags while the listing is younger than {@link TAG_LISTING_FRESH_MS}; else undefined. */
export function freshTags(
  listing: TagListing | undefined,
  now = Date.now(),
): ReadonlySet<string> | undefined {
  return listing !== undefined && now - listing.listedAt < TAG_LISTING_FRESH_MS ? listing.tags : undefined;
}

/** Where and how a sync writes. */
export interface SyncTarget {
  kind: SyncDestinationKind;
  /** The destination registry and optional path (`host[:port][/prefix]`), or a folder. */
  destination: string;
  /** Keep the source's registry and whole path in the destination name. */
  scoped?: boolean;
}

/** Lists tags and repositories of a registry (a registry client's shape). */
export interface RegistryLister {
  listTags(repository: string, options?: { signal?: AbortSignal }): Promise<string[]>;
  catalog(options?: { signal?: AbortSignal }): Promise<string[]>;
  close(): Promise<void>;
}

/** Opens a lister for a registry with the given transport options. */
export type OpenLister = (registry: string, options: TransportOptions) => Promise<RegistryLister>;

/** The destination name of `registry/repository` with tag or digest `pin` (`:tag` or `@sha256:…`). */
export function destinationFor(
  target: SyncTarget,
  registry: string,
  repository: string,
  pin: string,
): string {
  const path = target.scoped ? `${registry}/${repository}` : (repository.split('/').pop() as string);
  return destinationAt(target, path, pin);
}

/**
 * The destination name of the image at `path` below the destination (a repository name, or with
 * `scoped` a longer path) with `pin` (`:tag`, `@sha256:…`, or empty: `latest` where one is needed).
 */
export function destinationAt(target: SyncTarget, path: string, pin: string): string {
  const base = target.destination.replace(/^docker:\/\//, '').replace(/\/+$/, '');
  switch (target.kind) {
    case 'docker':
      return `${base}/${path}${pin}`;
    case 'dir':
      return `dir:${base}/${path}${pin}`;
    case 'oci': {
      // One layout per repository; a digest-pinned image is stored under its digest's hex as ref name.
      const ref = pin.startsWith('@') ? pin.slice(pin.indexOf(':') + 1) : pin.slice(1);
      return `oci:${base}/${path}:${ref === '' ? 'latest' : ref}`;
    }
  }
}

/** `:tag`, or `@sha256:…` for a digest. */
const pinOf = (tagOrDigest: string): string =>
  /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(tagOrDigest) && tagOrDigest.includes(':')
    ? `@${tagOrDigest}`
    : `:${tagOrDigest}`;

/**
 * The images of a `--src docker` source: `host/repo:tag` (or `@digest`) is that image, `host/repo`
 * every tag of the repository, and a bare `host[:port]` every tag of every repository in the
 * registry's catalog.
 */
export async function planRegistrySource(
  source: string,
  target: SyncTarget,
  options: TransportOptions,
  open: OpenLister,
  signal?: AbortSignal,
): Promise<SyncItem[]> {
  const bare = source.replace(/^docker:\/\//, '').replace(/\/+$/, '');
  if (bare === '') throw new OciError(ErrorCode.INVALID_ARGUMENT, 'sync needs a source');
  if (!bare.includes('/')) {
    const lister = await open(bare, options);
    try {
      const items: SyncItem[] = [];
      for (const repository of await lister.catalog({ signal })) {
        const listedAt = Date.now();
        const tags = await lister.listTags(repository, { signal });
        const known = { tags: new Set(tags), listedAt };
        for (const tag of tags) items.push(item(target, bare, repository, `:${tag}`, options, known));
      }
      return items;
    } finally {
      await lister.close();
    }
  }
  const { parseRegistryReference } = await import('../../transports/registry/index.ts');
  const ref = parseRegistryReference(bare);
  if (ref.digest !== undefined || ref.tag !== undefined) {
    const pin = ref.digest !== undefined ? `@${ref.digest}` : `:${ref.tag}`;
    return [item(target, ref.registry, ref.repository, pin, options)];
  }
  const lister = await open(ref.registry, options);
  try {
    const listedAt = Date.now();
    const tags = await lister.listTags(ref.repository, { signal });
    const known = { tags: new Set(tags), listedAt };
    return tags.map((tag) => item(target, ref.registry, ref.repository, `:${tag}`, options, known));
  } finally {
    await lister.close();
  }
}

/**
 * The images a YAML file selects, registry by registry: the listed tags and digests, every tag
 * for an empty list, the tags matching a pattern, the tags in a semver range. Each registry's
 * `credentials`, `tls-verify` and `cert-dir` win over `options` for it.
 */
export async function planYamlSource(
  selections: readonly RegistrySelection[],
  target: SyncTarget,
  options: TransportOptions,
  open: OpenLister,
  signal?: AbortSignal,
): Promise<SyncItem[]> {
  const items: SyncItem[] = [];
  for (const selection of selections) {
    const own: TransportOptions = { ...options };
    if (selection.credentials) {
      own.credentials = selection.credentials;
      delete own.registryToken;
    }
    if (selection.tlsVerify !== undefined) own.tlsVerify = selection.tlsVerify;
    if (selection.certDir !== undefined) own.certDir = selection.certDir;
    const registry = selection.registry;
    let lister: Promise<RegistryLister> | undefined;
    // Each repository is listed once; its tags in registry order, and as the items' listing.
    const listed = new Map<string, Promise<{ tags: string[]; listing: TagListing }>>();
    const limited = limiter(LISTINGS_AT_ONCE);
    const listingOf = (repository: string) => {
      let found = listed.get(repository);
      if (found === undefined) {
        const listedAt = Date.now();
        lister ??= open(registry, own);
        const from = lister;
        found = limited(async () => {
          const tags = await (await from).listTags(repository, { signal });
          return { tags, listing: { tags: new Set(tags), listedAt } };
        });
        // Awaited in plan order below; a failure is reported there, not as an unhandled rejection.
        found.catch(() => {});
        listed.set(repository, found);
      }
      return found;
    };
    const tagsOf = async (repository: string): Promise<string[]> => (await listingOf(repository)).tags;
    // The listing shared by the repository's items; undefined when it was not listed.
    const knownOf = async (repository: string): Promise<TagListing | undefined> =>
      (await listed.get(repository))?.listing;
    // Every listing the selection needs is started at once (a few in flight), then read in order.
    for (const [repository, pins] of Object.entries(selection.images))
      if (pins.length === 0) listingOf(repository);
    for (const repository of [...Object.keys(selection.tagRegex), ...Object.keys(selection.semver)])
      listingOf(repository);
    try {
      for (const [repository, pins] of Object.entries(selection.images)) {
        const chosen = pins.length > 0 ? pins : await tagsOf(repository);
        const known = await knownOf(repository);
        for (const p of chosen) items.push(item(target, registry, repository, pinOf(p), own, known));
      }
      for (const [repository, pattern] of Object.entries(selection.tagRegex)) {
        const where = `${registry}/${repository}`;
        const known = await knownOf(repository);
        for (const tag of tagsMatching(await tagsOf(repository), pattern, where))
          items.push(item(target, registry, repository, `:${tag}`, own, known));
      }
      for (const [repository, range] of Object.entries(selection.semver)) {
        const where = `${registry}/${repository}`;
        const known = await knownOf(repository);
        for (const tag of tagsInRange(await tagsOf(repository), range, where))
          items.push(item(target, registry, repository, `:${tag}`, own, known));
      }
    } finally {
      await Promise.allSettled(listed.values());
      await (await (lister as Promise<RegistryLister> | undefined)?.catch(() => undefined))?.close();
    }
  }
  // The same image selected twice (a tag listed and matched) is copied once.
  const seen = new Set<string>();
  return items.filter((i) => !seen.has(i.destination) && seen.add(i.destination) !== undefined);
}

function item(
  target: SyncTarget,
  registry: string,
  repository: string,
  pin: string,
  sourceOptions: TransportOptions,
  sourceTags?: TagListing,
): SyncItem {
  return {
    source: `${registry}/${repository}${pin}`,
    destination: destinationFor(target, registry, repository, pin),
    sourceOptions,
    ...(sourceTags !== undefined ? { sourceTags } : {}),
  };
}
