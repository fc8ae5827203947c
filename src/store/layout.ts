/**
 * The OCI image layout on a directory (image-layout.md): `oci-layout`, `index.json`, `blobs/`.
 * Blobs enter only through {@link ingestBlob}; index.json changes only through
 * {@link OciLayout.updateIndex}, a read-modify-write under an exclusive lock replaced atomically.
 */
import { mkdir, readdir, unlink } from 'node:fs/promises';
import { join, resolve as resolvePath } from 'node:path';
import { addAbortSignal, pipeline, type Readable } from 'node:stream';
import {
  type Digest,
  parseSupportedDigest,
  sizeMismatch,
  verifyBytes,
  verifyingStream,
} from '../digest/index.ts';
import { ErrorCode, isOciError, OciError, toOciError } from '../errors/index.ts';
import type { OperationOptions } from '../image/types.ts';
import {
  type Descriptor,
  type ImageIndex,
  type IndexDocument,
  OCI,
  parseIndex,
  parseOciLayout,
  parseTopDocument,
  serializeJson,
  type TopDocument,
} from '../spec/index.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { BLOBS_DIR, blobPath, parsedBlobPath, STORE_ALGORITHMS } from './blob-path.ts';
import { MAX_DOCUMENT_BYTES, parseTop } from './documents.ts';
import { type FsckOptions, type FsckReport, fsckLayout } from './fsck.ts';
import { type GcOptions, type GcReport, gcLayout } from './gc.ts';
import { ingestBlob } from './ingest.ts';
import { type LockOptions, withFileLock } from './lock.ts';
import { checkRefName, REF_NAME, tagOfRefName } from './ref-name.ts';
import {
  checkBlobDirs,
  ensureRealDirectory,
  lstatEntry,
  openRegularFile,
  type RegularFile,
  readAtMost,
} from './safe-file.ts';
import type { BlobInfo, ContentStore, IngestExpectation, IngestOptions } from './types.ts';
import { markVerified } from './verified-stream.ts';

/** The `oci-layout` file name and the only version ocikit writes (image-layout.md "oci-layout file"). */
export const OCI_LAYOUT_FILE = 'oci-layout';
/** The entry point of a layout. */
export const INDEX_FILE = 'index.json';
/** The lock file that serialises index.json writers. */
export const INDEX_LOCK_FILE = 'index.json.lock';
/** Largest index.json accepted (it grows with the number of tags). */
export const MAX_INDEX_BYTES = 64 * 1024 * 1024;
/** Largest `oci-layout` file accepted (it holds one short field). */
const MAX_HEADER_BYTES = 64 * 1024;

const HEX = { sha256: /^[a-f0-9]{64}$/, sha512: /^[a-f0-9]{128}$/ } as const;
const DIGEST_PREFIX = /^(?:sha256|sha512|blake3):/;

/** An OCI image layout on a directory; obtain one with {@link openLayout} or {@link initLayout}. */
export class OciLayout implements ContentStore {
  /** Absolute path of the layout's directory. */
  readonly root: string;

  /** Wraps a directory without checking it; use {@link openLayout} for untrusted directories. */
  constructor(root: string) {
    this.root = resolvePath(root);
  }

  /** The path of a blob; throws INVALID_DIGEST / UNSUPPORTED_DIGEST before building anything. */
  blobPath(digest: string): string {
    return blobPath(this.root, digest);
  }

  /**
   * The size of a stored blob, or undefined when absent. Only a regular file counts as stored: a
   * symlink or special file in its place is not followed (lstat) and reads as absent.
   * INVALID_LAYOUT when `blobs/` or `blobs/<alg>/` is a symlink.
   */
  async stat(digest: string): Promise<number | undefined> {
    const parsed = parseSupportedDigest(digest);
    if (!(await checkBlobDirs(this.root, parsed.algorithm))) return undefined;
    const info = await lstatEntry(parsedBlobPath(this.root, parsed));
    return info?.isFile() === true ? info.size : undefined;
  }

