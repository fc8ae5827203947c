/**
 * Evaluating a policy for one image (containers/image `policy_eval*.go`): the requirements of
 * the most specific scope that matches (else the transport's `""` scope, else `default`) must
 * all accept it. A rejection is SIGNATURE_INVALID naming the scope, the requirement that failed
 * and every signature's reason.
 */
import { readFile } from 'node:fs/promises';
import { ErrorCode, OciError } from '../../errors/index.ts';
import { readPublicKey } from '../keys/public-key.ts';
import { MAX_KEY_FILE_BYTES } from '../limits.ts';
import { ephemeralKeyring, gpgVerify } from '../simple/gpg.ts';
import { parseAtomicPayload } from '../simple/payload.ts';
import { verifySimpleSigning } from '../verify/simple.ts';
import type { SignatureCandidate } from '../verify/types.ts';
import { identityMatches } from './identity.ts';
import type { PolicySubject } from './subject.ts';
import type { Policy, PolicyRequirement, SignedIdentity } from './types.ts';

/** The signatures an image has, read only when a requirement needs them. */
export interface PolicyEvidence {
  /** The manifest digest the name resolves to (what signatures must name). */
  digest: string;
  /** Simple-signing blobs (lookaside storage). */
  simpleSignatures(): Promise<Buffer[]>;
  /** Cosign-style signatures (sigstore attachments). */
  sigstoreSignatures(): Promise<SignatureCandidate[]>;
}

/** The requirements that apply to `subject`, and the scope they came from (for messages). */
export function requirementsFor(
  policy: Policy,
  subject: PolicySubject,
): { scope: string; requirements: PolicyRequirement[] } {
  const scopes = policy.transports.get(subject.transport);
  if (scopes !== undefined) {
    for (const name of [subject.identity, ...subject.namespaces, '']) {
      const found = scopes.get(name);
      if (found !== undefined) {
        return { scope: `transports.${subject.transport}[${JSON.stringify(name)}]`, requirements: found };
      }
    }
  }
  return { scope: 'default', requirements: policy.default };
}

const SIMPLE_SIGNING_PREFIX = Buffer.from('\0simple-signing\n', 'latin1');

async function keyFile(path: string): Promise<Buffer> {
  try {
    const bytes = await readFile(path);
    if (bytes.byteLength > MAX_KEY_FILE_BYTES * 16) throw new Error(`over ${MAX_KEY_FILE_BYTES * 16} bytes`);
    return bytes;
  } catch (err) {
    throw new OciError(
      ErrorCode.NOT_FOUND,
      `the policy's key file ${path} cannot be read: ${(err as Error).message}`,
      {
        cause: err,
        data: { path },
      },
    );
  }
}

function describeIdentity(rule: SignedIdentity): string {
  return rule.type;
}

/** Why each GPG signature fails `requirement`; empty when one is accepted. */
async function signedByReasons(
  requirement: Extract<PolicyRequirement, { type: 'signedBy' }>,
  subject: PolicySubject,
  evidence: PolicyEvidence,
): Promise<string[] | undefined> {
  const keys =
    requirement.keyData !== undefined
      ? [requirement.keyData]
      : await Promise.all((requirement.keyPaths ?? [requirement.keyPath as string]).map(keyFile));
  const blobs = await evidence.simpleSignatures();
  if (blobs.length === 0) return ['a signature was required, but no signature exists'];
  const keyring = await ephemeralKeyring(keys);
  try {
    if (keyring.fingerprints.length === 0) return ['no public keys imported'];
    const reasons: string[] = [];
    for (const [i, blob] of blobs.entries()) {
      const label = `signature ${i + 1}`;
      let signature = blob;
      if (blob.subarray(0, SIMPLE_SIGNING_PREFIX.byteLength).equals(SIMPLE_SIGNING_PREFIX)) {
        signature = blob.subarray(SIMPLE_SIGNING_PREFIX.byteLength);
      } else if (blob[0] === 0) {
        reasons.push(`${label}: not a simple signing (GPG) signature`);
        continue;
      }
      try {
        const verified = await gpgVerify(keyring, signature);
        if (
          !keyring.fingerprints.includes(verified.signingKey) &&
          !keyring.fingerprints.includes(verified.primaryKey)
        ) {
          reasons.push(`${label}: signature by key ${verified.signingKey} is not accepted`);
          continue;
        }
        const claims = parseAtomicPayload(verified.payload);
        if (claims.digest !== evidence.digest) {
          reasons.push(
            `${label}: signature for digest ${claims.digest.slice(0, 100)} does not match ${evidence.digest}`,
          );
          continue;
        }
        if (!identityMatches(requirement.signedIdentity, subject.dockerReference, claims.identity)) {
          reasons.push(
            `${label}: signature for identity ${JSON.stringify(claims.identity.slice(0, 200))} is not accepted (${describeIdentity(requirement.signedIdentity)})`,
          );
          continue;
        }
        return undefined;
      } catch (err) {
        if (!(err instanceof OciError) || err.code === ErrorCode.ABORTED) throw err;
        reasons.push(`${label}: ${err.message}`);
      }
    }
    return reasons;
  } finally {
    await keyring.close();
  }
}

