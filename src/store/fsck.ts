/**
 * Verification of a layout: every descriptor reachable from index.json is checked — digest
 * grammar, presence, size, digest of the bytes — and every manifest, index and config is
 * validated by the spec parsers. Each problem is reported with the path that reaches it.
 */
import {
  type Digest,
  HASH_CHUNK,
  Hasher,
  parseSupportedDigest,
  type SupportedAlgorithm,
} from '../digest/index.ts';
import { ErrorCode, isOciError, toOciError } from '../errors/index.ts';
import { limiter } from '../image/limit.ts';
import { type Descriptor, isNondistributable, type TopDocument } from '../spec/index.ts';
import { checkConfig, childrenOf, documentKind, parseTop } from './documents.ts';
import { findDigestError, type OciLayout } from './layout.ts';
import { checkBlobDirs, entryKind, lstatEntry, openRegularFile } from './safe-file.ts';

/** What is wrong with a blob. */
export type FsckProblemKind =
  | 'missing'
  | 'not-a-file'
  | 'digest-mismatch'
  | 'size-mismatch'
  | 'invalid-document'
  | 'invalid-digest'
  | 'unsupported-digest';

/** One problem found by {@link fsckLayout}. */
export interface FsckProblem {
  /** The digest as the descriptor states it ('' for index.json itself). */
  digest: string;
  /** How it is reached from index.json, e.g. `manifests[0] → layers[2]`. */
  path: string;
  kind: FsckProblemKind;
  message: string;
}

/** The result of {@link fsckLayout}. */
export interface FsckReport {
  ok: boolean;
  /** Problems, sorted by path. */
  problems: FsckProblem[];
  /** Number of distinct blobs examined. */
  checked: number;
}

/** Options of {@link fsckLayout}. */
export interface FsckOptions {
  /** Blobs hashed at once (default 4). */
  jobs?: number;
}

/** What lstat says of a blob: absent, refused (a symlink, folder or special file), or its size. */
type BlobState = { present: false } | { present: true; refused: string } | { present: true; size: number };

/**
 * Checks the layout; never throws for a problem in the content (a blob that is a symlink, folder
 * or special file is a 'not-a-file' problem and is never opened), only OciErrors for I/O failures.
 */
export async function fsckLayout(layout: OciLayout, options: FsckOptions = {}): Promise<FsckReport> {
  const problems: FsckProblem[] = [];
  const probed = new Map<string, Promise<BlobState>>();
  const hashed = new Map<string, Promise<{ digest: Digest; size: number } | { refused: string }>>();
  const expanded = new Set<string>();
  const limit = limiter(Math.max(1, options.jobs ?? 4));

  const report = (
    descriptor: Descriptor | undefined,
    path: string[],
    kind: FsckProblemKind,
    message: string,
  ) => {
    problems.push({ digest: String(descriptor?.digest ?? ''), path: path.join(' → '), kind, message });
  };

  // A blob is lstat'ed before anything else: a symlink, folder, FIFO or device is reported, never
  // opened (a FIFO would block, a link to /dev/zero would hash forever), and a size that differs
  // from the descriptor's is reported without reading a byte.
  const probe = (digest: string, algorithm: SupportedAlgorithm): Promise<BlobState> => {
    let state = probed.get(digest);
    if (state === undefined) {
      state = probeBlob(layout, digest, algorithm);
      probed.set(digest, state);
    }
    return state;
  };

  const hash = (digest: string, algorithm: SupportedAlgorithm, size: number) => {
    let result = hashed.get(digest);
    if (result === undefined) {
      result = limit(() => hashBlob(layout.blobPath(digest), algorithm, size));
      hashed.set(digest, result);
    }
    return result;
  };

  const visit = async (descriptor: Descriptor, path: string[]): Promise<void> => {
    let algorithm: 'sha256' | 'sha512';
    try {
      algorithm = parseSupportedDigest(descriptor.digest).algorithm;
    } catch (err) {
      const kind = isOciError(err, ErrorCode.UNSUPPORTED_DIGEST) ? 'unsupported-digest' : 'invalid-digest';
      report(descriptor, path, kind, (err as Error).message);
      return;
    }
    const state = await probe(descriptor.digest, algorithm);
    if (!state.present) {
      // image-layout.md: a layout MAY lack blobs fetched elsewhere, as foreign layers with URLs are.
      if (isNondistributable(descriptor.mediaType) && (descriptor.urls?.length ?? 0) > 0) return;
      report(descriptor, path, 'missing', `blob ${descriptor.digest} is missing`);
      return;
    }
    if ('refused' in state) {
      report(descriptor, path, 'not-a-file', state.refused);
      return;
    }
    if (state.size !== descriptor.size) {
      report(descriptor, path, 'size-mismatch', sizeMessage(descriptor, state.size));
      return;
    }
    const hashedState = await hash(descriptor.digest, algorithm, state.size);
    if ('refused' in hashedState) {
      report(descriptor, path, 'not-a-file', hashedState.refused);
      return;
    }
    if (hashedState.size !== descriptor.size) {
      report(descriptor, path, 'size-mismatch', sizeMessage(descriptor, hashedState.size));
      return;
    }
    if (hashedState.digest !== descriptor.digest) {
      report(
        descriptor,
        path,
        'digest-mismatch',
        `blob ${descriptor.digest} hashes to ${hashedState.digest}`,
      );
      return;
    }
    const kind = documentKind(descriptor.mediaType);
    if (kind === 'opaque' || expanded.has(descriptor.digest)) return;
    expanded.add(descriptor.digest);
    let document: TopDocument;
    try {
      const bytes = await layout.readBytes(descriptor);
      if (kind === 'config') {
        checkConfig(bytes, descriptor.mediaType);
        return;
      }
      document = parseTop(bytes, descriptor.mediaType);
    } catch (err) {
      const digestError = findDigestError(err);
      const problem =
        digestError?.code === ErrorCode.UNSUPPORTED_DIGEST
          ? 'unsupported-digest'
          : digestError
            ? 'invalid-digest'
            : 'invalid-document';
      report(descriptor, path, problem, `${descriptor.digest}: ${(err as Error).message}`);
      return;
    }
    await Promise.all(childrenOf(document).map((child) => visit(child.descriptor, [...path, child.field])));
  };

  let entries: Descriptor[];
  try {
    entries = (await layout.readIndex()).value.manifests;
  } catch (err) {
    const digestError = findDigestError(err);
    report(
      undefined,
      ['index.json'],
      digestError ? 'invalid-digest' : 'invalid-document',
      (err as Error).message,
    );
    return { ok: false, problems, checked: 0 };
  }
  await Promise.all(entries.map((descriptor, i) => visit(descriptor, [`manifests[${i}]`])));
  problems.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { ok: problems.length === 0, problems, checked: probed.size };
}

