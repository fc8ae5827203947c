/**
 * A {@link SignatureStore} over an OCI image layout (image-layout.md). Tag-scheme signature
 * manifests are index.json entries named `sha256-HEX.sig`; bundle referrers are index.json
 * entries without a name (so gc keeps them), found by reading each manifest's `subject` (a
 * layout has no referrers API; this is how OCI 1.1 tools find them in a layout).
 */
import type { Digest } from '../../digest/index.ts';
import { ErrorCode, isOciError, OciError } from '../../errors/index.ts';
import type { OperationOptions } from '../../image/types.ts';
import { isManifestMediaType } from '../../spec/media-types.ts';
import { parseTopDocument } from '../../spec/parse.ts';
import type { Descriptor } from '../../spec/types.ts';
import { type OciLayout, refNameOf } from '../../store/index.ts';
import { formatLayoutReference, type LayoutReference } from '../../transports/layout/index.ts';
import type { SignatureStore } from './types.ts';

/** Most index.json entries read when looking for referrers. */
const MAX_SCANNED_ENTRIES = 10_000;

const SIGNATURE_TAG = /^(?:sha256-[a-f0-9]{64}|sha512-[a-f0-9]{128})\.sig$/;

/** True for index.json entries that are signatures or other attachments rather than images. */
function isAttachment(entry: Descriptor): boolean {
  const name = refNameOf(entry);
  return entry.artifactType !== undefined || (name !== undefined && SIGNATURE_TAG.test(name));
}

/** The store over `layout`, for the image `ref` names in it. */
export function layoutStore(layout: OciLayout, ref: LayoutReference): SignatureStore {
  const named = ref.digest ?? ref.tag;
  const entries = async () => (await layout.readIndex()).value.manifests;
  return {
    name: formatLayoutReference(ref),
    identity: ref.tag,
    async resolve(options?: OperationOptions): Promise<Descriptor> {
      options?.signal?.throwIfAborted();
      try {
        return await layout.resolve(named);
      } catch (err) {
        // A layout of one image stays nameable without a tag once that image is signed.
        if (named !== undefined || !isOciError(err, ErrorCode.INVALID_REFERENCE)) throw err;
        const images = (await entries()).filter((entry) => !isAttachment(entry));
        if (images.length === 1 && images[0] !== undefined) return images[0];
        throw err;
      }
    },
    async readTag(tag) {
      if (!(await entries()).some((entry) => refNameOf(entry) === tag)) return undefined;
      return layout.readDocument(await layout.resolve(tag));
    },
    readManifest: (descriptor) => layout.readDocument(descriptor),
    readBlob: (descriptor, maxBytes) => layout.readBytes(descriptor, maxBytes),
    async writeBlob(descriptor, bytes) {
      if (!(await layout.has(descriptor))) await layout.putBytes(bytes, descriptor.digest);
    },
    async writeManifest(bytes, mediaType, tag, options?: OperationOptions): Promise<Digest> {
      const document = parseTopDocument(bytes, { contentType: mediaType });
      await layout.putBytes(bytes, document.digest);
      const descriptor: Descriptor = { mediaType, digest: document.digest, size: bytes.byteLength };
      if (document.value.artifactType !== undefined) descriptor.artifactType = document.value.artifactType;
      const lock = options?.signal !== undefined ? { signal: options.signal } : undefined;
      if (tag !== undefined) await layout.tag(tag, descriptor, lock);
      else await layout.addUntagged(descriptor, lock);
      return document.digest;
    },
    async referrers(subject, artifactType) {
      const found: Descriptor[] = [];
      const seen = new Set<string>();
      for (const entry of (await entries()).slice(0, MAX_SCANNED_ENTRIES)) {
        if (!isManifestMediaType(entry.mediaType) || seen.has(entry.digest)) continue;
        if (
          artifactType !== undefined &&
          entry.artifactType !== undefined &&
          entry.artifactType !== artifactType
        )
          continue;
        seen.add(entry.digest);
        let document: Awaited<ReturnType<OciLayout['readDocument']>>;
        try {
          document = await layout.readDocument(entry);
        } catch (err) {
          // Another image's broken manifest says nothing about this one's referrers.
          if (err instanceof OciError) continue;
          throw err;
        }
        if (document.kind !== 'manifest' || document.value.subject?.digest !== subject) continue;
        const type = document.value.artifactType ?? document.value.config.mediaType;
        if (artifactType !== undefined && type !== artifactType) continue;
        const descriptor: Descriptor = {
          mediaType: document.mediaType,
          digest: document.digest,
          size: document.bytes.byteLength,
        };
        if (type !== undefined) descriptor.artifactType = type;
        if (document.value.annotations !== undefined) descriptor.annotations = document.value.annotations;
        found.push(descriptor);
      }
      return found;
    },
    pinned: (digest) => formatLayoutReference({ dir: ref.dir, digest }),
    async close() {},
  };
}
