/**
 * Trust: cosign-compatible keys, signatures and verification (the `ocikit/trust` subpath).
 * Keys are cosign's (ECDSA P-256; the private key PKCS#8 under scrypt and NaCl secretbox);
 * signatures are cosign's tag scheme (`sha256-HEX.sig`, simple-signing payloads) and sigstore
 * bundles attached as OCI 1.1 referrers; verification binds them to the manifest digest.
 */
export { checkAnnotations } from './annotations.ts';
export { type DsseEnvelope, IN_TOTO_PAYLOAD_TYPE, preAuthEncoding } from './bundle/dsse.ts';
export {
  BUNDLE_CONTENT_ANNOTATION,
  BUNDLE_PREDICATE_ANNOTATION,
  bundleReferrerManifest,
} from './bundle/referrer-manifest.ts';
export {
  BUNDLE_V02_MEDIA_TYPE,
  BUNDLE_V03_MEDIA_TYPE,
  type DsseBundle,
  parseDsseBundle,
} from './bundle/sigstore-bundle.ts';
export {
  COSIGN_SIGN_PREDICATE,
  parseSignStatement,
  type Statement,
  signStatement,
} from './bundle/statement.ts';
export { type CarryOptions, type CarryResult, carrySignatures } from './carry/carry.ts';
export { manifestDigest, verifyDirImage } from './containers/dir-image.ts';
export { parseContainersSignature } from './containers/signature-blob.ts';
export {
  COSIGN_SIGNATURE_TYPE,
  parseSimpleSigningPayload,
  SIMPLE_SIGNING_MEDIA_TYPE,
  type SimpleSigningClaims,
  type SimpleSigningPayload,
  simpleSigningPayload,
} from './cosign/simple-signing.ts';
export { appendSignature, SIGNATURE_ANNOTATION, signatureLayer, signatureTag } from './cosign/tag-scheme.ts';
export { decodeBase64 } from './encoding/base64.ts';
export {
  openWithPassword,
  SCRYPT_PARAMS,
  type ScryptParams,
  sealWithPassword,
} from './keys/encrypted-envelope.ts';
export { type GeneratedKeyPair, generateKeyPair } from './keys/generate.ts';
export { COSIGN_CURVE, requireP256 } from './keys/key-type.ts';
export {
  ENCRYPTED_COSIGN_KEY,
  ENCRYPTED_SIGSTORE_KEY,
  encryptPrivateKey,
  readPrivateKey,
} from './keys/private-key.ts';
export { publicKeyHint, publicKeyPem, readPublicKey } from './keys/public-key.ts';
export { MAX_SIGNATURE_BYTES, MAX_SIGNATURES } from './limits.ts';
export { type CheckPolicyOptions, checkPolicy } from './policy/check.ts';
export { enforcePolicy, type PolicyEvidence, requirementsFor } from './policy/evaluate.ts';
export { identityMatches } from './policy/identity.ts';
export { loadPolicy, type PolicyLocation, policyPath } from './policy/load.ts';
export { parsePolicy } from './policy/parse.ts';
export { pinnedSource } from './policy/pinned-source.ts';
export { type PolicySubject, policySubject } from './policy/subject.ts';
export type { Policy, PolicyRequirement, SignedIdentity } from './policy/types.ts';
export {
  type AttachFile,
  type AttachOptions,
  type AttachResult,
  artifactManifest,
  attachArtifact,
  parseAttachFile,
} from './referrers/attach.ts';
export {
  type DiscoverOptions,
  discoverReferrers,
  type ReferrerNode,
  referrersTree,
} from './referrers/discover.ts';
export {
  loadRegistriesConfig,
  lookasideBase,
  type RegistriesConfig,
  type RegistriesDirOptions,
  registriesDir,
  useSigstoreAttachments,
} from './registries-d/config.ts';
export {
  lookasideRepositoryUrl,
  readLookaside,
  signatureUrl,
  writeLookaside,
} from './registries-d/lookaside.ts';
export { parseRegistriesFile } from './registries-d/parse.ts';
export { type RejectionReason, reasonOf, rejection } from './rejection.ts';
export { dockerIdentity, dockerNamespaces } from './scopes/docker.ts';
export { type SignOptions, type SignResult, signImage, signInStore } from './sign.ts';
export { keySigner, type Signer, type VerificationMaterial, verifyDer } from './signer.ts';
export { ephemeralKeyring, gpgSign, gpgVerify, requireSecretKey } from './simple/gpg.ts';
export {
  ATOMIC_SIGNATURE_TYPE,
  type AtomicClaims,
  atomicPayload,
  parseAtomicPayload,
} from './simple/payload.ts';
export { checkGpgSigning, type GpgSignOptions, signWithGpg } from './simple/sign-image.ts';
export { openSignatureStore } from './store/open.ts';
export type { SignatureStore } from './store/types.ts';
export { verifyBundle } from './verify/bundle.ts';
export { requireVerified, verifyCandidates } from './verify/candidates.ts';
export { type VerifyOptions, verifyImage, verifyInStore } from './verify/image.ts';
export { type SimpleSignature, verifySimpleSigning } from './verify/simple.ts';
export type {
  RejectedSignature,
  SignatureCandidate,
  SignatureFormat,
  VerifiedSignature,
  VerifyExpectation,
  VerifyResult,
} from './verify/types.ts';