  /** True when the blob is stored with the descriptor's size. */
  async has(descriptor: { digest: string; size?: number }): Promise<boolean> {
    const size = await this.stat(descriptor.digest);
    return size !== undefined && (descriptor.size === undefined || size === descriptor.size);
  }

  /**
   * A stream of the blob, verified while read; NOT_FOUND when absent. A blob that is not a regular
   * file is refused (INVALID_LAYOUT) without being opened, and one whose size differs from the
   * descriptor's fails with SIZE_MISMATCH before a single byte is streamed.
   */
  async get(
    descriptor: { digest: string; size?: number },
    options: OperationOptions = {},
  ): Promise<Readable> {
    const { handle, size } = await this.openBlob(descriptor.digest);
    if (descriptor.size !== undefined && size !== descriptor.size) {
      await handle.close().catch(() => {});
      throw sizeMismatch(descriptor, size, size > descriptor.size);
    }
    // `end` is inclusive: at most size + 1 bytes are read, enough for the verifier to see growth.
    const source = handle.createReadStream({ highWaterMark: 1 << 20, start: 0, end: size });
    // One copy of the expectation for the verifier and the mark, so they cannot disagree.
    const expected = { digest: descriptor.digest as Digest, size: descriptor.size };
    const verified = pipeline(source, verifyingStream(expected), () => {});
    // It keeps verified-stream.ts's promise (the verifier sees each chunk before it is passed on,
    // errors past the size and instead of ending on a mismatch): another layout ingests it unhashed.
    if (expected.size !== undefined) markVerified(verified, { digest: expected.digest, size: expected.size });
    return options.signal === undefined ? verified : addAbortSignal(options.signal, verified);
  }

  /**
   * Reads a small blob whole, verified against the descriptor; TOO_LARGE above `maxBytes`. The
   * file must be a regular file of the descriptor's size (checked before reading), and at most
   * that size plus one byte is read.
   */
  async readBytes(
    descriptor: { digest: string; size: number },
    maxBytes = MAX_DOCUMENT_BYTES,
  ): Promise<Buffer> {
    if (descriptor.size > maxBytes) {
      throw new OciError(
        ErrorCode.TOO_LARGE,
        `${descriptor.digest} is ${descriptor.size} bytes, over the ${maxBytes}-byte limit`,
        {
          data: { digest: descriptor.digest, size: descriptor.size, limit: maxBytes },
        },
      );
    }
    const { handle, size } = await this.openBlob(descriptor.digest);
    try {
      if (size !== descriptor.size) throw sizeMismatch(descriptor, size, size > descriptor.size);
      const bytes = await readAtMost(handle, descriptor.size, size);
      if (bytes.byteLength > descriptor.size) throw sizeMismatch(descriptor, bytes.byteLength, true);
      verifyBytes(bytes, descriptor);
      return bytes;
    } catch (err) {
      throw this.blobError(descriptor.digest, err);
    } finally {
      await handle.close().catch(() => {});
    }
  }

  /** Reads and parses the manifest or index a descriptor names, as its media type says. */
  async readDocument(descriptor: Descriptor): Promise<TopDocument> {
    const bytes = await this.readBytes(descriptor);
    try {
      return parseTop(bytes, descriptor.mediaType);
    } catch (err) {
      const digestError = findDigestError(err);
      if (digestError === undefined) throw err;
      throw new OciError(digestError.code, `${descriptor.digest}: ${(err as Error).message}`, {
        data: { ...digestError.data, document: descriptor.digest },
        cause: err,
      });
    }
  }

  /** See {@link ContentStore.ingest}. */
  ingest(
    content: Readable | AsyncIterable<Uint8Array>,
    expected?: IngestExpectation,
    options?: IngestOptions,
  ): Promise<BlobInfo> {
    return ingestBlob(this.root, content, expected, options);
  }

