/**
 * The explorer's HTTP handler: the JSON API under `api/` and the static pages, usable on its own
 * server (`ocikit explore`) or mounted under a prefix by another one (`ocikit serve` at `/ui/`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, OciError, toOciError } from '../errors/index.ts';
import type { TransportOptions } from '../transports/index.ts';
import { readAsset } from './assets.ts';
import { compareImages } from './compare.ts';
import { dagOf } from './dag.ts';
import { fileContent, findPath, imagePath, listDirectory, searchPaths } from './filesystem.ts';
import { type ExplorerImage, ImageCatalog } from './images.ts';
import { efficiency } from './layers/efficiency.ts';
import { layerFiles, MAX_PAGE, pageNumber } from './layers/files.ts';
import { layerSummaries } from './layers/summaries.ts';
import { layerDirectory } from './layers/tree.ts';
import { type ExplorerRepositories, RepositoryCatalogs } from './repositories.ts';
import { type TrustOptions, trustReport } from './trust/report.ts';

/** Options of {@link createExplorerHandler}: a fixed list of images, or a set of repositories. */
export interface ExplorerOptions {
  /** The images shown, in order (ids 0, 1, …); their sources stay open while the handler is used. */
  images?: ExplorerImage[];
  /** Repositories to browse instead (`ocikit serve`'s layouts), images named `NAME:TAG`. */
  repositories?: ExplorerRepositories;
  /** URL prefix the handler is mounted at (e.g. `/ui`); default none. */
  prefix?: string;
  /** Credentials and TLS for looking up referrers in registries. */
  transportOptions?: TransportOptions;
  /** Keys and policy the Trust page checks signatures against. */
  trust?: TrustOptions;
}

/** A request handler: answers every request (404 for what it does not know). */
export type ExplorerHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

const STATUS: Partial<Record<string, number>> = {
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.INVALID_DIGEST]: 400,
  [ErrorCode.UNSUPPORTED_DIGEST]: 400,
  [ErrorCode.UNSAFE_PATH]: 400,
  [ErrorCode.INVALID_ARGUMENT]: 400,
  [ErrorCode.INVALID_REFERENCE]: 400,
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

/** Most tags listed by `api/images` in repository mode (the compare page narrows them with `q`). */
const MAX_LISTED_IMAGES = 500;

/** Default page of a directory listing. */
const DEFAULT_PAGE = 200;

const INDEX_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

