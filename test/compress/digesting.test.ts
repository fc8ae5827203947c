import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import {
  COMPRESSIONS,
  compressAndDigest,
  compressStream,
  decompressAndDigest,
  isCompression,
  mediaTypeFor,
} from '../../src/compress/index.ts';
import { isOciError } from '../../src/errors/index.ts';
import { DOCKER, OCI } from '../../src/spec/media-types.ts';
import { chunked, collect, sha256, textData } from './support.ts';

const MiB = 1 << 20;

describe('one-pass layer digests', () => {
  for (const kind of COMPRESSIONS) {
    test(`compressAndDigest(${kind}) gives the DiffID of the input and the digest of the output`, async () => {
      const tar = textData(2 * MiB + 17);
      const { output, result } = compressAndDigest(chunked(tar, [100, 5000]), kind, { threads: 2 });
      const compressed = await collect(output);
      const digests = await result;
      assert.equal(digests.diffId, `sha256:${sha256(tar)}`);
      assert.equal(digests.uncompressedSize, tar.length);
      assert.equal(digests.digest, `sha256:${sha256(compressed)}`);
      assert.equal(digests.size, compressed.length);
      if (kind === 'none') assert.equal(digests.digest, digests.diffId);
      else assert.ok(compressed.length < tar.length);

      const back = decompressAndDigest(chunked(compressed, [1, 2, 3]));
      const decompressed = await collect(back.output);
      assert.ok(decompressed.equals(tar));
      assert.deepEqual(await back.result, { ...digests, compression: kind });
    });
  }

  test('a gzip layer from compressAndDigest is what gunzip expects', async () => {
    const tar = textData(MiB + 1);
    const { output, result } = compressAndDigest(chunked(tar, []), 'gzip');
    const gz = await collect(output);
    assert.ok(gunzipSync(gz).equals(tar));
    assert.equal((await result).size, gz.length);
  });

  test('an input failure rejects the result with an OciError and fails the output', async () => {
    const input = new Readable({
      read() {
        this.destroy(new Error('read failed'));
      },
    });
    const { output, result } = compressAndDigest(input, 'gzip');
    await assert.rejects(collect(output), /read failed/);
    await assert.rejects(result, (err) => isOciError(err) && /read failed/.test(err.message));
  });

  test('corrupt compressed input rejects decompressAndDigest with INVALID_ARCHIVE', async () => {
    const gz = await collect(chunked(textData(MiB), []).pipe(compressStream('gzip')));
    const { output, result } = decompressAndDigest(chunked(gz.subarray(0, gz.length - 100), []));
    await assert.rejects(pipeline(output, new PassThrough().resume()), (err) =>
      isOciError(err, 'INVALID_ARCHIVE'),
    );
    await assert.rejects(result, (err) => isOciError(err, 'INVALID_ARCHIVE'));
  });
});

describe('media types and kinds', () => {
  test('mediaTypeFor maps each compression to the OCI and Docker layer types', () => {
    assert.equal(mediaTypeFor('gzip'), OCI.layerGzip);
    assert.equal(mediaTypeFor('zstd'), OCI.layerZstd);
    assert.equal(mediaTypeFor('none'), OCI.layer);
    assert.equal(mediaTypeFor('gzip', { docker: true }), DOCKER.layerGzip);
    assert.equal(mediaTypeFor('zstd', { docker: true }), DOCKER.layerZstd);
    assert.equal(mediaTypeFor('none', { docker: true }), DOCKER.layer);
  });

  test('isCompression accepts only the three kinds', () => {
    assert.deepEqual(
      ['gzip', 'zstd', 'none', 'xz', 'GZIP', ''].map((k) => isCompression(k)),
      [true, true, true, false, false, false],
    );
  });

  test("compressStream('none') passes bytes through unchanged", async () => {
    const data = textData(300_000);
    assert.ok((await collect(chunked(data, [5]).pipe(compressStream('none')))).equals(data));
  });
});