  /** Stores an in-memory blob, verified against `expectedDigest` when given. */
  putBytes(bytes: Uint8Array, expectedDigest?: string): Promise<BlobInfo> {
    const expected: IngestExpectation = { size: bytes.byteLength };
    if (expectedDigest !== undefined) expected.digest = expectedDigest;
    return ingestBlob(this.root, once(bytes), expected);
  }

  /**
   * Removes a blob; false when it was absent. Only a regular file is removed (never a folder, and
   * never anything reached through a symlinked blob folder: that is INVALID_LAYOUT).
   */
  async delete(digest: string): Promise<boolean> {
    if ((await this.stat(digest)) === undefined) return false;
    try {
      await unlink(this.blobPath(digest));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw toOciError(err);
    }
  }

  /**
   * Every regular file under `blobs/sha256` and `blobs/sha512` whose name is a well-formed digest
   * (entries are lstat'ed: symlinks and special files are skipped). INVALID_LAYOUT when a blob
   * folder is a symlink.
   */
  async *walk(): AsyncIterable<BlobInfo> {
    for (const algorithm of STORE_ALGORITHMS) {
      if (!(await checkBlobDirs(this.root, algorithm))) continue;
      const dir = join(this.root, BLOBS_DIR, algorithm);
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw toOciError(err);
      }
      for (const name of names) {
        if (!HEX[algorithm].test(name)) continue;
        const info = await lstatEntry(join(dir, name));
        if (info?.isFile()) yield { digest: `${algorithm}:${name}` as Digest, size: info.size };
      }
    }
  }

  /**
   * Reads and parses index.json (INVALID_LAYOUT when it is not an image index, or not a regular
   * file: a symlink or FIFO there is never opened).
   */
  async readIndex(): Promise<IndexDocument> {
    return (await this.readIndexFile()).document;
  }

  /** index.json's bytes as read and the document parsed from them (see {@link readIndex}). */
  private async readIndexFile(): Promise<{ bytes: Buffer; document: IndexDocument }> {
    let bytes: Buffer;
    try {
      bytes = await readLayoutFile(join(this.root, INDEX_FILE), MAX_INDEX_BYTES);
    } catch (err) {
      throw new OciError(
        ErrorCode.INVALID_LAYOUT,
        `${this.root}: cannot read ${INDEX_FILE}: ${(err as Error).message}`,
        {
          data: { layout: this.root },
          cause: err,
        },
      );
    }
    try {
      return { bytes, document: parseIndex(bytes, { maxBytes: MAX_INDEX_BYTES }) };
    } catch (err) {
      throw layoutDocumentError(this.root, INDEX_FILE, err);
    }
  }

  /** Runs `fn` holding the index.json lock (not re-entrant: do not call updateIndex inside). */
  withIndexLock<T>(fn: () => Promise<T>, options?: LockOptions): Promise<T> {
    return withFileLock(join(this.root, INDEX_LOCK_FILE), fn, options);
  }

  /**
   * Read-modify-write of index.json under the exclusive lock; `fn` edits (or returns) the index.
   * The new file replaces the old by rename, so readers see the old or the new one, never a mix.
   * An edit that leaves the bytes as they were (a copy run again: the tag already names that
   * manifest) writes nothing, sparing the temp file and its two fsyncs.
   */
  updateIndex(
    fn: (index: ImageIndex) => ImageIndex | undefined | Promise<ImageIndex | undefined>,
    options?: LockOptions,
  ): Promise<ImageIndex> {
    return this.withIndexLock(async () => {
      // readIndex parses the file afresh on every call: `fn` may edit this object in place.
      const { bytes, document } = await this.readIndexFile();
      const current = document.value;
      const next = (await fn(current)) ?? current;
      const serialized = serializeJson(next);
      if (!bytes.equals(serialized)) await writeFileAtomic(join(this.root, INDEX_FILE), serialized);
      return next;
    }, options);
  }

  /** Names `descriptor` with `name` in index.json, replacing any entry already named so. */
  async tag(name: string, descriptor: Descriptor, options?: LockOptions): Promise<Descriptor> {
    checkRefName(name);
    await this.requireBlob(descriptor);
    const entry = withRefName(descriptor, name);
    await this.updateIndex((index) => {
      const at = index.manifests.findIndex((d) => refNameOf(d) === name);
      const others = index.manifests.filter((d) => refNameOf(d) !== name);
      if (at === -1) others.push(entry);
      else others.splice(Math.min(at, others.length), 0, entry);
      index.manifests = others;
      return index;
    }, options);
    return entry;
  }

  /** Adds an entry without a ref name, unless an unnamed entry with that digest is already there. */
  async addUntagged(descriptor: Descriptor, options?: LockOptions): Promise<void> {
    await this.requireBlob(descriptor);
    const entry = withRefName(descriptor, undefined);
    await this.updateIndex((index) => {
      const present = index.manifests.some((d) => d.digest === entry.digest && refNameOf(d) === undefined);
      if (!present) index.manifests.push(entry);
      return index;
    }, options);
  }

  /** Removes every entry named `name`; false when there was none. The blobs stay until {@link gc}. */
  async untag(name: string, options?: LockOptions): Promise<boolean> {
    let removed = false;
    await this.updateIndex((index) => {
      const kept = index.manifests.filter((d) => refNameOf(d) !== name);
      removed = kept.length !== index.manifests.length;
      index.manifests = kept;
      return index;
    }, options);
    return removed;
  }

  /** The ref names of index.json, in file order. */
  async listTags(): Promise<string[]> {
    const names: string[] = [];
    for (const entry of (await this.readIndex()).value.manifests) {
      const name = refNameOf(entry);
      if (name !== undefined) names.push(name);
    }
    return names;
  }

  /**
   * The index.json entry that `ref` names: a ref name (exact, else the tag of a full-reference ref
   * name, spec-checklist §2.7), or a digest. Without `ref`, the only entry. NOT_FOUND lists what
   * exists; an ambiguous name fails with INVALID_REFERENCE.
   */
  async resolve(ref?: string): Promise<Descriptor> {
    const entries = (await this.readIndex()).value.manifests;
    if (ref === undefined || ref === '') {
      if (entries.length === 1) return entries[0] as Descriptor;
      if (entries.length === 0) {
        throw new OciError(ErrorCode.NOT_FOUND, `layout ${this.root} holds no images`, {
          data: { layout: this.root },
        });
      }
      throw this.ambiguous(undefined, entries);
    }
    const exact = entries.filter((d) => refNameOf(d) === ref);
    if (exact.length > 0) return this.single(ref, exact);
    if (DIGEST_PREFIX.test(ref)) return this.resolveDigest(parseSupportedDigest(ref).digest, entries);
    const byTag = entries.filter((d) => {
      const name = refNameOf(d);
      return name !== undefined && tagOfRefName(name) === ref;
    });
    if (byTag.length > 0) return this.single(ref, byTag);
    throw new OciError(
      ErrorCode.NOT_FOUND,
      `no image named ${JSON.stringify(ref)} in layout ${this.root}; ${describeEntries(entries)}`,
      {
        data: { layout: this.root, ref, tags: entries.map(refNameOf).filter((n) => n !== undefined) },
      },
    );
  }

  /** Removes unreachable blobs and stale temp files (see {@link gcLayout}). */
  gc(options?: GcOptions): Promise<GcReport> {
    return gcLayout(this, options);
  }

  /** Verifies every blob reachable from index.json (see {@link fsckLayout}). */
  fsck(options?: FsckOptions): Promise<FsckReport> {
    return fsckLayout(this, options);
  }

  private async resolveDigest(digest: Digest, entries: Descriptor[]): Promise<Descriptor> {
    const entry = entries.find((d) => d.digest === digest);
    if (entry !== undefined) return entry;
    const size = await this.stat(digest);
    if (size === undefined) {
      throw new OciError(
        ErrorCode.NOT_FOUND,
        `no manifest ${digest} in layout ${this.root}; ${describeEntries(entries)}`,
        {
          data: { layout: this.root, digest },
        },
      );
    }
    const document = parseTopDocument(await this.readBytes({ digest, size }));
    return { mediaType: document.mediaType, digest, size };
  }

  private single(ref: string, matches: Descriptor[]): Descriptor {
    const digests = new Set(matches.map((d) => d.digest));
    if (digests.size === 1) return matches[0] as Descriptor;
    throw this.ambiguous(ref, matches);
  }

  private ambiguous(ref: string | undefined, entries: Descriptor[]): OciError {
    const what =
      ref === undefined ? 'no image was named' : `${JSON.stringify(ref)} names ${entries.length} images`;
    return new OciError(
      ErrorCode.INVALID_REFERENCE,
      `${what} and layout ${this.root} is ambiguous; ${describeEntries(entries)}`,
      {
        data: { layout: this.root, ref, candidates: entries.map((d) => refNameOf(d) ?? d.digest) },
      },
    );
  }

  private async requireBlob(descriptor: Descriptor): Promise<void> {
    if (!(await this.has(descriptor))) {
      throw new OciError(
        ErrorCode.NOT_FOUND,
        `blob ${descriptor.digest} (${descriptor.size} bytes) is not in layout ${this.root}`,
        {
          data: { layout: this.root, digest: descriptor.digest },
        },
      );
    }
  }

  /** Opens a blob that must be a regular file in real blob folders (see {@link openRegularFile}). */
  private async openBlob(digest: string): Promise<RegularFile> {
    const parsed = parseSupportedDigest(digest);
    try {
      if (!(await checkBlobDirs(this.root, parsed.algorithm))) {
        throw Object.assign(new Error(`ENOENT: ${digest}`), { code: 'ENOENT' });
      }
      return await openRegularFile(parsedBlobPath(this.root, parsed));
    } catch (err) {
      throw this.blobError(digest, err);
    }
  }

  private blobError(digest: string, err: unknown): OciError {
    if (
      isOciError(err, ErrorCode.NOT_FOUND) ||
      (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT'
    ) {
      return new OciError(ErrorCode.NOT_FOUND, `blob ${digest} not found in layout ${this.root}`, {
        data: { layout: this.root, digest },
        cause: err,
      });
    }
    return toOciError(err);
  }
}

