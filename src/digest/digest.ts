/**
 * Digest grammar and registered algorithms (image-spec descriptor.md, "Digests").
 * A digest string is attacker-controlled until it has passed {@link parseDigest}.
 */
import { ErrorCode, OciError } from '../errors/index.ts';

/** A digest string that has passed the grammar check (descriptor.md "Digests"). */
export type Digest = string & { readonly __brand: 'Digest' };

/** Algorithms ocikit can verify (descriptor.md "Registered algorithms"). */
export type SupportedAlgorithm = 'sha256' | 'sha512';

/** A digest split into its parts. */
export interface ParsedDigest {
  readonly digest: Digest;
  readonly algorithm: string;
  readonly encoded: string;
  /** True when the algorithm is registered and implemented here (sha256, sha512). */
  readonly supported: boolean;
}

// descriptor.md: digest ::= algorithm ":" encoded, as one anchored regex.
const GRAMMAR = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** Hex length of each registered algorithm's encoded part (descriptor.md "Registered algorithms"). */
const REGISTERED: Record<string, number> = { sha256: 64, sha512: 128, blake3: 64 };
const IMPLEMENTED = new Set<string>(['sha256', 'sha512']);
const LOWER_HEX = /^[a-f0-9]+$/;

/** Hex length of the encoded part for an implemented algorithm. */
export function encodedLength(algorithm: SupportedAlgorithm): number {
  return REGISTERED[algorithm] as number;
}

function invalid(value: string, reason: string): OciError {
  return new OciError(
    ErrorCode.INVALID_DIGEST,
    `invalid digest ${JSON.stringify(truncate(value))}: ${reason}`,
    {
      data: { digest: truncate(value), reason },
    },
  );
}

function truncate(value: string): string {
  return value.length > 200 ? `${value.slice(0, 200)}…` : value;
}

/**
 * Checks a digest string against the grammar and, for registered algorithms, the encoding
 * (go-digest order: format, then length, then charset). Returns the reason it is invalid, or
 * undefined when valid. Unregistered but well-formed algorithms are valid here (descriptor.md
 * says they SHOULD pass validation); {@link ParsedDigest.supported} tells whether we can verify them.
 */
export function digestProblem(value: string): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  if (!GRAMMAR.test(value)) return 'must match algorithm ":" encoded (descriptor.md digest grammar)';
  const colon = value.indexOf(':');
  const algorithm = value.slice(0, colon);
  const encoded = value.slice(colon + 1);
  const length = REGISTERED[algorithm];
  if (length === undefined) return undefined;
  if (encoded.length !== length) return `${algorithm} digest must be ${length} lowercase hex characters`;
  if (!LOWER_HEX.test(encoded)) return `${algorithm} digest must be ${length} lowercase hex characters`;
  return undefined;
}

/** Parses a digest string; throws INVALID_DIGEST when it is off the grammar or badly encoded. */
export function parseDigest(value: string): ParsedDigest {
  const problem = digestProblem(value);
  if (problem !== undefined) throw invalid(String(value), problem);
  const colon = value.indexOf(':');
  const algorithm = value.slice(0, colon);
  return {
    digest: value as Digest,
    algorithm,
    encoded: value.slice(colon + 1),
    supported: IMPLEMENTED.has(algorithm),
  };
}

/** True when `value` is a valid digest string (any well-formed algorithm). */
export function isDigest(value: unknown): value is Digest {
  return typeof value === 'string' && digestProblem(value) === undefined;
}

/**
 * Parses a digest that ocikit must verify or use as a file name: throws INVALID_DIGEST off the
 * grammar and UNSUPPORTED_DIGEST for a well-formed but unimplemented algorithm. Only digests that
 * pass here may ever become paths.
 */
export function parseSupportedDigest(value: string): ParsedDigest & { algorithm: SupportedAlgorithm } {
  const parsed = parseDigest(value);
  if (!parsed.supported) {
    throw new OciError(
      ErrorCode.UNSUPPORTED_DIGEST,
      `digest algorithm ${JSON.stringify(parsed.algorithm)} is well-formed but not supported (sha256 and sha512 are)`,
      { data: { digest: value, algorithm: parsed.algorithm } },
    );
  }
  return parsed as ParsedDigest & { algorithm: SupportedAlgorithm };
}

/** Builds a digest from an implemented algorithm and its lowercase hex encoding. */
export function makeDigest(algorithm: SupportedAlgorithm, hex: string): Digest {
  return `${algorithm}:${hex}` as Digest;
}
