import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { constants, zstdCompressSync } from 'node:zlib';
import fc from 'fast-check';
import { compressStream, createDecompressor, createZstdCompressor } from '../../src/compress/index.ts';
import { ZstdFrameScanner } from '../../src/compress/zstd-frames.ts';
import { isOciError } from '../../src/errors/index.ts';
import { chunked, collect, filter, noiseData, sha256, textData } from './support.ts';

const MiB = 1 << 20;

function skippableFrame(nibble: number, length: number): Buffer {
  const frame = Buffer.alloc(8 + length, 0x5a);
  frame.writeUInt32LE(0x184d2a50 + nibble, 0);
  frame.writeUInt32LE(length, 4);
  return frame;
}

async function zstdDecode(input: Buffer, cuts: readonly number[] = []): Promise<Buffer> {
  return collect(chunked(input, cuts).pipe(createDecompressor('zstd')));
}

describe('zstd', () => {
  test('compressStream zstd round-trips through the zstd command and our decoder', async () => {
    const data = Buffer.concat([textData(3 * MiB), noiseData(200_000)]);
    const zst = await collect(chunked(data, [1000, MiB]).pipe(compressStream('zstd')));
    assert.equal(zst.readUInt32LE(0), 0xfd2fb528);
    assert.equal(sha256(await filter('zstd', ['-d', '-c', '-q'], zst)), sha256(data));
    assert.equal(sha256(await zstdDecode(zst)), sha256(data));
  });

  test('zstd bytes do not depend on how the input is chunked or timed', async () => {
    const data = Buffer.concat([textData(3 * MiB), noiseData(200_000)]);
    const whole = createZstdCompressor();
    whole.end(data);
    const reference = await collect(whole);
    for (const cuts of [[7], [1000, MiB], [65536, 65536, 65536]]) {
      const out = await collect(chunked(data, cuts).pipe(createZstdCompressor()));
      assert.ok(out.equals(reference), `cuts ${cuts.join(',')}`);
    }
  });

  test('levels are honoured and validated', async () => {
    const data = textData(MiB);
    const fast = await collect(chunked(data, []).pipe(compressStream('zstd', { level: 1 })));
    const small = await collect(chunked(data, []).pipe(compressStream('zstd', { level: 19 })));
    assert.ok(small.length < fast.length);
    for (const level of [0, 23, 2.5]) {
      assert.throws(
        () => compressStream('zstd', { level }),
        (err) => isOciError(err, 'INVALID_ARGUMENT'),
      );
    }
  });

  test('reads every frame of concatenated zstd output (node:zlib alone stops after the first)', async () => {
    const parts = [textData(300_000, 1), noiseData(100_000, 2), Buffer.alloc(0), textData(5, 3)];
    const frames = await Promise.all(parts.map((part) => filter('zstd', ['-c', '-q'], part)));
    const out = await zstdDecode(Buffer.concat(frames), [2, 3, 5000]);
    assert.equal(sha256(out), sha256(Buffer.concat(parts)));
  });

  test('any sequence of frames and skippable frames, chunked any way, decodes to the concatenation (property)', async () => {
    const frameArb = fc.oneof(
      fc.record({
        kind: fc.constant('frame' as const),
        size: fc.constantFrom(0, 1, 100, 70_000, 200_000),
        data: fc.constantFrom('text', 'noise', 'zeros'),
        checksum: fc.boolean(),
        contentSize: fc.boolean(),
        seed: fc.integer({ min: 1, max: 1000 }),
      }),
      fc.record({
        kind: fc.constant('skip' as const),
        nibble: fc.integer({ min: 0, max: 15 }),
        size: fc.constantFrom(0, 3, 5000),
      }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(frameArb, { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 9000 }), { maxLength: 8 }),
        async (spec, cuts) => {
          const encoded: Buffer[] = [];
          const plain: Buffer[] = [];
          for (const item of spec) {
            if (item.kind === 'skip') {
              encoded.push(skippableFrame(item.nibble, item.size));
              continue;
            }
            const data =
              item.data === 'text'
                ? textData(item.size, item.seed)
                : item.data === 'noise'
                  ? noiseData(item.size, item.seed)
                  : Buffer.alloc(item.size);
            plain.push(data);
            encoded.push(
              zstdCompressSync(data, {
                params: {
                  [constants.ZSTD_c_checksumFlag]: item.checksum ? 1 : 0,
                  [constants.ZSTD_c_contentSizeFlag]: item.contentSize ? 1 : 0,
                },
              }),
            );
          }
          const out = await zstdDecode(Buffer.concat(encoded), cuts);
          assert.ok(out.equals(Buffer.concat(plain)));
        },
      ),
      { numRuns: 40 },
    );
  });

  test('the frame scanner reports frame boundaries without decoding', () => {
    const a = zstdCompressSync(textData(1000));
    const b = zstdCompressSync(noiseData(1000));
    const scanner = new ZstdFrameScanner();
    const pieces = scanner.scan(Buffer.concat([a, skippableFrame(1, 10), b]));
    assert.deepEqual(
      pieces.map((p) => p.type),
      ['start', 'data', 'data', 'end', 'start', 'data', 'data', 'end'],
    );
    const sizes = pieces.filter((p) => p.type === 'data').map((p) => p.bytes.length);
    assert.equal((sizes[0] as number) + (sizes[1] as number), a.length);
    assert.equal(scanner.frameCount, 2);
    assert.equal(scanner.inFrame, false);
  });

  test('truncated zstd and trailing garbage fail with INVALID_ARCHIVE', async () => {
    const zst = zstdCompressSync(textData(100_000));
    await assert.rejects(zstdDecode(zst.subarray(0, zst.length - 3)), (err) =>
      isOciError(err, 'INVALID_ARCHIVE'),
    );
    await assert.rejects(zstdDecode(Buffer.concat([zst, Buffer.from('garbage!')])), (err) =>
      isOciError(err, 'INVALID_ARCHIVE'),
    );
    await assert.rejects(zstdDecode(skippableFrame(0, 100).subarray(0, 50)), (err) =>
      isOciError(err, 'INVALID_ARCHIVE'),
    );
  });
});
