/**
 * Basic auth against an htpasswd file of bcrypt entries (the only hash Distribution accepts too),
 * checked with `bcryptjs` (plain JavaScript: no native build). A verified pair is remembered by its
 * SHA-256 so each request does not pay for bcrypt; passwords are never kept or logged.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import bcrypt from 'bcryptjs';
import { ErrorCode, OciError } from '../errors/index.ts';
import { ServeError, SpecCode } from './errors.ts';

/** Checks credentials; `undefined` when anyone may do anything. */
export interface Authenticator {
  /** The user the `Authorization` header proves, or a 401 UNAUTHORIZED error. */
  check(header: string | undefined): Promise<string>;
}

const BCRYPT = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;
const MAX_CACHE = 1024;

/** Reads an htpasswd file; INVALID_ARGUMENT naming the line of any entry that is not bcrypt. */
export async function loadHtpasswd(path: string): Promise<Authenticator> {
  const users = new Map<string, string>();
  const text = await readFile(path, 'utf8').catch((err: unknown) => {
    throw new OciError(ErrorCode.NOT_FOUND, `cannot read htpasswd file ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  });
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    const hash = line.slice(colon + 1).trim();
    if (colon <= 0 || !BCRYPT.test(hash)) {
      throw new OciError(
        ErrorCode.INVALID_ARGUMENT,
        `${path}, line ${i + 1}: not a bcrypt entry (write it with htpasswd -B)`,
        { data: { path, line: i + 1 } },
      );
    }
    users.set(line.slice(0, colon), hash);
  });
  const verified = new Map<string, Buffer>();
  return {
    async check(header) {
      const credentials = parseBasic(header);
      if (credentials === undefined) throw unauthorized('authentication required');
      const hash = users.get(credentials.user);
      const key = createHash('sha256').update(`${credentials.user}\0${credentials.password}`).digest();
      const remembered = verified.get(credentials.user);
      if (hash !== undefined && remembered !== undefined && timingSafeEqual(remembered, key)) {
        return credentials.user;
      }
      if (hash === undefined || !(await bcrypt.compare(credentials.password, hash))) {
        throw unauthorized('invalid username or password');
      }
      if (verified.size >= MAX_CACHE) verified.clear();
      verified.set(credentials.user, key);
      return credentials.user;
    },
  };
}

/** 401 UNAUTHORIZED with the Basic challenge. */
export function unauthorized(message: string): ServeError {
  return new ServeError(SpecCode.UNAUTHORIZED, 401, message, {
    headers: { 'WWW-Authenticate': 'Basic realm="ocikit"' },
  });
}

function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  if (header === undefined || header.length > 8192) return undefined;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header.trim());
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
