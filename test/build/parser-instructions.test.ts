/**
 * The typed instructions the build works from: flags and arguments checked and given their
 * meaning (BuildKit's instructions package), stages grouped, global ARGs kept apart, warnings.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type Instruction,
  parseDockerfile,
  parseInstruction,
  parseOnbuildTrigger,
  type RawInstruction,
} from '../../src/build/dockerfile/index.ts';
import { DurationError, parseGoDuration } from '../../src/build/dockerfile/instructions/duration.ts';
import { OciError } from '../../src/errors/index.ts';

/** The instructions of the only stage of `FROM base` followed by `body`. */
function stageOf(body: string): Instruction[] {
  const parsed = parseDockerfile(`FROM base\n${body}`);
  assert.equal(parsed.stages.length, 1);
  return [...(parsed.stages[0]?.instructions ?? [])];
}

function only<K extends Instruction['kind']>(body: string, kind: K): Extract<Instruction, { kind: K }> {
  const [instruction, ...rest] = stageOf(body);
  assert.equal(rest.length, 0);
  assert.equal(instruction?.kind, kind);
  return instruction as Extract<Instruction, { kind: K }>;
}

test('global ARGs and stages: names in lower case, indexes, platforms, instructions in order', () => {
  const parsed = parseDockerfile(
    [
      '# syntax=docker/dockerfile:1',
      'ARG BASE=alpine:3.20',
      'ARG TAG',
      'FROM $BASE AS Builder',
      'RUN make',
      'ARG VERSION=1',
      'FROM --platform=linux/arm64 scratch',
      'COPY --from=builder /out /app',
    ].join('\n'),
  );
  assert.equal(parsed.directives.syntax, 'docker/dockerfile:1');
  assert.deepEqual(
    parsed.globalArgs.map((arg) => arg.args),
    [[{ name: 'BASE', defaultValue: 'alpine:3.20' }], [{ name: 'TAG' }]],
  );
  assert.equal(parsed.stages.length, 2);
  const [build, final] = parsed.stages;
  assert.equal(build?.index, 0);
  assert.equal(build?.name, 'builder');
  assert.equal(build?.from.image, '$BASE');
  assert.equal(build?.from.stageName, 'builder');
  assert.equal(build?.from.platform, undefined);
  assert.deepEqual(
    build?.instructions.map((i) => i.kind),
    ['RUN', 'ARG'],
  );
  assert.equal(final?.index, 1);
  assert.equal(final?.name, undefined);
  assert.equal(final?.from.platform, 'linux/arm64');
  const copy = final?.instructions[0];
  assert.equal(copy?.kind === 'COPY' ? copy.from : undefined, 'builder');
  assert.deepEqual(
    parsed.warnings.map((w) => w.message),
    ['stage name "Builder" should be written in lower case'],
  );
  assert.deepEqual(parsed.warnings[0]?.range, { file: 'Dockerfile', startLine: 4, endLine: 4 });
});

test('instructions keep their text as written and their line range', () => {
  const [run] = stageOf('RUN echo a \\\n  && echo b');
  assert.equal(run?.original, 'RUN echo a   && echo b');
  assert.deepEqual(run?.range, { file: 'Dockerfile', startLine: 2, endLine: 3 });
});

test('COPY: every flag, repeatable --exclude, sources and destination', () => {
  const copy = only(
    'COPY --from=build --chown=app:app --chmod=0755 --link --parents --exclude=*.md --exclude=tmp/ a b /dst/',
    'COPY',
  );
  assert.equal(copy.from, 'build');
  assert.equal(copy.chown, 'app:app');
  assert.equal(copy.chmod, '0755');
  assert.equal(copy.link, true);
  assert.equal(copy.parents, true);
  assert.deepEqual(copy.exclude, ['*.md', 'tmp/']);
  assert.deepEqual(copy.sources, ['a', 'b']);
  assert.equal(copy.dest, '/dst/');
  assert.deepEqual(copy.inline, []);
});

