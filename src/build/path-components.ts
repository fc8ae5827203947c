/** Paths inside a root (a build context, an image's filesystem), folded the way BuildKit folds them. */

/** Root-relative components of a path, with `.`, `..` and empty parts folded lexically (clamped at the root). */
export function components(path: string): string[] {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out;
}
