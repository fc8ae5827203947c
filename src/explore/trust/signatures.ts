/**
 * Every signature and attestation stored for one manifest digest, wherever the image's source
 * keeps them: cosign's tag scheme (`sha256-HEX.sig`, `sha256-HEX.att`), sigstore bundle referrers,
 * `signature-N` files of a `dir:` folder, and lookaside storage (containers-registries.d(5)).
 * Each is read bounded and kept with a way to check it against a key; one that cannot be read
 * becomes an entry carrying its error, never a failure of the whole list.
 */
import type { KeyObject } from 'node:crypto';
import type { Digest } from '../../digest/index.ts';
import type { ImageSource } from '../../image/types.ts';
import { parseDsseBundle } from '../../trust/bundle/sigstore-bundle.ts';
import { COSIGN_SIGN_PREDICATE } from '../../trust/bundle/statement.ts';
import { parseContainersSignature } from '../../trust/containers/signature-blob.ts';
import { parseSimpleSigningPayload } from '../../trust/cosign/simple-signing.ts';
import { MAX_SIGNATURES } from '../../trust/limits.ts';
import { isContentError, reasonOf } from '../../trust/rejection.ts';
import type { SignatureStore } from '../../trust/store/types.ts';
import { verifyCandidates } from '../../trust/verify/candidates.ts';
import { bundleCandidates, tagSchemeCandidates } from '../../trust/verify/gather.ts';
import type { SignatureCandidate } from '../../trust/verify/types.ts';
import { MAX_ATTESTATION_BYTES, parseEnvelope, peekStatement, verifyAttestation } from './attestation.ts';
import { cosignTag } from './referrers.ts';

/** The outcome of checking one signature with one key. */
export interface KeyCheck {
  verified: boolean;
  /** Why not (a stable reason of the trust module: `bad-signature`, `digest-mismatch`, …). */
  reason?: string;
  message?: string;
}

/** One signature or attestation found for a digest. */
export interface FoundSignature {
  kind: 'signature' | 'attestation';
  /** How it is stored: `cosign .sig`, `cosign .att`, `sigstore bundle`, `dir signature`, `lookaside`. */
  scheme: string;
  /** Where it was found (tag and layer, referrer digest, file name). */
  source: string;
  /** The referrer manifest holding it, when it is one (a document of the image). */
  referrer?: string;
  /** What an attestation states (`https://slsa.dev/provenance/v1`, …). */
  predicateType?: string;
  /** The `docker-reference` a simple-signing payload claims. */
  identity?: string;
  /** `GPG` for a simple signing signature only a policy's `signedBy` checks. */
  keyType?: 'cosign' | 'GPG';
  /** Why it could not be read at all. */
  error?: { code: string; message: string };
  /** Checks it against a cosign public key; absent for what a cosign key cannot check (GPG). */
  check?: (key: KeyObject) => KeyCheck;
}

/** The raw material a policy evaluation needs, gathered once with the list. */
export interface GatheredEvidence {
  /** Simple signing blobs (GPG) from `dir:` or lookaside storage. */
  simple: Buffer[];
  /** Cosign-style candidates (tag scheme, or sigstore-json blobs of `dir:`). */
  sigstore: SignatureCandidate[];
}

function failed(err: unknown): KeyCheck {
  if (!isContentError(err)) throw err;
  return { verified: false, reason: reasonOf(err), message: err.message };
}

function errorOf(err: { code: string; message: string }): { code: string; message: string } {
  return { code: err.code, message: err.message };
}

/** An entry for a cosign-format candidate (tag scheme layer, sigstore-json blob, or bundle). */
function fromCandidate(candidate: SignatureCandidate, scheme: string, digest: string): FoundSignature {
  const entry: FoundSignature = { kind: 'signature', scheme, source: candidate.source, keyType: 'cosign' };
  if ('error' in candidate) {
    entry.error = errorOf(candidate.error);
    return entry;
  }
  const verifyWith = (key: KeyObject): KeyCheck => {
    const result = verifyCandidates([candidate], { digest, key });
    const rejected = result.rejected[0];
    return rejected === undefined
      ? { verified: true }
      : { verified: false, reason: rejected.reason, message: rejected.message };
  };
  if (candidate.format === 'tag') {
    try {
      entry.identity = parseSimpleSigningPayload(candidate.payload).critical.identity['docker-reference'];
    } catch {
      // An unreadable payload is reported by the check.
    }
    entry.check = verifyWith;
    return entry;
  }
  try {
    const { dsseEnvelope } = parseDsseBundle(candidate.bundle);
    const statement = peekStatement(dsseEnvelope);
    if (statement.predicateType !== COSIGN_SIGN_PREDICATE) {
      entry.kind = 'attestation';
      entry.predicateType = statement.predicateType;
      entry.check = (key) => {
        try {
          verifyAttestation(dsseEnvelope, digest, key);
          return { verified: true };
        } catch (err) {
          return failed(err);
        }
      };
      return entry;
    }
  } catch {
    // Not readable as a statement: the signature check says why.
  }
  entry.check = verifyWith;
  return entry;
}

