/**
 * The simple-signing payload cosign signs in its tag scheme (the containers "atomic container
 * signature" format, as cosign's payload package writes it):
 * `{"critical":{"identity":{"docker-reference":REPO},"image":{"docker-manifest-digest":DIGEST},"type":"cosign container image signature"},"optional":ANNOTATIONS|null}`.
 * Reading follows the format's rule that consumers reject unknown critical fields (and, as the
 * containers library does, unknown top-level fields).
 */
import * as z from 'zod/mini';
import { goJson, readJson, sortedMap } from '../encoding/json.ts';
import { rejection } from '../rejection.ts';

/** The media type of a tag-scheme signature layer (and of the payload it holds). */
export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';

/** The `critical.type` of a cosign image signature. */
export const COSIGN_SIGNATURE_TYPE = 'cosign container image signature';

/** A simple-signing payload. */
export interface SimpleSigningPayload {
  critical: {
    identity: { 'docker-reference': string };
    image: { 'docker-manifest-digest': string };
    type: string;
  };
  optional?: Record<string, unknown> | null;
}

/** What a payload claims: the image's repository, its manifest digest, and the signer's annotations. */
export interface SimpleSigningClaims {
  /** The `docker-reference` the signature claims (cosign: the repository, without tag). */
  identity: string;
  /** The manifest digest signed. */
  digest: string;
  /** Key-value pairs written to `optional` (absent: `null`). */
  annotations?: Record<string, string>;
}

/** The payload bytes for `claims`, exactly as cosign (Go's encoding/json) writes them. */
export function simpleSigningPayload(claims: SimpleSigningClaims): Buffer {
  const annotations = claims.annotations ?? {};
  return goJson({
    critical: {
      identity: { 'docker-reference': claims.identity },
      image: { 'docker-manifest-digest': claims.digest },
      type: COSIGN_SIGNATURE_TYPE,
    },
    optional: Object.keys(annotations).length > 0 ? sortedMap(annotations) : null,
  });
}

const payloadSchema = z.strictObject({
  critical: z.strictObject({
    identity: z.strictObject({ 'docker-reference': z.string() }),
    image: z.strictObject({ 'docker-manifest-digest': z.string() }),
    type: z.string(),
  }),
  optional: z.optional(z.nullable(z.record(z.string(), z.unknown()))),
});

/**
 * Parses signed payload bytes (after their signature verified). A `malformed` rejection for bad
 * JSON or shape (unknown critical fields included), `wrong-type` for another `critical.type`.
 */
export function parseSimpleSigningPayload(bytes: Uint8Array): SimpleSigningPayload {
  const payload = readJson<SimpleSigningPayload>(bytes, payloadSchema, 'simple-signing payload');
  if (payload.critical.type !== COSIGN_SIGNATURE_TYPE) {
    throw rejection(
      'wrong-type',
      `the payload is of type ${JSON.stringify(payload.critical.type.slice(0, 100))}, not ${JSON.stringify(COSIGN_SIGNATURE_TYPE)}`,
    );
  }
  return payload;
}
