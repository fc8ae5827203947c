import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync, inflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { createGzipCompressor, DEFAULT_GZIP_LEVEL, gzipBytes } from '../../src/compress/index.ts';
import { DeflatePool, sharedDeflatePool } from '../../src/compress/worker-pool.ts';
import { isOciError } from '../../src/errors/index.ts';
import { scratch } from '../helpers/tmp.ts';
import { chunked, collect, filter, noiseData, sha256, textData } from './support.ts';

const MiB = 1 << 20;
const SIZES = [0, 1, 1000, MiB - 1, MiB, MiB + 1, 3.5 * MiB];

describe('parallel gzip', () => {
  test('round-trips through node:zlib gunzip for edge sizes, text and noise', async () => {
    for (const size of SIZES) {
      for (const data of [textData(size), noiseData(size)]) {
        const gz = await gzipBytes(data, { threads: 2 });
        assert.ok(gunzipSync(gz).equals(data), `size ${size}`);
      }
    }
  });

  test('writes a fixed 10-byte header: no time stamp, no name, OS unknown', async () => {
    const gz = await gzipBytes(textData(3 * MiB), { threads: 2 });
    assert.equal(gz.subarray(0, 10).toString('hex'), '1f8b08000000000000ff');
    const trailer = gz.subarray(gz.length - 8);
    assert.equal(trailer.readUInt32LE(4), 3 * MiB);
  });

  test('system gzip -t, gunzip and pigz -d accept the output', async (t) => {
    const dir = await scratch(t);
    const data = Buffer.concat([textData(2 * MiB), noiseData(MiB + 12345), textData(MiB / 2 + 3, 9)]);
    const file = join(dir, 'data.gz');
    await writeFile(file, await gzipBytes(data, { threads: 4 }));
    const check = spawnSync('gzip', ['-t', file]);
    assert.equal(check.status, 0, check.stderr.toString());
    assert.equal(sha256(spawnSync('gunzip', ['-c', file], { maxBuffer: 64 * MiB }).stdout), sha256(data));
    assert.equal(sha256(spawnSync('pigz', ['-d', '-c', file], { maxBuffer: 64 * MiB }).stdout), sha256(data));
    for (const size of [0, 1, MiB]) {
      const out = await filter('gzip', ['-d', '-c'], await gzipBytes(textData(size)));
      assert.equal(out.length, size);
    }
  });

  test('bytes are identical for 1, 2 and 4 threads', async () => {
    for (const size of SIZES) {
      const data = textData(size, size + 1);
      const [one, two, four] = await Promise.all([1, 2, 4].map((threads) => gzipBytes(data, { threads })));
      assert.ok(one?.equals(two as Buffer) && one.equals(four as Buffer), `size ${size}`);
    }
  });

  test('bytes are identical however the input is chunked (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(0, 1, 32 * 1024 - 1, 32 * 1024, 32 * 1024 + 1, 100_000, 250_001),
        fc.array(fc.integer({ min: 1, max: 70_000 }), { maxLength: 12 }),
        fc.constantFrom(1, 2, 4),
        fc.integer({ min: 1, max: 1000 }),
        async (size, cuts, threads, seed) => {
          const data = textData(size, seed);
          const reference = await gzipBytes(data, { threads: 1, blockSize: 32 * 1024 });
          const out = await collect(
            chunked(data, cuts).pipe(createGzipCompressor({ threads, blockSize: 32 * 1024 })),
          );
          assert.ok(out.equals(reference));
          assert.ok(gunzipSync(out).equals(data));
        },
      ),
      { numRuns: 40 },
    );
  });

  test('bytes are identical for default-size blocks chunked in odd sizes', async () => {
    const data = textData(3.5 * MiB, 3);
    const reference = await gzipBytes(data, { threads: 1 });
    for (const cuts of [[1, 1, 1], [MiB], [MiB + 1, 7], [65536, 65536, 3 * MiB]]) {
      const out = await collect(chunked(data, cuts).pipe(createGzipCompressor({ threads: 2 })));
      assert.ok(out.equals(reference), `cuts ${cuts.join(',')}`);
    }
  });

  test('concurrent streams share one pool and each gets its own bytes', async () => {
    const inputs = [
      textData(3 * MiB, 21),
      noiseData(2 * MiB + 5, 22),
      textData(MiB + 1, 23),
      textData(10, 24),
    ];
    const alone: Buffer[] = [];
    for (const data of inputs) alone.push(await gzipBytes(data, { threads: 1 }));
    const together = await Promise.all(
      inputs.map((data, i) => gzipBytes(data, { threads: 1 + (i % 3) * 3 })),
    );
    for (const [i, gz] of together.entries()) assert.ok(gz.equals(alone[i] as Buffer), `stream ${i}`);
    assert.ok(sharedDeflatePool().size <= availableParallelism());
  });

  test('every level 0..9 round-trips, and levels change the size', async () => {
    const data = textData(MiB + 5000);
    const sizes: number[] = [];
    for (let level = 0; level <= 9; level++) {
      const gz = await gzipBytes(data, { level, threads: 2 });
      assert.ok(gunzipSync(gz).equals(data), `level ${level}`);
      sizes.push(gz.length);
    }
    assert.ok((sizes[0] as number) > data.length, 'level 0 stores');
    assert.ok((sizes[9] as number) < (sizes[1] as number));
  });

  test('the default level is 5: same bytes as level 5 for any thread count, within 6% of pigz -6', async () => {
    assert.equal(DEFAULT_GZIP_LEVEL, 5);
    // A layer-like mix: text files, an incompressible one, more text.
    const data = Buffer.concat([textData(3 * MiB, 31), noiseData(MiB / 2, 32), textData(2 * MiB + 77, 33)]);
    const [byDefault, levelFive, twoThreads, fourThreads] = await Promise.all([
      gzipBytes(data, { threads: 1 }),
      gzipBytes(data, { threads: 1, level: 5 }),
      gzipBytes(data, { threads: 2 }),
      gzipBytes(data, { threads: 4 }),
    ]);
    assert.ok(byDefault.equals(levelFive as Buffer), 'the default is level 5');
    assert.ok(byDefault.equals(twoThreads as Buffer) && byDefault.equals(fourThreads as Buffer));
    assert.ok(gunzipSync(byDefault).equals(data));
    const pigz = await filter('pigz', ['-6', '-p', '2', '-c'], data);
    const ratio = byDefault.length / pigz.length;
    assert.ok(ratio < 1.06, `default output is ${ratio.toFixed(3)}x the size of pigz -6's`);
  });

  test('rejects out-of-range options with INVALID_ARGUMENT', () => {
    for (const options of [
      { level: 10 },
      { level: -1 },
      { level: 1.5 },
      { threads: 0 },
      { blockSize: 1024 },
    ]) {
      assert.throws(
        () => createGzipCompressor(options),
        (err) => isOciError(err, 'INVALID_ARGUMENT'),
      );
    }
  });

  test('abort mid-stream destroys the stream with an AbortError', async () => {
    const controller = new AbortController();
    let produced = 0;
    const source = new Readable({
      read() {
        produced += MiB;
        if (produced === 3 * MiB) controller.abort();
        this.push(textData(MiB, produced));
      },
    });
    const sink = new PassThrough();
    sink.resume();
    await assert.rejects(
      pipeline(source, createGzipCompressor({ threads: 2, signal: controller.signal }), sink),
      {
        name: 'AbortError',
      },
    );
    assert.ok(produced < 64 * MiB);
  });

  test('an input error propagates through the compressor', async () => {
    let sent = 0;
    const source = new Readable({
      read() {
        sent++;
        if (sent === 4) this.destroy(new Error('disk on fire'));
        else this.push(textData(MiB, sent));
      },
    });
    await assert.rejects(
      pipeline(source, createGzipCompressor({ threads: 2 }), new PassThrough().resume()),
      /disk on fire/,
    );
  });

  test('a worker failure fails the job with an OciError', async () => {
    const job = { data: new Uint8Array(10), dictionary: null, level: 42, last: true };
    await assert.rejects(sharedDeflatePool().run(job, 2), (err) => isOciError(err, 'IO_ERROR'));
    // The pool still works afterwards.
    const ok = await sharedDeflatePool().run({ ...job, level: 6 }, 2);
    assert.ok(ok.output.length > 0);
  });

  test('jobs queued two deep on one worker each get their own block, and a bad one fails only itself', async () => {
    const pool = new DeflatePool();
    try {
      const blocks = [textData(300_000, 41), noiseData(200_000, 42), textData(5, 43), textData(MiB, 44)];
      const jobs = blocks.map((data) => pool.run({ data, dictionary: null, level: 5, last: true }, 1));
      const bad = pool.run({ data: new Uint8Array(10), dictionary: null, level: 42, last: true }, 1);
      const after = pool.run({ data: blocks[0] as Buffer, dictionary: null, level: 5, last: true }, 1);
      const results = await Promise.all(jobs);
      assert.equal(pool.size, 1);
      for (const [i, { output }] of results.entries()) {
        assert.ok(inflateRawSync(output).equals(blocks[i] as Buffer), `block ${i}`);
      }
      await assert.rejects(bad, (err) => isOciError(err, 'IO_ERROR'));
      assert.ok(inflateRawSync((await after).output).equals(blocks[0] as Buffer));
    } finally {
      await pool.close();
    }
  });

  test('memory stays flat: a consumer that stops reading stops the input', async () => {
    let produced = 0;
    const source = new Readable({
      highWaterMark: MiB,
      read() {
        produced += 256 * 1024;
        this.push(noiseData(256 * 1024, produced));
      },
    });
    const gzip = createGzipCompressor({ threads: 4 });
    source.pipe(gzip);
    // Let the pipeline run until it stalls (no reader); the bound does not depend on timing.
    let last = -1;
    while (produced !== last) {
      last = produced;
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.ok(produced <= 16 * MiB, `read ${produced} bytes ahead`);
    let compressed = 0;
    const reader = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        compressed += chunk.length;
        if (compressed > 20 * MiB) source.push(null);
        callback();
      },
    });
    await pipeline(gzip, reader);
    assert.ok(produced > 20 * MiB, 'resumes once read');
  });

  test('idle workers do not keep the process alive', async (t) => {
    const module = fileURLToPath(new URL('../../src/compress/index.ts', import.meta.url));
    const pool = fileURLToPath(new URL('../../src/compress/worker-pool.ts', import.meta.url));
    const script = `
      import { gzipBytes } from ${JSON.stringify(module)};
      import { sharedDeflatePool } from ${JSON.stringify(pool)};
      const out = await gzipBytes(Buffer.alloc(5 << 20, 'x'), { threads: 2 });
      process.on('beforeExit', () => console.log('exiting with', sharedDeflatePool().size, 'workers', out.length > 0));
    `;
    const file = join(await scratch(t), 'child.mjs');
    await writeFile(file, script);
    const child = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(child.status, 0, child.stderr);
    // Workers are still alive but unreferenced: the loop emptied without waiting for their idle timeout.
    assert.match(child.stdout, /exiting with [12] workers true/);
  });
});
