/**
 * Sigstore bundles (sigstore protobuf-specs `Bundle`, JSON form) holding a DSSE envelope: what
 * cosign 3 attaches to an image. ocikit writes v0.3 (`verificationMaterial` with a public key
 * hint, no transparency log entry: key-based signing needs no log) and reads v0.3 and v0.2.
 */
import * as z from 'zod/mini';
import { readJson } from '../encoding/json.ts';
import { rejection } from '../rejection.ts';
import type { VerificationMaterial } from '../signer.ts';
import type { DsseEnvelope } from './dsse.ts';

/** The media type (and OCI artifact type) of a v0.3 sigstore bundle. */
export const BUNDLE_V03_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
/** The media type of a v0.2 bundle, still read. */
export const BUNDLE_V02_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle+json;version=0.2';

const READABLE = new Set([BUNDLE_V03_MEDIA_TYPE, BUNDLE_V02_MEDIA_TYPE]);

/** A bundle with a DSSE envelope (the other content kind, `messageSignature`, binds no statement). */
export interface DsseBundle {
  mediaType: string;
  verificationMaterial: Record<string, unknown>;
  dsseEnvelope: DsseEnvelope;
}

/** The bundle bytes for `envelope` signed by a signer with `material`. */
export function bundleBytes(envelope: DsseEnvelope, material: VerificationMaterial): Buffer {
  return Buffer.from(
    JSON.stringify({
      mediaType: BUNDLE_V03_MEDIA_TYPE,
      verificationMaterial: material,
      dsseEnvelope: envelope,
    }),
    'utf8',
  );
}

const bundleSchema = z.looseObject({
  mediaType: z.string(),
  verificationMaterial: z.record(z.string(), z.unknown()),
  dsseEnvelope: z.optional(
    z.looseObject({
      payload: z.string(),
      payloadType: z.string(),
      signatures: z.array(z.looseObject({ sig: z.string(), keyid: z.optional(z.string()) })),
    }),
  ),
});

/**
 * Parses bundle bytes: `malformed` for bad JSON or shape, `unsupported` for another bundle
 * version, `not-a-signature` for a bundle without a DSSE envelope (a message signature).
 */
export function parseDsseBundle(bytes: Uint8Array): DsseBundle {
  const bundle = readJson<DsseBundle & { dsseEnvelope?: DsseEnvelope }>(
    bytes,
    bundleSchema,
    'sigstore bundle',
  );
  if (!READABLE.has(bundle.mediaType)) {
    throw rejection(
      'unsupported',
      `the bundle is ${JSON.stringify(bundle.mediaType.slice(0, 100))}; ocikit reads v0.3 and v0.2 bundles`,
    );
  }
  if (bundle.dsseEnvelope === undefined) {
    throw rejection(
      'not-a-signature',
      'the bundle holds no DSSE envelope (a message signature binds no image digest)',
    );
  }
  return bundle as DsseBundle;
}