test('COPY: defaults, boolean flag values in any case, an empty --from means none', () => {
  const plain = only('COPY a b', 'COPY');
  assert.deepEqual(
    [plain.from, plain.chown, plain.chmod, plain.link, plain.parents, plain.exclude],
    [undefined, undefined, undefined, false, false, []],
  );
  const flags = only('COPY --from= --link=FALSE --parents=True a b', 'COPY');
  assert.equal(flags.from, undefined);
  assert.equal(flags.link, false);
  assert.equal(flags.parents, true);
});

test('COPY exec form keeps spaces in paths', () => {
  const copy = only('COPY ["my file", "other file", "/dest dir/"]', 'COPY');
  assert.deepEqual(copy.sources, ['my file', 'other file']);
  assert.equal(copy.dest, '/dest dir/');
});

test('COPY heredoc sources become inline files; plain sources stay paths', () => {
  const copy = only('COPY <<EOF plain <<-"CONF" /dst/\nhello $NAME\nEOF\n\tkey=$VALUE\n\tCONF\n', 'COPY');
  assert.deepEqual(copy.sources, ['plain']);
  assert.equal(copy.dest, '/dst/');
  assert.deepEqual(copy.inline, [
    { name: 'EOF', content: 'hello $NAME\n', expand: true, chomp: false },
    { name: 'CONF', content: 'key=$VALUE\n', expand: false, chomp: true },
  ]);
});

test('ADD: its flags, --unpack only when given', () => {
  const add = only(
    'ADD --chown=1:2 --chmod=600 --link --checksum=sha256:0123 --keep-git-dir=true --exclude=.git https://example.invalid/r.git /src',
    'ADD',
  );
  assert.equal(add.chown, '1:2');
  assert.equal(add.chmod, '600');
  assert.equal(add.link, true);
  assert.equal(add.checksum, 'sha256:0123');
  assert.equal(add.keepGitDir, true);
  assert.deepEqual(add.exclude, ['.git']);
  assert.equal(add.unpack, undefined);
  assert.deepEqual(add.sources, ['https://example.invalid/r.git']);
  assert.equal(only('ADD --unpack=false a.tar /x', 'ADD').unpack, false);
  assert.equal(only('ADD --unpack a.tar /x', 'ADD').unpack, true);
  assert.equal(only('ADD a b', 'ADD').keepGitDir, false);
});

test('RUN: shell and exec form, flags kept as written, heredocs attached', () => {
  const shell = only(
    'RUN --mount=type=cache,target=/c --mount=type=tmpfs,target=/t --network=none make all',
    'RUN',
  );
  assert.deepEqual(shell.command, { form: 'shell', command: 'make all' });
  assert.deepEqual(shell.flags, [
    '--mount=type=cache,target=/c',
    '--mount=type=tmpfs,target=/t',
    '--network=none',
  ]);
  const exec = only('RUN ["/bin/sh", "-c", "echo $HOME"]', 'RUN');
  assert.deepEqual(exec.command, { form: 'exec', argv: ['/bin/sh', '-c', 'echo $HOME'] });
  const heredoc = only('RUN --security=insecure <<EOF\necho one\nEOF', 'RUN');
  assert.deepEqual(heredoc.command, { form: 'shell', command: '<<EOF' });
  assert.deepEqual(heredoc.heredocs, [{ name: 'EOF', content: 'echo one\n', expand: true, chomp: false }]);
  assert.deepEqual(heredoc.flags, ['--security=insecure']);
});

test('CMD and ENTRYPOINT: exec form, shell form, and JSON that does not parse is shell form', () => {
  assert.deepEqual(only('CMD ["nginx", "-g", "daemon off;"]', 'CMD').command, {
    form: 'exec',
    argv: ['nginx', '-g', 'daemon off;'],
  });
  assert.deepEqual(only('CMD echo "$HOME"', 'CMD').command, { form: 'shell', command: 'echo "$HOME"' });
  assert.deepEqual(only("ENTRYPOINT ['single']", 'ENTRYPOINT').command, {
    form: 'shell',
    command: "['single']",
  });
  assert.deepEqual(only('ENTRYPOINT []', 'ENTRYPOINT').command, { form: 'exec', argv: [] });
  assert.deepEqual(only('CMD', 'CMD').command, { form: 'shell', command: '' });
});