/** The ref name of an index.json entry, if it has one. */
export function refNameOf(descriptor: Descriptor): string | undefined {
  return descriptor.annotations?.[REF_NAME];
}

function withRefName(descriptor: Descriptor, name: string | undefined): Descriptor {
  const { [REF_NAME]: _old, ...rest } = descriptor.annotations ?? {};
  const annotations = name === undefined ? rest : { ...rest, [REF_NAME]: name };
  const entry: Descriptor = { ...descriptor };
  if (Object.keys(annotations).length > 0) entry.annotations = annotations;
  else delete entry.annotations;
  return entry;
}

function describeEntries(entries: Descriptor[]): string {
  if (entries.length === 0) return 'it holds no images';
  const names = entries.map((d) => refNameOf(d)).filter((n): n is string => n !== undefined);
  const unnamed = entries.length - names.length;
  const parts: string[] = [];
  if (names.length > 0) parts.push(`tags: ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', …' : ''}`);
  if (unnamed > 0) {
    const digests = entries.filter((d) => refNameOf(d) === undefined).map((d) => d.digest);
    parts.push(`untagged: ${digests.slice(0, 5).join(', ')}${digests.length > 5 ? ', …' : ''}`);
  }
  return `it holds ${parts.join('; ')}`;
}

/**
 * The error for an unparseable layout file: a bad digest keeps its INVALID_DIGEST /
 * UNSUPPORTED_DIGEST code (it is the hostile case), anything else is INVALID_LAYOUT.
 */
