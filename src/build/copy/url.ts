/**
 * ADD's remote sources: an http(s) URL is downloaded (streamed to a private folder of the build,
 * never held in memory), checked against `--checksum` when given, and copied as one file named
 * after the URL path's last segment (`__unnamed__` without one), mode 0600 and timed by the
 * response's Last-Modified, as BuildKit's HTTP source does. Remote archives are not unpacked.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdtemp, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ErrorCode, OciError } from '../../errors/index.ts';

/** A downloaded source. */
export interface Download {
  /** The folder holding the file. */
  readonly dir: string;
  /** The file's name in it (what it is called at the destination). */
  readonly name: string;
  readonly digest: string;
}

/**
 * The name BuildKit gives a URL's file: the last path segment, decoded (`__unnamed__` when there
 * is none). INVALID_ARGUMENT when it does not decode (a malformed escape, which Go's URL parser
 * refuses too) or decodes to a name no file can have (a NUL).
 */
export function urlFileName(url: string): string {
  let path = '';
  try {
    path = new URL(url).pathname;
  } catch {
    return '__unnamed__';
  }
  let base: string;
  try {
    base = decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
  } catch {
    base = '\0';
  }
  if (base.includes('\0')) {
    throw new OciError(
      ErrorCode.INVALID_ARGUMENT,
      `${url} gives no usable file name (a malformed escape or a NUL)`,
      {
        data: { url },
      },
    );
  }
  return base === '' || base === '.' || base === '..' || base.includes('/') ? '__unnamed__' : base;
}

/** Downloads `url` into a new folder under `scratchDir`; DIGEST_MISMATCH when `checksum` differs. */
export async function download(
  url: string,
  scratchDir: string,
  signal: AbortSignal,
  checksum?: string,
): Promise<Download> {
  if (checksum !== undefined && !/^sha256:[0-9a-f]{64}$/.test(checksum)) {
    throw new OciError(
      ErrorCode.INVALID_ARGUMENT,
      `unsupported checksum ${JSON.stringify(checksum)} (sha256:<hex> expected)`,
    );
  }
  const name = urlFileName(url);
  let response: Response;
  try {
    response = await fetch(url, { signal, redirect: 'follow' });
  } catch (err) {
    if (signal.aborted) throw err;
    // fetch says only "fetch failed"; the cause says what (a redirect to another scheme, a refused connection).
    const cause = (err as { cause?: { message?: unknown } }).cause?.message;
    const why = typeof cause === 'string' && cause !== '' ? `: ${cause}` : '';
    throw new OciError(ErrorCode.NETWORK_ERROR, `cannot fetch ${url}: ${(err as Error).message}${why}`, {
      cause: err,
      data: { url },
    });
  }
  if (!response.ok || response.body === null) {
    throw new OciError(
      response.status === 404 ? ErrorCode.NOT_FOUND : ErrorCode.NETWORK_ERROR,
      `fetching ${url}: HTTP ${response.status}`,
      {
        data: { url, status: response.status },
      },
    );
  }
  const dir = await mkdtemp(join(scratchDir, 'url-'));
  const file = join(dir, name);
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  await pipeline(
    Readable.fromWeb(response.body as import('node:stream/web').ReadableStream),
    tap,
    createWriteStream(file, { mode: 0o600 }),
    {
      signal,
    },
  );
  const digest = `sha256:${hash.digest('hex')}`;
  if (checksum !== undefined && checksum !== digest) {
    throw new OciError(ErrorCode.DIGEST_MISMATCH, `${url}: checksum ${checksum} expected, got ${digest}`, {
      data: { url, expected: checksum, actual: digest },
    });
  }
  await chmod(file, 0o600);
  const modified = Date.parse(response.headers.get('last-modified') ?? '');
  if (!Number.isNaN(modified)) await utimes(file, modified / 1000, modified / 1000);
  return { dir, name, digest };
}
