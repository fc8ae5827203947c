/**
 * .dockerignore matching (src/build/ignore): the case table, refused patterns, parsing the file,
 * and when a walker must descend into an excluded directory.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createIgnoreMatcher, parseIgnoreFile } from '../../src/build/ignore/index.ts';
import { isOciError } from '../../src/errors/index.ts';
import { IGNORE_CASES, INVALID_PATTERNS } from './dockerignore-cases.ts';

describe('the .dockerignore table', () => {
  test('has at least 70 rows', () => assert.ok(IGNORE_CASES.length >= 70, `${IGNORE_CASES.length} rows`));

  for (const c of IGNORE_CASES) {
    test(`${JSON.stringify(c.patterns)} ${JSON.stringify(c.path)} → ${c.ignored ? 'ignored' : 'kept'}`, () => {
      // Through the file parser too, as a build reads them.
      const fromFile = parseIgnoreFile(c.patterns.join('\n'));
      for (const patterns of [c.patterns, fromFile]) {
        assert.equal(createIgnoreMatcher(patterns).ignores(c.path), c.ignored, c.why);
      }
    });
  }
});

describe('refused patterns', () => {
  for (const patterns of INVALID_PATTERNS) {
    test(JSON.stringify(patterns), () => {
      assert.throws(
        () => createIgnoreMatcher(patterns),
        (err: unknown) => {
          assert.ok(isOciError(err, 'INVALID_ARGUMENT'), String(err));
          assert.equal(typeof err.data.pattern, 'string');
          assert.ok(err.message.includes(JSON.stringify(err.data.pattern)), err.message);
          return true;
        },
      );
    });
  }
});

describe('the context root', () => {
  test('is never excluded, whatever the patterns', () => {
    const matcher = createIgnoreMatcher(['**', '*', '.']);
    for (const root of ['', '.', './', '/']) assert.equal(matcher.ignores(root), false, JSON.stringify(root));
  });

  test('paths are taken as relative to it, however they are written', () => {
    const matcher = createIgnoreMatcher(['a/b']);
    for (const path of ['a/b', './a/b', '/a/b', 'a//b', 'a/./b', 'a/b/', 'x/../a/b']) {
      assert.equal(matcher.ignores(path), true, path);
    }
  });
});

describe('parseIgnoreFile', () => {
  const cases: Array<[string, string, string[]]> = [
    ['comments and blank lines', '# a comment\n\n   \nkeep\n', ['keep']],
    ['a # after spaces is part of a pattern', '  # not a comment', ['# not a comment']],
    ['surrounding whitespace goes', '\t spaced \t', ['spaced']],
    ['a byte-order mark at the start goes', '\uFEFFfirst\nsecond', ['first', 'second']],
    ['CRLF line ends', 'one\r\ntwo\r\n', ['one', 'two']],
    ['a last line without newline', 'a\nb', ['a', 'b']],
    ['paths are cleaned', 'a/./b//c/../d/', ['a/b/d']],
    ['a leading slash goes', '/root/file', ['root/file']],
    ['an exception keeps its !, cleaned after it', '! /x/../y', ['!y']],
    ['a lone / stays', '/', ['/']],
    ['a lone ! stays (the matcher refuses it)', '!', ['!']],
    ['a pattern above the context stays as written', '../up', ['../up']],
    ['. is a pattern', '.', ['.']],
  ];
  for (const [name, text, patterns] of cases) {
    test(name, () => assert.deepEqual(parseIgnoreFile(text), patterns));
  }
});

describe('mayReinclude', () => {
  const cases: Array<[string[], string, boolean]> = [
    [['node_modules'], 'node_modules', false],
    [['node_modules', '!node_modules/keep'], 'node_modules', true],
    [['node_modules', '!node_modules/keep'], 'other', false],
    [['build', '!**/*.keep'], 'build', true],
    [['build', '!**/*.keep'], 'build/deep/er', true],
    [['dir', '!dir/*/keep'], 'dir', true],
    [['dir', '!dir/*/keep'], 'dir/x', true],
    [['dir', '!dir/*/keep'], 'dir/x/y', false],
    [['a', '!a/b/c'], 'a/b', true],
    [['a', '!a/b/c'], 'a/c', false],
    [['*', '!src'], 'src', true],
    [['*', '!src'], 'src/sub', true],
    [['a', '!b*'], 'a', false],
    [['x', '!x*'], 'x', true],
    [['x', '!x/**'], 'x', true],
    [['x', '!**'], 'x', true],
    [['x', '!**/keep'], 'x/y', true],
    [['x', '![xy]/keep'], 'x', true],
    [['x', '![ab]/keep'], 'x', false],
    [['x', '!x\\*/keep'], 'x', false],
  ];
  for (const [patterns, dir, expected] of cases) {
    test(`${JSON.stringify(patterns)} ${dir} → ${expected}`, () => {
      assert.equal(createIgnoreMatcher(patterns).mayReinclude(dir), expected);
    });
  }
});

describe('hostile patterns', () => {
  test('many ** against a deep path give the answer (no backtracking blow-up)', () => {
    const deep = Array.from({ length: 200 }, (_, i) => `d${i}`).join('/');
    const matcher = createIgnoreMatcher([`${'**/'.repeat(30)}missing`, `${'*/'.repeat(30)}*x*y*z*q`]);
    assert.equal(matcher.ignores(`${deep}/file`), false);
    assert.equal(matcher.mayReinclude(deep), false);
    assert.equal(createIgnoreMatcher([`${'**/'.repeat(30)}file`]).ignores(`${deep}/file`), true);
  });
});
