/**
 * Matching a token sequence against a path by simulating its automaton, one character at a time
 * with the set of live positions: time proportional to path length times pattern length, where
 * a backtracking regular expression with several `**` can take exponential time.
 */
import { inClass, type PatternToken } from './tokens.ts';

/** The automaton of one token sequence. */
export class TokenAutomaton {
  private readonly tokens: readonly PatternToken[];
  /** States 0..m are "before token i" (m accepts); m+1+i is "inside the `**`-then-`/` of token i". */
  private readonly size: number;

  constructor(tokens: readonly PatternToken[]) {
    this.tokens = tokens;
    this.size = 2 * tokens.length + 1;
  }

  /** True when the whole of `text` matches. */
  matches(text: string): boolean {
    return this.run(text)[this.tokens.length] === 1;
  }

  /** True when some continuation of `text` could still match (some state is live after it). */
  alive(text: string): boolean {
    return this.run(text).includes(1);
  }

  private run(text: string): Uint8Array {
    let live = this.closure([0]);
    for (const ch of text) {
      live = this.step(live, ch);
      if (!live.includes(1)) break;
    }
    return live;
  }

  private step(live: Uint8Array, ch: string): Uint8Array {
    const m = this.tokens.length;
    const next: number[] = [];
    for (let state = 0; state < this.size; state++) {
      if (live[state] !== 1) continue;
      if (state > m) {
        if (ch !== '\n') next.push(state);
        if (ch === '/') next.push(state - m);
        continue;
      }
      const token = this.tokens[state];
      if (token === undefined) continue;
      switch (token.kind) {
        case 'char':
          if (ch === token.ch) next.push(state + 1);
          break;
        case 'one':
          if (ch !== '/') next.push(state + 1);
          break;
        case 'class':
          if (inClass(token, ch)) next.push(state + 1);
          break;
        case 'star':
          if (ch !== '/') next.push(state);
          break;
        case 'rest':
          if (ch !== '\n') next.push(state);
          break;
        case 'dirs':
          break;
      }
    }
    return this.closure(next);
  }

  /** The states reachable from `states` without reading a character. */
  private closure(states: number[]): Uint8Array {
    const m = this.tokens.length;
    const set = new Uint8Array(this.size);
    const stack = [...states];
    while (stack.length > 0) {
      const state = stack.pop()!;
      if (set[state] === 1) continue;
      set[state] = 1;
      const kind = state < m ? this.tokens[state]!.kind : undefined;
      if (kind === 'star' || kind === 'rest') stack.push(state + 1);
      else if (kind === 'dirs') stack.push(state + 1, m + 1 + state);
    }
    return set;
  }
}
