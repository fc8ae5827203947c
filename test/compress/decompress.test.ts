import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, test } from 'node:test';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import fc from 'fast-check';
import { decompressStream, gzipBytes, sniffCompression } from '../../src/compress/index.ts';
import { isOciError } from '../../src/errors/index.ts';
import { scratch } from '../helpers/tmp.ts';
import { chunked, collect, filter, noiseData, sha256, textData } from './support.ts';

const MiB = 1 << 20;

/** A zstd skippable frame (RFC 8878 §3.1.2): magic 0x184D2A5?, a 4-byte size, then that many bytes. */
function skippableFrame(nibble: number, payload: Uint8Array): Buffer {
  const frame = Buffer.alloc(8 + payload.length);
  frame.writeUInt32LE(0x184d2a50 + nibble, 0);
  frame.writeUInt32LE(payload.length, 4);
  frame.set(payload, 8);
  return frame;
}

async function decode(input: Buffer, cuts: readonly number[] = []): Promise<Buffer> {
  return collect(chunked(input, cuts).pipe(decompressStream()));
}

describe('sniffCompression', () => {
  test('recognises gzip, zstd frames and every skippable frame magic', () => {
    assert.equal(sniffCompression(Uint8Array.of(0x1f, 0x8b, 8, 0)), 'gzip');
    assert.equal(sniffCompression(Uint8Array.of(0x1f, 0x8b)), 'gzip');
    assert.equal(sniffCompression(Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0)), 'zstd');
    for (let nibble = 0; nibble < 16; nibble++) {
      assert.equal(
        sniffCompression(skippableFrame(nibble, new Uint8Array(0))),
        'zstd',
        `0x184D2A5${nibble.toString(16)}`,
      );
    }
  });

  test('anything else is none: tar headers, near-misses, short and empty input', () => {
    assert.equal(sniffCompression(Buffer.from('etc/passwd\0\0\0')), 'none');
    assert.equal(sniffCompression(Uint8Array.of(0x1f)), 'none');
    assert.equal(sniffCompression(Uint8Array.of(0x1f, 0x8c, 8)), 'none');
    assert.equal(sniffCompression(Uint8Array.of(0x28, 0xb5, 0x2f)), 'none');
    assert.equal(sniffCompression(Uint8Array.of(0x4f, 0x2a, 0x4d, 0x18)), 'none');
    assert.equal(sniffCompression(Uint8Array.of(0x60, 0x2a, 0x4d, 0x18)), 'none');
    assert.equal(sniffCompression(new Uint8Array(0)), 'none');
  });
});

