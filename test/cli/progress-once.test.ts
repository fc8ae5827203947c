/**
 * Each blob a copy moves is reported once: one start and one end per blob, whatever the
 * destination (a layout, an archive, a registry), in the plain and the `--json` forms. The copy
 * engine reports a blob's start and end; a destination only reports bytes.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { writeBusyboxRootfs } from '../helpers/busybox.ts';
import { ocikit } from '../helpers/cli.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { suiteScratch } from '../helpers/tmp.ts';

interface Event {
  event: string;
  digest: string;
  state: string;
  done: number;
  total: number;
}

/** How many events of each state each digest got. */
function tally(events: Event[]): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const e of events) {
    const counts = out.get(e.digest) ?? {};
    counts[e.state] = (counts[e.state] ?? 0) + 1;
    out.set(e.digest, counts);
  }
  return out;
}

describe('copy progress is reported once per blob', () => {
  const makeDir = suiteScratch(after);
  let dir: string;
  let source: string;
  let blobs: string[];
  let registry: RunningRegistry;

  before(async () => {
    dir = await makeDir();
    await writeBusyboxRootfs(join(dir, 'rootfs'));
    await mkdir(join(dir, 'data'), { recursive: true });
    await writeFile(join(dir, 'data/blob'), randomBytes(1 << 20));
    source = `oci:${join(dir, 'src')}:bb`;
    const built = await ocikit(['append', 'scratch', join(dir, 'rootfs'), join(dir, 'data'), '-t', source]);
    assert.equal(built.code, 0, built.stderr);
    const manifest = JSON.parse((await ocikit(['inspect', '--raw', source])).out);
    blobs = [manifest.config.digest, ...manifest.layers.map((l: { digest: string }) => l.digest)].sort();
    registry = await startRegistry();
  });
  after(() => registry?.stop());

  const destinations: Array<[string, () => string]> = [
    ['an oci: layout', () => `oci:${join(dir, `layout-${Math.random().toString(36).slice(2)}`)}:bb`],
    ['an oci-archive: file', () => `oci-archive:${join(dir, `${Math.random().toString(36).slice(2)}.tar`)}`],
    ['a registry', () => `${registry.host}/progress/${Math.random().toString(36).slice(2)}:1`],
  ];

  for (const [what, destination] of destinations) {
    test(`--json into ${what}: one started and one done per blob, bytes in between`, async () => {
      const result = await ocikit(['copy', '--json', source, destination()]);
      assert.equal(result.code, 0, result.stderr);
      const events = result.stderr
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Event)
        .filter((e) => e.event === 'blob');
      const counts = tally(events);
      assert.deepEqual([...counts.keys()].sort(), blobs);
      for (const [digest, states] of counts) {
        assert.equal(states.started, 1, `${digest}: ${JSON.stringify(states)}`);
        assert.equal(states.done, 1, `${digest}: ${JSON.stringify(states)}`);
        for (const state of Object.keys(states)) assert.ok(['started', 'progress', 'done'].includes(state));
        const own = events.filter((e) => e.digest === digest);
        assert.equal(own[0]?.state, 'started');
        assert.equal(own.at(-1)?.state, 'done');
        assert.equal(own.at(-1)?.done, own.at(-1)?.total);
      }
    });

    test(`plain lines into ${what}: one "copying" and one "done" line per blob`, async () => {
      const result = await ocikit(['copy', source, destination()]);
      assert.equal(result.code, 0, result.stderr);
      const lines = result.stderr.trim().split('\n');
      for (const digest of blobs) {
        assert.equal(lines.filter((l) => l.startsWith(`copying ${digest} `)).length, 1, result.stderr);
        assert.equal(lines.filter((l) => l.startsWith(`done ${digest} `)).length, 1, result.stderr);
      }
      assert.equal(lines.length, 2 * blobs.length, result.stderr);
    });
  }

  test('--json with --compression (layers recompressed on the way): one started and one done per blob written', async () => {
    for (const destination of [destinations[0]?.[1], destinations[2]?.[1]]) {
      const target = destination?.() ?? '';
      const result = await ocikit(['copy', '--json', '--compression', 'zstd', source, target]);
      assert.equal(result.code, 0, result.stderr);
      const events = result.stderr
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Event)
        .filter((e) => e.event === 'blob');
      const written = JSON.parse((await ocikit(['inspect', '--raw', target])).out);
      const digests = [written.config.digest, ...written.layers.map((l: { digest: string }) => l.digest)];
      assert.deepEqual([...tally(events).keys()].sort(), digests.sort(), target);
      for (const [digest, states] of tally(events)) {
        assert.equal(states.started, 1, `${target} ${digest}: ${JSON.stringify(states)}`);
        assert.equal(states.done, 1, `${target} ${digest}: ${JSON.stringify(states)}`);
      }
    }
  });

  test('a blob the destination has is reported once, as existing', async () => {
    const target = `oci:${join(dir, 'again')}:bb`;
    assert.equal((await ocikit(['copy', '-q', source, target])).code, 0);
    const result = await ocikit(['copy', source, target]);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stderr.trim().split('\n');
    assert.deepEqual(
      lines.map((l) => l.split(' ').slice(0, 2).join(' ')).sort(),
      blobs.map((d) => `exists ${d}`).sort(),
    );
  });
});
