/**
 * What a user sees for a broken Dockerfile: an OciError with a stable code, a message that starts
 * with `Dockerfile:LINE:` and says what was expected, and the place (file, line, column) in `data`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDockerfile } from '../../src/build/dockerfile/index.ts';
import { OciError } from '../../src/errors/index.ts';

interface ErrorCase {
  readonly name: string;
  readonly dockerfile: string;
  readonly message: string;
  readonly code?: 'INVALID_ARGUMENT' | 'UNSUPPORTED';
  readonly column?: number;
}

const CASES: readonly ErrorCase[] = [
  // Directives.
  {
    name: 'escape other than \\ or `',
    dockerfile: '# escape=x\nFROM a',
    message: 'Dockerfile:1: invalid escape directive "x": the escape character must be \\ or `',
    column: 1,
  },
  {
    name: 'escape given twice (names are case-insensitive)',
    dockerfile: '# escape=\\\n# ESCAPE=`\nFROM a',
    message: 'Dockerfile:2: the escape parser directive is given more than once',
  },
  {
    name: 'syntax given twice',
    dockerfile: '# syntax=a\n# syntax=b\nFROM a',
    message: 'Dockerfile:2: the syntax parser directive is given more than once',
  },
  // The file as a whole.
  { name: 'empty file', dockerfile: '', message: 'Dockerfile:1: the Dockerfile has no instructions' },
  {
    name: 'only comments and blank lines',
    dockerfile: '# one\n\n   # two\n',
    message: 'Dockerfile:3: the Dockerfile has no instructions',
  },
  {
    name: 'only global ARGs',
    dockerfile: 'ARG A=1\nARG B',
    message: 'Dockerfile:2: the Dockerfile has no FROM instruction, so no stage to build',
  },
  {
    name: 'RUN before FROM',
    dockerfile: 'RUN echo hi\nFROM a',
    message:
      'Dockerfile:1: no build stage in current context: RUN comes before the first FROM (only ARG may)',
  },
  {
    name: 'COPY after a global ARG, before FROM',
    dockerfile: 'ARG X\nCOPY a b\nFROM a',
    message:
      'Dockerfile:2: no build stage in current context: COPY comes before the first FROM (only ARG may)',
  },
  // Unknown instructions.
  {
    name: 'misspelt keyword gets a hint',
    dockerfile: 'FROM a\nFORM b',
    message: 'Dockerfile:2: unknown instruction: FORM (did you mean FROM?)',
    column: 1,
  },
  {
    name: 'lower-case keyword kept as written, hint in its case',
    dockerfile: 'FROM a\n  copyy x y',
    message: 'Dockerfile:2: unknown instruction: copyy (did you mean copy?)',
    column: 3,
  },
  {
    name: 'far-off keyword gets no hint',
    dockerfile: 'FROM a\nFROBNICATE x',
    message: 'Dockerfile:2: unknown instruction: FROBNICATE',
  },
  {
    name: 'continuation leading nowhere',
    dockerfile: 'FROM a\n\\',
    message: 'Dockerfile:2: an instruction is missing after the line continuation',
  },
  // Heredocs.
  {
    name: 'unterminated heredoc',
    dockerfile: 'FROM a\nRUN <<EOF\necho hi\n',
    message: 'Dockerfile:2: unterminated heredoc: no line "EOF" closes the heredoc opened here',
  },
  {
    name: 'second heredoc of a line unterminated',
    dockerfile: 'FROM a\nCOPY <<A <<B /d\na\nA\nb\n',
    message: 'Dockerfile:2: unterminated heredoc: no line "B" closes the heredoc opened here',
  },
  {
    name: 'chomped terminator needs <<-',
    dockerfile: 'FROM a\nRUN <<EOF\nx\n\tEOF\n',
    message: 'Dockerfile:2: unterminated heredoc: no line "EOF" closes the heredoc opened here',
  },
  {
    name: 'heredoc as COPY destination',
    dockerfile: 'FROM a\nCOPY src <<EOF\nbody\nEOF\n',
    message: 'Dockerfile:2: COPY cannot take a heredoc as its destination',
  },
  // Exec form and key=value syntax.
  {
    name: 'JSON array with a number',
    dockerfile: 'FROM a\nCMD ["echo", 1]',
    message: 'Dockerfile:2: a JSON array of arguments (exec form) may hold strings only',
    column: 5,
  },
  {
    name: 'nested JSON array',
    dockerfile: 'FROM a\nCOPY [ "x", [ "y" ] ]',
    message: 'Dockerfile:2: a JSON array of arguments (exec form) may hold strings only',
  },
  {
    name: 'JSON null in HEALTHCHECK CMD',
    dockerfile: 'FROM a\nHEALTHCHECK CMD ["a", null]',
    message: 'Dockerfile:2: a JSON array of arguments (exec form) may hold strings only',
    column: 17,
  },
  {
    name: 'ENV name without value',
    dockerfile: 'FROM a\nENV PATH',
    message: 'Dockerfile:2: ENV needs a name and a value: ENV name=value',
  },
  {
    name: 'LABEL pair without =',
    dockerfile: 'FROM a\nLABEL a=1 b',
    message: 'Dockerfile:2: LABEL expects name=value pairs; there is no = in "b"',
  },
  {
    name: 'ENV empty name',
    dockerfile: 'FROM a\nENV =x',
    message: 'Dockerfile:2: ENV names cannot be empty',
  },
  {
    name: 'ARG empty name',
    dockerfile: 'FROM a\nARG =x',
    message: 'Dockerfile:2: ARG names cannot be empty',
  },
  // Argument counts.
  { name: 'ARG alone', dockerfile: 'FROM a\nARG', message: 'Dockerfile:2: ARG needs at least one argument' },
  { name: 'ENV alone', dockerfile: 'FROM a\nENV', message: 'Dockerfile:2: ENV needs at least one argument' },
  {
    name: 'LABEL alone',
    dockerfile: 'FROM a\nLABEL',
    message: 'Dockerfile:2: LABEL needs at least one argument',
  },
  {
    name: 'EXPOSE alone',
    dockerfile: 'FROM a\nEXPOSE',
    message: 'Dockerfile:2: EXPOSE needs at least one argument',
  },
  {
    name: 'VOLUME alone',
    dockerfile: 'FROM a\nVOLUME',
    message: 'Dockerfile:2: VOLUME needs at least one argument',
  },
  {
    name: 'ONBUILD alone',
    dockerfile: 'FROM a\nONBUILD',
    message: 'Dockerfile:2: ONBUILD needs at least one argument',
  },
  {
    name: 'HEALTHCHECK alone',
    dockerfile: 'FROM a\nHEALTHCHECK',
    message: 'Dockerfile:2: HEALTHCHECK needs at least one argument',
  },
  {
    name: 'WORKDIR alone',
    dockerfile: 'FROM a\nWORKDIR',
    message: 'Dockerfile:2: WORKDIR needs exactly one argument',
  },
  {
    name: 'USER alone',
    dockerfile: 'FROM a\nUSER',
    message: 'Dockerfile:2: USER needs exactly one argument',
  },
  {
    name: 'STOPSIGNAL alone',
    dockerfile: 'FROM a\nSTOPSIGNAL',
    message: 'Dockerfile:2: STOPSIGNAL needs exactly one argument',
  },
  {
    name: 'MAINTAINER alone',
    dockerfile: 'FROM a\nMAINTAINER',
    message: 'Dockerfile:2: MAINTAINER needs exactly one argument',
  },
  {
    name: 'FROM alone',
    dockerfile: 'FROM',
    message: 'Dockerfile:1: FROM takes an image and an optional stage name: FROM IMAGE [AS NAME]',
  },
  {
    name: 'FROM with two words',
    dockerfile: 'FROM a b',
    message: 'Dockerfile:1: FROM takes an image and an optional stage name: FROM IMAGE [AS NAME]',
  },
  {
    name: 'FROM with a word after the stage name',
    dockerfile: 'FROM a AS b c',
    message: 'Dockerfile:1: FROM takes an image and an optional stage name: FROM IMAGE [AS NAME]',
  },
  {
    name: 'stage name starting with a digit',
    dockerfile: 'FROM a AS 9lives',
    message:
      "Dockerfile:1: invalid stage name \"9lives\": it must start with a letter and hold only letters, digits, '-', '_' and '.'",
  },
  {
    name: 'stage name with a slash',
    dockerfile: 'FROM a AS my/stage',
    message:
      "Dockerfile:1: invalid stage name \"my/stage\": it must start with a letter and hold only letters, digits, '-', '_' and '.'",
  },
  {
    name: 'COPY with one argument',
    dockerfile: 'FROM a\nCOPY onlyone',
    message: 'Dockerfile:2: COPY needs at least two arguments: one or more sources and a destination',
  },
  {
    name: 'ADD with one argument on continued lines',
    dockerfile: 'FROM a\nADD \\\n  onlyone',
    message: 'Dockerfile:2: ADD needs at least two arguments: one or more sources and a destination',
  },
  {
    name: 'VOLUME with a blank path',
    dockerfile: 'FROM a\nVOLUME ["/data", " "]',
    message: 'Dockerfile:2: VOLUME paths cannot be empty',
  },
  {
    name: 'SHELL in shell form',
    dockerfile: 'FROM a\nSHELL /bin/bash -c',
    message: 'Dockerfile:2: SHELL needs its arguments in JSON form, e.g. SHELL ["/bin/sh", "-c"]',
  },
  {
    name: 'SHELL empty array',
    dockerfile: 'FROM a\nSHELL []',
    message: 'Dockerfile:2: SHELL needs at least one argument',
  },
  // Flags.
  {
    name: 'unknown flag with a hint',
    dockerfile: 'FROM a\nCOPY --form=b x y',
    message:
      'Dockerfile:2: unknown flag: --form (did you mean --from?); COPY takes --from, --chown, --chmod, --link, --parents, --exclude',
    column: 6,
  },
  {
    name: 'flag of COPY on ADD',
    dockerfile: 'FROM a\nADD --from=b x y',
    message:
      'Dockerfile:2: unknown flag: --from; ADD takes --chown, --chmod, --link, --keep-git-dir, --checksum, --unpack, --exclude',
  },
  {
    name: 'flag on an instruction without flags',
    dockerfile: 'FROM a\nMAINTAINER --boo joe@example.invalid',
    message: 'Dockerfile:2: unknown flag: --boo; MAINTAINER takes no flags',
  },
  {
    name: 'FROM flag other than --platform',
    dockerfile: 'FROM --platfrom=linux/arm64 a',
    message: 'Dockerfile:1: unknown flag: --platfrom (did you mean --platform?); FROM takes --platform',
  },
  {
    name: 'repeated single-value flag',
    dockerfile: 'FROM a\nCOPY --from=a --from=b x y',
    message: 'Dockerfile:2: flag --from is given more than once',
    column: 15,
  },
  {
    name: 'repeated flag on a continuation line',
    dockerfile: 'FROM a\nCOPY \\\n  --chown=1 \\\n  --chown=2 a b',
    message: 'Dockerfile:4: flag --chown is given more than once',
    column: 3,
  },
  {
    name: 'string flag without value',
    dockerfile: 'FROM a\nCOPY --from x y',
    message: 'Dockerfile:2: flag --from needs a value: --from=VALUE',
  },
  {
    name: 'boolean flag with another word',
    dockerfile: 'FROM a\nCOPY --link=yes x y',
    message: 'Dockerfile:2: flag --link takes true or false, not "yes"',
  },
  {
    name: 'boolean flag with an empty value',
    dockerfile: 'FROM a\nCOPY --link= x y',
    message: 'Dockerfile:2: flag --link needs a value: true or false',
  },
  {
    name: 'RUN flag misspelt',
    dockerfile: 'FROM a\nRUN --mnt=type=cache,target=/c make',
    message:
      'Dockerfile:2: unknown flag: --mnt (did you mean --mount?); RUN takes --mount, --network, --security, --device',
  },
  {
    name: 'RUN --device',
    dockerfile: 'FROM a\nRUN --device=/dev/fuse mount-it',
    message: 'Dockerfile:2: RUN --device is not supported',
    code: 'UNSUPPORTED',
    column: 5,
  },
  // HEALTHCHECK.
  {
    name: 'HEALTHCHECK NONE with arguments',
    dockerfile: 'FROM a\nHEALTHCHECK NONE please',
    message: 'Dockerfile:2: HEALTHCHECK NONE takes no arguments',
  },
  {
    name: 'HEALTHCHECK CMD without command',
    dockerfile: 'FROM a\nHEALTHCHECK CMD',
    message: 'Dockerfile:2: HEALTHCHECK CMD needs a command',
  },
  {
    name: 'HEALTHCHECK CMD with empty array',
    dockerfile: 'FROM a\nHEALTHCHECK CMD []',
    message: 'Dockerfile:2: HEALTHCHECK CMD needs a command',
  },
  {
    name: 'HEALTHCHECK unknown type',
    dockerfile: 'FROM a\nHEALTHCHECK CONNECT tcp 80',
    message: 'Dockerfile:2: unknown HEALTHCHECK type "CONNECT" (expected CMD or NONE)',
  },
  {
    name: 'duration without unit',
    dockerfile: 'FROM a\nHEALTHCHECK --interval=5 CMD x',
    message: 'Dockerfile:2: --interval: missing unit in duration "5" (write it like 30s, 1m30s or 500ms)',
    column: 13,
  },
  {
    name: 'duration with unknown unit',
    dockerfile: 'FROM a\nHEALTHCHECK --timeout=5d CMD x',
    message: 'Dockerfile:2: --timeout: unknown unit "d" in duration "5d" (write it like 30s, 1m30s or 500ms)',
  },
  {
    name: 'duration not a number',
    dockerfile: 'FROM a\nHEALTHCHECK --interval=soon CMD x',
    message: 'Dockerfile:2: --interval: invalid duration "soon" (write it like 30s, 1m30s or 500ms)',
  },
  {
    name: 'duration under 1ms',
    dockerfile: 'FROM a\nHEALTHCHECK --start-period=500us CMD x',
    message: 'Dockerfile:2: --start-period must be 0 or at least 1ms, not "500us"',
  },
  {
    name: 'negative duration',
    dockerfile: 'FROM a\nHEALTHCHECK --start-interval=-1s CMD x',
    message: 'Dockerfile:2: --start-interval must be 0 or at least 1ms, not "-1s"',
  },
  {
    name: 'negative retries',
    dockerfile: 'FROM a\nHEALTHCHECK --retries=-1 CMD x',
    message: 'Dockerfile:2: --retries cannot be negative (-1)',
  },
  {
    name: 'retries not a number',
    dockerfile: 'FROM a\nHEALTHCHECK --retries=three CMD x',
    message: 'Dockerfile:2: --retries must be a whole number, not "three"',
  },
  {
    name: 'retries past 32 bits',
    dockerfile: 'FROM a\nHEALTHCHECK --retries=2147483648 CMD x',
    message: 'Dockerfile:2: --retries 2147483648 is out of range',
  },
  // ONBUILD.
  {
    name: 'ONBUILD ONBUILD',
    dockerfile: 'FROM a\nONBUILD ONBUILD RUN x',
    message: 'Dockerfile:2: ONBUILD ONBUILD is not allowed',
  },
  {
    name: 'ONBUILD FROM (any case)',
    dockerfile: 'FROM a\nONBUILD from b',
    message: 'Dockerfile:2: FROM is not allowed as an ONBUILD trigger',
  },
  {
    name: 'ONBUILD MAINTAINER',
    dockerfile: 'FROM a\nONBUILD MAINTAINER me',
    message: 'Dockerfile:2: MAINTAINER is not allowed as an ONBUILD trigger',
  },
  {
    name: 'ONBUILD with a flag',
    dockerfile: 'FROM a\nONBUILD --x RUN y',
    message: 'Dockerfile:2: unknown flag: --x; ONBUILD takes no flags',
  },
];

function failure(text: string, file?: string): OciError {
  try {
    parseDockerfile(text, file === undefined ? {} : { file });
  } catch (err) {
    assert.ok(err instanceof OciError, `not an OciError: ${String(err)}`);
    return err;
  }
  assert.fail(`no error for ${JSON.stringify(text)}`);
}

for (const c of CASES) {
  test(`error: ${c.name}`, () => {
    const err = failure(c.dockerfile);
    assert.equal(err.message, c.message);
    assert.equal(err.code, c.code ?? 'INVALID_ARGUMENT');
    const line = Number(/^Dockerfile:(\d+):/.exec(c.message)?.[1]);
    assert.equal(err.data.file, 'Dockerfile');
    assert.equal(err.data.line, line);
    assert.equal(err.data.reason, c.message.replace(/^Dockerfile:\d+: /, ''));
    if (c.column !== undefined) assert.equal(err.data.column, c.column);
  });
}

test('errors name the file the caller gave', () => {
  const err = failure('FROM a\nFORM b', 'build/app.Dockerfile');
  assert.equal(err.message, 'build/app.Dockerfile:2: unknown instruction: FORM (did you mean FROM?)');
  assert.equal(err.data.file, 'build/app.Dockerfile');
});

test('an error spanning continued lines gives the instruction end line too', () => {
  const err = failure('FROM a\nCOPY \\\n  --link=maybe \\\n  a b');
  assert.equal(err.data.line, 3);
  assert.equal(err.data.endLine, 4);
});

test('hostile text in a message is escaped and cut short', () => {
  const err = failure(`FROM a\n${'X'.repeat(500)}\u0007 b`);
  assert.ok(err.message.length < 200, err.message);
  assert.ok(!err.message.includes('\u0007'));
});
