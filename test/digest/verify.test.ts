/** Hashing and verification of untrusted bytes (descriptor.md "Verification"). */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, test } from 'node:test';
import {
  digestBytes,
  digestFile,
  digestStream,
  HASH_CHUNK,
  Hasher,
  Verifier,
  verifyBytes,
  verifyChunks,
  verifyingStream,
} from '../../src/digest/index.ts';
import { isOciError } from '../../src/errors/index.ts';

const data = randomBytes(3 * 1024 * 1024 + 17);
const expected = { digest: digestBytes(data), size: data.byteLength };

function* chunksOf(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let i = 0; i < bytes.byteLength; i += size) yield bytes.subarray(i, i + size);
}

async function* asyncChunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  yield* chunksOf(bytes, size);
}

describe('Hasher', () => {
  test('small, large and mixed updates give the one-shot digest', () => {
    for (const size of [1, 4093, 65536, HASH_CHUNK, HASH_CHUNK + 1, 5 * HASH_CHUNK]) {
      const hasher = new Hasher();
      for (const chunk of chunksOf(data.subarray(0, 2 * HASH_CHUNK + 5), size)) hasher.update(chunk);
      assert.equal(hasher.size, 2 * HASH_CHUNK + 5);
      assert.equal(hasher.digest(), digestBytes(data.subarray(0, 2 * HASH_CHUNK + 5)), `chunk size ${size}`);
    }
  });
  test('sha512', () => {
    const hasher = new Hasher('sha512');
    hasher.update(data);
    assert.equal(hasher.digest(), `sha512:${createHash('sha512').update(data).digest('hex')}`);
  });
  test('chunks that are views into a larger buffer hash only their own bytes', () => {
    const big = Buffer.from('xxhelloyy');
    const hasher = new Hasher();
    hasher.update(big.subarray(2, 7));
    assert.equal(hasher.digest(), digestBytes('hello'));
  });
});

describe('Verifier', () => {
  test('accepts matching bytes and returns the digest', () => {
    const verifier = new Verifier(expected);
    for (const chunk of chunksOf(data, 100_000)) verifier.update(chunk);
    assert.equal(verifier.finish(), expected.digest);
  });
  test('throws SIZE_MISMATCH as soon as the size is exceeded, before the end', () => {
    const verifier = new Verifier({ digest: expected.digest, size: 10 });
    verifier.update(data.subarray(0, 10));
    assert.throws(
      () => verifier.update(data.subarray(10, 11)),
      (err: unknown) => isOciError(err, 'SIZE_MISMATCH') && /got more than 11/.test(err.message),
    );
  });
  test('throws SIZE_MISMATCH at the end when bytes are missing', () => {
    const verifier = new Verifier(expected);
    verifier.update(data.subarray(0, 5));
    assert.throws(
      () => verifier.finish(),
      (err: unknown) => isOciError(err, 'SIZE_MISMATCH'),
    );
  });
  test('throws DIGEST_MISMATCH at the end when the content differs', () => {
    const tampered = Buffer.from(data);
    tampered.writeUInt8(tampered.readUInt8(tampered.length - 1) ^ 1, tampered.length - 1);
    const verifier = new Verifier(expected);
    verifier.update(tampered);
    assert.throws(
      () => verifier.finish(),
      (err: unknown) => isOciError(err, 'DIGEST_MISMATCH') && err.data.expected === expected.digest,
    );
  });
  test('without a size, only the digest is checked', () => {
    const verifier = new Verifier({ digest: digestBytes('abc') });
    verifier.update(Buffer.from('abc'));
    assert.equal(verifier.finish(), digestBytes('abc'));
  });
  test('refuses invalid and unsupported expected digests', () => {
    assert.throws(
      () => new Verifier({ digest: 'sha256:../../etc/passwd' }),
      (err: unknown) => isOciError(err, 'INVALID_DIGEST'),
    );
    assert.throws(
      () => new Verifier({ digest: `blake3:${'a'.repeat(64)}` }),
      (err: unknown) => isOciError(err, 'UNSUPPORTED_DIGEST'),
    );
  });
});

