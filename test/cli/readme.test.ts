/**
 * What a new user reads first: the Node requirement and how to run the installed command, before
 * anything else (not under Development), in step with `engines` in package.json.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const root = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { engines: { node: string } };

/** The README up to its first section after the introduction and "Install and run". */
function opening(text: string): string {
  const sections = text.split(/^## /m);
  const install = sections.findIndex((s) => s.startsWith('Install and run'));
  assert.ok(install > 0, 'the README has an "Install and run" section');
  return sections.slice(0, install + 1).join('## ');
}

test('the README states the Node requirement of package.json engines before any other section', () => {
  const minimum = /^>=\s*(\d+\.\d+)$/.exec(pkg.engines.node)?.[1];
  assert.ok(minimum, `engines.node is ">=MAJOR.MINOR": ${pkg.engines.node}`);
  const intro = readme.split(/^## /m)[0] ?? '';
  assert.match(intro, new RegExp(`Node\\.js ${minimum.replace('.', '\\.')} or later`));
});

test('the README says how to run the installed command (npx ocikit, or a global install) up front', () => {
  const text = opening(readme);
  assert.match(text, /npx ocikit/);
  assert.match(text, /npm install --global ocikit/);
  assert.ok(readme.indexOf('## Install and run') < readme.indexOf('## Development'));
});
