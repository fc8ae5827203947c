/**
 * The request handler: authentication, the route table of spec.md ("Endpoints" end-1 … end-13,
 * plus `_catalog`), and errors as the spec's JSON bodies. Paths are matched raw (never decoded),
 * so `%2e%2e` and `..` are simply names that fail the grammar.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authenticator } from './auth.ts';
import { unauthorized } from './auth.ts';
import { deleteBlob, getBlob } from './blobs.ts';
import { asServeError, SpecCode, serveError } from './errors.ts';
import { send, sendError } from './http.ts';
import { listCatalog, listTags } from './listing.ts';
import { deleteManifest, getManifest, putManifest } from './manifests.ts';
import { checkRepositoryName } from './names.ts';
import type { RequestContext, ServeOptions } from './options.ts';
import { listReferrers } from './referrers.ts';
import type { Repositories } from './repositories.ts';
import type { UploadSessions } from './upload-sessions.ts';
import { cancelUpload, finishUpload, patchUpload, startUpload, uploadStatus } from './uploads.ts';

type Handler = (ctx: RequestContext) => Promise<void> | void;

/** Routes: a path pattern (name, then reference) and a handler per method. */
const ROUTES: { pattern: RegExp; methods: Record<string, Handler> }[] = [
  { pattern: /^\/v2\/(.+)\/tags\/list$/, methods: { GET: listTags } },
  {
    pattern: /^\/v2\/(.+)\/manifests\/([^/]+)$/,
    methods: { GET: getManifest, HEAD: getManifest, PUT: putManifest, DELETE: deleteManifest },
  },
  { pattern: /^\/v2\/(.+)\/blobs\/uploads\/?()$/, methods: { POST: startUpload } },
  {
    pattern: /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/,
    methods: { GET: uploadStatus, PATCH: patchUpload, PUT: finishUpload, DELETE: cancelUpload },
  },
  { pattern: /^\/v2\/(.+)\/blobs\/([^/]+)$/, methods: { GET: getBlob, HEAD: getBlob, DELETE: deleteBlob } },
  { pattern: /^\/v2\/(.+)\/referrers\/([^/]+)$/, methods: { GET: listReferrers } },
];

const READS = new Set(['GET', 'HEAD']);
/** Longest request target accepted (a longer one is 414 before anything else). */
const MAX_URL = 8192;

/** What the handler serves. */
export interface HandlerParts {
  repositories: Repositories;
  uploads: UploadSessions;
  authenticator: Authenticator | undefined;
  options: ServeOptions;
}

/** A `node:http` request listener serving the distribution-spec over `parts.repositories`. */
export function createRequestListener(
  parts: HandlerParts,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const settings = {
    maxManifestBytes: parts.options.maxManifestBytes ?? 4 * 1024 * 1024,
    readOnly: parts.options.readOnly ?? false,
  };
  return async (req, res) => {
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    try {
      const url = req.url ?? '/';
      if (url.length > MAX_URL) throw serveError(SpecCode.NAME_INVALID, 414, 'request target too long');
      const q = url.indexOf('?');
      const path = q === -1 ? url : url.slice(0, q);
      const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
      const method = req.method ?? 'GET';
      await authenticate(parts, req, res, path, method);
      const mount = parts.options.mount;
      if (mount !== undefined && (path === mount.prefix || path.startsWith(`${mount.prefix}/`))) {
        await mount.handle(req, res);
        return;
      }
      if (path === '/v2/' || path === '/v2') {
        if (!READS.has(method)) throw unsupported(method);
        send(res, 200, { 'Content-Type': 'application/json' }, '{}');
        return;
      }
      if (path === '/v2/_catalog') {
        if (method !== 'GET') throw unsupported(method);
        await listCatalog(context(parts, settings, req, res, query, '', ''));
        return;
      }
      for (const route of ROUTES) {
        const match = route.pattern.exec(path);
        if (match === null) continue;
        const handler = route.methods[method];
        if (handler === undefined) throw unsupported(method);
        const name = checkRepositoryName(match[1] as string);
        if (settings.readOnly && !READS.has(method)) {
          throw serveError(SpecCode.UNSUPPORTED, 405, 'the registry is read-only');
        }
        await handler(context(parts, settings, req, res, query, name, match[2] ?? ''));
        return;
      }
      throw serveError(SpecCode.NAME_INVALID, 404, 'no such endpoint (or an invalid repository name)');
    } catch (err) {
      req.resume();
      sendError(res, asServeError(err));
    }
  };
}

async function authenticate(
  parts: HandlerParts,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  method: string,
): Promise<void> {
  if (parts.authenticator === undefined) return;
  const header = req.headers.authorization;
  const ping = path === '/v2/' || path === '/v2';
  // Anonymous reads need no credentials, but the ping still challenges: a client learns from it
  // that it may log in (containers/image sends credentials only after a challenge).
  // containers/image answers a Basic challenge without credentials with an empty pair (`:`).
  const anonymous = header === undefined || /^Basic\s+Og==$/i.test(header.trim());
  if (anonymous && parts.options.anonymousRead === true && READS.has(method) && !ping) return;
  const user = await parts.authenticator.check(header).catch((err: unknown) => {
    throw err instanceof Error ? err : unauthorized('authentication required');
  });
  (res as ServerResponse & { user?: string }).user = user;
}

function context(
  parts: HandlerParts,
  options: RequestContext['options'],
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  name: string,
  ref: string,
): RequestContext {
  return { req, res, repositories: parts.repositories, uploads: parts.uploads, options, query, name, ref };
}

function unsupported(method: string) {
  return serveError(SpecCode.UNSUPPORTED, 405, `method ${method.slice(0, 20)} not allowed here`);
}