test('SHELL takes the JSON array', () => {
  assert.deepEqual(only('SHELL ["pwsh", "-Command"]', 'SHELL').shell, ['pwsh', '-Command']);
});

test('HEALTHCHECK: durations in nanoseconds, retries, CMD and CMD-SHELL, NONE', () => {
  const exec = only(
    'HEALTHCHECK --interval=1m30s --timeout=1.5s --start-period=250ms --start-interval=0s --retries=5 CMD ["/check", "-q"]',
    'HEALTHCHECK',
  );
  assert.deepEqual(exec.health, {
    test: ['CMD', '/check', '-q'],
    interval: 90_000_000_000,
    timeout: 1_500_000_000,
    startPeriod: 250_000_000,
    retries: 5,
  });
  assert.deepEqual(only('healthcheck cmd curl -f http://127.0.0.1/ || exit 1', 'HEALTHCHECK').health, {
    test: ['CMD-SHELL', 'curl -f http://127.0.0.1/ || exit 1'],
  });
  assert.deepEqual(only('HEALTHCHECK --retries=0 --interval=0 CMD true', 'HEALTHCHECK').health, {
    test: ['CMD-SHELL', 'true'],
  });
  assert.deepEqual(only('HEALTHCHECK none', 'HEALTHCHECK').health, { test: ['NONE'] });
});

test('Go duration syntax, as HEALTHCHECK reads it', () => {
  const good: [string, bigint][] = [
    ['0', 0n],
    ['-0', 0n],
    ['1ns', 1n],
    ['1us', 1_000n],
    ['1µs', 1_000n],
    ['1μs', 1_000n],
    ['1.5ms', 1_500_000n],
    ['.5s', 500_000_000n],
    ['1.s', 1_000_000_000n],
    ['+2m', 120_000_000_000n],
    ['1h2m3.5s', 3_723_500_000_000n],
    ['-1.25h', -4_500_000_000_000n],
    ['0.000000001s', 1n],
    ['9223372036854775807ns', 9_223_372_036_854_775_807n],
    ['-9223372036854775808ns', -9_223_372_036_854_775_808n],
  ];
  for (const [text, nanos] of good) assert.equal(parseGoDuration(text), nanos, text);
  for (const text of [
    '',
    '1',
    's',
    '.s',
    '1d',
    '1s2',
    '1..5s',
    '-',
    '9223372036854775808ns',
    '2562048h',
    ' 1s',
  ]) {
    assert.throws(() => parseGoDuration(text), DurationError, text);
  }
});

test('ENV and LABEL pairs keep quotes for the build to expand; the legacy form warns', () => {
  assert.deepEqual(only('ENV A=1 B="two words" C=$A', 'ENV').pairs, [
    { key: 'A', value: '1' },
    { key: 'B', value: '"two words"' },
    { key: 'C', value: '$A' },
  ]);
  const parsed = parseDockerfile('FROM a\nENV PATH /usr/local/bin:$PATH\nLABEL version=1 "desc"="a b"');
  const [env, label] = parsed.stages[0]?.instructions ?? [];
  assert.deepEqual(env?.kind === 'ENV' ? env.pairs : undefined, [
    { key: 'PATH', value: '/usr/local/bin:$PATH' },
  ]);
  assert.deepEqual(label?.kind === 'LABEL' ? label.pairs : undefined, [
    { key: 'version', value: '1' },
    { key: '"desc"', value: '"a b"' },
  ]);
  assert.deepEqual(
    parsed.warnings.map((w) => w.message),
    ['legacy "ENV name value" form; write "ENV name=value"'],
  );
});

