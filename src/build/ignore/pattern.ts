/** One ignore pattern, compiled: does it match a path, could it match below a directory. */
import { TokenAutomaton } from './automaton.ts';
import { type CompiledPattern, compilePattern } from './compile.ts';

/** A cleaned, well-formed pattern, ready to match slash-separated relative paths. */
export class IgnorePattern {
  /** The pattern, cleaned, without its `!`. */
  readonly source: string;
  /** True for a `!` pattern, which re-includes what it matches. */
  readonly exception: boolean;
  private readonly compiled: CompiledPattern;
  private readonly automaton: TokenAutomaton | undefined;

  constructor(source: string, exception: boolean) {
    this.source = source;
    this.exception = exception;
    this.compiled = compilePattern(source);
    this.automaton = this.compiled.kind === 'tokens' ? new TokenAutomaton(this.compiled.tokens) : undefined;
  }

  /** True when the pattern matches `path` itself. */
  matches(path: string): boolean {
    const c = this.compiled;
    switch (c.kind) {
      case 'exact':
        return path === c.text;
      case 'prefix':
        return path.startsWith(c.text);
      case 'suffix':
        return path.endsWith(c.text) || (c.text.startsWith('/') && path === c.text.slice(1));
      case 'tokens':
        return this.automaton!.matches(path);
    }
  }

  /** True when the pattern matches `path` or one of its parent directories. */
  matchesOrParent(path: string): boolean {
    if (this.matches(path)) return true;
    for (let slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
      if (this.matches(path.slice(0, slash))) return true;
    }
    return false;
  }

  /** True when the pattern may match `directory`, a parent of it, or some path below it. */
  mayMatchAtOrBelow(directory: string): boolean {
    if (this.matchesOrParent(directory)) return true;
    const below = `${directory}/`;
    const c = this.compiled;
    switch (c.kind) {
      case 'exact':
        return c.text.startsWith(below);
      case 'prefix':
        return c.text.startsWith(below) || below.startsWith(c.text);
      case 'suffix':
        return true;
      case 'tokens':
        return this.automaton!.alive(below);
    }
  }
}
