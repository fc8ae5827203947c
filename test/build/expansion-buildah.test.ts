// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Dockerfile words, not templates.
/**
 * The expansion table against a real peer: every row that buildah 1.28's older lexer can take
 * (`$NAME`, `${NAME}`, `${NAME:-w}`, `${NAME:+w}`, quotes and escapes; the `-`, `+`, `?`, `#`,
 * `%` and `/` operators without a colon came later to BuildKit) becomes an `ENV` line of one
 * build, and the values buildah stores must be the table's.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { createBuildahStore } from '../helpers/buildah.ts';
import { run } from '../helpers/exec.ts';
import { scratch } from '../helpers/tmp.ts';
import { DEFAULT_ENV, EXPANSION_CASES, type ExpansionCase } from './expansion-cases.ts';

/** Rows an `ENV KEY=word` line can carry and the older lexer understands. */
function comparable(c: ExpansionCase): boolean {
  if (c.error || c.options || c.env || (c.escape ?? '\\') !== '\\' || c.word === '') return false;
  if (/\s/.test(c.word)) return false; // ENV would split the line into several pairs
  if (c.word.endsWith('\\')) return false; // a line continuation in a Dockerfile
  if (c.word.includes('<')) return false;
  if (/\$[^A-Za-z_{]/.test(c.word) || /\$\{[^A-Za-z_]/.test(c.word)) return false; // special parameters
  return !/\$\{\w+([-+?#%/]|:\?)/.test(c.word);
}

test('buildah stores the values the expansion table gives', async (t) => {
  const rows = EXPANSION_CASES.map((c, index) => ({ c, key: `ROW_${index}` })).filter(({ c }) =>
    comparable(c),
  );
  assert.ok(rows.length >= 50, `${rows.length} comparable rows`);

  const root = await scratch(t, 'ocikit-expansion-peer-');
  const context = join(root, 'ctx');
  await mkdir(context);
  const lines = ['FROM scratch', ...Object.keys(DEFAULT_ENV).map((name) => `ARG ${name}`)];
  for (const { c, key } of rows) lines.push(`ENV ${key}=${c.word}`);
  await writeFile(join(context, 'Dockerfile'), `${lines.join('\n')}\n`);

  const store = await createBuildahStore(join(root, 'buildah'));
  const name = `localhost/ocikit-expansion:${process.pid}`;
  const args = [...store.globalArgs, 'bud', '--signature-policy', store.policy, '-t', name];
  for (const [key, value] of Object.entries(DEFAULT_ENV)) args.push('--build-arg', `${key}=${value}`);
  await run('buildah', [...args, context], { env: store.env });
  const image = JSON.parse(
    await run('buildah', [...store.globalArgs, 'inspect', '--type', 'image', name], { env: store.env }),
  );
  const env = new Map<string, string>();
  for (const pair of image.OCIv1.config.Env as string[]) {
    const eq = pair.indexOf('=');
    env.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  for (const { c, key } of rows) assert.equal(env.get(key), c.result, JSON.stringify(c.word));
});
