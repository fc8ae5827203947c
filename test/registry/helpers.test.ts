/** Pure pieces of the registry client: URLs, Link headers, the referrers tag, ranges, retries, errors. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { digestBytes } from '../../src/digest/index.ts';
import { ErrorCode, isOciError } from '../../src/errors/index.ts';
import { OCI } from '../../src/spec/media-types.ts';
import { RegistryClient } from '../../src/transports/registry/client.ts';
import { codeForStatus, registryError } from '../../src/transports/registry/errors.ts';
import { referrerDescriptor } from '../../src/transports/registry/referrers.ts';
import { referrersTag } from '../../src/transports/registry/referrers-tag.ts';
import { backoffDelay, DEFAULT_RETRY, parseRetryAfter } from '../../src/transports/registry/retry.ts';
import { uploadedBytes } from '../../src/transports/registry/upload.ts';
import { nextLink, redactUrl, withQuery } from '../../src/transports/registry/url.ts';

describe('registry URLs', () => {
  test('redaction drops userinfo and hides query values that may be secrets', () => {
    const shown = redactUrl(
      'https://user:pw@store.example/blob?X-Amz-Signature=abc&_state=xyz&digest=sha256:1&n=2',
    );
    assert.ok(
      !shown.includes('user') && !shown.includes('pw@') && !shown.includes('abc') && !shown.includes('xyz'),
    );
    assert.ok(shown.includes('digest=sha256%3A1') && shown.includes('n=2'));
    assert.equal(redactUrl('not a url'), '<invalid url>');
  });

  test('digest is appended with & when the location already has a query, else with ?', () => {
    const withState = withQuery(new URL('http://h/v2/a/blobs/uploads/u?_state=s%3D%3D'), {
      digest: 'sha256:ab',
    });
    assert.equal(withState.toString(), 'http://h/v2/a/blobs/uploads/u?_state=s%3D%3D&digest=sha256%3Aab');
    assert.equal(
      withQuery(new URL('http://h/u'), { digest: 'sha256:ab' }).toString(),
      'http://h/u?digest=sha256%3Aab',
    );
  });

  test('Link rel="next" is found among several links and resolved against the request URL', () => {
    const base = new URL('http://h:5000/v2/a/tags/list?n=2');
    assert.equal(
      nextLink('</v2/a/tags/list?n=2&last=b>; rel="next"', base)?.toString(),
      'http://h:5000/v2/a/tags/list?n=2&last=b',
    );
    assert.equal(
      nextLink(['<http://h:5000/prev>; rel="prev", <other?last=x>; rel=next'], base)?.toString(),
      'http://h:5000/v2/a/tags/other?last=x',
    );
    assert.equal(nextLink('</x>; rel="prev"', base), undefined);
    assert.equal(nextLink(undefined, base), undefined);
  });

  test('Link parsing handles several relation types, quoted commas and parameters in any order', () => {
    const base = new URL('http://h/v2/a/tags/list');
    assert.equal(nextLink('</n>; title="a, b; c"; REL="prev next"', base)?.pathname, '/n');
    assert.equal(nextLink('</p>; title="x,<y>; rel=next", </n>; rel=next', base)?.pathname, '/n');
    assert.equal(nextLink('</p>; rel="nextish"', base), undefined);
    assert.equal(nextLink('</p>; rel="next', base), undefined);
    assert.equal(nextLink('no link at all', base), undefined);
  });

  test('hostile 16 KB Link headers are parsed to the right answer', () => {
    const base = new URL('http://h/v2/a/tags/list');
    for (const hostile of [
      `<${'<'.repeat(16_384)}`,
      `</x>${'; a'.repeat(5_000)}; rel="next"`,
      `</x>${';'.repeat(16_384)}`,
      `</x>; rel="${' '.repeat(16_384)}`,
      `</x>; t="${'\\'.repeat(8_192)}`,
    ]) {
      const found = nextLink(hostile, base);
      assert.equal(found?.pathname, hostile.endsWith('rel="next"') ? '/x' : undefined, hostile.slice(0, 20));
    }
  });

  test('plain HTTP is the default only for localhost, 127.0.0.0/8 and [::1], or when asked', () => {
    const scheme = (host: string, insecure = false) =>
      new RegistryClient(host, { insecure }).http.base.protocol;
    for (const host of ['localhost:5000', '127.0.0.1', '127.1.2.3:80', '[::1]:5000']) {
      assert.equal(scheme(host), 'http:', host);
    }
    for (const host of ['example.com', '128.0.0.1:5000', '127.example.com', '[::2]']) {
      assert.equal(scheme(host), 'https:', host);
    }
    assert.equal(scheme('example.com', true), 'http:');
    const hub = new RegistryClient('docker.io', { apiHost: 'registry-1.docker.io' });
    assert.equal(hub.http.base.host, 'registry-1.docker.io');
  });

  test('a registry host with a path, userinfo or spaces is refused', () => {
    for (const host of ['a/b', 'user@host', 'a b', 'host:99999', '']) {
      assert.throws(
        () => new RegistryClient(host),
        (err) => isOciError(err, ErrorCode.INVALID_REFERENCE),
        host,
      );
    }
  });
});

describe('referrers tag schema', () => {
  test('sha256 and sha512 digests map as the spec examples show', () => {
    const hex64 = 'a'.repeat(64);
    assert.equal(referrersTag(`sha256:${hex64}`), `sha256-${hex64}`);
    const hex128 = 'b'.repeat(64) + 'c'.repeat(64);
    assert.equal(referrersTag(`sha512:${hex128}`), `sha512-${'b'.repeat(64)}`);
  });

  test('long algorithms and odd encodings are truncated and their invalid characters replaced', () => {
    const digest =
      'test+algorithm+using+algorithm+separators+and+lots+of+characters+to+excercise+overall+truncation:' +
      'alsoSome=InTheEncodedSectionToShowHyphenReplacementAndLotsAndLotsOfCharactersToExcerciseEncodedTruncation';
    assert.equal(
      referrersTag(digest),
      'test-algorithm-using-algorithm-s-alsoSome-InTheEncodedSectionToShowHyphenReplacementAndLotsAndLot',
    );
  });
});

describe('referrer descriptors', () => {
  test('artifactType comes from the document, else a manifest config mediaType; an index without one has none', () => {
    const bytes = Buffer.from('{}');
    const digest = digestBytes(bytes);
    const manifest = { config: { mediaType: 'application/vnd.example.config' }, annotations: { a: 'b' } };
    assert.deepEqual(referrerDescriptor(bytes, OCI.manifest, digest, manifest), {
      mediaType: OCI.manifest,
      digest,
      size: 2,
      artifactType: 'application/vnd.example.config',
      annotations: { a: 'b' },
    });
    assert.equal(
      referrerDescriptor(bytes, OCI.manifest, digest, { ...manifest, artifactType: 'x/y' }).artifactType,
      'x/y',
    );
    assert.deepEqual(referrerDescriptor(bytes, OCI.index, digest, { manifests: [] }), {
      mediaType: OCI.index,
      digest,
      size: 2,
    });
  });
});

describe('upload ranges', () => {
  test('Range 0-N means N+1 bytes; 0-0 is ambiguous between 0 and 1', () => {
    assert.deepEqual(uploadedBytes('0-99'), { size: 100, ambiguous: false });
    assert.deepEqual(uploadedBytes('0-0'), { size: 0, ambiguous: true });
    assert.deepEqual(uploadedBytes('bytes=0-9'), { size: 10, ambiguous: false });
    assert.deepEqual(uploadedBytes(undefined), { size: 0, ambiguous: true });
  });
});

describe('retries', () => {
  test('Retry-After is read as seconds or as an HTTP date', () => {
    assert.equal(parseRetryAfter('3'), 3000);
    assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4000), 6000);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(''), undefined);
  });

  test('backoff grows, stays under its cap, and Retry-After is capped too', () => {
    const policy = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
    for (let attempt = 1; attempt <= 10; attempt++) {
      const delay = backoffDelay(policy, attempt);
      const ceiling = Math.min(1000, 100 * 2 ** (attempt - 1));
      assert.ok(delay >= ceiling / 2 && delay <= ceiling, `attempt ${attempt}: ${delay}`);
    }
    assert.equal(backoffDelay(policy, 1, 60_000), 1000);
  });
});

describe('registry errors', () => {
  test('statuses map to stable codes; distribution errors[] are kept; URLs are redacted', () => {
    assert.equal(codeForStatus(401, []), ErrorCode.UNAUTHORIZED);
    assert.equal(codeForStatus(403, []), ErrorCode.DENIED);
    assert.equal(codeForStatus(404, []), ErrorCode.NOT_FOUND);
    assert.equal(codeForStatus(400, [{ code: 'DIGEST_INVALID' }]), ErrorCode.REGISTRY_ERROR);
    const err = registryError({
      method: 'PUT',
      url: 'http://u:p@h/v2/a/blobs/uploads/x?_state=secret&digest=sha256:1',
      status: 400,
      body: '{"errors":[{"code":"DIGEST_INVALID","message":"bad","detail":{"x":1}}]}',
    });
    assert.equal(err.code, ErrorCode.REGISTRY_ERROR);
    assert.deepEqual(err.data.errors, [{ code: 'DIGEST_INVALID', message: 'bad', detail: { x: 1 } }]);
    assert.ok(
      !String(err.data.url).includes('secret') &&
        !err.message.includes('secret') &&
        !err.message.includes('u:p'),
    );
    assert.equal(err.retryable, false);
    const html = registryError({
      method: 'GET',
      url: 'http://h/v2/',
      status: 502,
      body: '<html>bad gateway</html>',
    });
    assert.deepEqual(html.data.errors, []);
    assert.equal(html.retryable, true);
  });
});
