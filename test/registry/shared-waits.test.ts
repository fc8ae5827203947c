/**
 * Work one registry client shares between callers (a source's resolution of its tag) answers each
 * caller by its own signal: one caller's abort does not fail the others, and a caller whose
 * signal aborts stops waiting even when another started the work.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ErrorCode, isOciError } from '../../src/errors/index.ts';
import { parseReference } from '../../src/reference/index.ts';
import { RegistrySource } from '../../src/transports/registry/transport.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { clientFor, makeImage, pushImage } from './fixture.ts';

const image = makeImage([1_000]);
let registry: RunningRegistry;

before(async () => {
  registry = await startRegistry();
  await pushImage(clientFor({ after: () => {} }, registry.host), 'wait/app', image, 'v1');
});
after(async () => {
  await registry?.stop();
});

const aborted = (err: unknown) => isOciError(err, ErrorCode.ABORTED);

describe('a source resolving for several callers', () => {
  test("the first caller's abort does not fail a later caller", async (t) => {
    const source = new RegistrySource(
      parseReference(`${registry.host}/wait/app:v1`),
      clientFor(t, registry.host),
    );
    const first = new AbortController();
    const one = source.resolve({ signal: first.signal });
    const two = source.resolve();
    first.abort(new Error('first caller gave up'));
    await assert.rejects(one, aborted);
    assert.equal((await two).digest, image.manifestDigest);
  });

  test("a later caller's own abort ends its wait", async (t) => {
    const source = new RegistrySource(
      parseReference(`${registry.host}/wait/app:v1`),
      clientFor(t, registry.host),
    );
    const one = source.resolve();
    const later = new AbortController();
    const two = source.resolve({ signal: later.signal });
    later.abort(new Error('later caller gave up'));
    await assert.rejects(two, aborted);
    assert.equal((await one).digest, image.manifestDigest);
    // And a caller after that still gets the answer.
    assert.equal((await source.resolve()).digest, image.manifestDigest);
  });
});