/** Creates the explorer's request handler over `options.images` or `options.repositories`. */
export function createExplorerHandler(options: ExplorerOptions): ExplorerHandler {
  const catalogs = (options.images ?? []).map((image) => new ImageCatalog(image, options.transportOptions));
  const repositories = options.repositories;
  const opened =
    repositories === undefined ? undefined : new RepositoryCatalogs(repositories, options.transportOptions);
  const prefix = (options.prefix ?? '').replace(/\/+$/, '');
  const trust = options.trust ?? {};

  const catalogAt = async (id: string): Promise<ImageCatalog> => {
    if (opened !== undefined) return opened.get(id);
    const catalog = /^\d{1,4}$/.test(id) ? catalogs[Number(id)] : undefined;
    if (catalog === undefined) throw notFound(`image ${JSON.stringify(id.slice(0, 300))}`);
    return catalog;
  };

  // `ID:ALG:HEX`: the digest is the last two `:`-separated parts (an id may hold a `:` itself).
  const imageOf = async (ref: string) => {
    const last = ref.lastIndexOf(':');
    const at = last <= 0 ? -1 : ref.lastIndexOf(':', last - 1);
    if (at <= 0)
      throw new OciError(
        ErrorCode.INVALID_ARGUMENT,
        `expected IMAGE:DIGEST, got ${JSON.stringify(ref.slice(0, 300))}`,
      );
    return (await catalogAt(ref.slice(0, at))).manifest(ref.slice(at + 1));
  };

  // `query`: only the images whose name holds it (case-insensitive), so a picker finds any tag.
  async function imageList(query: string): Promise<unknown[]> {
    const q = query.toLowerCase();
    if (repositories !== undefined) {
      const out: unknown[] = [];
      for (const name of await repositories.names()) {
        for (const t of await repositories.tags(name)) {
          if (out.length === MAX_LISTED_IMAGES) return out;
          if (!`${name}:${t.tag}`.toLowerCase().includes(q)) continue;
          out.push({
            id: `${name}:${t.tag}`,
            name: `${name}:${t.tag}`,
            digest: t.digest,
            mediaType: t.mediaType,
            kind: INDEX_TYPES.has(t.mediaType) ? 'index' : 'image',
          });
        }
      }
      return out;
    }
    const listed = await Promise.all(
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
    );
    return listed.filter((im) => im.name.toLowerCase().includes(q));
  }

  async function api(parts: string[], query: URLSearchParams, res: ServerResponse): Promise<void> {
    const page = () => ({
      offset: pageNumber(query.get('offset'), 0, 'offset'),
      limit: pageNumber(query.get('limit'), DEFAULT_PAGE, 'limit'),
    });
    if (parts.length === 1 && parts[0] === 'info') {
      return json(res, {
        mode: repositories === undefined ? 'images' : 'repositories',
        keys: (trust.keys ?? []).map((k) => k.name),
        policy: trust.policy?.name ?? null,
      });
    }
    if (parts.length === 1 && parts[0] === 'images') return json(res, await imageList(query.get('q') ?? ''));
    if (parts[0] === 'repositories' && repositories !== undefined) {
      if (parts.length === 1)
        return json(
          res,
          (await repositories.names()).map((name) => ({ name })),
        );
      if (parts.length === 3 && parts[2] === 'tags') {
        const name = parts[1] as string;
        return json(
          res,
          (await repositories.tags(name)).map((t) => ({ ...t, id: `${name}:${t.tag}` })),
        );
      }
      throw notFound('endpoint');
    }
    if (parts.length === 1 && parts[0] === 'compare') {
      const a = await imageOf(query.get('a') ?? '');
      const b = await imageOf(query.get('b') ?? '');
      return json(res, await compareImages(a, b));
    }
    if (parts[0] !== 'images' || parts[1] === undefined) throw notFound('endpoint');
    const catalog = await catalogAt(parts[1]);
    const [, , section, digest, what, layerIndex, sub] = parts;
    if (section === undefined) {
      return json(res, { name: catalog.image.name, dag: await dagOf(catalog) });
    }
    if (section === 'trust' && parts.length === 3)
      return json(res, await trustReport(catalog, trust, options.transportOptions));
    if (section === 'documents' && digest !== undefined && what === undefined) {
      const doc = await catalog.document(digest);
      res.setHeader('x-media-type', doc.descriptor.mediaType);
      return send(res, 200, 'application/json; charset=utf-8', doc.bytes);
    }
    if (section !== 'manifests' || digest === undefined) throw notFound('endpoint');
    const image = await catalog.manifest(digest);
    if (what === 'layers' && layerIndex === undefined) return json(res, await layerSummaries(image));
    if (what === 'layers' && layerIndex !== undefined && parts.length === 7) {
      const n = pageNumber(layerIndex, 0, 'layer');
      const { offset, limit } = page();
      if (sub === 'files') return json(res, await layerFiles(image, n, offset, limit));
      if (sub === 'tree')
        return json(res, await layerDirectory(image, n, imagePath(query.get('dir')), offset, limit));
    }
    if (what === 'efficiency' && parts.length === 5) return json(res, await efficiency(image));
    if (what === 'search' && parts.length === 5)
      return json(res, await searchPaths(image, query.get('q') ?? ''));
    if (what === 'fs' && parts.length === 5) {
      const path = imagePath(query.get('path'));
      const entry = path === '' ? undefined : await findPath(image, path);
      if (path !== '' && entry === undefined) throw notFound(`path /${path}`);
      if (entry !== undefined && entry.type !== 'directory') return json(res, { entry });
      const { offset, limit } = page();
      const size = Math.min(Math.max(limit, 1), MAX_PAGE);
      const all = await listDirectory(image, path);
      return json(res, {
        entry: entry ?? null,
        offset,
        limit: size,
        children: await all.slice(offset, offset + size),
        next: offset + size < all.length ? offset + size : null,
      });
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
      for await (const chunk of chunks) {
        // A client gone mid-download never drains: stop there (leaving the loop closes the layer).
        if (!res.write(chunk) && !(await drainedOrClosed(res))) break;
      }
      if (!res.destroyed) res.end();
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
      if (prefix !== '' && path === prefix) {
        // The pages use relative URLs: they must be loaded from the prefix's folder.
        res.writeHead(301, { ...HEADERS, location: `${prefix}/` });
        res.end();
        return;
      }
      if (prefix !== '') {
        if (path !== prefix && !path.startsWith(`${prefix}/`)) throw notFound('page');
        path = path.slice(prefix.length);
      }
      if (path === '' || path === '/') path = '/index.html';
      let parts: string[];
      try {
        parts = path.split('/').slice(1).map(decodeURIComponent);
      } catch {
        throw new OciError(ErrorCode.INVALID_ARGUMENT, 'the path is not valid percent-encoding');
      }
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

/** Resolves true when `res` can take more bytes, false when its connection closed first. */
function drainedOrClosed(res: ServerResponse): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const settle = (drained: boolean) => () => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(drained);
    };
    const onDrain = settle(true);
    const onClose = settle(false);
    res.once('drain', onDrain);
    res.once('close', onClose);
  });
}
