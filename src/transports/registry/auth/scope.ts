/**
 * Token-auth scopes (distribution token spec "Scope", spec-checklist §4.12 item 6): formatting,
 * parsing and the canonical merged set used as a token cache key.
 */

/** A token-auth scope (distribution token spec "scope"): `repository:NAME:pull,push`. */
export interface AuthScope {
  type: 'repository' | 'registry';
  name: string;
  actions: string[];
}

/** A parsed scope whose type may be any resource type a registry names (e.g. `repository(plugin)`). */
export interface ResourceScope {
  type: string;
  name: string;
  actions: string[];
}

/** Formats a scope as `type:name:action,action` (the string sent in `scope=`). */
export function formatScope(scope: ResourceScope): string {
  return `${scope.type}:${scope.name}:${scope.actions.join(',')}`;
}

/**
 * Parses one resource scope. The name may hold a `host:port`, so the type ends at the FIRST
 * colon and the actions start after the LAST one (spec-checklist §10.24). Returns undefined
 * when there are fewer than two colons or an empty type or name.
 */
export function parseScope(text: string): ResourceScope | undefined {
  const first = text.indexOf(':');
  const last = text.lastIndexOf(':');
  if (first <= 0 || last === first) return undefined;
  const name = text.slice(first + 1, last);
  if (name === '') return undefined;
  const actions = text
    .slice(last + 1)
    .split(',')
    .filter((a) => a !== '');
  return { type: text.slice(0, first), name, actions };
}

/** Parses a space-separated scope list (the `scope` challenge parameter), skipping unreadable entries. */
export function parseScopeList(text: string): ResourceScope[] {
  return text
    .split(' ')
    .map(parseScope)
    .filter((s): s is ResourceScope => s !== undefined);
}

/**
 * Merges scopes naming the same resource (union of actions), sorts resources and actions, and
 * returns their formatted strings (resources without actions dropped): equal sets of needs give
 * equal lists, whatever the order.
 */
export function canonicalScopes(scopes: readonly ResourceScope[]): string[] {
  const byResource = new Map<string, Set<string>>();
  for (const scope of scopes) {
    const key = `${scope.type}:${scope.name}`;
    let actions = byResource.get(key);
    if (actions === undefined) {
      actions = new Set();
      byResource.set(key, actions);
    }
    for (const action of scope.actions) actions.add(action);
  }
  return [...byResource]
    .filter(([, actions]) => actions.size > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([resource, actions]) => `${resource}:${[...actions].sort().join(',')}`);
}