export function layoutDocumentError(root: string, file: string, err: unknown): OciError {
  const message = `${root}/${file}: ${(err as Error).message}`;
  const digestError = findDigestError(err);
  if (digestError !== undefined) {
    return new OciError(digestError.code, message, {
      data: { layout: root, file, ...digestError.data },
      cause: err,
    });
  }
  if (isOciError(err) && err.code !== ErrorCode.INVALID_DOCUMENT) return err;
  return new OciError(ErrorCode.INVALID_LAYOUT, message, { data: { layout: root, file }, cause: err });
}

/**
 * The digest problem behind `err`, if any: an INVALID_DIGEST / UNSUPPORTED_DIGEST error in its
 * cause chain, or a parser's INVALID_DOCUMENT whose JSON path ends at a `digest` field.
 */
export function findDigestError(err: unknown):
  | {
      code: typeof ErrorCode.INVALID_DIGEST | typeof ErrorCode.UNSUPPORTED_DIGEST;
      data: Record<string, unknown>;
    }
  | undefined {
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 8; e = (e as Error).cause, depth++) {
    if (isOciError(e, ErrorCode.INVALID_DIGEST) || isOciError(e, ErrorCode.UNSUPPORTED_DIGEST)) {
      return { code: e.code as typeof ErrorCode.INVALID_DIGEST, data: e.data };
    }
    if (
      isOciError(e, ErrorCode.INVALID_DOCUMENT) &&
      typeof e.data.path === 'string' &&
      /(?:^|\.)digest$/.test(e.data.path)
    ) {
      return { code: ErrorCode.INVALID_DIGEST, data: e.data };
    }
  }
  return undefined;
}