/** Why each cosign signature fails `requirement`; undefined when one is accepted. */
async function sigstoreReasons(
  requirement: Extract<PolicyRequirement, { type: 'sigstoreSigned' }>,
  subject: PolicySubject,
  evidence: PolicyEvidence,
): Promise<string[] | undefined> {
  const keyText = requirement.keyData ?? (await keyFile(requirement.keyPath as string));
  const key = readPublicKey(keyText, requirement.keyPath ?? 'the keyData of the policy');
  const candidates = await evidence.sigstoreSignatures();
  if (candidates.length === 0) return ['a signature was required, but no signature exists'];
  const reasons: string[] = [];
  for (const c of candidates) {
    if ('error' in c) {
      reasons.push(`${c.source}: ${c.error.message}`);
      continue;
    }
    if (!('payload' in c)) {
      reasons.push(`${c.source}: not a sigstore attachment`);
      continue;
    }
    try {
      const payload = verifySimpleSigning(c, { digest: evidence.digest, key });
      const claimed = payload.critical.identity['docker-reference'];
      if (!identityMatches(requirement.signedIdentity, subject.dockerReference, claimed)) {
        reasons.push(
          `${c.source}: signature for identity ${JSON.stringify(claimed.slice(0, 200))} is not accepted`,
        );
        continue;
      }
      return undefined;
    } catch (err) {
      if (!(err instanceof OciError)) throw err;
      reasons.push(`${c.source}: ${err.message}`);
    }
  }
  return reasons;
}

/**
 * Throws SIGNATURE_INVALID unless every requirement that applies to `subject` accepts the image;
 * `data` has the `scope`, the failing `requirement` (its index and type) and the `reasons`.
 */
export async function enforcePolicy(
  policy: Policy,
  subject: PolicySubject,
  evidence: PolicyEvidence,
): Promise<void> {
  const { scope, requirements } = requirementsFor(policy, subject);
  for (const [i, requirement] of requirements.entries()) {
    let reasons: string[] | undefined;
    switch (requirement.type) {
      case 'insecureAcceptAnything':
      case 'signedBaseLayer':
        reasons = undefined;
        break;
      case 'reject':
        reasons = ['the policy rejects every image here'];
        break;
      case 'signedBy':
        reasons = await signedByReasons(requirement, subject, evidence);
        break;
      case 'sigstoreSigned':
        reasons = await sigstoreReasons(requirement, subject, evidence);
        break;
    }
    if (reasons !== undefined) {
      throw new OciError(
        ErrorCode.SIGNATURE_INVALID,
        `${subject.identity} is rejected by the policy: requirement ${i + 1} (${requirement.type}) of ${scope} is not met: ${reasons.join('; ')}`,
        { data: { reason: 'policy-rejected', scope, requirement: requirement.type, index: i, reasons } },
      );
    }
  }
}
