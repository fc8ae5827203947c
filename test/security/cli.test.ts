/**
 * Security cases of the CLI (src/cli): strings from hostile documents (ref names, config labels,
 * env, annotations) must not reach a terminal as control sequences. ESC sequences can retitle
 * the window, write the clipboard (OSC 52), or erase and repaint what the user sees.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { scratch } from '../helpers/tmp.ts';
import { writeImageLayout } from './fixtures.ts';

/** OSC 0 (set title) + erase screen + a fake line: what a hostile image would print. */
const INJECTION = '\u001b]0;pwned\u0007\u001b[2J\u001b[Hall clear';
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f\u009b]/;

function controlOf(text: string): string {
  const match = CONTROL.exec(text);
  return match === null ? '' : JSON.stringify(text.slice(Math.max(0, match.index - 20), match.index + 20));
}

test('ocikit ls oci:DIR lists a hostile ref name with its control characters escaped', async (t) => {
  const root = join(await scratch(t, 'ocikit-sec-cli-'), 'layout');
  await writeImageLayout(root, [], { tag: `${INJECTION}v1` });
  const result = await ocikit(['ls', `oci:${root}`]);
  assert.equal(result.code, 0, result.stderr);
  const text = `${result.stdout.toString('utf8')}${result.stderr}`;
  assert.equal(controlOf(text), '', `control characters reached the terminal: ${controlOf(text)}`);
  assert.equal(
    result.out,
    '\\x1b]0;pwned\\x07\\x1b[2J\\x1b[Hall clearv1',
    'the tag is listed, visibly escaped',
  );
});

test('ocikit ls --json gives back the exact hostile ref name as valid JSON, with no raw control character', async (t) => {
  const root = join(await scratch(t, 'ocikit-sec-cli-'), 'layout');
  // DEL and the 8-bit CSI (C1) as well: JSON.stringify leaves those raw.
  const tag = `${INJECTION}\u007f\u009b2Jv1`;
  await writeImageLayout(root, [], { tag });
  const result = await ocikit(['ls', '--json', `oci:${root}`]);
  assert.equal(result.code, 0, result.stderr);
  const text = result.stdout.toString('utf8');
  assert.equal(controlOf(text), '', `control characters reached the terminal: ${controlOf(text)}`);
  assert.deepEqual(JSON.parse(text), [tag]);
});

test('ocikit inspect prints no control characters from a hostile config (labels, env, user)', async (t) => {
  const root = join(await scratch(t, 'ocikit-sec-cli-'), 'layout');
  await writeImageLayout(root, [], {
    configExtra: {
      config: {
        User: `app${INJECTION}`,
        Env: [`PATH=/bin${INJECTION}`],
        Labels: { maintainer: INJECTION },
      },
    },
  });
  const result = await ocikit(['inspect', `oci:${root}`, '--platform', 'linux/amd64']);
  assert.equal(result.code, 0, result.stderr);
  const text = `${result.stdout.toString('utf8')}${result.stderr}`;
  assert.equal(controlOf(text), '', `control characters reached the terminal: ${controlOf(text)}`);
});
