// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Dockerfile words, not templates.
/**
 * Dockerfile word expansion (src/build/shell): the case table, the names a word read, and the
 * shape of the errors.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createShellLexer } from '../../src/build/shell/index.ts';
import { isOciError, OciError } from '../../src/errors/index.ts';
import { DEFAULT_ENV, EXPANSION_CASES, type ExpansionCase } from './expansion-cases.ts';

const envOf = (c: ExpansionCase): Map<string, string> =>
  new Map(Object.entries({ ...DEFAULT_ENV, ...(c.env ?? {}) }));

const label = (c: ExpansionCase): string =>
  `${JSON.stringify(c.word)}${c.escape === '`' ? ' (escape `)' : ''}${c.options ? ` ${JSON.stringify(c.options)}` : ''}`;

describe('the expansion table', () => {
  test('has at least 150 rows, errors among them', () => {
    assert.ok(EXPANSION_CASES.length >= 150, `${EXPANSION_CASES.length} rows`);
    assert.ok(EXPANSION_CASES.filter((c) => c.error).length >= 30);
  });

  for (const c of EXPANSION_CASES) {
    test(label(c), () => {
      const lexer = createShellLexer(c.escape ?? '\\', c.options);
      const env = envOf(c);
      if (c.error) {
        for (const run of [() => lexer.processWord(c.word, env), () => lexer.processWords(c.word, env)]) {
          assert.throws(run, (err: unknown) => {
            assert.ok(isOciError(err), `not an OciError: ${String(err)}`);
            assert.equal(err.code, c.error);
            if (c.message) assert.ok(err.message.includes(c.message), err.message);
            return true;
          });
        }
        return;
      }
      assert.equal(lexer.processWord(c.word, env).result, c.result);
      if (c.words) assert.deepEqual(lexer.processWords(c.word, env).result, c.words);
    });
  }
});

describe('the names a word read', () => {
  const env = new Map([
    ['SET', 'x'],
    ['BLANK', ''],
  ]);
  const lexer = createShellLexer();
  const cases: Array<[string, string[], string[]]> = [
    ['plain', [], []],
    ['$SET $NOPE', ['SET'], ['NOPE']],
    ['${NOPE:-$SET}', ['SET'], ['NOPE']],
    ['${SET:+${NOPE}}', ['SET'], ['NOPE']],
    ['${BLANK:-d}', ['BLANK'], []],
    ["'$SET' \\$NOPE", [], []],
    ['"$SET"', ['SET'], []],
    ['${SET#$NOPE}', ['SET'], ['NOPE']],
    ['${SET/$BLANK/y}', ['SET', 'BLANK'], []],
    ['$1 $@', [], ['1', '@']],
    ['$SET$SET', ['SET'], []],
  ];
  for (const [word, matched, unmatched] of cases) {
    test(JSON.stringify(word), () => {
      for (const expansion of [lexer.processWord(word, env), lexer.processWords(word, env)]) {
        assert.deepEqual([...expansion.matched].sort(), matched.sort());
        assert.deepEqual([...expansion.unmatched].sort(), unmatched.sort());
      }
    });
  }
});

describe('errors', () => {
  const lexer = createShellLexer();
  const env = new Map<string, string>();

  test('name the word and where in it the problem is', () => {
    const err = catchError(() => lexer.processWord('ab${', env));
    assert.equal(err.code, 'INVALID_ARGUMENT');
    assert.ok(err.message.includes('"ab${"'), err.message);
    assert.equal(err.data.word, 'ab${');
    assert.equal(typeof err.data.offset, 'number');
  });

  test('a required variable names itself and carries the Dockerfile author’s message', () => {
    const err = catchError(() => lexer.processWord('${TOKEN:?pass --build-arg TOKEN}', env));
    assert.equal(err.code, 'INVALID_ARGUMENT');
    assert.ok(err.message.includes('TOKEN: pass --build-arg TOKEN'), err.message);
    assert.equal(err.data.variable, 'TOKEN');
  });

  test('an unsupported operator names the operator', () => {
    const err = catchError(() => lexer.processWord('${X:=1}', env));
    assert.equal(err.code, 'UNSUPPORTED');
    assert.ok(err.message.includes(':='), err.message);
  });

  test('deep nesting fails cleanly instead of exhausting the stack', () => {
    const depth = 100_000;
    const word = '${A:-'.repeat(depth) + 'x' + '}'.repeat(depth);
    const err = catchError(() => lexer.processWord(word, env));
    assert.equal(err.code, 'INVALID_ARGUMENT');
    assert.ok(err.message.length < 500, 'the message does not repeat the whole word');
  });

  test('modest nesting still works', () => {
    const depth = 50;
    const word = '${A:-'.repeat(depth) + 'x' + '}'.repeat(depth);
    assert.equal(lexer.processWord(word, env).result, 'x');
  });
});

describe('pattern operators on hostile input', () => {
  const lexer = createShellLexer();

  test('many wildcards against a long value give the answer (no backtracking blow-up)', () => {
    const value = 'a'.repeat(5000);
    const env = new Map([['V', value]]);
    const pattern = '*a'.repeat(12) + '*c';
    assert.equal(lexer.processWord(`\${V##${pattern}}`, env).result, value);
    assert.equal(lexer.processWord(`\${V%%${pattern}}`, env).result, value);
    assert.equal(lexer.processWord(`\${V//${pattern}/x}`, env).result, value);
    assert.equal(lexer.processWord(`\${V#${'*a'.repeat(12)}}`, env).result, 'a'.repeat(5000 - 12));
  });
});

describe('createShellLexer', () => {
  test('refuses an escape character other than \\ and `', () => {
    assert.throws(
      () => createShellLexer('x' as '\\'),
      (err: unknown) => isOciError(err, 'INVALID_ARGUMENT'),
    );
  });

  test('a lexer can be reused and gives independent results', () => {
    const lexer = createShellLexer();
    const first = lexer.processWord('$A', new Map([['A', '1']]));
    const second = lexer.processWord('$B', new Map());
    assert.deepEqual([...first.matched], ['A']);
    assert.deepEqual([...second.matched], []);
    assert.deepEqual([...second.unmatched], ['B']);
  });
});

function catchError(fn: () => unknown): OciError {
  try {
    fn();
  } catch (err) {
    if (err instanceof OciError) return err;
    throw err;
  }
  assert.fail('expected an error');
}
