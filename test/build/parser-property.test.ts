/**
 * Properties of the Dockerfile parser on generated input: hostile text only ever gives OciError
 * naming a line of the file; layout (keyword case, blanks, comments, blank lines, CRLF, line
 * continuations) never changes what a Dockerfile means; heredoc bodies come back byte for byte;
 * and inputs built to trip quadratic or exponential paths finish (the test's timeout is only a
 * hang guard, sized hundreds of times above the expected run time).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseDockerfile, parseDockerfileAst } from '../../src/build/dockerfile/index.ts';
import { OciError } from '../../src/errors/index.ts';

const pieces = fc.constantFrom(
  ...[
    'FROM',
    'from',
    'RUN',
    'COPY',
    'ADD',
    'ENV',
    'LABEL',
    'ARG',
    'CMD',
    'ENTRYPOINT',
    'SHELL',
    'HEALTHCHECK',
  ],
  ...['ONBUILD', 'VOLUME', 'EXPOSE', 'WORKDIR', 'USER', 'MAINTAINER', 'STOPSIGNAL', 'AS', 'NONE', 'FORM'],
  ...[
    ' ',
    '\t',
    '\n',
    '\r\n',
    '\\',
    '\\\n',
    '`',
    '#',
    '# escape=`\n',
    '# syntax=x\n',
    '"',
    "'",
    '[',
    ']',
    ',',
  ],
  ...['<<', '<<-', 'EOF', 'EOF\n', '\tEOF\n', "<<'EOF'", '3<<', '$', '${', '}', ':-', '=', 'a', 'b=c'],
  ...['--', '--from=x', '--link', '--mount=type=cache', '--interval=5s', '--retries=-1', '1', '["a"]', '[1]'],
  ...['\u00a0', '\u0085', '\ufeff', 'é', '\u0000', '\v', '\f'],
);
const hostile = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.array(pieces, { maxLength: 60 }).map((parts) => parts.join('')),
);

function lineCount(text: string): number {
  return text.split('\n').length;
}

test('any text parses or fails with an OciError that names a line of the file', () => {
  fc.assert(
    fc.property(hostile, (text) => {
      for (const parse of [parseDockerfileAst, parseDockerfile]) {
        try {
          parse(text);
        } catch (err) {
          assert.ok(err instanceof OciError, `not an OciError for ${JSON.stringify(text)}: ${String(err)}`);
          assert.ok(err.code === 'INVALID_ARGUMENT' || err.code === 'UNSUPPORTED', err.code);
          const line = err.data.line as number;
          assert.ok(Number.isInteger(line) && line >= 1 && line <= lineCount(text), `line ${line}`);
          assert.ok(err.message.startsWith(`Dockerfile:${line}: `), err.message);
        }
      }
    }),
    { numRuns: 3000 },
  );
});

// A Dockerfile model: instructions whose arguments are plain words, so any layout means the same.
const word = fc.stringMatching(/^[a-z0-9/._:][a-z0-9/._:-]{0,7}$/);
const instruction = fc.oneof(
  fc.record({ keyword: fc.constant('COPY'), words: fc.array(word, { minLength: 2, maxLength: 4 }) }),
  fc.record({ keyword: fc.constant('EXPOSE'), words: fc.array(word, { minLength: 1, maxLength: 3 }) }),
  fc.record({ keyword: fc.constant('VOLUME'), words: fc.array(word, { minLength: 1, maxLength: 3 }) }),
  fc.record({
    keyword: fc.constant('ENV'),
    words: fc.array(
      fc.tuple(fc.stringMatching(/^[A-Z][A-Z0-9_]{0,5}$/), word).map(([k, v]) => `${k}=${v}`),
      { minLength: 1, maxLength: 3 },
    ),
  }),
  fc.record({ keyword: fc.constant('RUN'), words: fc.array(word, { minLength: 1, maxLength: 5 }) }),
);
const layout = fc.record({
  lowerCase: fc.boolean(),
  indent: fc.constantFrom('', ' ', '\t', '  '),
  gap: fc.constantFrom(' ', '\t', '   '),
  crlf: fc.boolean(),
  comments: fc.boolean(),
  blankLines: fc.boolean(),
  continueEvery: fc.integer({ min: 0, max: 3 }),
});

type Model = { keyword: string; words: string[] };
type Layout = {
  lowerCase: boolean;
  indent: string;
  gap: string;
  crlf: boolean;
  comments: boolean;
  blankLines: boolean;
  continueEvery: number;
};

function render(model: Model[], style: Layout): string {
  const lines: string[] = ['FROM base'];
  for (const item of model) {
    if (style.comments) lines.push(`${style.indent}# about ${item.keyword}`);
    if (style.blankLines) lines.push('');
    const keyword = style.lowerCase ? item.keyword.toLowerCase() : item.keyword;
    let line = `${style.indent}${keyword}`;
    item.words.forEach((w, i) => {
      const split = style.continueEvery > 0 && i > 0 && i % style.continueEvery === 0;
      if (split) {
        lines.push(`${line} \\`);
        if (style.comments) lines.push('  # inside a continuation');
        line = `${style.indent}  ${w}`;
      } else {
        line += `${style.gap}${w}`;
      }
    });
    lines.push(line);
  }
  return lines.join(style.crlf ? '\r\n' : '\n');
}

function meaning(text: string): Model[] {
  const parsed = parseDockerfile(text);
  return (parsed.stages[0]?.instructions ?? []).map((i) => {
    switch (i.kind) {
      case 'COPY':
        return { keyword: 'COPY', words: [...i.sources, i.dest] };
      case 'EXPOSE':
        return { keyword: 'EXPOSE', words: [...i.ports] };
      case 'VOLUME':
        return { keyword: 'VOLUME', words: [...i.volumes] };
      case 'ENV':
        return { keyword: 'ENV', words: i.pairs.map((p) => `${p.key}=${p.value}`) };
      case 'RUN':
        return {
          keyword: 'RUN',
          words: i.command.form === 'shell' ? i.command.command.split(/[ \t]+/) : [...i.command.argv],
        };
      default:
        return { keyword: i.kind, words: [] };
    }
  });
}

test('layout never changes meaning: case, blanks, comments, blank lines, CRLF, continuations', () => {
  fc.assert(
    fc.property(fc.array(instruction, { minLength: 1, maxLength: 8 }), layout, (model, style) => {
      const plain = model.map((m) => ({ keyword: m.keyword, words: [...m.words] }));
      assert.deepEqual(meaning(render(model, style)), plain);
    }),
    { numRuns: 1000 },
  );
});

test('heredoc bodies come back byte for byte (tabs stripped with <<-)', () => {
  const bodyLine = fc
    .stringMatching(/^[^\n]{0,20}$/)
    .filter((l) => l !== 'EOF' && l.replace(/^\t+/, '') !== 'EOF');
  fc.assert(
    fc.property(fc.array(bodyLine, { maxLength: 8 }), fc.boolean(), fc.boolean(), (body, chomp, crlf) => {
      const newline = crlf ? '\r\n' : '\n';
      const opener = chomp ? '<<-EOF' : '<<EOF';
      const text = ['FROM a', `COPY ${opener} /f`, ...body, chomp ? '\tEOF' : 'EOF', 'USER x'].join(newline);
      const copy = parseDockerfile(text).stages[0]?.instructions[0];
      assert.equal(copy?.kind, 'COPY');
      const written = body.map((l) => `${l}${newline}`).join('');
      const expected = chomp ? written.replace(/(^|\n)\t+/g, '$1') : written;
      assert.deepEqual(copy?.kind === 'COPY' ? copy.inline : undefined, [
        { name: 'EOF', content: expected, expand: true, chomp },
      ]);
    }),
    { numRuns: 1000 },
  );
});

/** Inputs that would take hours on a quadratic or backtracking path; each takes well under a second. */
const LARGE: readonly [string, () => string][] = [
  ['a 4 MB RUN line', () => `FROM a\nRUN ${'echo hello && '.repeat(300_000)}true`],
  ['200 000 continuation lines', () => `FROM a\nRUN echo \\\n${'  more \\\n'.repeat(200_000)}  end`],
  ['200 000 comment lines inside a continuation', () => `FROM a\nRUN a \\\n${'# c \\\n'.repeat(200_000)}b`],
  ['200 000 heredoc body lines', () => `FROM a\nRUN <<EOF\n${'echo line\n'.repeat(200_000)}EOF\n`],
  [
    '20 000 heredocs on one line',
    () => `FROM a\nCOPY ${'<<E '.repeat(20_000)}/d\n${'x\nE\n'.repeat(20_000)}`,
  ],
  ['<< then a million blanks then <', () => `FROM a\nRUN <<${' '.repeat(1_000_000)}<`],
  ['a directive value after a million blanks', () => `# syntax=a${' '.repeat(1_000_000)}b\nFROM a`],
  [
    '100 000 nested default-value substitutions in a heredoc line',
    () => `FROM a\nRUN <<EOF ${'${a:-'.repeat(100_000)}\nEOF\n`,
  ],
  ['100 000 chained ONBUILDs', () => `FROM a\n${'ONBUILD '.repeat(100_000)}RUN x`],
  ['100 000 --exclude flags', () => `FROM a\nCOPY ${'--exclude=x '.repeat(100_000)}a b`],
  ['a keyword of a million letters', () => `FROM a\n${'Q'.repeat(1_000_000)} x`],
  ['100 000 ENV pairs', () => `FROM a\nENV ${'K=v '.repeat(100_000)}`],
  ['a million quotes in flags', () => `FROM a\nCOPY --from="${'"'.repeat(1_000_000)} a b`],
  [
    'a JSON array nested a million deep',
    () => `FROM a\nCMD ${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`,
  ],
  [
    'HEALTHCHECK duration of a million digits',
    () => `FROM a\nHEALTHCHECK --interval=${'9'.repeat(1_000_000)}s CMD x`,
  ],
];

for (const [name, make] of LARGE) {
  test(`finishes on ${name}`, { timeout: 120_000 }, () => {
    const text = make();
    try {
      parseDockerfile(text);
    } catch (err) {
      assert.ok(err instanceof OciError, String(err));
    }
  });
}
