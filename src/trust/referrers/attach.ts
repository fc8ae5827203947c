/**
 * `attach`: an artifact (an SBOM, a provenance document, any files) pushed as an OCI 1.1
 * referrer of an image: an image manifest with `artifactType`, the empty config, one layer per
 * file (titled with its name, annotations.md `org.opencontainers.image.title`) and `subject`
 * the image (image-spec manifest.md "Guidelines for Artifact Usage"). On a registry without the
 * referrers API the referrers tag schema is updated (distribution-spec "Referrers Tag Schema");
 * in a layout it is an untagged index.json entry.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { type Digest, digestBytes } from '../../digest/index.ts';
import { ErrorCode, OciError } from '../../errors/index.ts';
import type { OperationOptions } from '../../image/types.ts';
import { EMPTY_JSON_DIGEST, OCI } from '../../spec/media-types.ts';
import type { Descriptor } from '../../spec/types.ts';
import type { TransportOptions } from '../../transports/index.ts';
import { openSignatureStore } from '../store/open.ts';

/** The media type of a file layer when none is given (as oras writes files). */
export const DEFAULT_FILE_MEDIA_TYPE = 'application/vnd.oci.image.layer.v1.tar';
/** annotations.md: the file name of a layer. */
export const TITLE_ANNOTATION = 'org.opencontainers.image.title';
/** Largest file attached (attachments are documents, not layers of an image). */
export const MAX_ATTACHMENT_BYTES = 256 * 1024 * 1024;

/** One file to attach. */
export interface AttachFile {
  path: string;
  /** The layer's media type (default {@link DEFAULT_FILE_MEDIA_TYPE}). */
  mediaType?: string;
}

/** Options of {@link attachArtifact}. */
export interface AttachOptions extends TransportOptions, OperationOptions {
  /** Manifest annotations. */
  annotations?: Record<string, string>;
}

/** What was attached. */
export interface AttachResult {
  /** The image's digest (the subject). */
  subject: string;
  /** The artifact manifest's digest. */
  digest: string;
  /** The artifact pinned by digest (`REPO@sha256:…`). */
  reference: string;
}

/** Parses `FILE[:MEDIATYPE]` as oras does (the media type after the last colon when it has a `/`). */
export function parseAttachFile(text: string): AttachFile {
  const colon = text.lastIndexOf(':');
  if (colon > 0 && text.slice(colon + 1).includes('/')) {
    return { path: text.slice(0, colon), mediaType: text.slice(colon + 1) };
  }
  return { path: text };
}

/** The artifact manifest bytes: `artifactType`, the empty config, `layers`, `subject`, `annotations`. */
export function artifactManifest(
  artifactType: string,
  subject: Descriptor,
  layers: Descriptor[],
  annotations?: Record<string, string>,
): Buffer {
  const manifest: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: OCI.manifest,
    artifactType,
    config: { mediaType: OCI.empty, digest: EMPTY_JSON_DIGEST, size: 2 },
    layers: layers.length > 0 ? layers : [{ mediaType: OCI.empty, digest: EMPTY_JSON_DIGEST, size: 2 }],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
  };
  if (annotations !== undefined && Object.keys(annotations).length > 0) manifest.annotations = annotations;
  return Buffer.from(JSON.stringify(manifest), 'utf8');
}

/**
 * Attaches `files` to the image `name` as an artifact of `artifactType`. INVALID_ARGUMENT for a
 * bad artifact type; NOT_FOUND for a missing file; TOO_LARGE above {@link MAX_ATTACHMENT_BYTES}.
 */
export async function attachArtifact(
  name: string,
  artifactType: string,
  files: readonly AttachFile[],
  options: AttachOptions = {},
): Promise<AttachResult> {
  if (
    !/^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/.test(artifactType)
  ) {
    throw new OciError(
      ErrorCode.INVALID_ARGUMENT,
      `${JSON.stringify(artifactType.slice(0, 100))} is not a media type (type/subtype)`,
    );
  }
  const contents: { file: AttachFile; bytes: Buffer }[] = [];
  for (const file of files) {
    let size: number;
    try {
      size = (await stat(file.path)).size;
    } catch (err) {
      throw new OciError(ErrorCode.NOT_FOUND, `${file.path}: ${(err as Error).message}`, { cause: err });
    }
    if (size > MAX_ATTACHMENT_BYTES) {
      throw new OciError(ErrorCode.TOO_LARGE, `${file.path} is ${size} bytes, over ${MAX_ATTACHMENT_BYTES}`);
    }
    contents.push({ file, bytes: await readFile(file.path) });
  }
  const store = await openSignatureStore(name, options);
  try {
    const subject = await store.resolve(options);
    const layers: Descriptor[] = [];
    for (const { file, bytes } of contents) {
      const layer: Descriptor = {
        mediaType: file.mediaType ?? DEFAULT_FILE_MEDIA_TYPE,
        digest: digestBytes(bytes),
        size: bytes.byteLength,
        annotations: { [TITLE_ANNOTATION]: basename(file.path) },
      };
      await store.writeBlob(layer, bytes, options);
      layers.push(layer);
    }
    const empty = Buffer.from('{}');
    await store.writeBlob(
      { mediaType: OCI.empty, digest: EMPTY_JSON_DIGEST as Digest, size: 2 },
      empty,
      options,
    );
    const manifest = artifactManifest(artifactType, subject, layers, options.annotations);
    const digest = await store.writeManifest(manifest, OCI.manifest, undefined, options);
    return { subject: subject.digest, digest, reference: store.pinned(digest) };
  } finally {
    await store.close();
  }
}
