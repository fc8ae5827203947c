/**
 * skopeo's smaller `copy` flags: `--digestfile`, `--additional-tag`, `--retry-times` with
 * `--retry-delay`, `--sign-passphrase-file` and `--preserve-digests`. Each is a function `copy`
 * (and `sync`, for the retries, the passphrase and the digests) calls; none changes what a copy
 * without the flag does.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { declaredCompression, formatOf } from '../../copy/convert.ts';
import type { Compression, ImageFormat } from '../../copy/index.ts';
import { ErrorCode, isOciError, OciError, toOciError } from '../../errors/index.ts';
import type { ImageSource } from '../../image/types.ts';
import { validateTag } from '../../reference/index.ts';
import { type Descriptor, DOCKER, type TopDocument } from '../../spec/index.ts';
import { transportOf } from '../../transports/index.ts';
import { log } from '../output.ts';
import { UsageError } from '../run.ts';

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Parses a Go duration (`--retry-delay 1s`, `500ms`, `1m30s`; `0` alone needs no unit) into
 * milliseconds; a usage error otherwise.
 */
export function parseDuration(value: string, flag = '--retry-delay'): number {
  if (value === '0') return 0;
  const part = /([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  while (at < value.length) {
    part.lastIndex = at;
    const match = part.exec(value);
    if (match === null) break;
    total += Number(match[1]) * (DURATION_UNITS[match[2] as string] as number);
    at = part.lastIndex;
  }
  if (value === '' || at !== value.length || !Number.isFinite(total))
    throw new UsageError(`${flag} takes a duration such as 500ms, 2s or 1m, got ${JSON.stringify(value)}`);
  return total;
}

/** Parses `--retry-times`: a whole number of retries, 0 or more. */
export function parseRetryTimes(value: string): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(n))
    throw new UsageError(`--retry-times takes a whole number of retries, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * Runs `attempt` once, then up to `times` more times while it fails with an error a retry can
 * mend (`retryable`: network faults, 5xx, 429), waiting `delayMs` before each retry (skopeo's
 * `--retry-times`/`--retry-delay`; with no delay given, 1 s doubling as skopeo waits). Each
 * retry is announced on stderr; other failures, an interrupt, and any failure after `retryable()`
 * turned false (e.g. once the image is written, so signing is never done twice) end it at once.
 */
export async function withRetries<T>(
  times: number,
  delayMs: number | undefined,
  attempt: () => Promise<T>,
  signal?: AbortSignal,
  retryable: () => boolean = () => true,
): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (n >= times || !isOciError(err) || !err.retryable || signal?.aborted || !retryable()) throw err;
      const wait = delayMs ?? 1000 * 2 ** n;
      log(`warning: ${err.code}: ${err.message}; retrying (${n + 1} of ${times}) in ${wait} ms`);
      await sleep(wait, undefined, signal ? { signal } : undefined).catch((cause: unknown) => {
        throw new OciError(ErrorCode.ABORTED, 'operation aborted', { cause });
      });
    }
  }
}

/**
 * `--sign-passphrase-file FILE`: the passphrase of the signing key (`--sign-by`'s GPG key or
 * `--sign-by-sigstore-private-key`'s, not both), read as skopeo reads it: the file's first line,
 * its newline taken off. A usage error without one signing flag; INVALID_ARGUMENT when the file
 * cannot be read.
 */
export async function readPassphraseFile(
  file: string | undefined,
  signing: { signBy?: string | undefined; signBySigstorePrivateKey?: string | undefined },
): Promise<string | undefined> {
  if (file === undefined) return undefined;
  const gpg = signing.signBy !== undefined;
  const sigstore = signing.signBySigstorePrivateKey !== undefined;
  if (!gpg && !sigstore)
    throw new UsageError('--sign-passphrase-file needs --sign-by or --sign-by-sigstore-private-key');
  if (gpg && sigstore)
    throw new UsageError(
      'only one of --sign-by and --sign-by-sigstore-private-key can be used with --sign-passphrase-file',
    );
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new OciError(
      ErrorCode.INVALID_ARGUMENT,
      `--sign-passphrase-file: cannot read ${file}: ${(err as Error).message}`,
    );
  }
  const newline = text.indexOf('\n');
  return newline < 0 ? text : text.slice(0, newline);
}

/** Writes `digest` to `file` as skopeo's `--digestfile` does: the digest alone, no newline. */
export async function writeDigestFile(file: string, digest: string): Promise<void> {
  try {
    await writeFile(file, digest);
  } catch (err) {
    throw toOciError(err);
  }
}

/**
 * Checks `--additional-tag` values before a copy: each a valid tag (distribution/reference
 * grammar), and the destination a transport with tags (an `oci:` layout or a registry).
 */
export function checkAdditionalTags(destination: string, tags: readonly string[]): void {
  if (tags.length === 0) return;
  if (transportOf(destination).transport.withTag === undefined)
    throw new UsageError(
      `--additional-tag needs a destination with tags (oci:DIR or a registry), not ${JSON.stringify(destination)}`,
    );
  for (const tag of tags) {
    try {
      validateTag(tag);
    } catch (err) {
      throw new UsageError(`--additional-tag ${JSON.stringify(tag)}: ${(err as Error).message}`);
    }
  }
}

/** What a copy asks to change. */
export interface Conversion {
  format?: ImageFormat;
  compression?: Compression;
}

function refuse(what: string, reason: string): never {
  throw new OciError(
    ErrorCode.UNSUPPORTED,
    `--preserve-digests: ${what} ${reason}, which changes its digest`,
    {
      data: { what },
    },
  );
}

/** The manifests the copy of `document` writes (an index's children, nested ones too). */
async function* manifestsOf(
  source: ImageSource,
  document: TopDocument,
  depth = 0,
): AsyncGenerator<TopDocument & { kind: 'manifest' }> {
  if (document.kind === 'manifest') {
    yield document;
    return;
  }
  if (depth > 8) return;
  for (const child of document.value.manifests as Descriptor[])
    yield* manifestsOf(source, await source.manifest(child), depth + 1);
}

/**
 * `--preserve-digests`: throws UNSUPPORTED before anything is written when the copy of `document`
 * from `source` to `destination` would convert a manifest (`format`), re-compress a layer
 * (`compression`), or go into a `docker-archive:` (whose format stores Docker v2.2 manifests with
 * uncompressed layers of its own making), instead of copying it with its digests.
 */
export async function checkPreservedDigests(
  source: ImageSource,
  document: TopDocument,
  destination: string,
  conversion: Conversion,
): Promise<void> {
  const intoArchive = transportOf(destination).label === 'docker-archive';
  if (document.kind === 'index' && conversion.format !== undefined) {
    const docker = document.mediaType === DOCKER.manifestList;
    if ((conversion.format === 'docker') !== docker)
      refuse(`index ${document.digest}`, `would become ${conversion.format}`);
  }
  for await (const manifest of manifestsOf(source, document)) {
    const format = formatOf(manifest.value);
    if (conversion.format !== undefined && conversion.format !== format)
      refuse(`manifest ${manifest.digest}`, `would be converted from ${format} to ${conversion.format}`);
    if (intoArchive)
      refuse(
        `manifest ${manifest.digest}`,
        'would be rewritten by docker-archive: (its own manifest format)',
      );
    for (const layer of manifest.value.layers) {
      const declared = declaredCompression(layer);
      if (
        conversion.compression !== undefined &&
        declared !== undefined &&
        declared !== conversion.compression
      )
        refuse(
          `layer ${layer.digest}`,
          `would be re-compressed from ${declared} to ${conversion.compression}`,
        );
    }
  }
}

/** Names `tag` for `destination`'s transport (`oci:DIR:TAG`, `HOST/REPO:TAG`). */
export async function additionalTagName(destination: string, tag: string): Promise<string> {
  const { retag } = await import('../../transports/index.ts');
  return retag(destination, tag);
}
