/**
 * Tag and repository lists (spec.md "Listing Tags", and the `_catalog` extension): sorted
 * lexically, paginated with `n` and `last`, with a `Link: <…>; rel="next"` header when more remain.
 */
import { refNameOf, tagOfRefName } from '../store/index.ts';
import { SpecCode, serveError } from './errors.ts';
import { sendJson } from './http.ts';
import { isTag } from './names.ts';
import type { RequestContext } from './options.ts';

/** Most entries in one page when the client asks for more (or for none in particular). */
const MAX_PAGE = 10_000;

/** GET `/v2/<name>/tags/list[?n=&last=]`. */
export async function listTags(ctx: RequestContext): Promise<void> {
  const repo = await ctx.repositories.open(ctx.name);
  const index = await ctx.repositories.index(repo);
  const tags = new Set<string>();
  for (const entry of index.manifests) {
    const name = refNameOf(entry);
    const tag = name === undefined ? undefined : isTag(name) ? name : tagOfRefName(name);
    if (tag !== undefined && isTag(tag)) tags.add(tag);
  }
  const page = paginate([...tags].sort(compare), ctx.query, `/v2/${ctx.name}/tags/list`);
  sendJson(ctx.res, 200, { name: ctx.name, tags: page.items }, page.headers);
}

/** GET `/v2/_catalog[?n=&last=]`. */
export async function listCatalog(ctx: RequestContext): Promise<void> {
  const names = await ctx.repositories.names();
  const page = paginate(names, ctx.query, '/v2/_catalog');
  sendJson(ctx.res, 200, { repositories: page.items }, page.headers);
}

/** One page of the sorted `items` after `last`, at most `n` long, and the Link to the next page. */
export function paginate(
  items: string[],
  query: URLSearchParams,
  path: string,
): { items: string[]; headers: Record<string, string> } {
  const nParam = query.get('n');
  let n = MAX_PAGE;
  if (nParam !== null) {
    if (!/^\d{1,9}$/.test(nParam)) {
      throw serveError(SpecCode.UNSUPPORTED, 400, 'n must be a non-negative integer', {
        n: nParam.slice(0, 20),
      });
    }
    n = Math.min(Number(nParam), MAX_PAGE);
  }
  const last = query.get('last');
  const after = last === null ? items : items.filter((item) => compare(item, last) > 0);
  const page = after.slice(0, n);
  const headers: Record<string, string> = {};
  if (page.length > 0 && after.length > page.length) {
    const next = new URLSearchParams({ n: String(n), last: page[page.length - 1] as string });
    headers.Link = `<${path}?${next.toString()}>; rel="next"`;
  }
  return { items: page, headers };
}

/** Lexical (code unit) order, as the spec asks for tags. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