/** Creates a layout at `dir` (and the folder, if missing); an existing valid layout is opened as is. */
export async function initLayout(dir: string): Promise<OciLayout> {
  const layout = new OciLayout(dir);
  await mkdir(layout.root, { recursive: true });
  await ensureRealDirectory(join(layout.root, BLOBS_DIR));
  const header = join(layout.root, OCI_LAYOUT_FILE);
  if ((await lstatEntry(header)) !== undefined) return openLayout(dir);
  await writeFileAtomic(
    join(layout.root, INDEX_FILE),
    serializeJson({ schemaVersion: 2, mediaType: OCI.index, manifests: [] }),
  );
  // The header is written last: a folder with `oci-layout` always has a valid index.json.
  await writeFileAtomic(header, serializeJson({ imageLayoutVersion: '1.0.0' }));
  return layout;
}

/**
 * Opens an existing layout: `oci-layout` must exist with imageLayoutVersion "1.0.0" and index.json
 * must be an image index (image-layout.md), else INVALID_LAYOUT.
 */
export async function openLayout(dir: string): Promise<OciLayout> {
  const layout = new OciLayout(dir);
  let header: Buffer;
  try {
    header = await readLayoutFile(join(layout.root, OCI_LAYOUT_FILE), MAX_HEADER_BYTES);
  } catch (err) {
    throw new OciError(
      ErrorCode.INVALID_LAYOUT,
      `${layout.root} is not an OCI image layout: no readable ${OCI_LAYOUT_FILE} file`,
      {
        data: { layout: layout.root },
        cause: err,
      },
    );
  }
  try {
    parseOciLayout(header);
  } catch (err) {
    throw new OciError(
      ErrorCode.INVALID_LAYOUT,
      `${layout.root}/${OCI_LAYOUT_FILE}: ${(err as Error).message}`,
      {
        data: { layout: layout.root },
        cause: err,
      },
    );
  }
  await layout.readIndex();
  return layout;
}

/**
 * Reads a layout metadata file that must be a regular file (never a symlink or FIFO, which are
 * not opened) of at most `maxBytes` (TOO_LARGE above).
 */
async function readLayoutFile(path: string, maxBytes: number): Promise<Buffer> {
  const { handle, size } = await openRegularFile(path);
  try {
    const bytes = await readAtMost(handle, maxBytes, size);
    if (bytes.byteLength > maxBytes) {
      throw new OciError(ErrorCode.TOO_LARGE, `${path} is over the ${maxBytes}-byte limit`, {
        data: { path, limit: maxBytes },
      });
    }
    return bytes;
  } finally {
    await handle.close().catch(() => {});
  }
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}
