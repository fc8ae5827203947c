/**
 * The model of a containers-policy.json(5) document (containers/image `signature/policy_types.go`):
 * a default list of requirements and, per transport, lists per scope. Every requirement of the
 * list that applies must accept the image.
 */

/** How the identity a signature claims must relate to the image's name (containers-policy.json(5) "signedIdentity"). */
export type SignedIdentity =
  | { type: 'matchExact' }
  | { type: 'matchRepoDigestOrExact' }
  | { type: 'matchRepository' }
  | { type: 'exactReference'; dockerReference: string }
  | { type: 'exactRepository'; dockerRepository: string }
  | { type: 'remapIdentity'; prefix: string; signedPrefix: string };

/** One requirement of a policy. */
export type PolicyRequirement =
  | { type: 'insecureAcceptAnything' }
  | { type: 'reject' }
  | {
      type: 'signedBy';
      keyType: 'GPGKeys';
      keyPath?: string;
      keyPaths?: string[];
      keyData?: Buffer;
      signedIdentity: SignedIdentity;
    }
  | { type: 'sigstoreSigned'; keyPath?: string; keyData?: Buffer; signedIdentity: SignedIdentity }
  | { type: 'signedBaseLayer'; baseLayerIdentity: SignedIdentity };

/** A parsed policy. */
export interface Policy {
  default: PolicyRequirement[];
  /** transport name → scope (`""` for the whole transport) → requirements. */
  transports: Map<string, Map<string, PolicyRequirement[]>>;
}
