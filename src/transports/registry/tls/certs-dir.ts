/**
 * Per-registry TLS folders as containers/image reads them (containers-certs.d(5); its
 * `pkg/tlsclientconfig`): the folder is `ROOT/HOST[:PORT]/` under the first root where it exists
 * (`~/.config/containers/certs.d`, `/etc/containers/certs.d`, `/etc/docker/certs.d`), or one
 * folder given instead of the lookup. In it, `*.crt` files are CA certificates; `NAME.cert` and
 * `NAME.key` are a client certificate and its key, and either without the other is an error.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { constants, statSync } from 'node:fs';
import { type FileHandle, open, readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, OciError } from '../../../errors/index.ts';

/** A client certificate and its private key (PEM), with the files they came from. */
export interface ClientCertificate {
  cert: string;
  key: string;
  certPath: string;
  keyPath: string;
}

/** What a cert folder holds. */
export interface CertFolder {
  /** PEM blocks of the CA certificates of its `*.crt` files. */
  ca: string[];
  clientCertificates: ClientCertificate[];
}

/** Largest certificate or key file read. */
const MAX_FILE_BYTES = 1024 * 1024;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The roots searched for `HOST[:PORT]/` folders, in order (containers/image's list). */
export function defaultCertsDirectories(env: Record<string, string | undefined> = process.env): string[] {
  const home = env.HOME || homedir();
  return [join(home, '.config', 'containers', 'certs.d'), '/etc/containers/certs.d', '/etc/docker/certs.d'];
}

/** Throws INVALID_REFERENCE unless `registry` is a single path component (`host[:port]`). */
export function checkFolderName(registry: string): void {
  if (registry === '' || registry === '.' || registry === '..' || /[/\\\0]/.test(registry)) {
    throw new OciError(
      ErrorCode.INVALID_REFERENCE,
      `invalid registry name ${JSON.stringify(registry.slice(0, 300))} for a certs.d folder`,
      { data: { registry: registry.slice(0, 300) } },
    );
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'EPERM';
}

/** The first `ROOT/registry` folder that exists among `roots`, or undefined. */
export async function perHostCertDir(
  registry: string,
  roots: readonly string[],
): Promise<string | undefined> {
  checkFolderName(registry);
  for (const root of roots) {
    const candidate = join(root, registry);
    try {
      // Synchronously and without an error for a missing folder: every client opened looks here
      // (a sync opens several per image), the folders are local and usually absent, and an async
      // stat that fails costs far more CPU than the lookup itself (measured in a sync's profile).
      if (statSync(candidate, { throwIfNoEntry: false }) === undefined) continue;
      return candidate;
    } catch (err) {
      if (isMissing(err)) continue;
      throw new OciError(ErrorCode.IO_ERROR, `cannot read the TLS folder ${candidate}`, {
        data: { path: candidate },
        cause: err,
      });
    }
  }
  return undefined;
}

/** INVALID_ARGUMENT for a TLS file that is not a regular file. */
function notRegular(path: string): OciError {
  return new OciError(
    ErrorCode.INVALID_ARGUMENT,
    `${path} is not a regular file (a certificate or key must be one)`,
    { data: { path } },
  );
}

/**
 * Reads a regular file of at most {@link MAX_FILE_BYTES}; undefined when it vanished (a dangling
 * link). Anything else (a FIFO, whose open waits for a writer; a device such as /dev/zero, which
 * never ends) is refused before it is opened.
 */
async function readSmall(path: string): Promise<string | undefined> {
  let handle: FileHandle;
  try {
    if (!(await stat(path)).isFile()) throw notRegular(path);
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    if (err instanceof OciError) throw err;
    if ((err as { code?: unknown }).code === 'ENOENT') return undefined;
    throw new OciError(ErrorCode.IO_ERROR, `cannot read ${path}`, { data: { path }, cause: err });
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw notRegular(path);
    if (st.size > MAX_FILE_BYTES) {
      throw new OciError(ErrorCode.TOO_LARGE, `${path} is over the ${MAX_FILE_BYTES}-byte limit`, {
        data: { path },
      });
    }
    return await handle.readFile('utf8');
  } catch (err) {
    if (err instanceof OciError) throw err;
    throw new OciError(ErrorCode.IO_ERROR, `cannot read ${path}`, { data: { path }, cause: err });
  } finally {
    await handle.close();
  }
}

/** The PEM certificate blocks of `text` that parse; others are ignored, as Go's `AppendCertsFromPEM` does. */
function certificateBlocks(text: string): string[] {
  return [...text.matchAll(PEM_CERTIFICATE)]
    .map((m) => m[0])
    .filter((block) => {
      try {
        new X509Certificate(block);
        return true;
      } catch {
        return false;
      }
    });
}

function invalid(message: string, path: string, cause?: unknown): OciError {
  return new OciError(ErrorCode.INVALID_ARGUMENT, message, { data: { path }, ...(cause ? { cause } : {}) });
}

/** Loads `NAME.cert` and `NAME.key`, checking that the key belongs to the certificate. */
async function loadPair(
  dir: string,
  certName: string,
  keyName: string,
): Promise<ClientCertificate | undefined> {
  const certPath = join(dir, certName);
  const keyPath = join(dir, keyName);
  const [cert, key] = [await readSmall(certPath), await readSmall(keyPath)];
  if (cert === undefined || key === undefined) return undefined;
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch (err) {
    throw invalid(`client certificate ${certPath} is not a PEM certificate`, certPath, err);
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    // The parser's message could quote key material; it is not kept.
    throw invalid(`client key ${keyPath} is not a PEM private key`, keyPath);
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw invalid(`client key ${keyPath} does not match the client certificate ${certPath}`, certPath);
  }
  return { cert, key, certPath, keyPath };
}

/**
 * Reads a cert folder: a folder that does not exist (or may not be read) is empty, as in
 * containers/image; a `.cert` without its `.key` (or the reverse) is INVALID_ARGUMENT.
 */
export async function readCertFolder(dir: string): Promise<CertFolder> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (err) {
    if (isMissing(err)) return { ca: [], clientCertificates: [] };
    throw new OciError(ErrorCode.IO_ERROR, `cannot read the TLS folder ${dir}`, {
      data: { path: dir },
      cause: err,
    });
  }
  const present = new Set(names);
  const folder: CertFolder = { ca: [], clientCertificates: [] };
  for (const name of names) {
    if (name.endsWith('.crt')) {
      const text = await readSmall(join(dir, name));
      if (text !== undefined) folder.ca.push(...certificateBlocks(text));
    } else if (name.endsWith('.cert')) {
      const keyName = `${name.slice(0, -'.cert'.length)}.key`;
      if (!present.has(keyName)) {
        throw invalid(
          `missing key ${keyName} for client certificate ${name} in ${dir}. Note that CA certificates should use the extension .crt`,
          join(dir, name),
        );
      }
      const pair = await loadPair(dir, name, keyName);
      if (pair !== undefined) folder.clientCertificates.push(pair);
    } else if (name.endsWith('.key')) {
      const certName = `${name.slice(0, -'.key'.length)}.cert`;
      if (!present.has(certName)) {
        throw invalid(`missing client certificate ${certName} for key ${name} in ${dir}`, join(dir, name));
      }
    }
  }
  return folder;
}
