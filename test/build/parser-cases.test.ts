/**
 * The parser table: each `parser-cases/NAME.Dockerfile` parses to the syntax tree written in
 * `NAME.expected` (directives, one line per instruction with its line range, flags, arguments and
 * exec form, heredoc bodies, the instruction inside ONBUILD, and the number of warnings).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseDockerfileAst, type RawInstruction } from '../../src/build/dockerfile/index.ts';

const CASES = join(dirname(fileURLToPath(import.meta.url)), 'parser-cases');

function dumpInstruction(raw: RawInstruction, indent: string, head: string): string[] {
  const form = raw.json ? ' exec' : '';
  const flags = raw.flags.length > 0 ? ` flags ${JSON.stringify(raw.flags)}` : '';
  const lines = [`${indent}${head}${raw.keyword}${form}${flags} ${JSON.stringify(raw.args)}`];
  for (const heredoc of raw.heredocs) {
    const mode = `${heredoc.expand ? 'expand' : 'noexpand'}${heredoc.chomp ? ' chomp' : ''}`;
    lines.push(
      `${indent}  heredoc ${JSON.stringify(heredoc.name)} ${mode} ${JSON.stringify(heredoc.content)}`,
    );
  }
  if (raw.inner !== undefined) lines.push(...dumpInstruction(raw.inner, `${indent}  `, 'inner '));
  return lines;
}

/** The table's text form of a parse. */
function dump(text: string): string {
  const ast = parseDockerfileAst(text);
  const lines = [`directives ${JSON.stringify(ast.directives)}`];
  for (const raw of ast.instructions) {
    lines.push(...dumpInstruction(raw, '', `${raw.range.startLine}-${raw.range.endLine} `));
  }
  lines.push(`warnings ${ast.warnings.length}`);
  return `${lines.join('\n')}\n`;
}

const names = readdirSync(CASES)
  .filter((file) => file.endsWith('.Dockerfile'))
  .map((file) => file.slice(0, -'.Dockerfile'.length))
  .sort();

test('the table has at least 30 cases, each with its expectation', () => {
  assert.ok(names.length >= 30, `only ${names.length} cases`);
  for (const name of names) assert.ok(readFileSync(join(CASES, `${name}.expected`), 'utf8').length > 0);
});

for (const name of names) {
  test(`parser case ${name}`, () => {
    const text = readFileSync(join(CASES, `${name}.Dockerfile`), 'utf8');
    const expected = readFileSync(join(CASES, `${name}.expected`), 'utf8');
    assert.equal(dump(text), expected);
  });
}
