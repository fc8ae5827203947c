/**
 * Multi-stage builds: only the stages the target needs are built, independent stages run at the
 * same time, stages are named case-insensitively or by index, `COPY --from` reads an earlier
 * stage or an image (owners as stored there), and a stage that refers to itself or a later
 * stage is refused with a clear error.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BuildEvent } from '../../src/build/index.ts';
import { isOciError } from '../../src/errors/index.ts';
import { buildIn, listImage, readImage } from './engine-helpers.ts';

test('only the stages the target needs are built', async (t) => {
  const dockerfile = [
    'FROM scratch AS unused',
    'RUN exit 1',
    'FROM scratch AS build',
    'COPY a /a',
    'FROM scratch AS final',
    'COPY --from=build /a /copied',
    'FROM scratch AS later',
    'RUN exit 1',
    '',
  ].join('\n');
  const { layout, result } = await buildIn(t, dockerfile, { a: 'a' }, { target: 'final' });
  assert.deepEqual(await listImage(layout), [['- 0644 0:0 1 copied']]);
  assert.equal(result.builtSteps, 2);
  await assert.rejects(buildIn(t, dockerfile, { a: 'a' }, { target: 'nope' }), (err: unknown) =>
    /target stage "nope" could not be found/.test((err as Error).message),
  );
});

test('independent stages run concurrently: the second starts before the first is done', async (t) => {
  const events: BuildEvent[] = [];
  await buildIn(
    t,
    'FROM scratch AS one\nCOPY a /a\nFROM scratch AS two\nCOPY b /b\nFROM scratch\nCOPY --from=one /a /a\nCOPY --from=two /b /b\n',
    { a: 'a', b: 'b' },
    { onProgress: (e) => events.push(e) },
  );
  const steps = events.flatMap((e) => (e.kind === 'step' ? [`${e.stage} ${e.status}`] : []));
  assert.ok(steps.indexOf('two started') < steps.indexOf('one done'), steps.join(', '));
});

test('stages are found by name (any case) or index; FROM a stage inherits it', async (t) => {
  const { layout } = await buildIn(
    t,
    'FROM scratch AS Base\nCOPY a /a\nARG V=1\nENV E=$V\nFROM base\nENV F=$V\nCOPY --from=0 /a /again\n',
    { a: 'a' },
  );
  const image = await readImage(layout);
  assert.deepEqual(image.config.config.Env.slice(1), ['E=1', 'F=1']);
  assert.deepEqual(await listImage(layout), [['- 0644 0:0 1 a'], ['- 0644 0:0 1 again']]);
});

test('COPY --from an image keeps the owners stored in it', async (t) => {
  const base = await buildIn(t, 'FROM scratch\nCOPY --chown=7:8 d /opt/d/\n', { 'd/f': 'f' });
  const { layout } = await buildIn(t, `FROM scratch\nCOPY --from=oci:${base.layout}:img /opt /copy/\n`);
  assert.deepEqual((await listImage(layout))[0], [
    'd 0755 0:0 0 copy/',
    'd 0755 7:8 0 copy/d/',
    '- 0644 7:8 1 copy/d/f',
  ]);
});

test('a stage may not refer to itself or to a later stage', async (t) => {
  const cases: [string, RegExp, string?][] = [
    [
      'FROM scratch AS a\nCOPY --from=a /x /x\n',
      /^Dockerfile:2: cannot copy from stage "a", it needs to be defined before current stage "a"$/,
    ],
    [
      'FROM scratch AS a\nCOPY --from=b /x /x\nFROM scratch AS b\n',
      /^Dockerfile:2: cannot copy from stage "b", it needs to be defined before current stage "a"$/,
      'a',
    ],
    [
      'FROM scratch AS a\nCOPY --from=1 /x /x\nFROM scratch\n',
      /^Dockerfile:2: cannot copy from stage "1"/,
      'a',
    ],
    ['FROM scratch\nCOPY --from=7 /x /x\n', /^Dockerfile:2: invalid stage index 7$/],
    [
      'FROM b AS a\nFROM scratch AS b\n',
      /^Dockerfile:1: stage "a" cannot be built FROM stage "b", which is defined after it$/,
      'a',
    ],
    ['FROM self AS self\n', /^Dockerfile:1: stage "self" cannot be built FROM itself$/],
    [
      'ARG S=x\nFROM scratch\nCOPY --from=$S /x /x\n',
      /^Dockerfile:3: variable expansion is not supported for --from/,
    ],
  ];
  for (const [dockerfile, message, target] of cases) {
    await assert.rejects(
      buildIn(t, dockerfile, {}, target === undefined ? {} : { target }),
      (err: unknown) => isOciError(err, 'INVALID_ARGUMENT') && message.test((err as Error).message),
      dockerfile,
    );
  }
});
