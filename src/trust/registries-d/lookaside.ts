/**
 * Lookaside signature storage (containers-registries.d(5)): the simple signatures of
 * `registry/repo` with manifest digest `ALG:HEX` are `BASE/repo@ALG=HEX/signature-1`, `-2`, …
 * (numbered from 1, read until the first missing one). `file://` bases are read and written;
 * `http(s)://` bases are read only, as in the containers tools.
 */
import { mkdir, open, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ErrorCode, OciError, toOciError } from '../../errors/index.ts';
import type { Reference } from '../../reference/index.ts';
import { MAX_LOOKASIDE_BYTES, MAX_SIGNATURE_BYTES, MAX_SIGNATURES } from '../limits.ts';
import { lookasideBase, type RegistriesConfig } from './config.ts';

/** The built-in base when registries.d names none: the per-user or the system sigstore folder. */
export function defaultLookaside(options: { home?: string; euid?: number } = {}): string {
  const euid = options.euid ?? process.geteuid?.() ?? 0;
  const path =
    euid === 0
      ? '/var/lib/containers/sigstore'
      : join(options.home ?? homedir(), '.local/share/containers/sigstore');
  return pathToFileURL(path).href;
}

/** The base URL with the repository path of `ref` appended (INVALID_DOCUMENT for a URL that does not parse). */
export function lookasideRepositoryUrl(
  config: RegistriesConfig,
  ref: Reference,
  write: boolean,
  fallback: string = defaultLookaside(),
): URL {
  const base = lookasideBase(config, ref, write) ?? fallback;
  let url: URL;
  try {
    url = new URL(base);
  } catch (err) {
    throw new OciError(
      ErrorCode.INVALID_DOCUMENT,
      `invalid signature storage URL ${JSON.stringify(base.slice(0, 200))}`,
      {
        cause: err,
      },
    );
  }
  url.pathname = `${url.pathname.replace(/\/$/, '')}/${ref.repository}`;
  return url;
}

/**
 * The URL of signature number `index` (from 1) of `digest` under a repository URL.
 * INVALID_ARGUMENT for a digest outside the grammar of image-spec descriptor.md "Digests"
 * (so no `..`, `/` or `%` can move the path out of the repository's folder).
 */
export function signatureUrl(repositoryUrl: URL, digest: string, index: number): URL {
  if (!/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(digest)) {
    throw new OciError(ErrorCode.INVALID_ARGUMENT, `${JSON.stringify(digest.slice(0, 100))} is not a digest`);
  }
  const [algorithm, hex] = digest.split(':');
  const url = new URL(repositoryUrl.href);
  url.pathname = `${url.pathname}@${algorithm}=${hex}/signature-${index}`;
  return url;
}

async function readFileSignature(url: URL): Promise<Buffer | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(fileURLToPath(url), 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw toOciError(err);
  }
  try {
    const { size } = await handle.stat();
    if (size > MAX_SIGNATURE_BYTES) {
      throw new OciError(ErrorCode.TOO_LARGE, `${url.href} is ${size} bytes, over ${MAX_SIGNATURE_BYTES}`, {
        data: { reason: 'too-large' },
      });
    }
    const buffer = Buffer.alloc(size);
    const { bytesRead } = await handle.read(buffer, 0, size, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function readHttpSignature(url: URL, signal?: AbortSignal): Promise<Buffer | undefined> {
  // Loaded here, not with the module: every policy check and signature carry imports this file,
  // and almost none reads an http(s) lookaside. The registry client's few undici files, not the
  // whole package (over 100 modules, and a CommonJS namespace the bundled command cannot destructure).
  const [{ request }, { proxyDispatcher }] = await Promise.all([
    import('../../transports/registry/undici-core.ts'),
    import('../../transports/registry/dispatchers.ts'),
  ]);
  // Through the proxy *_PROXY names, as the registry's own requests go.
  const dispatcher = proxyDispatcher();
  const response = await request(url, {
    method: 'GET',
    ...(signal ? { signal } : {}),
    ...(dispatcher ? { dispatcher } : {}),
  }).catch((err: unknown) => {
    throw new OciError(ErrorCode.NETWORK_ERROR, `reading ${url.href}: ${(err as Error).message}`, {
      cause: err,
    });
  });
  if (response.statusCode === 404) {
    await response.body.dump();
    return undefined;
  }
  if (response.statusCode !== 200) {
    await response.body.dump();
    throw new OciError(ErrorCode.REGISTRY_ERROR, `reading ${url.href}: HTTP status ${response.statusCode}`, {
      data: { status: response.statusCode },
    });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += (chunk as Buffer).byteLength;
    if (size > MAX_SIGNATURE_BYTES) {
      response.body.destroy();
      throw new OciError(ErrorCode.TOO_LARGE, `${url.href} is over ${MAX_SIGNATURE_BYTES} bytes`, {
        data: { reason: 'too-large' },
      });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Reads the signatures of `digest` under `repositoryUrl`, in order, until the first missing one
 * (at most MAX_SIGNATURES); TOO_LARGE for one over MAX_SIGNATURE_BYTES or all over MAX_LOOKASIDE_BYTES.
 */
export async function readLookaside(
  repositoryUrl: URL,
  digest: string,
  options: { signal?: AbortSignal } = {},
): Promise<Buffer[]> {
  const out: Buffer[] = [];
  let total = 0;
  for (let index = 1; index <= MAX_SIGNATURES; index++) {
    const url = signatureUrl(repositoryUrl, digest, index);
    let blob: Buffer | undefined;
    if (url.protocol === 'file:') blob = await readFileSignature(url);
    else if (url.protocol === 'http:' || url.protocol === 'https:')
      blob = await readHttpSignature(url, options.signal);
    else {
      throw new OciError(
        ErrorCode.UNSUPPORTED,
        `signature storage ${url.protocol} URLs are not supported (${repositoryUrl.href})`,
      );
    }
    if (blob === undefined) break;
    total += blob.byteLength;
    if (total > MAX_LOOKASIDE_BYTES) {
      throw new OciError(
        ErrorCode.TOO_LARGE,
        `the signatures of ${digest} under ${repositoryUrl.href} are over ${MAX_LOOKASIDE_BYTES} bytes in all`,
        { data: { reason: 'too-large' } },
      );
    }
    out.push(blob);
  }
  return out;
}

/**
 * Writes `signatures` as the signatures of `digest` under a `file://` repository URL: each file
 * written to a temp name and renamed, then any older ones past the new count removed.
 * UNSUPPORTED for other URL schemes.
 */
export async function writeLookaside(
  repositoryUrl: URL,
  digest: string,
  signatures: readonly Uint8Array[],
): Promise<void> {
  if (repositoryUrl.protocol !== 'file:') {
    throw new OciError(
      ErrorCode.UNSUPPORTED,
      `signatures can be written to file:// signature storage only, not ${repositoryUrl.protocol} (${repositoryUrl.href}); set lookaside-staging in registries.d`,
    );
  }
  const first = fileURLToPath(signatureUrl(repositoryUrl, digest, 1));
  const dir = dirname(first);
  await mkdir(dir, { recursive: true });
  for (const [i, signature] of signatures.entries()) {
    const path = join(dir, `signature-${i + 1}`);
    const temp = `${path}.tmp-${process.pid}`;
    await writeFile(temp, signature);
    await rename(temp, path);
  }
  for (const name of await readdir(dir)) {
    const n = /^signature-([0-9]+)$/.exec(name);
    if (n && Number(n[1]) > signatures.length) await rm(join(dir, name), { force: true });
  }
}
