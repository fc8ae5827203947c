/**
 * Checking an image name against a policy, as `skopeo copy` checks its source: the signatures
 * come from where registries.d says (lookaside storage for simple signatures; the `.sig` tag
 * scheme for cosign-style ones when `use-sigstore-attachments` is set, or in an `oci:` layout).
 */
import { ErrorCode, OciError } from '../../errors/index.ts';
import type { TransportOptions } from '../../transports/index.ts';
import {
  loadRegistriesConfig,
  type RegistriesConfig,
  type RegistriesDirOptions,
  useSigstoreAttachments,
} from '../registries-d/config.ts';
import { lookasideRepositoryUrl, readLookaside } from '../registries-d/lookaside.ts';
import { openSignatureStore } from '../store/open.ts';
import { tagSchemeCandidates } from '../verify/gather.ts';
import type { SignatureCandidate } from '../verify/types.ts';
import { enforcePolicy } from './evaluate.ts';
import { policySubject } from './subject.ts';
import type { Policy } from './types.ts';

/** Options of {@link checkPolicy}. */
export interface CheckPolicyOptions extends TransportOptions {
  /** Where registries.d is read from. */
  registries?: RegistriesDirOptions;
  signal?: AbortSignal;
}

/**
 * Resolves when `policy` accepts the image `name` whose manifest digest is `digest`; otherwise
 * SIGNATURE_INVALID naming the requirement that failed (see {@link enforcePolicy}).
 */
export async function checkPolicy(
  policy: Policy,
  name: string,
  digest: string,
  options: CheckPolicyOptions = {},
): Promise<void> {
  const subject = await policySubject(name);
  const signal = options.signal;
  // registries.d is read only when a requirement asks for signatures: an accept-anything policy
  // (the usual one) checks a sync's every image without it.
  let loaded: Promise<RegistriesConfig | undefined> | undefined;
  const registriesConfig = () =>
    (loaded ??=
      subject.transport === 'docker' ? loadRegistriesConfig(options.registries) : Promise.resolve(undefined));
  await enforcePolicy(policy, subject, {
    digest,
    simpleSignatures: async () => {
      const config = await registriesConfig();
      if (config === undefined || subject.dockerReference === undefined) return [];
      const url = lookasideRepositoryUrl(config, subject.dockerReference, false);
      return readLookaside(url, digest, signal ? { signal } : {});
    },
    sigstoreSignatures: async (): Promise<SignatureCandidate[]> => {
      if (subject.transport === 'docker') {
        const config = await registriesConfig();
        if (config === undefined || subject.dockerReference === undefined) return [];
        if (!useSigstoreAttachments(config, subject.dockerReference)) return [];
      } else if (subject.transport !== 'oci') {
        return [];
      }
      const store = await openSignatureStore(name, options);
      try {
        return await tagSchemeCandidates(store, digest as never, signal ? { signal } : {});
      } finally {
        await store.close();
      }
    },
  });
}

/** INVALID_ARGUMENT for a digest that is not `ALG:HEX` (guards lookaside paths). */
export function requireDigest(digest: string): void {
  if (!/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(digest)) {
    throw new OciError(ErrorCode.INVALID_ARGUMENT, `${JSON.stringify(digest.slice(0, 100))} is not a digest`);
  }
}
