/**
 * Progress goes to stderr in the form the reader can take: redrawn lines on a terminal (a real
 * pseudo-terminal from `script`), plain lines in a pipe with no escape codes, JSON lines with
 * `--json`; stdout holds only the result.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OCIKIT_BIN, ocikit } from '../helpers/cli.ts';
import { run } from '../helpers/exec.ts';
import { suiteScratch } from '../helpers/tmp.ts';

const ESC = '\u001b[';

describe('copy progress', () => {
  const makeDir = suiteScratch(after);
  let dir: string;
  let source: string;

  before(async () => {
    dir = await makeDir();
    await mkdir(join(dir, 'tree'), { recursive: true });
    await writeFile(join(dir, 'tree/blob'), randomBytes(2 << 20));
    source = `oci:${join(dir, 'src')}:img`;
    assert.equal((await ocikit(['append', 'scratch', join(dir, 'tree'), '-t', source])).code, 0);
  });

  test('in a pipe: plain lines on stderr, no escape codes, the pinned reference alone on stdout', async () => {
    const result = await ocikit(['copy', source, `oci:${join(dir, 'plain')}:img`]);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!result.stderr.includes(ESC), 'no escape codes in a pipe');
    assert.match(result.stderr, /^done sha256:[a-f0-9]{64} /m);
    assert.match(result.out, /^oci:.*@sha256:[a-f0-9]{64}$/);
  });

  test('with --json: one JSON object per blob event', async () => {
    const result = await ocikit(['copy', '--json', source, `oci:${join(dir, 'json')}:img`]);
    assert.equal(result.code, 0, result.stderr);
    const events = result.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.ok(events.length >= 3);
    for (const e of events) {
      assert.equal(e.event, 'blob');
      assert.match(e.digest, /^sha256:/);
      assert.ok(['started', 'progress', 'skipped', 'mounted', 'done'].includes(e.state));
    }
  });

  test('on a terminal: the display is redrawn in place', async () => {
    const command = `${process.execPath} ${OCIKIT_BIN} copy ${source} oci:${join(dir, 'tty')}:img`;
    const typescript = join(dir, 'typescript');
    await run('script', ['-qec', command, typescript]);
    const screen = await run('cat', [typescript]);
    assert.ok(screen.includes(ESC), 'cursor movement or erase sequences on a terminal');
    assert.match(screen, /done|exists/);
  });
});