describe('decompressStream', () => {
  test('decodes system gzip, pigz and zstd output', async () => {
    const data = Buffer.concat([textData(2 * MiB), noiseData(300_000)]);
    assert.equal(sha256(await decode(await filter('gzip', ['-c', '-6'], data))), sha256(data));
    assert.equal(sha256(await decode(await filter('pigz', ['-c', '-p', '2'], data))), sha256(data));
    assert.equal(sha256(await decode(await filter('zstd', ['-c', '-q'], data))), sha256(data));
  });

  test('reads every member of a multi-member gzip', async () => {
    const parts = [textData(100_000, 1), Buffer.alloc(0), noiseData(70_000), textData(MiB + 3, 2)];
    const members = await Promise.all(parts.map((part) => filter('gzip', ['-c'], part)));
    members.push(await gzipBytes(textData(5000, 3), { threads: 2 }));
    parts.push(textData(5000, 3));
    const out = await decode(Buffer.concat(members), [3, 17, 4096]);
    assert.equal(sha256(out), sha256(Buffer.concat(parts)));
  });

  test('reads zstd with skippable frames before, between and after frames', async () => {
    const a = textData(200_000, 4);
    const b = noiseData(50_000, 5);
    const input = Buffer.concat([
      skippableFrame(0, Buffer.from('metadata')),
      await filter('zstd', ['-c', '-q'], a),
      skippableFrame(0xf, new Uint8Array(1000)),
      zstdCompressSync(b),
      skippableFrame(7, new Uint8Array(0)),
    ]);
    const out = await decode(input, [1, 1, 1, 1, 5]);
    assert.equal(sha256(out), sha256(Buffer.concat([a, b])));
    // The system tool agrees on the same bytes.
    assert.equal(sha256(await filter('zstd', ['-d', '-c', '-q'], input)), sha256(out));
  });

  test('a media type that lies: a plain tar passes through unchanged', async (t) => {
    const dir = await scratch(t);
    await mkdir(join(dir, 'root', 'etc'), { recursive: true });
    await writeFile(join(dir, 'root', 'etc', 'hosts'), textData(10_000));
    const tar = spawnSync('tar', ['-C', join(dir, 'root'), '-cf', '-', '.'], { maxBuffer: 64 * MiB }).stdout;
    assert.ok(tar.length >= 10_240);
    assert.ok((await decode(tar, [1, 2])).equals(tar));
    // And a gzip blob declared as an uncompressed tar is decoded.
    assert.ok((await decode(gzipSync(tar))).equals(tar));
  });

  test('decodes any chunking of gzip, zstd and plain input identically (property)', async () => {
    const data = textData(150_000, 11);
    const encoded = { gzip: gzipSync(data), zstd: zstdCompressSync(data), none: data };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('gzip', 'zstd', 'none' as const),
        fc.array(fc.integer({ min: 1, max: 20_000 }), { maxLength: 10 }),
        async (kind, cuts) => {
          const stream = decompressStream();
          const out = await collect(chunked(encoded[kind as keyof typeof encoded], cuts).pipe(stream));
          assert.ok(out.equals(data));
          assert.equal(stream.compression, kind);
        },
      ),
      { numRuns: 40 },
    );
  });

  test('empty and tiny inputs pass through', async () => {
    assert.equal((await decode(Buffer.alloc(0))).length, 0);
    assert.ok((await decode(Buffer.from('abc'))).equals(Buffer.from('abc')));
  });

  test('truncated gzip fails with INVALID_ARCHIVE', async () => {
    const gz = gzipSync(textData(100_000));
    await assert.rejects(decode(gz.subarray(0, gz.length - 20)), (err) => isOciError(err, 'INVALID_ARCHIVE'));
    await assert.rejects(decode(gz.subarray(0, 2)), (err) => isOciError(err, 'INVALID_ARCHIVE'));
  });

  test('corrupt gzip and corrupt zstd fail with INVALID_ARCHIVE', async () => {
    const gz = Buffer.from(gzipSync(textData(100_000)));
    gz[gz.length - 6] = (gz[gz.length - 6] as number) ^ 0xff; // CRC no longer matches
    await assert.rejects(decode(gz), (err) => isOciError(err, 'INVALID_ARCHIVE'));
    const zst = Buffer.from(zstdCompressSync(textData(100_000)));
    zst.fill(0xaa, 20, 60);
    await assert.rejects(decode(zst), (err) => isOciError(err, 'INVALID_ARCHIVE'));
  });

  test('a decompression bomb is not inflated ahead of the reader', async () => {
    const bomb = gzipSync(Buffer.alloc(256 * MiB));
    const stream = decompressStream();
    stream.write(bomb);
    for (let i = 0; i < 100; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.ok(stream.readableLength <= 2 * MiB, `buffered ${stream.readableLength}`);
    stream.destroy();
  });

  test('abort mid-stream destroys the stream with an AbortError', async () => {
    const controller = new AbortController();
    const source = Readable.from(
      (async function* () {
        yield gzipSync(textData(MiB));
        controller.abort();
        yield Buffer.alloc(10);
      })(),
    );
    await assert.rejects(
      pipeline(source, decompressStream({ signal: controller.signal }), async (s: AsyncIterable<Buffer>) => {
        for await (const _ of s);
      }),
      { name: 'AbortError' },
    );
  });
});
