/** Token-auth scopes (token spec "Scope"): port-safe parsing and the canonical cache key. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { canonicalScopes, formatScope, parseScope } from '../../src/transports/registry/auth/index.ts';

test('a repository name holding host:port is not split on its colon', () => {
  assert.deepEqual(parseScope('repository:localhost:5000/team/app:pull,push'), {
    type: 'repository',
    name: 'localhost:5000/team/app',
    actions: ['pull', 'push'],
  });
});

test('registry catalog scope', () => {
  assert.deepEqual(parseScope('registry:catalog:*'), { type: 'registry', name: 'catalog', actions: ['*'] });
  assert.equal(formatScope({ type: 'registry', name: 'catalog', actions: ['*'] }), 'registry:catalog:*');
});

test('unreadable scopes give undefined', () => {
  for (const bad of ['', 'repository', 'repository:name', ':name:pull', 'repository::pull']) {
    assert.equal(parseScope(bad), undefined, bad);
  }
});

test('canonical scopes merge actions per resource and sort everything', () => {
  assert.deepEqual(
    canonicalScopes([
      { type: 'repository', name: 'b', actions: ['push'] },
      { type: 'repository', name: 'a', actions: ['pull'] },
      { type: 'repository', name: 'b', actions: ['pull', 'push'] },
    ]),
    ['repository:a:pull', 'repository:b:pull,push'],
  );
});

test('property: the canonical form ignores order and repetition', () => {
  const scope = fc.record({
    type: fc.constantFrom('repository', 'registry'),
    name: fc.constantFrom('a', 'b/c', 'localhost:5000/d'),
    actions: fc.subarray(['pull', 'push', 'delete', '*']),
  });
  fc.assert(
    fc.property(fc.array(scope, { maxLength: 6 }), fc.integer(), (scopes, seed) => {
      const shuffled = [...scopes, ...scopes].sort(
        (x, y) => ((x.name.length * seed) % 7) - ((y.name.length * seed) % 7),
      );
      assert.deepEqual(canonicalScopes(shuffled), canonicalScopes(scopes));
      for (const text of canonicalScopes(scopes)) {
        const parsed = parseScope(text);
        assert.ok(parsed !== undefined && formatScope(parsed) === text);
      }
    }),
  );
});