test('ARG: several per line, with and without defaults', () => {
  assert.deepEqual(only('ARG A B=2 C="x y" D=', 'ARG').args, [
    { name: 'A' },
    { name: 'B', defaultValue: '2' },
    { name: 'C', defaultValue: '"x y"' },
    { name: 'D', defaultValue: '' },
  ]);
});

test('EXPOSE, VOLUME, USER, WORKDIR, STOPSIGNAL', () => {
  assert.deepEqual(only('EXPOSE 80 53/udp $PORT', 'EXPOSE').ports, ['80', '53/udp', '$PORT']);
  assert.deepEqual(only('VOLUME ["/data ", " /logs"]', 'VOLUME').volumes, ['/data', '/logs']);
  assert.deepEqual(only('VOLUME /a /b', 'VOLUME').volumes, ['/a', '/b']);
  assert.equal(only('USER 1000:1000', 'USER').user, '1000:1000');
  assert.equal(only('WORKDIR /srv/my app', 'WORKDIR').path, '/srv/my app');
  assert.equal(only('STOPSIGNAL SIGQUIT', 'STOPSIGNAL').signal, 'SIGQUIT');
});

test('warnings: deprecated MAINTAINER, flags that BuildKit ignores, empty continuation lines', () => {
  const parsed = parseDockerfile(
    'FROM a\nMAINTAINER me\nSTOPSIGNAL --x=1 SIGTERM\nARG --y A\nHEALTHCHECK --interval=5s NONE\nRUN a \\\n\n  b',
  );
  assert.deepEqual(
    parsed.warnings.map((w) => [w.message, w.range?.startLine]),
    [
      ['empty continuation line in RUN; such lines will become errors in a future release', 6],
      ['MAINTAINER is deprecated; use LABEL org.opencontainers.image.authors=… instead', 2],
      ['STOPSIGNAL takes no flags; ignored: --x=1', 3],
      ['ARG takes no flags; ignored: --y', 4],
      ['HEALTHCHECK takes no flags; ignored: --interval=5s', 5],
    ],
  );
});

test('ONBUILD stores the trigger text, heredoc bodies included, and it parses back', () => {
  assert.equal(only('ONBUILD RUN echo hi', 'ONBUILD').expression, 'RUN echo hi');
  assert.equal(only('onbuild   copy . /app', 'ONBUILD').expression, 'copy . /app');
  const withHeredoc = only('ONBUILD RUN <<-EOF\n\techo one\n\tEOF\n', 'ONBUILD');
  assert.equal(withHeredoc.expression, 'RUN <<-EOF\necho one\nEOF');
  const [trigger, ...more] = parseOnbuildTrigger(withHeredoc.expression);
  assert.equal(more.length, 0);
  assert.equal(trigger?.kind, 'RUN');
  assert.deepEqual(trigger?.kind === 'RUN' ? trigger.heredocs : undefined, [
    { name: 'EOF', content: 'echo one\n', expand: true, chomp: true },
  ]);
  assert.throws(
    () => parseOnbuildTrigger('FROM other'),
    (err: unknown) =>
      err instanceof OciError && err.message === 'Dockerfile:1: FROM is not allowed as an ONBUILD trigger',
  );
});

test('a raw instruction made by hand is checked too, placed by its range', () => {
  const raw: RawInstruction = {
    keyword: 'COPY',
    keywordAsWritten: 'COPY',
    flags: ['--bogus'],
    args: ['a', 'b'],
    json: false,
    original: 'COPY --bogus a b',
    heredocs: [],
    range: { file: 'gen.Dockerfile', startLine: 7, endLine: 7 },
  };
  assert.throws(
    () => parseInstruction(raw),
    (err: unknown) =>
      err instanceof OciError &&
      err.message.startsWith('gen.Dockerfile:7: unknown flag: --bogus') &&
      err.data.column === undefined,
  );
});
