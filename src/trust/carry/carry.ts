/**
 * Carrying an image's signatures along with a copy, as skopeo does: its cosign `.sig` manifest
 * (tag scheme), its referrers (sigstore bundles, attached artifacts) and its simple signatures in
 * lookaside storage. Signatures are bound to the manifest digest, so when the copy changed it
 * (a conversion, one platform of an index) they are dropped with a warning, never re-attached to
 * a digest they do not sign.
 */
import type { Digest } from '../../digest/index.ts';
import type { OperationOptions } from '../../image/types.ts';
import { withDefaultTag } from '../../reference/index.ts';
import type { Descriptor, TopDocument } from '../../spec/types.ts';
import { type TransportOptions, transportOf } from '../../transports/index.ts';
import { signatureTag } from '../cosign/tag-scheme.ts';
import { MAX_SIGNATURE_BYTES, MAX_SIGNATURES } from '../limits.ts';
import { MAX_ATTACHMENT_BYTES } from '../referrers/attach.ts';
import { loadRegistriesConfig, type RegistriesDirOptions } from '../registries-d/config.ts';
import { lookasideRepositoryUrl, readLookaside, writeLookaside } from '../registries-d/lookaside.ts';
import { isContentError } from '../rejection.ts';
import { openSignatureStore } from '../store/open.ts';
import type { SignatureStore } from '../store/types.ts';
import { carryDirLookaside, isDirLookasideCopy, isRegistry } from './dir-lookaside.ts';

/** Options of {@link carrySignatures}. */
export interface CarryOptions extends OperationOptions {
  source?: TransportOptions;
  destination?: TransportOptions;
  registries?: RegistriesDirOptions;
  /**
   * Also the referrers of each referrer, recursively, and attachments up to 256 MiB each
   * (`copy --referrers`); by default only the image's own referrers, up to 4 MiB each.
   */
  allReferrers?: boolean;
  /** Told about every signature dropped, and why. */
  onWarning?: (message: string) => void;
  /**
   * Carry no signature, only referrers (`copy --remove-signatures --referrers`): the cosign
   * `.sig` manifest and simple signatures are left behind.
   */
  removeSignatures?: boolean;
  /**
   * Every tag of the source repository, listed just before (a sync's listing): the cosign `.sig`
   * tag and the referrers fallback tag are asked for only when listed, sparing two requests per
   * unsigned image. Without it, or when registries.conf sends the reads to a mirror or another
   * location, both are always asked for.
   */
  sourceTags?: ReadonlySet<string>;
}

/** How many signatures of each kind were carried. */
export interface CarryResult {
  tagScheme: number;
  referrers: number;
  lookaside: number;
}

const holdsAttachments = (label: string) => label === 'oci' || label === 'registry' || label === 'docker';

async function registryRef(name: string) {
  const { parseRegistryReference } = await import('../../transports/registry/index.ts');
  return withDefaultTag(parseRegistryReference(transportOf(name).reference));
}

/** What the source has for `digest`. */
interface Found {
  sig?: TopDocument;
  referrers: Descriptor[];
  lookaside: Buffer[];
}

async function gather(
  store: SignatureStore | undefined,
  name: string,
  digest: Digest,
  options: CarryOptions,
  want: { signature: boolean; lookaside: boolean },
): Promise<Found> {
  // The three places are independent: asked at once, a copy waits for one round trip, not three.
  // All three are settled before any failure is passed on, so none runs on after the store closes.
  // A listing of the named repository speaks for it only: not for a mirror the reads went to.
  const known = store?.remapped === true ? undefined : options.sourceTags;
  const settled = await Promise.allSettled([
    store === undefined || !want.signature || known?.has(signatureTag(digest)) === false
      ? undefined
      : store.readTag(signatureTag(digest), options).catch((err: unknown) => {
          if (!isContentError(err)) throw err;
          options.onWarning?.(
            `the signature manifest ${signatureTag(digest)} is not carried: ${err.message}`,
          );
          return undefined;
        }),
    store === undefined
      ? []
      : store
          .referrers(digest, undefined, known !== undefined ? { ...options, knownTags: known } : options)
          .then(
            (found) => found.slice(0, MAX_SIGNATURES),
            (err: unknown) => {
              if (!isContentError(err)) throw err;
              options.onWarning?.(`the referrers of ${digest} are not carried: ${err.message}`);
              return [];
            },
          ),
    want.lookaside && isRegistry(transportOf(name).label) ? readSimple(name, digest, options) : [],
  ] as const);
  for (const outcome of settled) if (outcome.status === 'rejected') throw outcome.reason;
  const [sig, referrers, simple] = settled.map(
    (outcome) => (outcome as PromiseFulfilledResult<unknown>).value,
  ) as [TopDocument | undefined, Descriptor[], Buffer[]];
  return { ...(sig !== undefined ? { sig } : {}), referrers, lookaside: simple };
}

