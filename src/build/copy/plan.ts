/**
 * What a COPY or ADD reads: each source expanded (wildcards, symlinks followed inside its root)
 * into the items to copy, as BuildKit's copy does it. A directory item stands for its contents,
 * a missing non-wildcard source is an error, a wildcard matching nothing is not. `--parents`
 * turns a source into its pivot directory (the part before `/./`, else the root) filtered by
 * the rest of the path.
 */
import type { BigIntStats } from 'node:fs';
import { ErrorCode, OciError } from '../../errors/index.ts';
import { goMatch, hasWildcards } from '../context/match.ts';
import { resolveIn, type SourceRoot } from '../context/root.ts';
import { expandSource, type WalkFilter } from '../context/walk.ts';
import type { IgnoreMatcher } from '../ignore/types.ts';
import { components } from '../path-components.ts';

/** One thing to copy: a file, symlink target, device or directory (whose contents are copied). */
export interface CopyItem {
  readonly kind: 'path';
  readonly root: SourceRoot;
  /** Root-relative real path (symlinks on it followed). */
  readonly path: string;
  readonly stats: BigIntStats;
  /** The name a non-directory keeps under a directory destination (the source's own base name). */
  readonly name: string;
  /** Filters for the walk of a directory item. */
  readonly filter: WalkFilter;
}

/** A heredoc source (`COPY <<EOF /dest`): a file named after its delimiter. */
export interface InlineItem {
  readonly kind: 'inline';
  readonly name: string;
  readonly content: Buffer;
}

/** Anything a COPY writes. */
export type SourceItem = CopyItem | InlineItem;

/** How the sources are to be read. */
export interface PlanOptions {
  readonly exclude?: IgnoreMatcher;
  /** `--parents`, with a factory of matchers for its patterns. */
  readonly parents?: (pattern: string) => IgnoreMatcher;
}

function notFound(root: SourceRoot, source: string): OciError {
  return new OciError(ErrorCode.NOT_FOUND, `${JSON.stringify(source)} not found in the ${root.label}`, {
    data: { source, root: root.label },
  });
}

/** The base name of a root-relative path ('' for the root). */
function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * True when something below `dirRel` could match `pattern` (its components compared one by one;
 * `**` may match any depth), so a `--parents` walk skips directories that cannot lead anywhere.
 */
export function mayLeadTo(pattern: string, dirRel: string): boolean {
  const want = components(pattern);
  const have = components(dirRel);
  for (let i = 0; i < have.length; i++) {
    const p = want[i];
    if (p === undefined) return false;
    if (p.includes('**')) return true;
    if (!goMatch(p, have[i] as string)) return false;
  }
  return true;
}

function parentsItems(root: SourceRoot, source: string, options: PlanOptions): CopyItem[] {
  const pivot = source.indexOf('/./');
  const base = pivot === -1 ? '' : source.slice(0, pivot);
  const pattern = components(pivot === -1 ? source : source.slice(pivot + 3)).join('/');
  const dir = resolveIn(root, base);
  if (dir.stats === undefined || !dir.stats.isDirectory()) {
    if (hasWildcards(base)) return [];
    throw notFound(root, source);
  }
  if (!hasWildcards(base) && !hasWildcards(pattern)) {
    const required = resolveIn(root, dir.path === '' ? pattern : `${dir.path}/${pattern}`, false);
    if (required.stats === undefined) throw notFound(root, source);
  }
  const matcher = (options.parents as (p: string) => IgnoreMatcher)(pattern);
  const filter: WalkFilter = {
    ...(options.exclude !== undefined ? { exclude: options.exclude } : {}),
    include: (rel, isDir) => {
      if (matcher.ignores(rel)) return 'take';
      return isDir && mayLeadTo(pattern, rel) ? 'descend' : 'skip';
    },
  };
  return [{ kind: 'path', root, path: dir.path, stats: dir.stats, name: baseName(dir.path), filter }];
}

/** The items one source names (see the module comment). */
export function planSource(root: SourceRoot, source: string, options: PlanOptions = {}): CopyItem[] {
  if (options.parents !== undefined) return parentsItems(root, source, options);
  const filter: WalkFilter = options.exclude !== undefined ? { exclude: options.exclude } : {};
  const wildcard = hasWildcards(source);
  const items: CopyItem[] = [];
  for (const match of expandSource(root, source)) {
    if (match.stats === undefined) {
      if (wildcard) continue;
      throw notFound(root, source);
    }
    // A match is copied through its symlinks (BuildKit follows links on source paths).
    const followed = match.stats.isSymbolicLink() ? resolveIn(root, match.path, true) : match;
    if (followed.stats === undefined) throw notFound(root, match.path === '' ? source : match.path);
    // `--exclude` applies to what a wildcard matched too, relative to where the wildcard starts.
    if (match.rel !== undefined && options.exclude?.ignores(match.rel) && !followed.stats.isDirectory()) {
      continue;
    }
    items.push({
      kind: 'path',
      root,
      path: followed.path,
      stats: followed.stats,
      name: baseName(match.path) || baseName(followed.path),
      filter,
    });
  }
  return items;
}
