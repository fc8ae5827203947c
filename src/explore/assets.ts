/**
 * The explorer's static pages, shipped in the package under `explore/assets/` (no CDN, no fonts or
 * scripts from elsewhere). Only the names listed here are served, read once from disk.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ErrorCode, OciError } from '../errors/index.ts';

/** The files served, by URL name, with their content types. */
export const ASSETS: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'dom.js': 'text/javascript; charset=utf-8',
  'tree.js': 'text/javascript; charset=utf-8',
  'trust.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

// Next to this module (src/explore, dist/explore), or beside the bundled command (dist/ocikit).
const CANDIDATES = ['./assets/', '../explore/assets/'];

function assetDir(): string {
  for (const candidate of CANDIDATES) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(`${dir}index.html`)) return dir;
  }
  throw new OciError(ErrorCode.NOT_FOUND, 'the explorer pages are missing from this installation');
}

const cache = new Map<string, Buffer>();

/** The bytes and content type of asset `name`; undefined for any name not in {@link ASSETS}. */
export async function readAsset(name: string): Promise<{ body: Buffer; type: string } | undefined> {
  const type = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (type === undefined) return undefined;
  let body = cache.get(name);
  if (body === undefined) {
    body = await readFile(`${assetDir()}${name}`);
    cache.set(name, body);
  }
  return { body, type };
}
