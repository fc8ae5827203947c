/**
 * The Trust page's data: for the image and, for an index, each of its manifests, every signature
 * and attestation found, and when keys or a policy were given, whether each verifies and why not.
 * The checks are the trust module's own (cosign keys: `verifyCandidates`; policy: the containers
 * policy evaluation), so the page agrees with `ocikit verify`.
 */
import type { KeyObject } from 'node:crypto';
import type { Digest } from '../../digest/index.ts';
import { ErrorCode, isOciError, OciError } from '../../errors/index.ts';
import type { TransportOptions } from '../../transports/index.ts';
import { transportOf } from '../../transports/index.ts';
import { checkPolicy } from '../../trust/policy/check.ts';
import { enforcePolicy } from '../../trust/policy/evaluate.ts';
import { policySubject } from '../../trust/policy/subject.ts';
import type { Policy } from '../../trust/policy/types.ts';
import { loadRegistriesConfig, type RegistriesDirOptions } from '../../trust/registries-d/config.ts';
import { lookasideRepositoryUrl, readLookaside } from '../../trust/registries-d/lookaside.ts';
import type { SignatureStore } from '../../trust/store/types.ts';
import type { ImageCatalog } from '../images.ts';
import { openImageStore } from './referrers.ts';
import {
  blobSignatures,
  dirSignatureBlobs,
  type FoundSignature,
  type GatheredEvidence,
  type KeyCheck,
  storeSignatures,
} from './signatures.ts';

/** What the explorer checks signatures against (`ocikit explore --key`, `--policy`). */
export interface TrustOptions {
  /** Cosign public keys, each with the name shown for it (its file name). */
  keys?: { name: string; key: KeyObject }[];
  /** A containers-policy.json(5) policy, with the name shown for it. */
  policy?: { name: string; policy: Policy };
  /** Where registries.d (lookaside storage) is read from. */
  registries?: RegistriesDirOptions;
}

/** One signature as the API returns it. */
export interface TrustSignature extends Omit<FoundSignature, 'check'> {
  /** One result per key given, in order; empty without keys. */
  keys: (KeyCheck & { key: string })[];
}

/** The policy's verdict on the image. */
export interface PolicyVerdict {
  policy: string;
  accepted: boolean;
  message?: string;
  reasons?: string[];
}

/** The signatures of one manifest (or index) digest of the image. */
export interface TrustSubject {
  digest: string;
  platform?: string;
  signatures: TrustSignature[];
  policy?: PolicyVerdict;
}

/** The Trust page of one image. */
export interface TrustReport {
  keys: string[];
  policy: string | null;
  subjects: TrustSubject[];
}

function describe(err: unknown): { code: string; message: string } {
  if (err instanceof OciError) return { code: err.code, message: err.message };
  return { code: 'IO_ERROR', message: (err as Error).message };
}

async function lookasideBlobs(
  reference: string,
  digest: string,
  options: TrustOptions,
): Promise<Buffer[] | { code: string; message: string }> {
  try {
    const subject = await policySubject(reference);
    if (subject.dockerReference === undefined) return [];
    const config = await loadRegistriesConfig(options.registries);
    return await readLookaside(lookasideRepositoryUrl(config, subject.dockerReference, false), digest);
  } catch (err) {
    return describe(err);
  }
}

/** Every signature of `digest`, from each place the image's transport keeps them. */
async function signaturesOf(
  catalog: ImageCatalog,
  store: SignatureStore | undefined,
  digest: string,
  top: boolean,
  options: TrustOptions,
  evidence: GatheredEvidence,
): Promise<FoundSignature[]> {
  const found: FoundSignature[] = [];
  const reference = catalog.image.reference ?? catalog.image.name;
  if (store !== undefined) found.push(...(await storeSignatures(store, digest as Digest)));
  const dir = await dirSignatureBlobs(catalog.image.source, top ? undefined : digest).catch(describe);
  if (Array.isArray(dir)) found.push(...blobSignatures(dir, 'dir', digest, evidence));
  else if (dir !== undefined)
    found.push({ kind: 'signature', scheme: 'dir', source: 'signature-N', error: dir });
  const label = transportOf(reference).label;
  if (label === 'registry' || label === 'docker') {
    const blobs = await lookasideBlobs(reference, digest, options);
    if (Array.isArray(blobs)) found.push(...blobSignatures(blobs, 'lookaside', digest, evidence));
    else found.push({ kind: 'signature', scheme: 'lookaside', source: 'registries.d', error: blobs });
  }
  return found;
}