function sizeMessage(descriptor: Descriptor, size: number): string {
  return `blob ${descriptor.digest} is ${size} bytes, the descriptor says ${descriptor.size}`;
}

/** lstat of a blob (never opened here); a symlinked blob folder refuses every blob in it. */
async function probeBlob(
  layout: OciLayout,
  digest: string,
  algorithm: SupportedAlgorithm,
): Promise<BlobState> {
  const path = layout.blobPath(digest);
  try {
    if (!(await checkBlobDirs(layout.root, algorithm))) return { present: false };
  } catch (err) {
    if (isOciError(err, ErrorCode.INVALID_LAYOUT)) return { present: true, refused: err.message };
    throw err;
  }
  const info = await lstatEntry(path);
  if (info === undefined) return { present: false };
  if (!info.isFile()) {
    return { present: true, refused: `blob ${digest} is ${entryKind(info)}, not a regular file` };
  }
  return { present: true, size: info.size };
}

/**
 * Hashes a blob that lstat found to be a regular file of `size` bytes, reading at most `size + 1`
 * bytes (a file that grew shows as a size mismatch instead of being read to its end).
 */
async function hashBlob(
  path: string,
  algorithm: SupportedAlgorithm,
  size: number,
): Promise<{ digest: Digest; size: number } | { refused: string }> {
  let file: Awaited<ReturnType<typeof openRegularFile>>;
  try {
    file = await openRegularFile(path);
  } catch (err) {
    if (isOciError(err, ErrorCode.INVALID_LAYOUT) || isOciError(err, ErrorCode.NOT_FOUND)) {
      return { refused: err.message };
    }
    throw toOciError(err);
  }
  const hasher = new Hasher(algorithm);
  const buffer = Buffer.allocUnsafe(Math.min(4 * HASH_CHUNK, size + 1));
  try {
    for (let position = 0; position <= size; ) {
      const want = Math.min(buffer.length, size + 1 - position);
      const { bytesRead } = await file.handle.read(buffer, 0, want, position);
      if (bytesRead === 0) break;
      hasher.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
  } catch (err) {
    throw toOciError(err);
  } finally {
    await file.handle.close().catch(() => {});
  }
  return { digest: hasher.digest(), size: hasher.size };
}
