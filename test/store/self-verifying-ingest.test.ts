/**
 * Ingest of streams that verify themselves (marked with markVerified, as registry blob streams
 * are): they are not hashed again, but ingest still stores nothing that is not exactly the expected
 * bytes — a short, long, failed or wrongly marked stream is refused and leaves no blob and no temp.
 * A layout's own blob streams are marked too (layout to layout copies hash each blob once).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { digestBytes } from '../../src/digest/index.ts';
import { ErrorCode, isOciError } from '../../src/errors/index.ts';
import { INGEST_DIR, initLayout, type OciLayout } from '../../src/store/index.ts';
import { markVerified, verifiesItself } from '../../src/store/verified-stream.ts';
import { scratch } from '../helpers/peers-layout.ts';

let dir: string;
let cleanup: () => Promise<void>;
let layout: OciLayout;
before(async () => {
  ({ dir, cleanup } = await scratch('self-verifying'));
  layout = await initLayout(join(dir, 'layout'));
});
after(() => cleanup());

/** A stream of `chunks`, marked as verifying `bytes` (whatever it really yields). */
function marked(chunks: Buffer[], bytes: Buffer, failAtEnd = false): Readable {
  const stream = Readable.from(
    (async function* () {
      yield* chunks;
      if (failAtEnd) throw new Error('verification failed at the end');
    })(),
  );
  markVerified(stream, { digest: digestBytes(bytes), size: bytes.byteLength });
  return stream;
}

async function assertNothingLeft(digest: string): Promise<void> {
  assert.equal(await layout.stat(digest), undefined, 'no blob stored');
  assert.deepEqual(await readdir(join(layout.root, INGEST_DIR)), [], 'no temp file left');
}

test('a marked stream of exactly the expected bytes is stored under its digest', async () => {
  const bytes = randomBytes(300_000);
  const digest = digestBytes(bytes);
  const info = await layout.ingest(marked([bytes.subarray(0, 1000), bytes.subarray(1000)], bytes), {
    digest,
    size: bytes.byteLength,
  });
  assert.deepEqual(info, { digest, size: bytes.byteLength });
  assert.equal(digestBytes(await layout.readBytes({ digest, size: bytes.byteLength })), digest);
});

test('a marked stream that delivers fewer bytes than its size (read elsewhere first) is refused', async () => {
  const bytes = randomBytes(50_000);
  const digest = digestBytes(bytes);
  await assert.rejects(
    layout.ingest(marked([bytes.subarray(10)], bytes), { digest, size: bytes.byteLength }),
    (err) => isOciError(err, ErrorCode.SIZE_MISMATCH),
  );
  await assertNothingLeft(digest);
});

test('a marked stream that delivers more bytes than its size is refused as they arrive', async () => {
  const bytes = randomBytes(50_000);
  const digest = digestBytes(bytes);
  await assert.rejects(
    layout.ingest(marked([bytes, Buffer.from('x')], bytes), { digest, size: bytes.byteLength }),
    (err) => isOciError(err, ErrorCode.SIZE_MISMATCH),
  );
  await assertNothingLeft(digest);
});

test('a marked stream that errors instead of ending (its own verification failed) stores nothing', async () => {
  const bytes = randomBytes(50_000);
  const digest = digestBytes(bytes);
  await assert.rejects(
    layout.ingest(marked([bytes], bytes, true), { digest, size: bytes.byteLength }),
    /verification failed/,
  );
  await assertNothingLeft(digest);
});

test('a stream marked for another digest is hashed: bytes that do not match the expectation are refused', async () => {
  const expected = randomBytes(20_000);
  const served = randomBytes(20_000);
  const digest = digestBytes(expected);
  await assert.rejects(
    layout.ingest(marked([served], served), { digest, size: expected.byteLength }),
    (err) => isOciError(err, ErrorCode.DIGEST_MISMATCH),
  );
  await assertNothingLeft(digest);
});

test('a marked stream is hashed when the expectation names no size', async () => {
  const expected = randomBytes(20_000);
  const served = Buffer.from(expected);
  served[0] = (served[0] as number) ^ 0xff;
  const digest = digestBytes(expected);
  // Marked (wrongly) as verifying the expected bytes, but the ingest has no size to hold it to.
  await assert.rejects(layout.ingest(marked([served], expected), { digest }), (err) =>
    isOciError(err, ErrorCode.DIGEST_MISMATCH),
  );
  await assertNothingLeft(digest);
});

test('concurrent ingests into one folder are all stored (directory fsyncs are shared)', async () => {
  const blobs = Array.from({ length: 12 }, () => randomBytes(10_000));
  const infos = await Promise.all(
    blobs.map((bytes, i) =>
      layout.ingest(i % 2 === 0 ? marked([bytes], bytes) : Readable.from([bytes]), {
        digest: digestBytes(bytes),
        size: bytes.byteLength,
      }),
    ),
  );
  for (const [i, bytes] of blobs.entries()) {
    assert.equal(infos[i]?.digest, digestBytes(bytes));
    assert.equal(await layout.stat(digestBytes(bytes)), bytes.byteLength);
  }
});

test("a layout's blob stream verifies itself: another layout stores it unhashed, and only if its bytes match", async () => {
  const bytes = randomBytes(200_000);
  const digest = digestBytes(bytes);
  const descriptor = { digest, size: bytes.byteLength };
  await layout.ingest(Readable.from([bytes]), descriptor);
  const other = await initLayout(join(dir, 'other'));

  const stream = await layout.get(descriptor);
  assert.equal(verifiesItself(stream, digest, bytes.byteLength), true);
  const unsized = await layout.get({ digest });
  assert.equal(verifiesItself(unsized, digest, bytes.byteLength), false, 'no size, no mark');
  unsized.destroy();
  assert.deepEqual(await other.ingest(stream, descriptor), descriptor);

  // The same size, other bytes: the source stream's own check refuses them, and nothing is stored.
  const tampered = Buffer.from(bytes);
  tampered[100_000] = (tampered[100_000] as number) ^ 0xff;
  await writeFile(join(layout.root, 'blobs', 'sha256', digest.slice('sha256:'.length)), tampered);
  const third = await initLayout(join(dir, 'third'));
  await assert.rejects(third.ingest(await layout.get(descriptor), descriptor), (err) =>
    isOciError(err, ErrorCode.DIGEST_MISMATCH),
  );
  assert.equal(await third.stat(digest), undefined, 'no blob stored');
  assert.deepEqual(await readdir(join(third.root, INGEST_DIR)), [], 'no temp file left');
});
