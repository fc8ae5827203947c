/**
 * The contract of `.dockerignore` matching (moby's patternmatcher semantics): patterns are
 * cleaned, matched in order, the last match wins, `!` re-includes, and a pattern that matches a
 * parent directory matches everything under it.
 */

/** Decides which context paths a build may see. */
export interface IgnoreMatcher {
  /** True when `path` (slash-separated, relative to the context root, no leading `./`) is excluded. */
  ignores(path: string): boolean;
  /**
   * True when an excluded directory may still hold re-included paths (a later `!` pattern could
   * match below it), so a walker must descend into it instead of skipping it whole.
   */
  mayReinclude(directory: string): boolean;
}
