/**
 * `verify`: every signature stored for the digest an image name resolves to, in both of cosign's
 * formats, checked against one public key and the annotations asked for. Signatures are bound to
 * the manifest digest, not to the name (mirrors and re-tags keep them), as `cosign verify --key`.
 */
import type { KeyObject } from 'node:crypto';
import type { Digest } from '../../digest/index.ts';
import type { OperationOptions } from '../../image/types.ts';
import type { TransportOptions } from '../../transports/index.ts';
import { openSignatureStore } from '../store/open.ts';
import type { SignatureStore } from '../store/types.ts';
import { requireVerified, verifyCandidates } from './candidates.ts';
import { bundleCandidates, tagSchemeCandidates } from './gather.ts';
import type { VerifyResult } from './types.ts';

/** Options of {@link verifyImage}. */
export interface VerifyOptions extends TransportOptions, OperationOptions {
  /** Annotations every accepted signature must have signed, with these values. */
  annotations?: Record<string, string>;
}

/**
 * Verifies the image `name` against `key`. Returns every signature found, valid and rejected
 * (with reasons), when at least one is valid; throws SIGNATURE_INVALID (`data.rejected`, and
 * `data.digest`) when none is, including when there are none.
 */
export async function verifyImage(
  name: string,
  key: KeyObject,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const store = await openSignatureStore(name, options);
  try {
    return requireVerified(await verifyInStore(store, key, options), store.name);
  } finally {
    await store.close();
  }
}

/** Every signature of the image of `store`, sorted into verified and rejected (never throws for a bad one). */
export async function verifyInStore(
  store: SignatureStore,
  key: KeyObject,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const digest = (await store.resolve(options)).digest as Digest;
  const candidates = [
    ...(await tagSchemeCandidates(store, digest, options)),
    ...(await bundleCandidates(store, digest, options)),
  ];
  return verifyCandidates(candidates, {
    digest,
    key,
    ...(options.annotations !== undefined ? { annotations: options.annotations } : {}),
  });
}
