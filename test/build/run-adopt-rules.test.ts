/**
 * The rules that make an overlay step's upper directory its layer's unpacked form, on upper and
 * lower directories made by hand (no mount): what the layer leaves out is removed, and what cannot
 * be made to match refuses the adoption before anything is changed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { NotAdoptable, shapeUpperAsLayer } from '../../src/build/run/capture/adopt.ts';
import { overlayChanges } from '../../src/build/run/capture/overlay-changes.ts';
import { settlePlan } from '../../src/build/run/capture/plan.ts';
import { scratch } from '../helpers/tmp.ts';

/** An upper and a lower directory; `lower` holds `data/old`. */
async function dirs(t: TestContext): Promise<{ upper: string; lower: string }> {
  const dir = await scratch(t, 'ocikit-adopt-');
  const upper = join(dir, 'upper');
  const lower = join(dir, 'lower');
  mkdirSync(join(lower, 'data'), { recursive: true });
  writeFileSync(join(lower, 'data', 'old'), 'old\n');
  mkdirSync(join(upper, 'data'), { recursive: true });
  return { upper, lower };
}

/** A unix socket at `path`, kept until the test ends (closing it would unlink it). */
async function socketAt(t: TestContext, path: string): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(path, resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
}

function plan(upper: string, lower: string) {
  const changes = overlayChanges(upper, lower);
  const recorded = settlePlan(changes);
  return { changes, recorded };
}

test('a socket and a whiteout that hides nothing are not in the layer, and leave the kept directory', async (t) => {
  const { upper, lower } = await dirs(t);
  writeFileSync(join(upper, 'data', 'new'), 'new\n');
  await socketAt(t, join(upper, 'data', 'sock'));
  execFileSync('mknod', [join(upper, 'data', 'ghost'), 'c', '0', '0']);
  const { changes, recorded } = plan(upper, lower);
  assert.deepEqual([...(changes.strays ?? [])].sort(), ['data/ghost', 'data/sock']);
  shapeUpperAsLayer(changes, recorded, {});
  assert.ok(existsSync(join(upper, 'data', 'new')));
  assert.ok(!existsSync(join(upper, 'data', 'sock')), 'the socket is removed');
  assert.ok(!existsSync(join(upper, 'data', 'ghost')), 'the whiteout that hid nothing is removed');
});

test('a written name an unpack reads as a whiteout refuses the adoption, changing nothing', async (t) => {
  const { upper, lower } = await dirs(t);
  writeFileSync(join(upper, 'data', '.wh.old'), 'not a whiteout here\n');
  await socketAt(t, join(upper, 'data', 'sock'));
  const { changes, recorded } = plan(upper, lower);
  assert.throws(() => shapeUpperAsLayer(changes, recorded, {}), NotAdoptable);
  assert.ok(existsSync(join(upper, 'data', 'sock')), 'nothing was removed before the refusal');
});

test('an attribute the layer does not record refuses the adoption: user.overlay.* on a file, any on the root', async (t) => {
  const first = await dirs(t);
  writeFileSync(join(first.upper, 'data', 'marked'), 'x\n');
  execFileSync('setfattr', ['-n', 'user.overlay.opaque', '-v', 'y', join(first.upper, 'data', 'marked')]);
  const a = plan(first.upper, first.lower);
  assert.throws(() => shapeUpperAsLayer(a.changes, a.recorded, {}), NotAdoptable);

  const second = await dirs(t);
  writeFileSync(join(second.upper, 'data', 'plain'), 'x\n');
  execFileSync('setfattr', ['-n', 'user.note', '-v', 'root', second.upper]);
  const b = plan(second.upper, second.lower);
  assert.throws(() => shapeUpperAsLayer(b.changes, b.recorded, {}), NotAdoptable);

  // A recorded attribute on a written file is what the unpack sets too: adopted.
  const third = await dirs(t);
  writeFileSync(join(third.upper, 'data', 'kept'), 'x\n');
  execFileSync('setfattr', ['-n', 'user.note', '-v', 'kept', join(third.upper, 'data', 'kept')]);
  const c = plan(third.upper, third.lower);
  shapeUpperAsLayer(c.changes, c.recorded, {});
});
