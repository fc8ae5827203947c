/**
 * Finding what a COPY source names inside a {@link SourceRoot}: wildcard expansion as BuildKit
 * does it (fsutil's ResolveWildcards: the path is split at its first component with a wildcard,
 * the part before is resolved, and the tree below it is searched for names matching the rest,
 * a matching directory taken whole), and the walk of a directory's contents, sorted byte-wise,
 * without following symlinks, leaving out what .dockerignore hides and what `--exclude` names.
 */
import type { BigIntStats } from 'node:fs';
import { lstatBig, sortedChildren } from '../../tar/walk.ts';
import type { IgnoreMatcher } from '../ignore/types.ts';
import { components } from '../path-components.ts';
import { goMatch, hasWildcards } from './match.ts';
import { absolute, hidden, type Resolved, resolveIn, type SourceRoot } from './root.ts';

/** A path a source names; for a wildcard match, `rel` is its path below the part before the wildcard. */
export type SourceMatch = Resolved & { readonly rel?: string };

/**
 * The paths a source names: itself when it has no wildcard (possibly missing: `stats`
 * undefined), otherwise every match in byte-wise order (none is not an error: BuildKit allows an
 * empty wildcard match).
 */
export function expandSource(root: SourceRoot, source: string): SourceMatch[] {
  const parts = components(source);
  const first = parts.findIndex((p) => hasWildcards(p));
  if (first === -1) return [resolveIn(root, parts.join('/'), false)];
  const base = resolveIn(root, parts.slice(0, first).join('/'));
  if (base.stats === undefined || !base.stats.isDirectory()) return [];
  const pattern = parts.slice(first).join('/');
  const depth = parts.length - first;
  const out: SourceMatch[] = [];
  const visit = (rel: string, level: number): void => {
    const dir = rel === '' ? base.path : base.path === '' ? rel : `${base.path}/${rel}`;
    for (const name of sortedChildren(absolute(root, dir))) {
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const path = dir === '' ? name : `${dir}/${name}`;
      const stats = lstatBig(absolute(root, path));
      if (hidden(root, path, stats.isDirectory())) continue;
      if (goMatch(pattern, childRel)) {
        out.push({ path, stats, rel: childRel });
        continue;
      }
      // `*` never matches `/`: a match has exactly as many components as the pattern.
      if (stats.isDirectory() && level + 1 < depth) visit(childRel, level + 1);
    }
  };
  visit('', 0);
  return out;
}

/** One entry below a copied directory. */
export interface TreeEntry {
  /** Path relative to the copied directory. */
  readonly rel: string;
  /** Root-relative path (for .dockerignore and messages). */
  readonly path: string;
  readonly abs: string;
  readonly stats: BigIntStats;
}

/** Filters of a directory walk. */
export interface WalkFilter {
  /** `--exclude` patterns, matched against paths relative to the copied directory. */
  readonly exclude?: IgnoreMatcher;
  /** `--parents` patterns: only matching paths (and the directories leading to them) are taken. */
  readonly include?: (rel: string, isDir: boolean) => 'take' | 'descend' | 'skip';
}

/**
 * Every entry below the directory `dir` of `root`, depth-first in byte-wise order with each
 * directory before its contents, symlinks not followed, hidden and excluded paths left out (an
 * excluded directory is still entered when a `!` pattern may re-include something below it,
 * but is then not itself `taken`: a writer emits it only as the parent of something taken).
 */
export function* walkContents(
  root: SourceRoot,
  dir: string,
  filter: WalkFilter = {},
): Generator<TreeEntry & { readonly taken: boolean }> {
  function* visit(relDir: string): Generator<TreeEntry & { taken: boolean }> {
    const absDir = absolute(root, relDir === '' ? dir : dir === '' ? relDir : `${dir}/${relDir}`);
    for (const name of sortedChildren(absDir)) {
      const rel = relDir === '' ? name : `${relDir}/${name}`;
      const path = dir === '' ? rel : `${dir}/${rel}`;
      const abs = `${absDir}/${name}`;
      const stats = lstatBig(abs);
      if (stats.isSocket()) continue;
      const isDir = stats.isDirectory();
      // A directory .dockerignore excludes is entered when a `!` pattern may re-include something
      // below it, and then appears only as the parent of what is re-included.
      const ignored = root.ignore?.ignores(path) === true;
      if (ignored && !(isDir && root.ignore?.mayReinclude(path))) continue;
      let taken = !ignored;
      if (filter.exclude?.ignores(rel)) {
        if (!(isDir && filter.exclude.mayReinclude(rel))) continue;
        taken = false;
      }
      if (filter.include !== undefined) {
        const verdict = filter.include(rel, isDir);
        if (verdict === 'skip') continue;
        if (verdict === 'descend') taken = false;
      }
      yield { rel, path, abs, stats, taken };
      if (isDir) yield* visit(rel);
    }
  }
  yield* visit('');
}
