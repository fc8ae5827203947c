/**
 * Attestations: DSSE envelopes holding in-toto statements, as cosign keeps them in the
 * `sha256-HEX.att` manifest (one layer per envelope) or inside a sigstore bundle referrer. Built
 * on the trust module's DSSE and statement code; the predicate may be any type (provenance, SBOM),
 * where an image signature's must be cosign's sign predicate.
 */
import type { KeyObject } from 'node:crypto';
import * as z from 'zod/mini';
import type { DsseEnvelope } from '../../trust/bundle/dsse.ts';
import { IN_TOTO_PAYLOAD_TYPE, preAuthEncoding } from '../../trust/bundle/dsse.ts';
import { STATEMENT_V1, STATEMENT_V01, type Statement, subjectFor } from '../../trust/bundle/statement.ts';
import { decodeBase64 } from '../../trust/encoding/base64.ts';
import { readJson } from '../../trust/encoding/json.ts';
import { MAX_SIGNATURE_BYTES } from '../../trust/limits.ts';
import { rejection } from '../../trust/rejection.ts';
import { verifyDer } from '../../trust/signer.ts';

/** The media type of a `.att` layer: one DSSE envelope as JSON. */
export const DSSE_ENVELOPE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';

/** Largest attestation envelope read (an SBOM can be large; a signature never is). */
export const MAX_ATTESTATION_BYTES = 4 * MAX_SIGNATURE_BYTES;

/** Most signatures one envelope may carry. */
const MAX_ENVELOPE_SIGNATURES = 16;

const envelopeSchema = z.looseObject({
  payload: z.string(),
  payloadType: z.string(),
  signatures: z.array(z.looseObject({ sig: z.string(), keyid: z.optional(z.string()) })),
});

const statementSchema = z.looseObject({
  _type: z.string(),
  subject: z.array(z.looseObject({ digest: z.record(z.string(), z.string()) })),
  predicateType: z.string(),
});

/** Parses envelope bytes (`malformed` when they are not a DSSE envelope). */
export function parseEnvelope(bytes: Uint8Array): DsseEnvelope {
  return readJson<DsseEnvelope>(bytes, envelopeSchema, 'DSSE envelope', MAX_ATTESTATION_BYTES);
}

/** The statement an envelope carries, read without checking any signature (for display only). */
export function peekStatement(envelope: DsseEnvelope): Statement {
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw rejection(
      'wrong-type',
      `the envelope holds ${JSON.stringify(envelope.payloadType.slice(0, 100))}, not an in-toto statement`,
    );
  }
  const payload = decodeBase64(envelope.payload, 'the envelope payload', {
    urlSafe: true,
    maxBytes: MAX_ATTESTATION_BYTES,
  });
  const statement = readJson<Statement>(payload, statementSchema, 'in-toto statement', MAX_ATTESTATION_BYTES);
  if (statement._type !== STATEMENT_V1 && statement._type !== STATEMENT_V01) {
    throw rejection(
      'wrong-type',
      `the statement is of type ${JSON.stringify(statement._type.slice(0, 100))}`,
    );
  }
  return statement;
}

/**
 * Returns the statement when one of the envelope's signatures verifies with `key` over
 * PAE(payloadType, payload) (DSSE protocol v1) and the statement names `digest` as a subject;
 * otherwise throws a rejection (SIGNATURE_INVALID with `data.reason`).
 */
export function verifyAttestation(envelope: DsseEnvelope, digest: string, key: KeyObject): Statement {
  if (envelope.signatures.length === 0) throw rejection('malformed', 'the envelope has no signature');
  if (envelope.signatures.length > MAX_ENVELOPE_SIGNATURES) {
    throw rejection('too-large', `the envelope has ${envelope.signatures.length} signatures`);
  }
  const payload = decodeBase64(envelope.payload, 'the envelope payload', {
    urlSafe: true,
    maxBytes: MAX_ATTESTATION_BYTES,
  });
  const signed = preAuthEncoding(envelope.payloadType, payload);
  const valid = envelope.signatures.some((s, i) =>
    verifyDer(key, signed, decodeBase64(s.sig, `signature ${i}`, { urlSafe: true, maxBytes: 512 })),
  );
  if (!valid) {
    throw rejection(
      'bad-signature',
      'no signature of the envelope verifies with the key (another key signed it, or the statement changed)',
    );
  }
  const statement = peekStatement(envelope);
  subjectFor(statement, digest);
  return statement;
}
