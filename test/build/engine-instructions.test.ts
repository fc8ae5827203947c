/**
 * What each instruction writes into the image config and its history, as BuildKit's Dockerfile
 * frontend writes it (texts of `created_by`, `empty_layer` for metadata-only steps), ARG scoping
 * and the automatic platform ARGs, ENTRYPOINT resetting an inherited CMD, WORKDIR creating its
 * directory (a layer only when it was missing), ONBUILD triggers, base-image annotations, and RUN
 * refused with UNSUPPORTED at its line.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isOciError } from '../../src/errors/index.ts';
import { buildIn, listImage, readImage } from './engine-helpers.ts';

test('metadata instructions: config fields and history as BuildKit writes them', async (t) => {
  const dockerfile = [
    'FROM scratch',
    'ARG VERSION=1.0',
    'ENV APP=demo PATH=/app/bin:$PATH',
    'LABEL org.example.version=$VERSION "with space"="a b"',
    'EXPOSE 8080 53/udp 9000-9001',
    'VOLUME ["/data", "/logs"]',
    'USER 1000:1000',
    'SHELL ["/bin/sh", "-ec"]',
    'STOPSIGNAL SIGQUIT',
    'HEALTHCHECK --interval=30s --timeout=5s --start-period=1m30s --retries=3 CMD wget -q localhost',
    'MAINTAINER someone <s@example.com>',
    'ENTRYPOINT ["/bin/app"]',
    'CMD run --verbose',
    'ONBUILD COPY . /src',
    '',
  ].join('\n');
  const { layout } = await buildIn(t, dockerfile);
  const { config, manifest } = await readImage(layout);
  assert.equal(manifest.layers.length, 0);
  assert.equal(config.created, '1970-01-01T00:00:00Z');
  assert.equal(config.author, 'someone <s@example.com>');
  assert.deepEqual(config.config, {
    User: '1000:1000',
    ExposedPorts: { '8080/tcp': {}, '53/udp': {}, '9000/tcp': {}, '9001/tcp': {} },
    Env: ['PATH=/app/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'APP=demo'],
    Entrypoint: ['/bin/app'],
    Cmd: ['/bin/sh', '-ec', 'run --verbose'],
    Volumes: { '/data': {}, '/logs': {} },
    WorkingDir: '/',
    Labels: { 'org.example.version': '1.0', 'with space': 'a b' },
    StopSignal: 'SIGQUIT',
    ArgsEscaped: true,
    Healthcheck: {
      Test: ['CMD-SHELL', 'wget -q localhost'],
      Interval: 30_000_000_000,
      Timeout: 5_000_000_000,
      StartPeriod: 90_000_000_000,
      Retries: 3,
    },
    OnBuild: ['COPY . /src'],
    Shell: ['/bin/sh', '-ec'],
  });
  assert.deepEqual(
    config.history.map((h: { created_by: string; empty_layer?: boolean }) => [h.created_by, h.empty_layer]),
    [
      ['ARG VERSION=1.0', true],
      ['ENV APP=demo PATH=/app/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', true],
      ['LABEL org.example.version=1.0 with space=a b', true],
      ['EXPOSE [8080/tcp 53/udp 9000/tcp 9001/tcp]', true],
      ['VOLUME [/data /logs]', true],
      ['USER 1000:1000', true],
      ['SHELL [/bin/sh -ec]', true],
      ['STOPSIGNAL SIGQUIT', true],
      [
        'HEALTHCHECK {Test:[CMD-SHELL wget -q localhost] Interval:30s Timeout:5s StartPeriod:1m30s StartInterval:0s Retries:3}',
        true,
      ],
      ['MAINTAINER someone <s@example.com>', true],
      ['ENTRYPOINT ["/bin/app"]', true],
      ['CMD ["/bin/sh" "-ec" "run --verbose"]', true],
    ],
  );
});

test('an ENTRYPOINT resets a CMD inherited from the base, but not one set before it in the stage', async (t) => {
  const { layout } = await buildIn(
    t,
    [
      'FROM scratch AS base',
      'CMD ["inherited"]',
      'FROM base AS reset',
      'ENTRYPOINT ["/e"]',
      'FROM base',
      'CMD ["own"]',
      'ENTRYPOINT ["/e"]',
      '',
    ].join('\n'),
    {},
    { target: 'reset' },
  );
  const { config } = await readImage(layout);
  assert.deepEqual(config.config.Entrypoint, ['/e']);
  assert.equal(config.config.Cmd, undefined);
  const last = await buildIn(
    t,
    'FROM scratch AS base\nCMD ["inherited"]\nFROM base\nCMD ["own"]\nENTRYPOINT ["/e"]\n',
  );
  assert.deepEqual((await readImage(last.layout)).config.config.Cmd, ['own']);
});

test('ARG scope: global ARGs only in FROM unless redeclared; --build-arg overrides defaults', async (t) => {
  const dockerfile = [
    'ARG BASE=scratch',
    'ARG G=global',
    'FROM $BASE',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile expansion, not a template
    'ENV BEFORE=${G:-unset}',
    'ARG G',
    'ARG LOCAL=default',
    'ENV AFTER=$G LOCAL=$LOCAL',
    '',
  ].join('\n');
  const plain = await buildIn(t, dockerfile);
  assert.deepEqual((await readImage(plain.layout)).config.config.Env.slice(1), [
    'BEFORE=unset',
    'AFTER=global',
    'LOCAL=default',
  ]);
  const overridden = await buildIn(
    t,
    dockerfile,
    {},
    { buildArgs: { G: 'cli', LOCAL: 'given', UNUSED: 'x' } },
  );
  assert.deepEqual((await readImage(overridden.layout)).config.config.Env.slice(1), [
    'BEFORE=unset',
    'AFTER=cli',
    'LOCAL=given',
  ]);
  assert.deepEqual(overridden.result.warnings, ['one or more build args [UNUSED] were not consumed']);
  // ARG values are for the build only: they never join the image's Env.
  assert.ok(!(await readImage(overridden.layout)).config.config.Env.some((e: string) => e.startsWith('G=')));
});

test('automatic platform ARGs: global in FROM, and in a stage once declared', async (t) => {
  const { layout } = await buildIn(
    t,
    'FROM --platform=$BUILDPLATFORM scratch\nARG TARGETPLATFORM TARGETOS TARGETARCH TARGETVARIANT\nENV T=$TARGETPLATFORM O=$TARGETOS A=$TARGETARCH V=$TARGETVARIANT\n',
    {},
    { platforms: ['linux/arm/v7'] },
  );
  const { config } = await readImage(layout);
  assert.deepEqual(config.config.Env.slice(1), ['T=linux/arm/v7', 'O=linux', 'A=arm', 'V=v7']);
  assert.equal(config.architecture, 'arm');
  assert.equal(config.variant, 'v7');
});

test('WORKDIR creates its directory (owned by USER) and makes a layer only when it was missing', async (t) => {
  const { layout } = await buildIn(
    t,
    'FROM scratch\nCOPY etc/ /etc/\nUSER app\nWORKDIR /home/app/work\nWORKDIR /home/app\nWORKDIR ..\nWORKDIR /\n',
    { 'etc/passwd': 'app:x:1000:1001::/home/app:/bin/sh\n' },
  );
  const image = await readImage(layout);
  assert.equal(image.manifest.layers.length, 2);
  assert.deepEqual((await listImage(layout))[1], [
    'd 0755 1000:1001 0 home/',
    'd 0755 1000:1001 0 home/app/',
    'd 0755 1000:1001 0 home/app/work/',
  ]);
  assert.deepEqual(
    image.config.history
      .slice(2)
      .map((h: { created_by: string; empty_layer?: boolean }) => [h.created_by, h.empty_layer ?? false]),
    [
      ['WORKDIR /home/app/work', false],
      ['WORKDIR /home/app', true],
      ['WORKDIR /home', true],
      ['WORKDIR /', true],
    ],
  );
  assert.equal(image.config.config.WorkingDir, '/');
});

test('--label sets labels over the Dockerfile’s', async (t) => {
  const { layout } = await buildIn(t, 'FROM scratch\nLABEL a=1 b=2\n', {}, { labels: { b: 'cli', c: '3' } });
  assert.deepEqual((await readImage(layout)).config.config.Labels, { a: '1', b: 'cli', c: '3' });
});

test('a base image: its config and layers carry over, its ONBUILD triggers run, the manifest names it', async (t) => {
  const base = await buildIn(
    t,
    'FROM scratch\nCOPY f /base/f\nENV FROM_BASE=1\nONBUILD COPY trigger.txt /triggered\n',
    {
      f: 'base',
    },
  );
  const baseImage = await readImage(base.layout);
  const child = await buildIn(t, `FROM oci:${base.layout}:img\nCOPY own /own\n`, {
    'trigger.txt': 't',
    own: 'o',
  });
  const image = await readImage(child.layout);
  assert.equal(image.manifest.layers[0].digest, baseImage.manifest.layers[0].digest);
  assert.deepEqual(image.manifest.annotations, {
    'org.opencontainers.image.base.name': `oci:${base.layout}:img`,
    'org.opencontainers.image.base.digest': baseImage.digest,
  });
  assert.ok(image.config.config.Env.includes('FROM_BASE=1'));
  assert.equal(image.config.config.OnBuild, undefined);
  const layers = await listImage(child.layout);
  assert.deepEqual(layers.slice(1), [['- 0644 0:0 1 triggered'], ['- 0644 0:0 1 own']]);
  assert.deepEqual(image.config.history.map((h: { created_by: string }) => h.created_by).slice(2), [
    'COPY trigger.txt /triggered # buildkit',
    'COPY own /own # buildkit',
  ]);
});

test('a RUN feature not supported yet is refused with UNSUPPORTED naming its line; bad values name theirs', async (t) => {
  await assert.rejects(
    buildIn(t, 'FROM scratch\nENV A=1\nRUN --mount=type=ssh echo hi\n'),
    (err: unknown) =>
      isOciError(err, 'UNSUPPORTED') && /^Dockerfile:3: RUN/.test(err.message) && err.data.line === 3,
  );
  await assert.rejects(
    buildIn(t, 'FROM scratch\n\nSTOPSIGNAL SIGNOPE\n'),
    (err: unknown) =>
      isOciError(err, 'INVALID_ARGUMENT') &&
      (err as Error).message === 'Dockerfile:3: invalid signal: SIGNOPE',
  );
  await assert.rejects(buildIn(t, 'FROM scratch\nEXPOSE 70000\n'), (err: unknown) =>
    /^Dockerfile:2: invalid port/.test((err as Error).message),
  );
});
