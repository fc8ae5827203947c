/**
 * Signing an image's manifest digest in one of cosign's two formats: the `.sig` tag scheme
 * (simple-signing payload, appended to the signature manifest) or a sigstore bundle attached as
 * an OCI 1.1 referrer. What is signed is the digest the name resolves to (an index, for a
 * multi-platform image), never the name, so copies and re-tags keep their signatures.
 */
import type { Digest } from '../digest/index.ts';
import { ErrorCode, OciError } from '../errors/index.ts';
import type { OperationOptions } from '../image/types.ts';
import { EMPTY_JSON_DIGEST, OCI } from '../spec/media-types.ts';
import type { Descriptor } from '../spec/types.ts';
import type { TransportOptions } from '../transports/index.ts';
import { IN_TOTO_PAYLOAD_TYPE, preAuthEncoding } from './bundle/dsse.ts';
import { bundleDescriptor, bundleReferrerManifest } from './bundle/referrer-manifest.ts';
import { bundleBytes } from './bundle/sigstore-bundle.ts';
import { signStatement } from './bundle/statement.ts';
import { simpleSigningPayload } from './cosign/simple-signing.ts';
import { appendSignature, signatureLayer, signatureTag } from './cosign/tag-scheme.ts';
import type { Signer } from './signer.ts';
import { openSignatureStore } from './store/open.ts';
import type { SignatureStore } from './store/types.ts';
import type { SignatureFormat } from './verify/types.ts';

/** Options of {@link signImage}. */
export interface SignOptions extends TransportOptions, OperationOptions {
  /** `tag` (cosign's classic `.sig` scheme, the default) or `bundle` (a sigstore bundle referrer). */
  format?: SignatureFormat;
  /** Annotations signed with the digest (the payload's `optional`; the statement subject's `annotations`). */
  annotations?: Record<string, string>;
  /** Tag scheme: the `docker-reference` claimed (default: the repository; for a layout, its tag). */
  identity?: string;
  /** Bundle: the time recorded in the referrer's `org.opencontainers.image.created` (default: now). */
  created?: Date;
}

/** What signing wrote. */
export interface SignResult {
  format: SignatureFormat;
  /** The digest signed. */
  digest: Digest;
  /** The digest of the manifest written: the `.sig` manifest, or the bundle's referrer manifest. */
  signature: Digest;
  /** That manifest, pinned by digest (`REPO@sha256:…`, `oci:DIR@sha256:…`). */
  reference: string;
  /** Tag scheme: the tag of the signature manifest (`sha256-HEX.sig`). */
  tag?: string;
  /** Tag scheme: how many signatures the manifest now holds. */
  signatures?: number;
}

/** Signs the image `name` with `signer` and stores the signature next to it (see {@link SignOptions}). */
export async function signImage(
  name: string,
  signer: Signer,
  options: SignOptions = {},
): Promise<SignResult> {
  const store = await openSignatureStore(name, options);
  try {
    return await signInStore(store, signer, options);
  } finally {
    await store.close();
  }
}

/** {@link signImage} on a store already open. */
export async function signInStore(
  store: SignatureStore,
  signer: Signer,
  options: SignOptions = {},
): Promise<SignResult> {
  const subject = await store.resolve(options);
  return options.format === 'bundle'
    ? signBundle(store, subject, signer, options)
    : signTagScheme(store, subject, signer, options);
}

async function signTagScheme(
  store: SignatureStore,
  subject: Descriptor,
  signer: Signer,
  options: SignOptions,
): Promise<SignResult> {
  const identity = options.identity ?? store.identity;
  if (identity === undefined) {
    throw new OciError(
      ErrorCode.INVALID_ARGUMENT,
      `${store.name} has no repository name for the signature to claim: name the image with a tag, or give an identity`,
    );
  }
  const payload = simpleSigningPayload({
    identity,
    digest: subject.digest,
    ...(options.annotations !== undefined ? { annotations: options.annotations } : {}),
  });
  const layer = signatureLayer(payload, await signer.sign(payload), signer.layerAnnotations());
  const tag = signatureTag(subject.digest);
  const existing = await store.readTag(tag, options);
  if (existing !== undefined && existing.kind !== 'manifest') {
    throw new OciError(
      ErrorCode.INVALID_DOCUMENT,
      `${tag} holds an index, not a signature manifest; it is left as it is`,
      { data: { tag } },
    );
  }
  const next = appendSignature(existing?.value, layer.descriptor);
  await store.writeBlob(layer.descriptor, layer.payload, options);
  await store.writeBlob(next.configDescriptor, next.config, options);
  const signature = await store.writeManifest(next.manifest, OCI.manifest, tag, options);
  return {
    format: 'tag',
    digest: subject.digest,
    signature,
    reference: store.pinned(signature),
    tag,
    signatures: next.signatures,
  };
}

async function signBundle(
  store: SignatureStore,
  subject: Descriptor,
  signer: Signer,
  options: SignOptions,
): Promise<SignResult> {
  const statement = signStatement(subject.digest, options.annotations);
  const signature = await signer.sign(preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, statement));
  const bundle = bundleBytes(
    {
      payload: statement.toString('base64'),
      payloadType: IN_TOTO_PAYLOAD_TYPE,
      signatures: [{ sig: Buffer.from(signature).toString('base64') }],
    },
    signer.verificationMaterial(),
  );
  const layer = bundleDescriptor(bundle);
  const empty: Descriptor = { mediaType: OCI.empty, digest: EMPTY_JSON_DIGEST as Digest, size: 2 };
  await store.writeBlob(empty, Buffer.from('{}'), options);
  await store.writeBlob(layer, bundle, options);
  const manifest = bundleReferrerManifest(subject, layer, options.created ?? new Date());
  const digest = await store.writeManifest(manifest, OCI.manifest, undefined, options);
  return { format: 'bundle', digest: subject.digest, signature: digest, reference: store.pinned(digest) };
}
