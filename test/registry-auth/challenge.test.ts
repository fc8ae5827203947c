/** WWW-Authenticate parsing (RFC 7235 §4.1): real registry headers, edge cases, and properties. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { isOciError } from '../../src/errors/index.ts';
import {
  type Challenge,
  formatChallenges,
  parseWwwAuthenticate,
} from '../../src/transports/registry/auth/index.ts';

const params = (c: Challenge | undefined) => Object.fromEntries(c?.params ?? []);

describe('parseWwwAuthenticate', () => {
  test('a Distribution bearer challenge with commas inside the quoted scope', () => {
    const [c, ...rest] = parseWwwAuthenticate(
      'Bearer realm="https://auth.example.test/token",service="registry.example.test",scope="repository:samalba/my-app:pull,push"',
    );
    assert.equal(rest.length, 0);
    assert.equal(c?.scheme, 'bearer');
    assert.deepEqual(params(c), {
      realm: 'https://auth.example.test/token',
      service: 'registry.example.test',
      scope: 'repository:samalba/my-app:pull,push',
    });
  });

  test('the scheme and parameter names are case-insensitive and come back lower-cased', () => {
    const [c] = parseWwwAuthenticate('BASIC REALM="x"');
    assert.equal(c?.scheme, 'basic');
    assert.deepEqual(params(c), { realm: 'x' });
  });

  test('quoted strings keep escaped quotes and backslashes', () => {
    const [c] = parseWwwAuthenticate('Bearer realm="a\\"b\\\\c", error="insufficient_scope"');
    assert.equal(c?.params.get('realm'), 'a"b\\c');
    assert.equal(c?.params.get('error'), 'insufficient_scope');
  });

  test('several challenges in one header, with token values and whitespace', () => {
    const list = parseWwwAuthenticate(
      'Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"',
    );
    assert.deepEqual(
      list.map((c) => c.scheme),
      ['newauth', 'basic'],
    );
    assert.deepEqual(params(list[0]), { realm: 'apps', type: '1', title: 'Login to "apps"' });
    assert.deepEqual(params(list[1]), { realm: 'simple' });
  });

  test('several header values, empty list elements, and a bare scheme', () => {
    const list = parseWwwAuthenticate([
      ' , Negotiate, ',
      'Basic realm="r" ,, ',
      'Bearer realm = "t" , service=s',
    ]);
    assert.deepEqual(
      list.map((c) => c.scheme),
      ['negotiate', 'basic', 'bearer'],
    );
    assert.deepEqual(params(list[2]), { realm: 't', service: 's' });
  });

  test('token68 challenges', () => {
    const list = parseWwwAuthenticate('Negotiate YWJj==, Basic realm="r"');
    assert.equal(list[0]?.token68, 'YWJj==');
    assert.equal(list[1]?.params.get('realm'), 'r');
  });

  test('the first of a repeated parameter wins', () => {
    const [c] = parseWwwAuthenticate('Bearer realm="first", realm="second"');
    assert.equal(c?.params.get('realm'), 'first');
  });

  test('a parameter named __proto__ is plain data', () => {
    const [c] = parseWwwAuthenticate('Bearer __proto__="x", realm="r"');
    assert.equal(c?.params.get('__proto__'), 'x');
    assert.equal(({} as Record<string, unknown>).x, undefined);
  });

  for (const garbage of [
    'Bearer realm="unterminated',
    'Bearer realm=, service=x',
    'Bearer realm="x" service="y"',
    '"quoted" realm=x',
    'Bearer realm="bad \\',
    'Bearer realm="ctl\u0001"',
    'Basic"x"',
    '=realm',
    'Bearer realm="x", =y',
  ]) {
    test(`malformed header is an OciError: ${JSON.stringify(garbage)}`, () => {
      assert.throws(
        () => parseWwwAuthenticate(garbage),
        (err) => isOciError(err, 'REGISTRY_ERROR'),
      );
    });
  }

  test('a huge header is refused', () => {
    assert.throws(
      () => parseWwwAuthenticate(`Bearer realm="${'a'.repeat(70_000)}"`),
      (err) => isOciError(err, 'REGISTRY_ERROR'),
    );
  });

  test('property: never throws anything but an OciError', () => {
    const alphabet = fc.constantFrom(...'Bearer Basic realm= ,"\\\t\u0001=abc:/'.split(''));
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: alphabet, maxLength: 60 })), (text) => {
        try {
          parseWwwAuthenticate(text);
        } catch (err) {
          assert.ok(isOciError(err, 'REGISTRY_ERROR'), String(err));
        }
      }),
      { numRuns: 3000 },
    );
  });

  test('property: formatting then parsing gives the same challenges', () => {
    const token = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9a-z]{1,12}$/);
    const value = fc
      .string({ maxLength: 30 })
      .map((s) => s.replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, ''));
    const challenge: fc.Arbitrary<Challenge> = fc.oneof(
      fc
        .tuple(token, fc.uniqueArray(fc.tuple(token, value), { selector: ([k]) => k, maxLength: 4 }))
        .map(([scheme, entries]) => ({ scheme, params: new Map(entries) })),
      fc
        .tuple(token, fc.stringMatching(/^[A-Za-z0-9\-._~+/]{1,16}=*$/))
        .map(([scheme, token68]) => ({ scheme, params: new Map<string, string>(), token68 })),
    );
    fc.assert(
      fc.property(fc.array(challenge, { minLength: 1, maxLength: 4 }), (challenges) => {
        assert.deepEqual(parseWwwAuthenticate(formatChallenges(challenges)), challenges);
      }),
      { numRuns: 2000 },
    );
  });
});
