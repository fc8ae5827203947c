/**
 * An {@link ImageSource} over an OCI image layout stored inside a tar (image-layout.md), read in
 * place through a {@link TarIndex}: `oci-archive:` files, and `docker save` output since Docker
 * v25 (spec-checklist §5.5). Only `oci-layout`, `index.json` and `blobs/<alg>/<hex>` are ever
 * read; every blob is verified against the descriptor that names it.
 */
import type { Readable } from 'node:stream';
import { parseSupportedDigest } from '../../digest/index.ts';
import { ErrorCode, OciError } from '../../errors/index.ts';
import type { BlobOptions, ImageSource, OperationOptions } from '../../image/types.ts';
import {
  type Descriptor,
  type IndexDocument,
  MAX_MANIFEST_BYTES,
  parseIndex,
  parseOciLayout,
  parseTopDocument,
  type TopDocument,
} from '../../spec/index.ts';
import { readVerifiedEntry, verifiedEntryStream } from './entry-stream.ts';
import type { TarEntry, TarIndex } from './tar-index.ts';

/** Largest `index.json` read from an archive. */
const MAX_INDEX_BYTES = 64 << 20;
const BLOB_NAME = /^blobs\/[a-z0-9]+(?:[+._-][a-z0-9]+)*\/[a-zA-Z0-9=_-]+$/;

function invalidArchive(tar: TarIndex, message: string, cause?: unknown): OciError {
  return new OciError(ErrorCode.INVALID_ARCHIVE, `${tar.path}: ${message}`, {
    data: { path: tar.path },
    cause,
  });
}

/** True when the archive holds an OCI layout (`oci-layout` and `index.json` at its root). */
export function hasLayout(tar: TarIndex): boolean {
  return tar.get('oci-layout') !== undefined && tar.get('index.json') !== undefined;
}

/**
 * Checks the entries a layout reader relies on: `oci-layout`, `index.json` and everything under
 * `blobs/` must be regular files or directories, blob files named `blobs/<alg>/<encoded>`. With
 * `strict`, no entry anywhere may be a link or a special file (an `oci-archive:` holds a layout
 * and nothing else). Throws INVALID_ARCHIVE.
 */
export function checkLayoutEntries(tar: TarIndex, strict: boolean): void {
  for (const entry of tar.entries.values()) {
    const inLayout =
      entry.name === 'oci-layout' ||
      entry.name === 'index.json' ||
      entry.name === 'blobs' ||
      entry.name.startsWith('blobs/');
    if (!inLayout && !strict) continue;
    if (entry.type !== 'file' && entry.type !== 'directory') {
      throw invalidArchive(
        tar,
        `${JSON.stringify(entry.name)} is a ${entry.type}; a layout archive holds only regular files and directories`,
      );
    }
    if (entry.type === 'file' && entry.name.startsWith('blobs/') && !BLOB_NAME.test(entry.name)) {
      throw invalidArchive(tar, `${JSON.stringify(entry.name)} is not a blobs/<algorithm>/<encoded> file`);
    }
  }
  for (const name of ['oci-layout', 'index.json']) {
    if (tar.get(name)?.type !== 'file')
      throw invalidArchive(tar, `${name} is missing; not an OCI layout archive`);
  }
}

/** Reads and parses `oci-layout` (must be version 1.0.0) and `index.json`. Throws INVALID_ARCHIVE. */
export async function readLayoutIndex(tar: TarIndex): Promise<IndexDocument> {
  const header = tar.get('oci-layout') as TarEntry;
  const indexEntry = tar.get('index.json') as TarEntry;
  try {
    parseOciLayout(await tar.read(header, MAX_MANIFEST_BYTES));
  } catch (err) {
    throw invalidArchive(tar, `oci-layout: ${(err as Error).message}`, err);
  }
  try {
    return parseIndex(await tar.read(indexEntry, MAX_INDEX_BYTES));
  } catch (err) {
    throw invalidArchive(tar, `index.json: ${(err as Error).message}`, err);
  }
}

/** Picks the top descriptor from the layout's index (e.g. by ref name). */
export type TopPicker = (manifests: readonly Descriptor[]) => Descriptor;

/**
 * The one descriptor of the index, counting entries with the same digest once. Throws NOT_FOUND
 * for an empty index and INVALID_ARGUMENT when there are several (the caller must name one).
 */
export function onlyDescriptor(manifests: readonly Descriptor[], archive: string, hint: string): Descriptor {
  const digests = new Set(manifests.map((d) => d.digest));
  const first = manifests[0];
  if (first === undefined)
    throw new OciError(ErrorCode.NOT_FOUND, `${archive}: the archive holds no image`, {
      data: { path: archive },
    });
  if (digests.size > 1) {
    throw new OciError(
      ErrorCode.INVALID_ARGUMENT,
      `${archive}: the archive holds ${digests.size} images; ${hint}`,
      {
        data: { path: archive, count: digests.size },
      },
    );
  }
  return first;
}

/** A read-only image source over a layout inside a tar. */
export class TarLayoutSource implements ImageSource {
  readonly name: string;
  private readonly tar: TarIndex;
  private readonly index: IndexDocument;
  private readonly pick: TopPicker;

  constructor(name: string, tar: TarIndex, index: IndexDocument, pick: TopPicker) {
    this.name = name;
    this.tar = tar;
    this.index = index;
    this.pick = pick;
  }

  async resolve(_options?: OperationOptions): Promise<Descriptor> {
    return this.pick(this.index.value.manifests);
  }

  async manifest(descriptor: Descriptor, _options?: OperationOptions): Promise<TopDocument> {
    const entry = this.blobEntry(descriptor);
    if (descriptor.size > MAX_MANIFEST_BYTES) {
      throw new OciError(
        ErrorCode.TOO_LARGE,
        `${this.name}: manifest ${descriptor.digest} is larger than ${MAX_MANIFEST_BYTES} bytes`,
      );
    }
    const bytes = await readVerifiedEntry(this.tar, entry, descriptor, MAX_MANIFEST_BYTES);
    return parseTopDocument(bytes, { contentType: descriptor.mediaType });
  }

  async blob(descriptor: Descriptor, options: BlobOptions = {}): Promise<Readable> {
    return verifiedEntryStream(this.tar, this.blobEntry(descriptor), descriptor, options.signal);
  }

  async close(): Promise<void> {}

  private blobEntry(descriptor: Descriptor): TarEntry {
    // Only a digest that parses as a supported one may become a path (descriptor.md).
    const { algorithm, encoded } = parseSupportedDigest(descriptor.digest);
    const entry = this.tar.get(`blobs/${algorithm}/${encoded}`);
    if (entry?.type !== 'file') {
      throw new OciError(
        ErrorCode.NOT_FOUND,
        `${this.name}: blob ${descriptor.digest} is not in the archive`,
        {
          data: { digest: descriptor.digest },
        },
      );
    }
    return entry;
  }
}
