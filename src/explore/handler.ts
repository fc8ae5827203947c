/**
 * The explorer's HTTP handler: the JSON API under `api/` and the static pages, usable on its own
 * server (`ocikit explore`) or mounted under a prefix by another one (`ocikit serve` at `/ui/`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, OciError, toOciError } from '../errors/index.ts';
import { diffImages } from '../mutate/diff.ts';
import type { TransportOptions } from '../transports/index.ts';
import { readAsset } from './assets.ts';
import { dagOf } from './dag.ts';
import { efficiency } from './efficiency.ts';
import { fileContent, findPath, imagePath, listDirectory, searchPaths } from './filesystem.ts';
import { type ExplorerImage, ImageCatalog } from './images.ts';
import { layerFiles, pageNumber } from './layer-files.ts';
import { layerSummaries } from './layers.ts';

/** Options of {@link createExplorerHandler}. */
export interface ExplorerOptions {
  /** The images shown, in order; their sources stay open while the handler is used. */
  images: ExplorerImage[];
  /** URL prefix the handler is mounted at (e.g. `/ui`); default none. */
  prefix?: string;
  /** Credentials and TLS for looking up referrers in registries. */
  transportOptions?: TransportOptions;
}

/** A request handler: answers every request (404 for what it does not know). */
export type ExplorerHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

const STATUS: Partial<Record<string, number>> = {
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.INVALID_DIGEST]: 400,
  [ErrorCode.UNSUPPORTED_DIGEST]: 400,
  [ErrorCode.UNSAFE_PATH]: 400,
  [ErrorCode.INVALID_ARGUMENT]: 400,
  [ErrorCode.UNAUTHORIZED]: 502,
};

const HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

function send(res: ServerResponse, status: number, type: string, body: string | Buffer | Uint8Array): void {
  res.writeHead(status, { ...HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function json(res: ServerResponse, value: unknown): void {
  send(res, 200, 'application/json; charset=utf-8', JSON.stringify(value));
}

function notFound(what: string): OciError {
  return new OciError(ErrorCode.NOT_FOUND, `no such ${what}`);
}

/** Creates the explorer's request handler over `images`. */
export function createExplorerHandler(options: ExplorerOptions): ExplorerHandler {
  const catalogs = options.images.map((image) => new ImageCatalog(image, options.transportOptions));
  const prefix = (options.prefix ?? '').replace(/\/+$/, '');

  const catalogAt = (id: string): ImageCatalog => {
    const catalog = /^\d{1,4}$/.test(id) ? catalogs[Number(id)] : undefined;
    if (catalog === undefined) throw notFound(`image ${JSON.stringify(id)}`);
    return catalog;
  };

  const imageOf = async (ref: string) => {
    const at = ref.indexOf(':');
    if (at === -1)
      throw new OciError(ErrorCode.INVALID_ARGUMENT, `expected IMAGE:DIGEST, got ${JSON.stringify(ref)}`);
    return catalogAt(ref.slice(0, at)).manifest(ref.slice(at + 1));
  };

  async function api(parts: string[], query: URLSearchParams, res: ServerResponse): Promise<void> {
    if (parts.length === 1 && parts[0] === 'images') {
      return json(
        res,
        await Promise.all(
          catalogs.map(async (c, id) => {
            const top = await c.top();
            return {
              id,
              name: c.image.name,
              digest: top.descriptor.digest,
              mediaType: top.descriptor.mediaType,
              kind: top.kind,
            };
          }),
        ),
      );
    }
    if (parts.length === 1 && parts[0] === 'compare') {
      const a = await imageOf(query.get('a') ?? '');
      const b = await imageOf(query.get('b') ?? '');
      return json(res, await diffImages(a, b));
    }
    if (parts[0] !== 'images' || parts[1] === undefined) throw notFound('endpoint');
    const catalog = catalogAt(parts[1]);
    const [, , section, digest, what, layerIndex, sub] = parts;
    if (section === undefined) {
      return json(res, {
        name: catalog.image.name,
        dag: await dagOf(catalog),
        referrers: await catalog.referrers(),
      });
    }
    if (section === 'documents' && digest !== undefined && what === undefined) {
      const doc = await catalog.document(digest);
      res.setHeader('x-media-type', doc.descriptor.mediaType);
      return send(res, 200, 'application/json; charset=utf-8', doc.bytes);
    }
    if (section !== 'manifests' || digest === undefined) throw notFound('endpoint');
    const image = await catalog.manifest(digest);
    if (what === 'layers' && layerIndex === undefined) return json(res, await layerSummaries(image));
    if (what === 'layers' && layerIndex !== undefined && sub === 'files' && parts.length === 7) {
      const n = pageNumber(layerIndex, 0, 'layer');
      return json(
        res,
        await layerFiles(
          image,
          n,
          pageNumber(query.get('offset'), 0, 'offset'),
          pageNumber(query.get('limit'), 200, 'limit'),
        ),
      );
    }
    if (what === 'efficiency' && parts.length === 5) return json(res, await efficiency(image));
    if (what === 'search' && parts.length === 5)
      return json(res, await searchPaths(image, query.get('q') ?? ''));
    if (what === 'fs' && parts.length === 5) {
      const path = imagePath(query.get('path'));
      const entry = path === '' ? undefined : await findPath(image, path);
      if (path !== '' && entry === undefined) throw notFound(`path /${path}`);
      if (entry !== undefined && entry.type !== 'directory') return json(res, { entry });
      return json(res, { entry: entry ?? null, children: await listDirectory(image, path) });
    }
    if (what === 'fs' && layerIndex === 'content' && parts.length === 6) {
      const path = imagePath(query.get('path'));
      const entry = path === '' ? undefined : await findPath(image, path);
      if (entry === undefined || (entry.type !== 'file' && entry.type !== 'link'))
        throw notFound(`file /${path}`);
      const chunks = fileContent(image, entry);
      const first = await chunks.next(); // fails before the headers when the file cannot be read
      const name = entry.name.replace(/[^\w.-]/g, '_') || 'file';
      res.writeHead(200, {
        ...HEADERS,
        'content-type': 'application/octet-stream',
        'content-length': entry.size,
        'content-disposition': query.get('download') === '1' ? `attachment; filename="${name}"` : 'inline',
      });
      if (!first.done) res.write(first.value);
      for await (const chunk of chunks) if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
      res.end();
      return;
    }
    throw notFound('endpoint');
  }

  return async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://explorer.invalid');
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return send(
          res,
          405,
          'application/json',
          JSON.stringify({ error: { code: 'METHOD_NOT_ALLOWED', message: 'only GET' } }),
        );
      }
      let path = url.pathname;
      if (prefix !== '') {
        if (path !== prefix && !path.startsWith(`${prefix}/`)) throw notFound('page');
        path = path.slice(prefix.length);
      }
      if (path === '' || path === '/') path = '/index.html';
      const parts = path.split('/').slice(1).map(decodeURIComponent);
      if (parts[0] === 'api') return await api(parts.slice(1), url.searchParams, res);
      if (parts.length === 1) {
        const asset = await readAsset(parts[0] as string);
        if (asset !== undefined) return send(res, 200, asset.type, asset.body);
      }
      throw notFound('page');
    } catch (err) {
      const error = toOciError(err);
      const status = STATUS[error.code] ?? 500;
      if (res.headersSent) {
        res.destroy(error);
        return;
      }
      send(
        res,
        status,
        'application/json; charset=utf-8',
        JSON.stringify({ error: { code: error.code, message: error.message } }),
      );
    }
  };
}