/** The `.att` attestations of `digest`: one entry per DSSE envelope layer. */
async function attestations(store: SignatureStore, digest: Digest): Promise<FoundSignature[]> {
  const tag = cosignTag(digest, 'att');
  const out: FoundSignature[] = [];
  let layers: { digest: string; mediaType: string; size: number }[];
  try {
    const document = await store.readTag(tag);
    if (document === undefined) return [];
    if (document.kind !== 'manifest') throw new Error(`${tag} is an index, not an attestation manifest`);
    layers = document.value.layers;
  } catch (err) {
    const error = isContentError(err)
      ? errorOf(err)
      : { code: 'INVALID_DOCUMENT', message: (err as Error).message };
    return [{ kind: 'attestation', scheme: 'cosign .att', source: tag, error }];
  }
  for (const [i, layer] of layers.slice(0, MAX_SIGNATURES).entries()) {
    const entry: FoundSignature = {
      kind: 'attestation',
      scheme: 'cosign .att',
      source: `${tag} layer ${i} (${layer.digest})`,
      keyType: 'cosign',
    };
    try {
      const envelope = parseEnvelope(
        await store.readBlob(layer as Parameters<SignatureStore['readBlob']>[0], MAX_ATTESTATION_BYTES),
      );
      try {
        entry.predicateType = peekStatement(envelope).predicateType;
      } catch {
        // The check reports an unreadable statement.
      }
      entry.check = (key) => {
        try {
          verifyAttestation(envelope, digest, key);
          return { verified: true };
        } catch (err) {
          return failed(err);
        }
      };
    } catch (err) {
      if (!isContentError(err)) throw err;
      entry.error = errorOf(err);
    }
    out.push(entry);
  }
  return out;
}

/** Everything the signature store of the image keeps for `digest`: `.sig`, `.att`, bundle referrers. */
export async function storeSignatures(store: SignatureStore, digest: Digest): Promise<FoundSignature[]> {
  const sig = await tagSchemeCandidates(store, digest);
  const bundles = await bundleCandidates(store, digest);
  return [
    ...sig.map((c) => fromCandidate(c, 'cosign .sig', digest)),
    ...(await attestations(store, digest)),
    ...bundles.map((c) => {
      const entry = fromCandidate(c, 'sigstore bundle', digest);
      const referrer = /^referrer (sha\d+:[0-9a-f]+)$/.exec(c.source)?.[1];
      if (referrer !== undefined) entry.referrer = referrer;
      return entry;
    }),
  ];
}

const SIGSTORE_JSON = Buffer.from('\0sigstore-json\n', 'latin1');

/**
 * Entries for containers signature blobs (`dir:` `signature-N` files, lookaside files): cosign
 * signatures in the sigstore-json form are checked by key; GPG simple signatures only by a policy.
 */
export function blobSignatures(
  blobs: Buffer[],
  scheme: string,
  digest: string,
  evidence: GatheredEvidence,
): FoundSignature[] {
  return blobs.map((blob, i) => {
    const source = `signature-${i + 1}`;
    if (!blob.subarray(0, SIGSTORE_JSON.byteLength).equals(SIGSTORE_JSON)) {
      evidence.simple.push(blob);
      return { kind: 'signature', scheme: `${scheme} (simple signing)`, source, keyType: 'GPG' };
    }
    let candidate: SignatureCandidate;
    try {
      candidate = { format: 'tag', source, ...parseContainersSignature(blob) };
    } catch (err) {
      if (!isContentError(err)) throw err;
      candidate = { format: 'tag', source, error: err };
    }
    evidence.sigstore.push(candidate);
    return fromCandidate(candidate, `${scheme} (cosign)`, digest);
  });
}

/** The `signature-N` files a `dir:` source keeps for `digest` (undefined for the top manifest). */
export async function dirSignatureBlobs(
  source: ImageSource,
  digest: string | undefined,
): Promise<Buffer[] | undefined> {
  const signatures = (source as { signatures?: (digest?: string) => Promise<Buffer[]> }).signatures;
  if (typeof signatures !== 'function') return undefined;
  return signatures.call(source, digest);
}
