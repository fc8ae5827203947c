/**
 * Security cases of the layout store (src/store) and the `oci:` transport on a hostile layout
 * directory: blobs, blob folders and index.json that are symlinks or special files. Each must
 * be refused without reading, hashing or deleting anything outside the layout.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, constants, lstatSync, openSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isOciError } from '../../src/errors/index.ts';
import { type Descriptor, OCI } from '../../src/spec/index.ts';
import { openLayout } from '../../src/store/index.ts';
import { layoutSource } from '../../src/transports/layout/index.ts';
import { scratch } from '../helpers/tmp.ts';
import { blobFile, sha256, writeImageLayout, writeLayout } from './fixtures.ts';

/** True when some process holds the FIFO at `path` open for reading (a non-blocking writer open succeeds). */
function fifoHasReader(path: string): boolean {
  try {
    if (!lstatSync(path).isFIFO()) return false;
    closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `operation` and watches the FIFO at `fifo` until the operation settles. If the operation
 * opens the FIFO for reading, that is recorded and the FIFO is released (a writer opens and
 * closes it, so the reader sees EOF) and the operation is allowed to finish.
 */
async function watchFifo(
  fifo: string,
  operation: () => Promise<unknown>,
): Promise<{ opened: boolean; error: unknown }> {
  let settled = false;
  let error: unknown;
  const running = operation().then(
    () => {
      settled = true;
    },
    (err: unknown) => {
      settled = true;
      error = err;
    },
  );
  let opened = false;
  while (!settled) {
    if (fifoHasReader(fifo)) {
      opened = true;
      break;
    }
    await sleep(10);
  }
  await running;
  return { opened, error };
}

function mkfifo(path: string): void {
  const result = spawnSync('mkfifo', [path]);
  assert.equal(result.status, 0, `mkfifo failed: ${result.stderr}`);
}

test('a layer blob that is a symlink to a file outside the layout is not streamed to the consumer', async (t) => {
  const dir = await scratch(t, 'ocikit-sec-store-');
  const secret = join(dir, 'id_rsa');
  const SECRET = '-----BEGIN OPENSSH PRIVATE KEY----- do not exfiltrate -----END-----\n';
  await writeFile(secret, SECRET);
  const root = join(dir, 'layout');
  // The manifest names a layer of the secret's size under some other digest; the blob file is a
  // symlink to the secret. Copying this image to a registry the attacker runs would upload it.
  const decoy = Buffer.alloc(SECRET.length, 0x41);
  const { layers } = await writeImageLayout(root, [decoy]);
  const layer = layers[0] as unknown as Descriptor;
  await rm(blobFile(root, layer.digest));
  await symlink(secret, blobFile(root, layer.digest));

  const source = layoutSource(`oci:${root}`);
  const received: Buffer[] = [];
  let failure: unknown;
  try {
    const stream: Readable = await source.blob(layer);
    for await (const chunk of stream) received.push(chunk as Buffer);
  } catch (err) {
    failure = err;
  }
  const leaked = Buffer.concat(received).toString('utf8');
  assert.ok(
    !leaked.includes('PRIVATE KEY'),
    `the consumer received ${leaked.length} bytes of a file outside the layout before the error (${(failure as Error | undefined)?.message ?? 'no error'})`,
  );
  assert.ok(failure === undefined || isOciError(failure));
});

test('fsck never opens a special file planted as a blob (a /dev/zero symlink would be hashed forever)', async (t) => {
  const dir = await scratch(t, 'ocikit-sec-store-');
  const root = join(dir, 'layout');
  const { config } = await writeImageLayout(root, []);
  const path = blobFile(root, config.digest);
  await rm(path);
  mkfifo(path);
  const layout = await openLayout(root);
  const { opened, error } = await watchFifo(path, () => layout.fsck());
  assert.equal(opened, false, 'fsck opened the FIFO blob and waited on it');
  assert.ok(error === undefined || isOciError(error));
});

test('reading a manifest whose blob is a special file never opens it (a /dev/zero symlink reads forever)', async (t) => {
  const dir = await scratch(t, 'ocikit-sec-store-');
  const root = join(dir, 'layout');
  await writeLayout(root);
  // An index.json entry of size 0: fstat of a FIFO or a device also says 0, so the size check passes.
  const empty = sha256('');
  mkfifo(blobFile(root, empty));
  const layout = await openLayout(root);
  const { opened, error } = await watchFifo(blobFile(root, empty), () =>
    layout.readDocument({ mediaType: OCI.manifest, digest: empty, size: 0 } as Parameters<
      typeof layout.readDocument
    >[0]),
  );
  assert.equal(opened, false, 'readDocument opened the FIFO blob and waited on it');
  assert.ok(isOciError(error), `expected an OciError, got ${String(error)}`);
});

test('opening a layout whose index.json is a FIFO does not open it', async (t) => {
  const dir = await scratch(t, 'ocikit-sec-store-');
  const root = join(dir, 'layout');
  await writeLayout(root);
  await rm(join(root, 'index.json'));
  mkfifo(join(root, 'index.json'));
  const { opened, error } = await watchFifo(join(root, 'index.json'), () => openLayout(root));
  assert.equal(opened, false, 'openLayout opened the index.json FIFO and waited on it');
  assert.ok(isOciError(error), `expected an OciError, got ${String(error)}`);
});

test('gc does not delete files outside the layout through a symlinked blobs/sha256 folder', async (t) => {
  const dir = await scratch(t, 'ocikit-sec-store-');
  // The victim: another store's blob folder (any folder with 64-hex file names).
  const victim = join(dir, 'other-store', 'blobs', 'sha256');
  await mkdir(victim, { recursive: true });
  const precious = Buffer.from('a blob of another store\n');
  const preciousName = sha256(precious).slice('sha256:'.length);
  await writeFile(join(victim, preciousName), precious);

  const root = join(dir, 'layout');
  await writeImageLayout(root, []);
  // The hostile layout's blobs/sha256 is a symlink to the victim folder (its own blobs moved there).
  const own = join(root, 'blobs', 'sha256');
  for (const name of await readdir(own)) await rename(join(own, name), join(victim, name));
  await rm(own, { recursive: true });
  await symlink(victim, own);

  const layout = await openLayout(root);
  await layout.gc().catch(() => undefined);
  const survived = await stat(join(victim, preciousName)).then(
    () => true,
    () => false,
  );
  assert.equal(survived, true, 'gc followed blobs/sha256 out of the layout and deleted a file there');
});

test('fsck reports a directory planted as a blob as a problem, not by throwing a raw EISDIR', async (t) => {
  const dir = await scratch(t, 'ocikit-sec-store-');
  const root = join(dir, 'layout');
  const { config } = await writeImageLayout(root, []);
  await rm(blobFile(root, config.digest));
  await mkdir(blobFile(root, config.digest));
  const layout = await openLayout(root);
  let thrown: unknown;
  let ok: boolean | undefined;
  try {
    ok = (await layout.fsck()).ok;
  } catch (err) {
    thrown = err;
  }
  assert.ok(
    thrown === undefined || isOciError(thrown),
    `fsck threw a non-OciError: ${(thrown as Error | undefined)?.name}: ${(thrown as Error | undefined)?.message}`,
  );
  assert.notEqual(ok, true, 'fsck called a layout with a directory for a blob healthy');
});