function withKeys(found: FoundSignature, options: TrustOptions): TrustSignature {
  const { check, ...rest } = found;
  const keys = (options.keys ?? []).map(({ name, key }) => {
    if (found.error !== undefined)
      return { key: name, verified: false, reason: 'unavailable', message: found.error.message };
    if (check === undefined)
      return {
        key: name,
        verified: false,
        reason: 'not-a-signature',
        message: 'a GPG simple signature: only a policy (signedBy) checks it',
      };
    return { key: name, ...check(key) };
  });
  return { ...rest, keys };
}

async function policyVerdict(
  catalog: ImageCatalog,
  digest: string,
  policy: NonNullable<TrustOptions['policy']>,
  options: TrustOptions,
  transport: TransportOptions,
  evidence: GatheredEvidence,
): Promise<PolicyVerdict> {
  const reference = catalog.image.reference ?? catalog.image.name;
  try {
    if (transportOf(reference).label === 'dir') {
      // The containers tools read a dir: image's signatures from its folder.
      await enforcePolicy(policy.policy, await policySubject(reference), {
        digest,
        simpleSignatures: async () => evidence.simple,
        sigstoreSignatures: async () => evidence.sigstore,
      });
    } else {
      await checkPolicy(policy.policy, reference, digest, {
        ...transport,
        ...(options.registries !== undefined ? { registries: options.registries } : {}),
      });
    }
    return { policy: policy.name, accepted: true };
  } catch (err) {
    if (isOciError(err, ErrorCode.ABORTED)) throw err;
    const { message } = describe(err);
    const reasons =
      isOciError(err) && Array.isArray(err.data.reasons) ? (err.data.reasons as string[]) : undefined;
    return { policy: policy.name, accepted: false, message, ...(reasons !== undefined ? { reasons } : {}) };
  }
}

/** Builds the Trust page of the catalog's image. */
export async function trustReport(
  catalog: ImageCatalog,
  options: TrustOptions,
  transport: TransportOptions = {},
): Promise<TrustReport> {
  const top = await catalog.top();
  const reference = catalog.image.reference ?? catalog.image.name;
  // Archives and dir: folders keep no tag-scheme signatures or referrers.
  const store = await openImageStore(reference, transport);
  try {
    const targets: { digest: string; platform?: string }[] = [{ digest: top.descriptor.digest }];
    if (top.kind === 'index') {
      for (const m of top.document.value.manifests) {
        const p = m.platform;
        const platform =
          p === undefined ? undefined : [p.os, p.architecture, p.variant].filter(Boolean).join('/');
        targets.push(platform === undefined ? { digest: m.digest } : { digest: m.digest, platform });
      }
    }
    const subjects: TrustSubject[] = [];
    for (const [i, target] of targets.entries()) {
      const evidence: GatheredEvidence = { simple: [], sigstore: [] };
      const found = await signaturesOf(catalog, store, target.digest, i === 0, options, evidence);
      const subject: TrustSubject = { ...target, signatures: found.map((f) => withKeys(f, options)) };
      if (i === 0 && options.policy !== undefined)
        subject.policy = await policyVerdict(
          catalog,
          target.digest,
          options.policy,
          options,
          transport,
          evidence,
        );
      subjects.push(subject);
    }
    return {
      keys: (options.keys ?? []).map((k) => k.name),
      policy: options.policy?.name ?? null,
      subjects,
    };
  } finally {
    await store?.close();
  }
}
