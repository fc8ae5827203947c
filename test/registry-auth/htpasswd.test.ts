/** The htpasswd test helper writes bcrypt entries the real `htpasswd` verifies. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { run } from '../helpers/exec.ts';
import { writeHtpasswd } from '../helpers/htpasswd.ts';
import { scratch } from '../helpers/tmp.ts';

test('writeHtpasswd writes one bcrypt line per user, verified by htpasswd -vb', async (t) => {
  const dir = await scratch(t, 'ocikit-htpasswd-');
  const path = join(dir, 'htpasswd');
  await writeHtpasswd(path, { ann: 'ann-pw', bob: 'bob pw with spaces' });
  const lines = (await readFile(path, 'utf8')).trim().split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0] ?? '', /^ann:\$2y\$/);
  assert.match(lines[1] ?? '', /^bob:\$2y\$/);
  await run('htpasswd', ['-vb', path, 'bob', 'bob pw with spaces']);
  await assert.rejects(run('htpasswd', ['-vb', path, 'ann', 'wrong']));
});
