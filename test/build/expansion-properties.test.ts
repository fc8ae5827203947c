/**
 * Properties of word expansion over generated input: any word either expands or fails with an
 * OciError; escaping and quoting give back the text; pattern removal and replacement agree with
 * leftmost-first regular-expression matching (BuildKit builds Go regexps for them).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createShellLexer } from '../../src/build/shell/index.ts';
import { OciError } from '../../src/errors/index.ts';

const SPECIALS = ['$', '{', '}', ':', '-', '+', '?', '#', '%', '/', '\\', '`', "'", '"', ' ', '*', '\n', '<'];
const wordChars = fc.oneof(
  fc.constantFrom(...SPECIALS),
  fc.constantFrom('A', 'B', 'x', '1', '_', 'é', '🚀'),
  fc.string({ maxLength: 1 }),
);
const hostileWord = fc.array(wordChars, { maxLength: 40 }).map((chars) => chars.join(''));
const env = new Map([
  ['A', 'a b'],
  ['B', ''],
  ['x', '*?'],
]);

test('any word expands or fails with an OciError, in both lexers and every mode', () => {
  const lexers = [
    createShellLexer('\\'),
    createShellLexer('`'),
    createShellLexer('\\', { rawQuotes: true, rawEscapes: true, skipUnsetEnv: true }),
    createShellLexer('\\', { skipProcessQuotes: true }),
  ];
  fc.assert(
    fc.property(hostileWord, (word) => {
      for (const lexer of lexers) {
        for (const run of [() => lexer.processWord(word, env), () => lexer.processWords(word, env)]) {
          try {
            run();
          } catch (err) {
            if (!(err instanceof OciError)) throw err;
            assert.ok(err.code === 'INVALID_ARGUMENT' || err.code === 'UNSUPPORTED', err.code);
          }
        }
      }
    }),
    { numRuns: 3000 },
  );
});

const anyText = fc.string({ unit: fc.oneof(fc.constantFrom(...SPECIALS), fc.constantFrom('a', 'é', '🚀')) });

/** Every character escaped with the lexer's escape character. */
const escapeAll = (text: string, escapeChar: string): string =>
  [...text].map((ch) => escapeChar + ch).join('');

/** Double quotes, escaping the three characters that are special inside them. */
const doubleQuote = (text: string, escapeChar: string): string =>
  `"${[...text].map((ch) => (ch === '"' || ch === '$' || ch === escapeChar ? escapeChar + ch : ch)).join('')}"`;

/** Single quotes, closing and escaping around each single quote. */
const singleQuote = (text: string, escapeChar: string): string =>
  `'${text.split("'").join(`'${escapeChar}''`)}'`;

for (const escapeChar of ['\\', '`'] as const) {
  test(`escaping or quoting any text gives it back, as one word (escape ${escapeChar})`, () => {
    const lexer = createShellLexer(escapeChar);
    fc.assert(
      fc.property(anyText, (text) => {
        for (const word of [
          escapeAll(text, escapeChar),
          doubleQuote(text, escapeChar),
          singleQuote(text, escapeChar),
        ]) {
          assert.equal(lexer.processWord(word, env).result, text, word);
          assert.deepEqual(lexer.processWords(word, env).result, text === '' ? [] : [text], word);
        }
      }),
      { numRuns: 1000 },
    );
  });
}

/**
 * The regular expression BuildKit would build for a pattern of literal characters, ? and * (the
 * generated patterns below have no escapes), with Go's `.` (anything but a newline).
 */
const regexFor = (pattern: string, greedy: boolean, anchored: boolean): RegExp => {
  const body = [...pattern]
    .map((ch) => {
      if (ch === '*') return greedy ? '[^\\n]*' : '[^\\n]*?';
      if (ch === '?') return '[^\\n]';
      return ch.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
    })
    .join('');
  return new RegExp((anchored ? '^' : '') + body, 'u');
};
const reverse = (s: string): string => [...s].reverse().join('');

const globPattern = fc.array(fc.constantFrom('a', 'b', '*', '?'), { maxLength: 6 }).map((p) => p.join(''));
const globValue = fc
  .array(fc.constantFrom('a', 'b', 'c', '\n', 'é'), { maxLength: 12 })
  .map((p) => p.join(''));

test('prefix and suffix removal agree with leftmost-first regular expressions', () => {
  const lexer = createShellLexer();
  fc.assert(
    fc.property(globPattern, globValue, (pattern, value) => {
      const vars = new Map([['V', value]]);
      for (const greedy of [false, true]) {
        const op = greedy ? '##' : '#';
        const prefix = regexFor(pattern, greedy, true).exec(value);
        const expectPrefix = prefix ? value.slice(prefix[0].length) : value;
        assert.equal(lexer.processWord(`\${V${op}${pattern}}`, vars).result, expectPrefix);

        const sop = greedy ? '%%' : '%';
        const suffix = regexFor(reverse(pattern), greedy, true).exec(reverse(value));
        const expectSuffix = suffix ? reverse(reverse(value).slice(suffix[0].length)) : value;
        assert.equal(lexer.processWord(`\${V${sop}${pattern}}`, vars).result, expectSuffix);
      }
    }),
    { numRuns: 2000 },
  );
});

test('replacing the first match agrees with a leftmost-first regular expression', () => {
  const lexer = createShellLexer();
  // An empty pattern cannot be written here: `${V//R}` reads as replace-all.
  fc.assert(
    fc.property(
      globPattern.filter((p) => p !== ''),
      globValue,
      (pattern, value) => {
        const match = regexFor(pattern, true, false).exec(value);
        const expected = match
          ? value.slice(0, match.index) + 'R' + value.slice(match.index + match[0].length)
          : value;
        assert.equal(lexer.processWord(`\${V/${pattern}/R}`, new Map([['V', value]])).result, expected);
      },
    ),
    { numRuns: 2000 },
  );
});

test('replacing every match replaces non-overlapping matches left to right', () => {
  const lexer = createShellLexer();
  fc.assert(
    fc.property(globPattern, globValue, (pattern, value) => {
      // Go's rule: after each match the search goes on at its end (one character further after
      // an empty match), and an empty match right after a match is not replaced.
      const re = regexFor(pattern, true, false);
      const sticky = new RegExp(re.source, 'uy');
      const chars = [...value];
      let out = '';
      let lastEnd = 0;
      let index = 0;
      while (index <= chars.length) {
        let found: { start: number; end: number } | undefined;
        for (let start = index; start <= chars.length && !found; start++) {
          sticky.lastIndex = chars.slice(0, start).join('').length;
          const m = sticky.exec(value);
          if (m) found = { start, end: start + [...m[0]].length };
        }
        if (!found) break;
        out += chars.slice(lastEnd, found.start).join('');
        if (found.end > lastEnd || found.start === 0) out += 'R';
        lastEnd = found.end;
        index = found.end > index ? found.end : index + 1;
      }
      out += chars.slice(lastEnd).join('');
      assert.equal(lexer.processWord(`\${V//${pattern}/R}`, new Map([['V', value]])).result, out);
    }),
    { numRuns: 2000 },
  );
});
