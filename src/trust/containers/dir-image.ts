/**
 * Verifying an image in skopeo's `dir:` format (a folder with `manifest.json` and its signatures
 * `signature-1`, `signature-2`, …) against a cosign key, as the containers tools' `sigstoreSigned`
 * policy does: the signatures are bound to the digest of `manifest.json`.
 */
import type { KeyObject } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, OciError, toOciError } from '../../errors/index.ts';
import { parseTopDocument } from '../../spec/parse.ts';
import { MAX_SIGNATURE_BYTES, MAX_SIGNATURES } from '../limits.ts';
import { isContentError, rejection } from '../rejection.ts';
import { requireVerified, verifyCandidates } from '../verify/candidates.ts';
import type { SignatureCandidate, VerifyResult } from '../verify/types.ts';
import { parseContainersSignature } from './signature-blob.ts';

/** Reads a file of at most `limit` bytes; undefined when it does not exist. */
async function readBounded(path: string, limit: number): Promise<Buffer | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw toOciError(err);
  }
  try {
    const { size } = await handle.stat();
    if (size > limit) {
      throw new OciError(ErrorCode.TOO_LARGE, `${path} is ${size} bytes, over the ${limit}-byte limit`, {
        data: { reason: 'too-large', size, limit },
      });
    }
    const buffer = Buffer.alloc(size);
    const { bytesRead } = await handle.read(buffer, 0, size, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * The digest of a manifest, as the digest its signatures must name. A `manifest-digest-error`
 * rejection when it cannot be computed: the bytes are not a manifest or index ocikit reads
 * (Docker schema 1 manifests, whose digest depends on their JWS signatures, included).
 */
export function manifestDigest(manifest: Uint8Array): string {
  try {
    return parseTopDocument(manifest).digest;
  } catch (err) {
    throw rejection(
      'manifest-digest-error',
      `the digest of the manifest cannot be computed: ${(err as Error).message}`,
      {},
      err,
    );
  }
}

/**
 * Verifies the `dir:` image in `dir` against `key` (and `annotations`). NOT_FOUND without a
 * `manifest.json`; otherwise as `verifyImage`: the result when a signature is valid, else
 * SIGNATURE_INVALID with every rejection (a manifest whose digest cannot be computed rejects
 * them all with `manifest-digest-error`).
 */
export async function verifyDirImage(
  dir: string,
  key: KeyObject,
  options: { annotations?: Record<string, string> } = {},
): Promise<VerifyResult> {
  const manifest = await readBounded(join(dir, 'manifest.json'), 4 * 1024 * 1024);
  if (manifest === undefined) {
    throw new OciError(ErrorCode.NOT_FOUND, `${dir} has no manifest.json: there is no image to verify`, {
      data: { dir },
    });
  }
  const candidates: SignatureCandidate[] = [];
  for (let n = 1; n <= MAX_SIGNATURES; n++) {
    const source = `signature-${n}`;
    let blob: Buffer | undefined;
    try {
      blob = await readBounded(join(dir, source), MAX_SIGNATURE_BYTES * 2);
    } catch (err) {
      if (!isContentError(err)) throw err;
      candidates.push({ format: 'tag', source, error: err });
      continue;
    }
    if (blob === undefined) break;
    try {
      candidates.push({ format: 'tag', source, ...parseContainersSignature(blob) });
    } catch (err) {
      if (!isContentError(err)) throw err;
      candidates.push({ format: 'tag', source, error: err });
    }
  }
  let digest: string;
  try {
    digest = manifestDigest(manifest);
  } catch (err) {
    if (!isContentError(err)) throw err;
    const failed = candidates.map((c) => ({ format: c.format, source: c.source, error: err }));
    return requireVerified(verifyCandidates(failed, { digest: '', key }), dir);
  }
  const result = verifyCandidates(candidates, {
    digest,
    key,
    ...(options.annotations !== undefined ? { annotations: options.annotations } : {}),
  });
  return requireVerified(result, dir);
}
