/**
 * A real token server on 127.0.0.1 for the Distribution registry's token auth: it issues RS256
 * JWTs whose `x5c` header carries a self-signed certificate made with `openssl` at test time,
 * so the registry (configured with that certificate as `rootcertbundle`) accepts them. It counts
 * every request so tests can check caching.
 */
import { sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { run } from './exec.ts';

/** Decides which of the requested actions on a resource a user (undefined: anonymous) gets. */
export type AccessPolicy = (
  user: string | undefined,
  type: string,
  name: string,
  requested: string[],
) => string[];

/** How the token server behaves. */
export interface TokenServerOptions {
  /** Users (name → password) accepted with Basic auth on token requests. */
  users?: Record<string, string>;
  /** Refresh tokens (token → user) accepted by `POST` with `grant_type=refresh_token`; without it POST gets 404. */
  refreshTokens?: Record<string, string>;
  /** Whether anonymous requests get a token (granting `pull` only) instead of a 401. */
  anonymousPull?: boolean;
  /** Grants per user; default: users get what they ask for, anonymous gets `pull` only. */
  access?: AccessPolicy;
  /** `expires_in` of responses; `null` leaves it out (the JWT itself always lives 10 minutes). */
  expiresIn?: number | null;
  /** Which token fields responses carry. */
  fields?: 'both' | 'token' | 'access_token';
  service?: string;
  issuer?: string;
}

/** One request the token server answered. */
export interface TokenServerRequest {
  method: string;
  user: string | undefined;
  scopes: string[];
  service: string | null;
  status: number;
  grantType?: string;
}

/** A running token server and what the registry config needs to trust it. */
export interface TokenServer {
  /** The realm URL (`http://127.0.0.1:PORT/token`). */
  realm: string;
  service: string;
  issuer: string;
  /** Path of the PEM certificate for the registry's `auth.token.rootcertbundle`. */
  rootCertBundle: string;
  /** Every request answered, in order. */
  requests: TokenServerRequest[];
  /** The live behaviour: change fields between tests (service, issuer and keys are fixed). */
  options: TokenServerOptions;
  close(): Promise<void>;
}

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** Splits `type:name:actions` on the first and last colon (names may hold a port). */
function splitScope(scope: string): { type: string; name: string; actions: string[] } | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last === first) return undefined;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(',')
      .filter(Boolean),
  };
}

const defaultAccess: AccessPolicy = (user, _type, _name, requested) =>
  user === undefined ? requested.filter((a) => a === 'pull') : requested;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts a token server, keeping its key and certificate in `dir`. */
export async function startTokenServer(dir: string, options: TokenServerOptions = {}): Promise<TokenServer> {
  const keyPath = join(dir, 'token-key.pem');
  const certPath = join(dir, 'token-cert.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    keyPath,
    '-out',
    certPath,
    '-days',
    '2',
    '-subj',
    '/CN=ocikit test token issuer',
  ]);
  const key = await readFile(keyPath, 'utf8');
  const certPem = await readFile(certPath, 'utf8');
  const certDer = certPem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  const service = options.service ?? 'ocikit-test-registry';
  const issuer = options.issuer ?? 'ocikit-test-issuer';
  const settings: TokenServerOptions = { ...options };
  const requests: TokenServerRequest[] = [];
  let serial = 0;

  const issue = (user: string | undefined, scopes: string[]) => {
    const now = Math.floor(Date.now() / 1000);
    const grants = scopes
      .map(splitScope)
      .filter((s) => s !== undefined)
      .map((s) => ({
        type: s.type,
        name: s.name,
        actions: (settings.access ?? defaultAccess)(user, s.type, s.name, s.actions),
      }))
      .filter((g) => g.actions.length > 0);
    const header = { alg: 'RS256', typ: 'JWT', x5c: [certDer] };
    const claims = {
      iss: issuer,
      sub: user ?? '',
      aud: service,
      exp: now + 600,
      nbf: now - 10,
      iat: now,
      jti: `${now}-${++serial}`,
      access: grants,
    };
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    const signature = sign('RSA-SHA256', Buffer.from(signingInput), key);
    return `${signingInput}.${base64url(signature)}`;
  };

  const respond = (res: ServerResponse, token: string) => {
    const body: Record<string, unknown> = { issued_at: new Date().toISOString() };
    if (settings.fields !== 'access_token') body.token = token;
    if (settings.fields !== 'token') body.access_token = token;
    if (settings.expiresIn !== null) body.expires_in = settings.expiresIn ?? 300;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const deny = (res: ServerResponse, status: number) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        errors: [{ code: 'UNAUTHORIZED', message: 'access to the requested resource is not authorized' }],
      }),
    );
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/token') return deny(res, 404);
    if (req.method === 'POST') {
      const form = new URLSearchParams(await readBody(req));
      const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
      const record: TokenServerRequest = {
        method: 'POST',
        user: undefined,
        scopes,
        service: form.get('service'),
        status: 404,
        grantType: form.get('grant_type') ?? '',
      };
      requests.push(record);
      if (settings.refreshTokens === undefined) return deny(res, 404);
      const user = settings.refreshTokens[form.get('refresh_token') ?? ''];
      if (form.get('grant_type') !== 'refresh_token' || user === undefined) {
        record.status = 401;
        return deny(res, 401);
      }
      record.user = user;
      record.status = 200;
      return respond(res, issue(user, scopes));
    }
    const scopes = url.searchParams.getAll('scope');
    const record: TokenServerRequest = {
      method: req.method ?? '',
      user: undefined,
      scopes,
      service: url.searchParams.get('service'),
      status: 401,
    };
    requests.push(record);
    const authorization = req.headers.authorization;
    let user: string | undefined;
    if (authorization !== undefined) {
      const match = /^Basic (.+)$/i.exec(authorization);
      const decoded = match ? Buffer.from(match[1] as string, 'base64').toString('utf8') : '';
      const colon = decoded.indexOf(':');
      const name = decoded.slice(0, colon);
      if (colon < 0 || settings.users?.[name] !== decoded.slice(colon + 1)) return deny(res, 401);
      user = name;
      record.user = name;
    } else if (!settings.anonymousPull) {
      return deny(res, 401);
    }
    record.status = 200;
    return respond(res, issue(user, scopes));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => deny(res, 500));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    rootCertBundle: certPath,
    requests,
    options: settings,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
