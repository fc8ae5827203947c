/** The inputs and results of signature verification. */
import type { KeyObject } from 'node:crypto';
import type { ErrorCode, OciError } from '../../errors/index.ts';
import type { RejectionReason } from '../rejection.ts';

/** Which of cosign's formats a signature is in: the `.sig` tag scheme, or a sigstore bundle referrer. */
export type SignatureFormat = 'tag' | 'bundle';

/** What a signature must satisfy to be valid. */
export interface VerifyExpectation {
  /** The manifest (or index) digest the signature must be bound to. */
  digest: string;
  /** The public key (ECDSA P-256) that must have signed. */
  key: KeyObject;
  /** Annotations the signed payload must carry, with these values. */
  annotations?: Record<string, string>;
}

/** A signature found for an image, before it is checked. */
export type SignatureCandidate =
  | {
      format: 'tag';
      /** Where it was found, for messages (e.g. `sha256-….sig layer 2 (sha256:…)`). */
      source: string;
      /** The media type of the layer (or containers signature) holding it. */
      mediaType: string;
      payload: Uint8Array;
      /** The layer's annotations, where the signature (and a certificate) are. */
      annotations: Record<string, unknown> | undefined;
    }
  | { format: 'bundle'; source: string; bundle: Uint8Array }
  /** A signature that could not even be loaded: already a rejection. */
  | { format: SignatureFormat; source: string; error: OciError };

/** A signature that verified. */
export interface VerifiedSignature {
  format: SignatureFormat;
  source: string;
  /** The signed payload, parsed: a simple-signing payload (tag) or an in-toto statement (bundle). */
  payload: unknown;
}

/** A signature that did not verify, and why. */
export interface RejectedSignature {
  format: SignatureFormat;
  source: string;
  reason: RejectionReason;
  code: ErrorCode;
  message: string;
}

/** Every signature found for a digest, sorted into valid and rejected ones. */
export interface VerifyResult {
  digest: string;
  verified: VerifiedSignature[];
  rejected: RejectedSignature[];
}