/** The simple signatures of `digest` in registry image `name`'s lookaside storage. */
async function readSimple(name: string, digest: Digest, options: CarryOptions): Promise<Buffer[]> {
  const config = await loadRegistriesConfig(options.registries);
  const url = lookasideRepositoryUrl(config, await registryRef(name), false);
  try {
    return await readLookaside(url, digest, options.signal ? { signal: options.signal } : {});
  } catch (err) {
    if (!isContentError(err)) throw err;
    options.onWarning?.(`the simple signatures at ${url.href} are not carried: ${err.message}`);
    return [];
  }
}

/** Copies one manifest and its (small) blobs from `from` to `to`; false (with a warning) when it cannot be read. */
async function copyManifest(
  from: SignatureStore,
  to: SignatureStore,
  document: TopDocument,
  tag: string | undefined,
  options: CarryOptions,
): Promise<boolean> {
  try {
    if (document.kind === 'manifest') {
      for (const blob of [document.value.config, ...document.value.layers]) {
        const limit = options.allReferrers === true ? MAX_ATTACHMENT_BYTES : MAX_SIGNATURE_BYTES;
        await to.writeBlob(blob, await from.readBlob(blob, limit, options), options);
      }
    }
    await to.writeManifest(document.bytes, document.mediaType, tag, options);
    return true;
  } catch (err) {
    if (!isContentError(err)) throw err;
    options.onWarning?.(`${tag ?? document.digest} is not carried: ${err.message}`);
    return false;
  }
}

/** A carry whose lookups at the source have started (they need only the source's digest). */
export interface StartedCarry {
  /**
   * Carries what the source has to `destination`, written with `destinationDigest` (see
   * {@link carrySignatures}); a failed lookup fails here. Once only.
   */
  finish(destinationDigest: Digest): Promise<CarryResult>;
  /** Gives up before {@link finish} (the copy failed): nothing is written, the source is closed. */
  cancel(): Promise<void>;
}

/** The source's signature store and what it has for the digest; the store is closed on failure. */
async function lookUp(
  source: string,
  sourceDigest: Digest,
  options: CarryOptions,
  want: { signature: boolean; lookaside: boolean },
): Promise<{ src: SignatureStore; found: Found }> {
  const src = await openSignatureStore(source, options.source ?? {});
  try {
    return { src, found: await gather(src, source, sourceDigest, options, want) };
  } catch (err) {
    await src.close();
    throw err;
  }
}

/**
 * Starts carrying the signatures of `source` (manifest digest `sourceDigest`) to `destination`:
 * the lookups at the source (the `.sig` tag, the referrers, the lookaside) go out now, so a copy
 * that runs meanwhile does not wait for them afterwards.
 */
