/** `ocikit manifest-digest FILE` (skopeo manifest-digest): the digest of a manifest file's bytes. */
import { readFile, stat } from 'node:fs/promises';
import { Command } from '@commander-js/extra-typings';
import { digestBytes } from '../../digest/index.ts';
import { ErrorCode, OciError, toOciError } from '../../errors/index.ts';
import { MAX_MANIFEST_BYTES } from '../../spec/index.ts';
import { writeLine } from '../output.ts';

/**
 * The sha256 digest of the manifest (or index) in `file`, computed over its exact bytes as a
 * registry does (no parsing, no re-serialising). NOT_FOUND when the file is missing, TOO_LARGE
 * beyond 4 MiB, UNSUPPORTED for a Docker schema 1 manifest (its digest excludes its signatures).
 */
export async function manifestFileDigest(file: string): Promise<string> {
  let bytes: Buffer;
  try {
    const info = await stat(file);
    if (info.size > MAX_MANIFEST_BYTES)
      throw new OciError(
        ErrorCode.TOO_LARGE,
        `${file} is larger than the ${MAX_MANIFEST_BYTES}-byte manifest limit`,
        {
          data: { file, size: info.size },
        },
      );
    bytes = await readFile(file);
  } catch (err) {
    if (err instanceof OciError) throw err;
    if ((err as { code?: unknown }).code === 'ENOENT')
      throw new OciError(ErrorCode.NOT_FOUND, `${file} does not exist`, { data: { file }, cause: err });
    throw toOciError(err);
  }
  if (bytes.byteLength > MAX_MANIFEST_BYTES)
    throw new OciError(
      ErrorCode.TOO_LARGE,
      `${file} is larger than the ${MAX_MANIFEST_BYTES}-byte manifest limit`,
      {
        data: { file },
      },
    );
  if (schemaVersionOf(bytes) === 1)
    throw new OciError(ErrorCode.UNSUPPORTED, `${file}: Docker schema 1 manifests are not supported`, {
      data: { file },
    });
  return digestBytes(bytes);
}

/** The `schemaVersion` of a JSON document, or undefined when it is not one (it is digested as it is). */
function schemaVersionOf(bytes: Buffer): unknown {
  try {
    return (JSON.parse(bytes.toString('utf8')) as { schemaVersion?: unknown } | null)?.schemaVersion;
  } catch {
    return undefined;
  }
}

/** Registers `manifest-digest`. */
export function manifestDigestCommand() {
  return new Command('manifest-digest')
    .description('print the digest of a manifest file (as a registry computes it)')
    .argument('<file>', 'a manifest or index JSON file')
    .action(async (file) => writeLine(await manifestFileDigest(file)));
}
