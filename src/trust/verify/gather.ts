/**
 * Finding every signature stored for a digest: the layers of its `.sig` manifest (tag scheme)
 * and its sigstore bundle referrers (referrers API, or the tag-schema fallback on a registry
 * without it; index.json on a layout). Each one is loaded (bounded) into a candidate; one that
 * cannot be loaded becomes a candidate carrying its error, so it is reported, not fatal.
 */
import type { Digest } from '../../digest/index.ts';
import type { OperationOptions } from '../../image/types.ts';
import type { Descriptor } from '../../spec/types.ts';
import { BUNDLE_V02_MEDIA_TYPE, BUNDLE_V03_MEDIA_TYPE } from '../bundle/sigstore-bundle.ts';
import { signatureTag } from '../cosign/tag-scheme.ts';
import { MAX_SIGNATURE_BYTES, MAX_SIGNATURES } from '../limits.ts';
import { isContentError, rejection } from '../rejection.ts';
import type { SignatureStore } from '../store/types.ts';
import type { SignatureCandidate, SignatureFormat } from './types.ts';

/** Runs `load`; a content error (bad document, missing blob) becomes a candidate carrying it. */
async function guarded(
  format: SignatureFormat,
  source: string,
  load: () => Promise<SignatureCandidate>,
): Promise<SignatureCandidate> {
  try {
    return await load();
  } catch (err) {
    if (isContentError(err)) return { format, source, error: err };
    throw err;
  }
}

function tooMany(format: SignatureFormat, source: string, count: number): SignatureCandidate {
  return {
    format,
    source,
    error: rejection(
      'too-many',
      `${count} signatures are stored; only the first ${MAX_SIGNATURES} were read`,
    ),
  };
}

/** The tag-scheme signatures of `digest`: one candidate per layer of its `.sig` manifest. */
export async function tagSchemeCandidates(
  store: SignatureStore,
  digest: Digest,
  options: OperationOptions = {},
): Promise<SignatureCandidate[]> {
  const tag = signatureTag(digest);
  let layers: Descriptor[];
  try {
    const document = await store.readTag(tag, options);
    if (document === undefined) return [];
    if (document.kind !== 'manifest') {
      return [
        {
          format: 'tag',
          source: tag,
          error: rejection('malformed', `${tag} is an index, not a signature manifest`),
        },
      ];
    }
    layers = document.value.layers;
  } catch (err) {
    if (isContentError(err)) return [{ format: 'tag', source: tag, error: err }];
    throw err;
  }
  const out: SignatureCandidate[] = [];
  for (const [i, layer] of layers.slice(0, MAX_SIGNATURES).entries()) {
    const source = `${tag} layer ${i} (${layer.digest})`;
    out.push(
      await guarded('tag', source, async () => ({
        format: 'tag',
        source,
        mediaType: layer.mediaType,
        annotations: layer.annotations,
        payload: await store.readBlob(layer, MAX_SIGNATURE_BYTES, options),
      })),
    );
  }
  if (layers.length > MAX_SIGNATURES) out.push(tooMany('tag', tag, layers.length));
  return out;
}

const BUNDLE_TYPES = new Set([BUNDLE_V03_MEDIA_TYPE, BUNDLE_V02_MEDIA_TYPE]);

/** Loads one bundle referrer: its manifest must be about `digest` and hold a bundle as its first layer. */
async function bundleCandidate(
  store: SignatureStore,
  referrer: Descriptor,
  digest: Digest,
  options: OperationOptions,
): Promise<SignatureCandidate> {
  const source = `referrer ${referrer.digest}`;
  return guarded('bundle', source, async () => {
    const document = await store.readManifest(referrer, options);
    if (document.kind !== 'manifest')
      throw rejection('malformed', 'the referrer is an index, not a bundle manifest');
    const { subject, layers, artifactType } = document.value;
    if (subject?.digest !== digest) {
      throw rejection(
        'digest-mismatch',
        `the referrer's subject is ${subject?.digest ?? 'missing'}, not ${digest}`,
      );
    }
    const layer = layers[0];
    if (
      layer === undefined ||
      !BUNDLE_TYPES.has(layer.mediaType) ||
      (artifactType !== undefined && !BUNDLE_TYPES.has(artifactType))
    ) {
      throw rejection('not-a-signature', 'the referrer does not hold a sigstore bundle');
    }
    return { format: 'bundle', source, bundle: await store.readBlob(layer, MAX_SIGNATURE_BYTES, options) };
  });
}

/** The bundle signatures of `digest`: one candidate per sigstore bundle referrer. */
export async function bundleCandidates(
  store: SignatureStore,
  digest: Digest,
  options: OperationOptions = {},
): Promise<SignatureCandidate[]> {
  let listed: Descriptor[];
  try {
    listed = await store.referrers(digest, undefined, options);
  } catch (err) {
    // A malformed referrers listing is reported; the tag-scheme signatures are still checked.
    if (isContentError(err)) return [{ format: 'bundle', source: 'referrers', error: err }];
    throw err;
  }
  const referrers = listed.filter((d) => d.artifactType !== undefined && BUNDLE_TYPES.has(d.artifactType));
  const out: SignatureCandidate[] = [];
  for (const referrer of referrers.slice(0, MAX_SIGNATURES)) {
    out.push(await bundleCandidate(store, referrer, digest, options));
  }
  if (referrers.length > MAX_SIGNATURES) out.push(tooMany('bundle', 'referrers', referrers.length));
  return out;
}
