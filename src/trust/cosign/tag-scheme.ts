/**
 * cosign's tag scheme: the signatures of manifest `sha256:HEX` live in the image manifest tagged
 * `sha256-HEX.sig` in the same repository, one layer per signature (media type
 * {@link SIMPLE_SIGNING_MEDIA_TYPE}, the payload as the blob, the base64 DER signature in the
 * layer annotation {@link SIGNATURE_ANNOTATION}). A new signature is appended to that manifest;
 * the signatures already there are kept as they are.
 */
import { type Digest, digestBytes, parseDigest } from '../../digest/index.ts';
import { ErrorCode, OciError } from '../../errors/index.ts';
import { OCI } from '../../spec/media-types.ts';
import type { Descriptor, ImageManifest } from '../../spec/types.ts';
import { goJson } from '../encoding/json.ts';
import { MAX_SIGNATURES } from '../limits.ts';
import { SIMPLE_SIGNING_MEDIA_TYPE } from './simple-signing.ts';

/** The layer annotation holding the base64 of the DER ECDSA signature of the payload. */
export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';

/** The tag of the signature manifest of `digest`: `ALG-HEX.sig`. */
export function signatureTag(digest: string): string {
  const { algorithm, encoded } = parseDigest(digest);
  return `${algorithm}-${encoded}.sig`;
}

/** A signature layer: its descriptor (with the signature annotations) and the payload bytes it points to. */
export interface SignatureLayer {
  descriptor: Descriptor;
  payload: Uint8Array;
}

/** The layer for `payload` signed as `signature` (DER), with `extra` annotations (a keyless certificate). */
export function signatureLayer(
  payload: Uint8Array,
  signature: Uint8Array,
  extra: Record<string, string> = {},
): SignatureLayer {
  return {
    payload,
    descriptor: {
      mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
      size: payload.byteLength,
      digest: digestBytes(payload),
      annotations: { ...extra, [SIGNATURE_ANNOTATION]: Buffer.from(signature).toString('base64') },
    },
  };
}

/** The blobs and manifest of a signature manifest, ready to be written (config first, then the manifest). */
export interface SignatureManifest {
  config: Uint8Array;
  configDescriptor: Descriptor;
  manifest: Uint8Array;
  /** How many signature layers it holds. */
  signatures: number;
  /** False when `layer` was already there (the same payload and signature): nothing needs writing. */
  changed: boolean;
}

function sameLayer(a: Descriptor, b: Descriptor): boolean {
  return (
    a.digest === b.digest &&
    a.mediaType === b.mediaType &&
    JSON.stringify(a.annotations ?? {}) === JSON.stringify(b.annotations ?? {})
  );
}

/**
 * The signature manifest holding `existing`'s layers (undefined: none yet) and then `layer`,
 * with an image config whose `rootfs.diff_ids` lists the layers (as cosign's signature images
 * have). TOO_LARGE past {@link MAX_SIGNATURES} layers. Other fields of `existing` (annotations)
 * are kept.
 */
export function appendSignature(existing: ImageManifest | undefined, layer: Descriptor): SignatureManifest {
  const layers = [...(existing?.layers ?? [])];
  const changed = !layers.some((known) => sameLayer(known, layer));
  if (changed) layers.push(layer);
  if (layers.length > MAX_SIGNATURES) {
    throw new OciError(
      ErrorCode.TOO_LARGE,
      `the signature manifest would hold ${layers.length} signatures, more than ${MAX_SIGNATURES}`,
      { data: { limit: MAX_SIGNATURES } },
    );
  }
  const config = goJson({
    architecture: '',
    os: '',
    config: {},
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
  });
  const configDescriptor: Descriptor = {
    mediaType: OCI.config,
    size: config.byteLength,
    digest: digestBytes(config) as Digest,
  };
  const manifest = goJson({
    schemaVersion: 2,
    mediaType: OCI.manifest,
    config: configDescriptor,
    layers,
    ...(existing?.annotations !== undefined ? { annotations: existing.annotations } : {}),
  });
  return { config, configDescriptor, manifest, signatures: layers.length, changed };
}
