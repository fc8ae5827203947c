/** URL handling of the distribution protocol: Location resolution, query appending, Link parsing, redaction. */

/** Query parameters whose values may be secrets (signed storage URLs, upload state) and are never shown. */
const PUBLIC_QUERY_KEYS = new Set(['n', 'last', 'digest', 'mount', 'from', 'artifactType', 'tag']);

/**
 * A URL safe to show or log: userinfo removed, and the value of every query parameter not known
 * to be harmless replaced by `REDACTED` (signed redirect URLs and `_state` carry secrets).
 */
export function redactUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    return '<invalid url>';
  }
  parsed.username = '';
  parsed.password = '';
  for (const key of [...parsed.searchParams.keys()]) {
    if (!PUBLIC_QUERY_KEYS.has(key)) parsed.searchParams.set(key, 'REDACTED');
  }
  return parsed.toString();
}

/**
 * Resolves a `Location` (or `Link`) value against the URL of the request that returned it,
 * keeping it verbatim otherwise (distribution-spec "Pushing blobs": use the location as given).
 */
export function resolveLocation(location: string, requestUrl: string | URL): URL {
  return new URL(location, requestUrl);
}

/**
 * Adds query parameters to a URL without touching the ones already there (`?` or `&` as needed,
 * distribution-spec: "append digest with & when ? is present").
 */
export function withQuery(url: URL, params: Record<string, string>): URL {
  const out = new URL(url.toString());
  const extra = new URLSearchParams(params).toString();
  if (extra === '') return out;
  out.search = out.search === '' || out.search === '?' ? `?${extra}` : `${out.search}&${extra}`;
  return out;
}

/**
 * The `rel="next"` target of an RFC 8288 `Link` header, resolved against the request URL, if any.
 * Parsed by hand in one linear pass: a backtracking regex over a hostile 16 KB header is quadratic.
 */
export function nextLink(link: string | string[] | undefined, requestUrl: URL): URL | undefined {
  if (link === undefined) return undefined;
  const values = Array.isArray(link) ? link : [link];
  for (const value of values) {
    for (const { target, params } of linkValues(value)) {
      if (relationTypes(params).includes('next')) return resolveLocation(target, requestUrl);
    }
  }
  return undefined;
}

/** The link-values of one `Link` header (RFC 8288 §3): `<target>` and the text of its parameters. */
function* linkValues(header: string): Generator<{ target: string; params: string }> {
  let at = 0;
  while (at < header.length) {
    const open = header.indexOf('<', at);
    if (open < 0) return;
    const close = header.indexOf('>', open + 1);
    if (close < 0) return;
    // The parameters end at the first comma outside a quoted string.
    let end = close + 1;
    for (let quoted = false; end < header.length; end++) {
      const c = header.charCodeAt(end);
      if (c === 0x22 /* " */) quoted = !quoted;
      else if (c === 0x5c /* \ */ && quoted) end++;
      else if (c === 0x2c /* , */ && !quoted) break;
    }
    yield { target: header.slice(open + 1, close), params: header.slice(close + 1, end) };
    at = end + 1;
  }
}

/** The lower-cased relation types of a link-value's `rel` parameter (RFC 8288 §3.3), if any. */
function relationTypes(params: string): string[] {
  for (const param of params.split(';')) {
    const eq = param.indexOf('=');
    if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== 'rel') continue;
    let value = param.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    return value.toLowerCase().split(/[ \t]+/);
  }
  return [];
}

/** True when two URLs share scheme, host and port (credentials may only go to the same origin). */
export function sameOrigin(a: URL, b: URL): boolean {
  return a.origin === b.origin;
}