describe('verifyingStream', () => {
  async function run(source: Uint8Array, exp: { digest: string; size?: number }): Promise<number> {
    let passed = 0;
    await pipeline(
      Readable.from(chunksOf(source, 64 * 1024)),
      verifyingStream(exp),
      new Writable({
        write(chunk: Buffer, _enc, done) {
          passed += chunk.byteLength;
          done();
        },
      }),
    );
    return passed;
  }
  test('passes matching bytes through unchanged', async () => {
    assert.equal(await run(data, expected), data.byteLength);
  });
  test('fails early on size exceeded: the sink never sees more than the size', async () => {
    let seen = 0;
    await assert.rejects(
      pipeline(
        Readable.from(chunksOf(data, 64 * 1024)),
        verifyingStream({ digest: expected.digest, size: 100_000 }),
        new Writable({
          write(chunk: Buffer, _enc, done) {
            seen += chunk.byteLength;
            done();
          },
        }),
      ),
      (err: unknown) => isOciError(err, 'SIZE_MISMATCH'),
    );
    assert.ok(seen <= 100_000, `sink saw ${seen} bytes`);
  });
  test('fails at the end on a digest mismatch', async () => {
    const tampered = Buffer.from(data);
    tampered.writeUInt8(tampered.readUInt8(0) ^ 0xff, 0);
    await assert.rejects(run(tampered, expected), (err: unknown) => isOciError(err, 'DIGEST_MISMATCH'));
  });
  test('fails at the end when bytes are missing', async () => {
    await assert.rejects(run(data.subarray(0, 1000), expected), (err: unknown) =>
      isOciError(err, 'SIZE_MISMATCH'),
    );
  });
});

describe('verifyChunks and verifyBytes', () => {
  test('verifyChunks yields every chunk, then checks', async () => {
    let total = 0;
    for await (const chunk of verifyChunks(asyncChunks(data, 333_333), expected)) total += chunk.byteLength;
    assert.equal(total, data.byteLength);
  });
  test('verifyChunks throws a digest mismatch after the last chunk', async () => {
    const other = randomBytes(data.byteLength);
    let total = 0;
    await assert.rejects(
      (async () => {
        for await (const chunk of verifyChunks(asyncChunks(other, 333_333), expected))
          total += chunk.byteLength;
      })(),
      (err: unknown) => isOciError(err, 'DIGEST_MISMATCH'),
    );
    assert.equal(total, other.byteLength);
  });
  test('verifyBytes', () => {
    verifyBytes(data, expected);
    assert.throws(
      () => verifyBytes(data.subarray(1), expected),
      (err: unknown) => isOciError(err, 'SIZE_MISMATCH'),
    );
    assert.throws(
      () => verifyBytes(Buffer.from('abd'), { digest: digestBytes('abc'), size: 3 }),
      (err: unknown) => isOciError(err, 'DIGEST_MISMATCH'),
    );
  });
});

describe('digestStream and digestFile', () => {
  test('digestStream gives digest and size', async () => {
    assert.deepEqual(await digestStream(asyncChunks(data, 12345)), expected);
  });
  test('digestFile gives digest and size of a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ocikit-digest-'));
    try {
      const path = join(dir, 'blob');
      await writeFile(path, data);
      assert.deepEqual(await digestFile(path), expected);
      await writeFile(path, '');
      assert.deepEqual(await digestFile(path), { digest: digestBytes(''), size: 0 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  test('digestFile of a missing file fails with NOT_FOUND naming the file', async () => {
    const missing = join(tmpdir(), `ocikit-no-such-file-${process.pid}`);
    await assert.rejects(digestFile(missing), (err: unknown) => {
      assert.ok(isOciError(err, 'NOT_FOUND'), `not an OciError NOT_FOUND: ${String(err)}`);
      assert.ok(err.message.includes(missing), err.message);
      return true;
    });
  });
});
