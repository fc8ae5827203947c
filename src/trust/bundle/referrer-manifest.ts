/**
 * The OCI 1.1 artifact manifest that attaches a sigstore bundle to an image (cosign's bundle
 * specification; image-spec manifest.md "Guidelines for Artifact Usage"): `artifactType` the
 * bundle media type, the empty config, one layer (the bundle), `subject` the signed image, and
 * the `dev.sigstore.bundle.*` annotations that tell referrers apart in a listing.
 */
import { digestBytes } from '../../digest/index.ts';
import { EMPTY_JSON_DIGEST, OCI } from '../../spec/media-types.ts';
import type { Descriptor } from '../../spec/types.ts';
import { BUNDLE_V03_MEDIA_TYPE } from './sigstore-bundle.ts';
import { COSIGN_SIGN_PREDICATE } from './statement.ts';

/** The annotation naming what the bundle holds (`dsse-envelope` or `message-signature`). */
export const BUNDLE_CONTENT_ANNOTATION = 'dev.sigstore.bundle.content';
/** The annotation naming the predicate type of the bundle's statement. */
export const BUNDLE_PREDICATE_ANNOTATION = 'dev.sigstore.bundle.predicateType';
/** annotations.md: when the artifact was created (RFC 3339). */
export const CREATED_ANNOTATION = 'org.opencontainers.image.created';

/** The bundle blob's descriptor. */
export function bundleDescriptor(bundle: Uint8Array): Descriptor {
  return { mediaType: BUNDLE_V03_MEDIA_TYPE, digest: digestBytes(bundle), size: bundle.byteLength };
}

/** The referrer manifest bytes for a bundle (`layer`) about `subject`, created at `created`. */
export function bundleReferrerManifest(subject: Descriptor, layer: Descriptor, created: Date): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI.manifest,
      artifactType: BUNDLE_V03_MEDIA_TYPE,
      config: { mediaType: OCI.empty, digest: EMPTY_JSON_DIGEST, size: 2 },
      layers: [layer],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      annotations: {
        [BUNDLE_CONTENT_ANNOTATION]: 'dsse-envelope',
        [BUNDLE_PREDICATE_ANNOTATION]: COSIGN_SIGN_PREDICATE,
        [CREATED_ANNOTATION]: created.toISOString(),
      },
    }),
    'utf8',
  );
}
