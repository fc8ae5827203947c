/**
 * Choosing the image for a platform from an index (image-index.md "platform"; containerd
 * `images.Manifest` with `platforms.Only`).
 */
import { ErrorCode, OciError } from '../errors/index.ts';
import { isIndexMediaType, isManifestMediaType } from '../spec/media-types.ts';
import type { Descriptor, ImageIndex, Platform } from '../spec/types.ts';
import { isAttestation } from './attestation.ts';
import { hostPlatform } from './host.ts';
import { isBetterScore, type PlatformScore, platformPreferences, scorePlatform } from './preference.ts';
import { formatPlatform, parsePlatform } from './specifier.ts';

/** Deepest chain of nested indexes followed before the index is refused as hostile. */
export const MAX_INDEX_DEPTH = 8;

interface Candidate {
  readonly descriptor: Descriptor;
  /** Its own platform, else that of the nested index it was found in. */
  readonly platform: Platform | undefined;
}

interface Walk {
  readonly preferences: readonly Platform[];
  readonly fetchIndex: (d: Descriptor) => Promise<ImageIndex>;
  readonly seen: Set<string>;
  readonly candidates: Candidate[];
}

async function collect(
  walk: Walk,
  index: ImageIndex,
  inherited: Platform | undefined,
  depth: number,
): Promise<void> {
  for (const descriptor of index.manifests) {
    if (isAttestation(descriptor)) continue;
    const platform = descriptor.platform ?? inherited;
    if (isIndexMediaType(descriptor.mediaType)) {
      // image-index.md: a nested index SHOULD be supported. One labelled for another platform is not entered.
      if (
        descriptor.platform !== undefined &&
        scorePlatform(walk.preferences, descriptor.platform) === undefined
      ) {
        continue;
      }
      if (walk.seen.has(descriptor.digest)) continue;
      walk.seen.add(descriptor.digest);
      if (depth >= MAX_INDEX_DEPTH) {
        throw new OciError(
          ErrorCode.INVALID_DOCUMENT,
          `image indexes nested more than ${MAX_INDEX_DEPTH} deep`,
          {
            data: { digest: descriptor.digest },
          },
        );
      }
      await collect(walk, await walk.fetchIndex(descriptor), platform, depth + 1);
    } else if (isManifestMediaType(descriptor.mediaType)) {
      walk.candidates.push({ descriptor, platform });
    }
    // image-index.md: an unknown mediaType MUST NOT generate an error; it is simply not an image.
  }
}

function noMatch(want: Platform, candidates: readonly Candidate[]): OciError {
  const available = [
    ...new Set(
      candidates.map((c) => (c.platform === undefined ? 'no platform' : formatPlatform(c.platform))),
    ),
  ];
  const wanted = formatPlatform(want);
  return new OciError(
    ErrorCode.NO_MATCHING_PLATFORM,
    `no image for platform ${wanted} in the index (available: ${available.length === 0 ? 'none' : available.join(', ')})`,
    { data: { platform: wanted, available } },
  );
}

/**
 * Picks the manifest descriptor of `index` whose platform best suits `want` (default: the host;
 * a string is parsed with `parsePlatform`), by the preference order of `platformPreferences`,
 * ties going to the first in the index (image-index.md "the first match SHOULD be used").
 * Nested indexes (OCI index, Docker list) are fetched with `fetchIndex` and searched in place;
 * attestation entries are skipped. An index holding exactly one image and no platform
 * information yields that image. Throws NO_MATCHING_PLATFORM, naming what is available, when
 * nothing matches; INVALID_PLATFORM for a bad specifier.
 */
export async function selectManifest(
  index: ImageIndex,
  want: Platform | string | undefined,
  fetchIndex: (d: Descriptor) => Promise<ImageIndex>,
): Promise<Descriptor> {
  const wanted = want === undefined ? hostPlatform() : typeof want === 'string' ? parsePlatform(want) : want;
  const walk: Walk = {
    preferences: platformPreferences(wanted),
    fetchIndex,
    seen: new Set(),
    candidates: [],
  };
  await collect(walk, index, undefined, 0);
  let best: { descriptor: Descriptor; score: PlatformScore } | undefined;
  for (const { descriptor, platform } of walk.candidates) {
    if (platform === undefined) continue;
    const score = scorePlatform(walk.preferences, platform);
    if (score !== undefined && (best === undefined || isBetterScore(score, best.score)))
      best = { descriptor, score };
  }
  if (best !== undefined) return best.descriptor;
  const only = walk.candidates[0];
  if (walk.candidates.length === 1 && only !== undefined && only.platform === undefined)
    return only.descriptor;
  throw noMatch(wanted, walk.candidates);
}
