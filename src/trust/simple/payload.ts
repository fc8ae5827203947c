/**
 * The containers tools' "atomic container signature" payload (containers/image `signature/simple.go`,
 * docs/containers-signature.5.md): what `skopeo copy --sign-by` signs with GPG.
 * `{"critical":{"identity":{"docker-reference":REF},"image":{"docker-manifest-digest":DIGEST},"type":"atomic container signature"},"optional":{"creator":…,"timestamp":…}}`.
 * Reading is as strict as the Go reader: exactly these critical fields, an integer timestamp.
 */
import * as z from 'zod/mini';
import { goJson, readJson } from '../encoding/json.ts';
import { rejection } from '../rejection.ts';

/** The `critical.type` of a simple signature. */
export const ATOMIC_SIGNATURE_TYPE = 'atomic container signature';

/** What a simple signature claims. */
export interface AtomicClaims {
  /** The Docker reference the signer meant (with its tag), e.g. `registry.example/app:1`. */
  identity: string;
  /** The manifest digest signed. */
  digest: string;
  /** `optional.creator`. */
  creator?: string;
  /** `optional.timestamp`, seconds since the epoch. */
  timestamp?: number;
}

/** The payload bytes for `claims`, serialised as Go's encoding/json writes the map the Go code builds (sorted keys). */
export function atomicPayload(claims: AtomicClaims): Buffer {
  if (claims.identity === '' || claims.digest === '') {
    throw rejection('malformed', 'a simple signature needs a reference and a digest');
  }
  const optional: Record<string, unknown> = {};
  if (claims.creator !== undefined) optional.creator = claims.creator;
  if (claims.timestamp !== undefined) optional.timestamp = claims.timestamp;
  return goJson({
    critical: {
      identity: { 'docker-reference': claims.identity },
      image: { 'docker-manifest-digest': claims.digest },
      type: ATOMIC_SIGNATURE_TYPE,
    },
    optional,
  });
}

const schema = z.strictObject({
  critical: z.strictObject({
    identity: z.strictObject({ 'docker-reference': z.string() }),
    image: z.strictObject({ 'docker-manifest-digest': z.string() }),
    type: z.string(),
  }),
  optional: z.looseObject({
    creator: z.optional(z.string()),
    timestamp: z.optional(z.number()),
  }),
});

type Parsed = z.infer<typeof schema>;

/**
 * Parses verified payload bytes. A `malformed` rejection for bad JSON, missing or extra critical
 * fields, or a timestamp that is not an integer; `wrong-type` for another `critical.type`.
 */
export function parseAtomicPayload(bytes: Uint8Array): AtomicClaims {
  const parsed = readJson<Parsed>(bytes, schema, 'simple signature payload');
  if (parsed.critical.type !== ATOMIC_SIGNATURE_TYPE) {
    throw rejection(
      'wrong-type',
      `the payload is of type ${JSON.stringify(parsed.critical.type.slice(0, 100))}, not ${JSON.stringify(ATOMIC_SIGNATURE_TYPE)}`,
    );
  }
  const { timestamp, creator } = parsed.optional;
  if (timestamp !== undefined && !Number.isSafeInteger(timestamp)) {
    throw rejection('malformed', 'optional.timestamp is not an integer');
  }
  return {
    identity: parsed.critical.identity['docker-reference'],
    digest: parsed.critical.image['docker-manifest-digest'],
    ...(creator !== undefined ? { creator } : {}),
    ...(timestamp !== undefined ? { timestamp } : {}),
  };
}
