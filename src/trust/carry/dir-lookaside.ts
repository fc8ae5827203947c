/**
 * Simple signatures between a `dir:` folder (its `signature-N` files) and a registry's lookaside
 * storage (registries.d), in both directions, as skopeo carries them: a registry image copied to
 * `dir:` keeps its simple signatures as files, and a `dir:` image copied to a registry has its
 * signature files staged where registries.d says that registry's signatures are written. Only the
 * top manifest's signatures travel, and only when the copy kept its digest.
 */
import type { Digest } from '../../digest/index.ts';
import { withDefaultTag } from '../../reference/index.ts';
import { transportOf } from '../../transports/index.ts';
import { loadRegistriesConfig } from '../registries-d/config.ts';
import { lookasideRepositoryUrl, readLookaside, writeLookaside } from '../registries-d/lookaside.ts';
import { isContentError } from '../rejection.ts';
import type { CarryOptions } from './carry.ts';

/** True for the transport labels of registry names (`registry`, `docker`). */
export const isRegistry = (label: string): boolean => label === 'registry' || label === 'docker';

/** True when a copy from `source` to `destination` is one {@link carryDirLookaside} carries. */
export function isDirLookasideCopy(source: string, destination: string): boolean {
  const from = transportOf(source).label;
  const to = transportOf(destination).label;
  return (from === 'dir' && isRegistry(to)) || (isRegistry(from) && to === 'dir');
}

async function lookasideUrl(name: string, write: boolean, options: CarryOptions): Promise<URL> {
  const { parseRegistryReference } = await import('../../transports/registry/index.ts');
  const ref = withDefaultTag(parseRegistryReference(transportOf(name).reference));
  return lookasideRepositoryUrl(await loadRegistriesConfig(options.registries), ref, write);
}

/**
 * Carries the simple signatures of `source`'s top manifest (`sourceDigest`) to `destination`,
 * written as `destinationDigest`, when one side is `dir:` and the other a registry (0 otherwise).
 * Signatures are dropped with a warning when the digests differ, and so are those of a lookaside
 * whose content is refused (too large, malformed); network and I/O failures are thrown. Returns
 * how many were carried.
 */
export async function carryDirLookaside(
  source: string,
  destination: string,
  sourceDigest: Digest,
  destinationDigest: Digest,
  options: CarryOptions = {},
): Promise<number> {
  if (!isDirLookasideCopy(source, destination)) return 0;
  const fromDir = transportOf(source).label === 'dir';
  let signatures: Buffer[];
  if (fromDir) {
    const { openDirSource } = await import('../../transports/dir/index.ts');
    signatures = await (await openDirSource(transportOf(source).reference)).signatures();
  } else {
    const url = await lookasideUrl(source, false, options);
    try {
      signatures = await readLookaside(url, sourceDigest, options.signal ? { signal: options.signal } : {});
    } catch (err) {
      if (!isContentError(err)) throw err;
      options.onWarning?.(`the simple signatures at ${url.href} are not carried: ${err.message}`);
      return 0;
    }
  }
  if (signatures.length === 0) return 0;
  if (sourceDigest !== destinationDigest) {
    options.onWarning?.(
      `${signatures.length} simple signature(s) dropped: the copy changed the manifest digest from ${sourceDigest} to ${destinationDigest}, which they do not sign`,
    );
    return 0;
  }
  if (fromDir) {
    await writeLookaside(await lookasideUrl(destination, true, options), destinationDigest, signatures);
  } else {
    const { writeDirSignatures } = await import('../../transports/dir/index.ts');
    await writeDirSignatures(transportOf(destination).reference, signatures);
  }
  return signatures.length;
}