export function startCarry(
  source: string,
  destination: string,
  sourceDigest: Digest,
  options: CarryOptions = {},
): StartedCarry {
  const from = transportOf(source).label;
  // Between a dir: folder and a registry, simple signatures go file to lookaside and back.
  const dirLookaside = isDirLookasideCopy(source, destination);
  const signatures = options.removeSignatures !== true;
  const looked = holdsAttachments(from)
    ? lookUp(source, sourceDigest, options, { signature: signatures, lookaside: signatures && !dirLookaside })
    : undefined;
  // A failure is reported by finish(); until then it is held, not an unhandled rejection.
  looked?.catch(() => {});
  let settled = false;
  const cancel = async (): Promise<void> => {
    if (settled) return;
    settled = true;
    const done = await looked?.catch(() => undefined);
    await done?.src.close();
  };
  return {
    cancel,
    async finish(destinationDigest: Digest): Promise<CarryResult> {
      if (settled) throw new Error('this carry is finished or cancelled');
      settled = true;
      const result: CarryResult = { tagScheme: 0, referrers: 0, lookaside: 0 };
      try {
        if (dirLookaside && signatures) {
          result.lookaside = await carryDirLookaside(
            source,
            destination,
            sourceDigest,
            destinationDigest,
            options,
          );
        }
      } catch (err) {
        await (await looked?.catch(() => undefined))?.src.close();
        throw err;
      }
      if (looked === undefined) return result;
      const { src, found } = await looked;
      try {
        return await carryFound(src, found, destination, sourceDigest, destinationDigest, options, result);
      } finally {
        await src.close();
      }
    },
  };
}

/**
 * Copies the signatures of `source` (manifest digest `sourceDigest`) to `destination`, which
 * was written with `destinationDigest`. Nothing is carried, with a warning, when the digests
 * differ or the destination cannot hold them (archives hold none; layouts hold no simple signatures).
 */
export function carrySignatures(
  source: string,
  destination: string,
  sourceDigest: Digest,
  destinationDigest: Digest,
  options: CarryOptions = {},
): Promise<CarryResult> {
  return startCarry(source, destination, sourceDigest, options).finish(destinationDigest);
}

/** What {@link StartedCarry.finish} does with what the source has. */
async function carryFound(
  src: SignatureStore,
  found: Found,
  destination: string,
  sourceDigest: Digest,
  destinationDigest: Digest,
  options: CarryOptions,
  result: CarryResult,
): Promise<CarryResult> {
  const to = transportOf(destination).label;
  const count = (found.sig ? 1 : 0) + found.referrers.length + found.lookaside.length;
  if (count === 0) return result;
  if (sourceDigest !== destinationDigest) {
    options.onWarning?.(
      `${count} signature(s) and attachment(s) dropped: the copy changed the manifest digest from ${sourceDigest} to ${destinationDigest}, which they do not sign`,
    );
    return result;
  }
  if (!holdsAttachments(to)) {
    options.onWarning?.(
      `${count} signature(s) and attachment(s) dropped: ${to}: destinations cannot hold them`,
    );
    return result;
  }
  const dst = await openSignatureStore(destination, options.destination ?? {});
  try {
    if (found.sig && (await copyManifest(src, dst, found.sig, signatureTag(sourceDigest), options)))
      result.tagScheme = 1;
    const seen = new Set<string>([sourceDigest]);
    const copyReferrers = async (referrers: Descriptor[], depth: number): Promise<void> => {
      for (const referrer of referrers) {
        if (seen.has(referrer.digest) || seen.size > MAX_SIGNATURES * 4) continue;
        seen.add(referrer.digest);
        let document: TopDocument;
        try {
          document = await src.readManifest(referrer, options);
        } catch (err) {
          if (!isContentError(err)) throw err;
          options.onWarning?.(`referrer ${referrer.digest} is not carried: ${err.message}`);
          continue;
        }
        if (await copyManifest(src, dst, document, undefined, options)) result.referrers++;
        if (options.allReferrers === true && depth < 8) {
          const nested = await src
            .referrers(referrer.digest as Digest, undefined, options)
            .catch((err: unknown) => {
              if (!isContentError(err)) throw err;
              return [];
            });
          await copyReferrers(nested.slice(0, MAX_SIGNATURES), depth + 1);
        }
      }
    };
    await copyReferrers(found.referrers, 1);
  } finally {
    await dst.close();
  }
  if (found.lookaside.length > 0) {
    if (!isRegistry(to)) {
      options.onWarning?.(
        `${found.lookaside.length} simple signature(s) dropped: an ${to}: destination holds none`,
      );
    } else {
      const config = await loadRegistriesConfig(options.registries);
      const url = lookasideRepositoryUrl(config, await registryRef(destination), true);
      await writeLookaside(url, destinationDigest, found.lookaside);
      result.lookaside = found.lookaside.length;
    }
  }
  return result;
}
