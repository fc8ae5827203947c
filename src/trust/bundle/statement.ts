/**
 * The in-toto statement (in-toto attestation framework, Statement v1) cosign 3 signs for an
 * image: its subject is the manifest digest, with the signer's annotations as the subject's
 * `annotations`, and its predicate type {@link COSIGN_SIGN_PREDICATE} with an empty predicate.
 */
import * as z from 'zod/mini';
import { parseDigest } from '../../digest/index.ts';
import { goJson, readJson, sortedMap } from '../encoding/json.ts';
import { rejection } from '../rejection.ts';

/** The `_type` of an in-toto Statement v1. */
export const STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
/** The `_type` of the older Statement v0.1, still read. */
export const STATEMENT_V01 = 'https://in-toto.io/Statement/v0.1';
/** The predicate type of a cosign image signature in a bundle. */
export const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';

/** One subject of a statement: what it is about, by digest. */
export interface StatementSubject {
  name?: string;
  digest: Record<string, string>;
  annotations?: Record<string, unknown>;
}

/** An in-toto statement. */
export interface Statement {
  _type: string;
  subject: StatementSubject[];
  predicateType: string;
  predicate?: unknown;
}

/** The statement bytes cosign's sign writes for `digest` with `annotations`. */
export function signStatement(digest: string, annotations: Record<string, string> = {}): Buffer {
  const { algorithm, encoded } = parseDigest(digest);
  return goJson({
    _type: STATEMENT_V1,
    subject: [{ digest: { [algorithm]: encoded }, annotations: sortedMap(annotations) }],
    predicateType: COSIGN_SIGN_PREDICATE,
    predicate: {},
  });
}

const statementSchema = z.looseObject({
  _type: z.string(),
  subject: z.array(
    z.looseObject({
      name: z.optional(z.string()),
      digest: z.record(z.string(), z.string()),
      annotations: z.optional(z.record(z.string(), z.unknown())),
    }),
  ),
  predicateType: z.string(),
});

/**
 * Parses signed statement bytes: `malformed` for bad JSON or shape, `wrong-type` for another
 * statement type or a predicate type other than an image signature's.
 */
export function parseSignStatement(bytes: Uint8Array): Statement {
  const statement = readJson<Statement>(bytes, statementSchema, 'in-toto statement');
  if (statement._type !== STATEMENT_V1 && statement._type !== STATEMENT_V01) {
    throw rejection(
      'wrong-type',
      `the statement is of type ${JSON.stringify(statement._type.slice(0, 100))}, not an in-toto statement`,
    );
  }
  if (statement.predicateType !== COSIGN_SIGN_PREDICATE) {
    throw rejection(
      'wrong-type',
      `the statement's predicate is ${JSON.stringify(statement.predicateType.slice(0, 100))}, not an image signature (${COSIGN_SIGN_PREDICATE})`,
    );
  }
  return statement;
}

/** The subject of `statement` that names `digest` (same algorithm and hex), or a `digest-mismatch` rejection. */
export function subjectFor(statement: Statement, digest: string): StatementSubject {
  const { algorithm, encoded } = parseDigest(digest);
  const subject = statement.subject.find(
    (s) => Object.hasOwn(s.digest, algorithm) && s.digest[algorithm] === encoded,
  );
  if (subject !== undefined) return subject;
  const named = statement.subject.flatMap((s) => Object.entries(s.digest).map(([a, h]) => `${a}:${h}`));
  throw rejection(
    'digest-mismatch',
    `the statement is about ${named.length === 0 ? 'nothing' : named.slice(0, 3).join(', ').slice(0, 300)}, not ${digest}`,
    { signed: named.slice(0, 3), digest },
  );
}
