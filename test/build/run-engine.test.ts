// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Dockerfile text, not templates.
/**
 * RUN in `ocikit build`, on a busybox base made for the file and run by the real runc: the layer
 * of what the command changed (no mount stubs), BuildKit's history text, the environment (ENV and
 * the ARGs in scope), USER with WORKDIR, SHELL, heredoc scripts, output in progress, a failing
 * step, the cache, and the network mode.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BuildEvent } from '../../src/build/index.ts';
import { isOciError } from '../../src/errors/index.ts';
import { ocikit } from '../helpers/cli.ts';
import { run } from '../helpers/exec.ts';
import { scratch } from '../helpers/tmp.ts';
import { buildIn, listLayer, readImage } from './engine-helpers.ts';
import { makePeerBase } from './peer-base.ts';

let base = '';
let baseLayers = 0;

let baseDir = '';

before(async () => {
  baseDir = await mkdtemp(join(tmpdir(), 'ocikit-run-engine-'));
  base = (await makePeerBase(baseDir)).name;
  const inspected = await ocikit(['inspect', '--config', base]);
  baseLayers = JSON.parse(inspected.out).rootfs.diff_ids.length;
});

after(() => rm(baseDir, { recursive: true, force: true }));

/** The text of `path` in a gzip layer blob. */
function fileIn(layer: string, path: string): Promise<string> {
  return run('tar', ['-xzOf', layer, path]);
}

/** Every path a layer holds, without the entry's details. */
async function pathsIn(layer: string): Promise<string[]> {
  return (await listLayer(layer)).map((line) => line.split(' ').slice(4).join(' '));
}

test('RUN writes what its command changed as one layer, with no mount stubs, and BuildKit history', async (t) => {
  const { layout } = await buildIn(
    t,
    `FROM ${base}\nRUN mkdir -p /data && echo hello > /data/greeting && rm /bin/true && ls /proc/self >/dev/null\n`,
  );
  const image = await readImage(layout);
  assert.equal(image.layers.length, baseLayers + 1);
  const paths = await pathsIn(image.layers.at(-1) as string);
  assert.deepEqual(paths.sort(), ['bin/', 'bin/.wh.true', 'data/', 'data/greeting']);
  assert.equal(await fileIn(image.layers.at(-1) as string, 'data/greeting'), 'hello\n');
  const last = image.config.history.at(-1);
  assert.equal(
    last.created_by,
    'RUN /bin/sh -c mkdir -p /data && echo hello > /data/greeting && rm /bin/true && ls /proc/self >/dev/null # buildkit',
  );
  assert.equal(last.empty_layer, undefined);
});

test('a RUN that changes nothing adds history but no layer', async (t) => {
  const { layout } = await buildIn(t, `FROM ${base}\nRUN echo nothing to keep\n`);
  const image = await readImage(layout);
  assert.equal(image.layers.length, baseLayers);
  assert.equal(image.config.history.at(-1).created_by, 'RUN /bin/sh -c echo nothing to keep # buildkit');
  assert.equal(image.config.history.at(-1).empty_layer, true);
});

test("RUN sees ENV and the stage's ARGs (build args win), not global ARGs; history lists the ARGs first", async (t) => {
  const { layout, result } = await buildIn(
    t,
    [
      'ARG OUTSIDE=global',
      `FROM ${base}`,
      'ARG FLAVOUR=plain',
      'ARG UNSET',
      'ENV MODE=prod',
      'RUN echo "flavour=$FLAVOUR mode=$MODE outside=${OUTSIDE-unset} unset=${UNSET-unset} base=$BASE_VAR" > /env.txt',
      '',
    ].join('\n'),
    {},
    { buildArgs: { FLAVOUR: 'spicy' } },
  );
  const image = await readImage(layout);
  assert.equal(
    await fileIn(image.layers.at(-1) as string, 'env.txt'),
    'flavour=spicy mode=prod outside=unset unset=unset base=from-base\n',
  );
  assert.match(image.config.history.at(-1).created_by, /^RUN \|2 FLAVOUR=spicy UNSET= \/bin\/sh -c echo /);
  assert.ok(
    !image.config.config.Env.some((e: string) => e.startsWith('FLAVOUR=')),
    'ARGs stay out of the config',
  );
  assert.deepEqual(result.warnings, []);
});

test('RUN runs as USER in WORKDIR, and the files it makes are owned by that user', async (t) => {
  const { layout } = await buildIn(
    t,
    `FROM ${base}\nUSER app\nWORKDIR /home/app/work\nRUN id -u > uid && pwd > where && touch mine\n`,
  );
  const image = await readImage(layout);
  const layer = image.layers.at(-1) as string;
  assert.equal(await fileIn(layer, 'home/app/work/uid'), '1000\n');
  assert.equal(await fileIn(layer, 'home/app/work/where'), '/home/app/work\n');
  const listing = await listLayer(layer);
  assert.ok(listing.includes('- 0644 1000:1000 0 home/app/work/mine'), listing.join('\n'));
});

test('SHELL runs shell-form RUN; a heredoc with #! runs as a script and leaves nothing under /dev', async (t) => {
  const { layout } = await buildIn(
    t,
    [
      `FROM ${base}`,
      'SHELL ["/bin/env", "STEP_SHELL=yes", "/bin/sh", "-c"]',
      'RUN echo "shell=$STEP_SHELL" > /shell.txt',
      'RUN <<EOT',
      '#!/bin/sh',
      'echo "script at $0" > /script.txt',
      'EOT',
      '',
    ].join('\n'),
  );
  const image = await readImage(layout);
  const [shellLayer, scriptLayer] = image.layers.slice(-2) as [string, string];
  assert.equal(await fileIn(shellLayer, 'shell.txt'), 'shell=yes\n');
  assert.equal(await fileIn(scriptLayer, 'script.txt'), 'script at /dev/pipes/EOT\n');
  assert.deepEqual(await pathsIn(scriptLayer), ['script.txt']);
  const history = image.config.history.slice(-2).map((h: { created_by: string }) => h.created_by);
  assert.deepEqual(history, [
    'RUN /bin/env STEP_SHELL=yes /bin/sh -c echo "shell=$STEP_SHELL" > /shell.txt # buildkit',
    'RUN /bin/env STEP_SHELL=yes /bin/sh -c /dev/pipes/EOT # buildkit',
  ]);
});

test("a RUN's output lines reach the progress as output events of its step", async (t) => {
  const events: BuildEvent[] = [];
  await buildIn(
    t,
    `FROM ${base}\nRUN echo one; echo two >&2; printf three\n`,
    {},
    { onProgress: (e) => events.push(e) },
  );
  const step = events.find((e) => e.kind === 'step' && e.text.startsWith('RUN'));
  assert.ok(step?.kind === 'step');
  const lines = events.flatMap((e) => (e.kind === 'output' ? [[e.id, e.stream, e.line]] : []));
  // stdout and stderr are two pipes: each keeps its order, their interleaving is the kernel's.
  const of = (stream: string) => lines.filter((l) => l[1] === stream);
  assert.deepEqual(of('stdout'), [
    [step.id, 'stdout', 'one'],
    [step.id, 'stdout', 'three'],
  ]);
  assert.deepEqual(of('stderr'), [[step.id, 'stderr', 'two']]);
  assert.equal(lines.length, 3);
});

test('a failing RUN fails the build naming Dockerfile:LINE, the command and the exit code; nothing is written', async (t) => {
  const dir = await scratch(t);
  const layout = join(dir, 'out');
  await assert.rejects(
    buildIn(
      t,
      `FROM ${base}\nRUN echo partial > /partial\nRUN echo doomed; exit 3\n`,
      {},
      { tags: [`oci:${layout}:img`] },
    ),
    (err: unknown) => {
      assert.ok(isOciError(err, 'COMMAND_FAILED'), String(err));
      assert.equal(
        err.message,
        'Dockerfile:3: process "/bin/sh -c echo doomed; exit 3" did not complete successfully: exit code: 3',
      );
      assert.equal(err.data.line, 3);
      assert.equal(err.data.exitCode, 3);
      return true;
    },
  );
  assert.equal(existsSync(layout), false, 'the destination was not created');
});

test('RUN is cached by its command and environment; a changed build arg or --no-cache runs it again', async (t) => {
  const dir = await scratch(t);
  const cacheDir = join(dir, 'cache');
  const dockerfile = `FROM ${base}\nARG LEVEL=1\nRUN echo "level $LEVEL" > /level\n`;
  const ran = async (options: Parameters<typeof buildIn>[3]): Promise<boolean> => {
    const events: BuildEvent[] = [];
    await buildIn(t, dockerfile, {}, { cacheDir, onProgress: (e) => events.push(e), ...options });
    const done = events.find((e) => e.kind === 'step' && e.status !== 'started' && e.text.startsWith('RUN'));
    assert.ok(done?.kind === 'step');
    return !done.cached;
  };
  assert.equal(await ran({}), true, 'first build runs the step');
  assert.equal(await ran({}), false, 'same inputs: served from the cache');
  assert.equal(await ran({ buildArgs: { LEVEL: '2' } }), true, 'a changed build arg runs it again');
  assert.equal(await ran({ buildArgs: { LEVEL: '2' } }), false);
  assert.equal(await ran({ buildArgs: { LEVEL: '2' }, noCache: true }), true, '--no-cache runs it again');
});

test('--network=none leaves a step only the loopback interface; the build option sets it for every step', async (t) => {
  const interfaces = async (dockerfile: string, options = {}): Promise<string[]> => {
    const { layout } = await buildIn(t, dockerfile, {}, options);
    const image = await readImage(layout);
    const text = await fileIn(image.layers.at(-1) as string, 'ifaces');
    return text
      .split('\n')
      .slice(2)
      .filter((l) => l.trim() !== '')
      .map((l) => l.trim().split(':')[0] as string);
  };
  const probe = 'cat /proc/net/dev > /ifaces';
  assert.deepEqual(await interfaces(`FROM ${base}\nRUN --network=none ${probe}\n`), ['lo']);
  assert.deepEqual(await interfaces(`FROM ${base}\nRUN ${probe}\n`, { network: 'none' }), ['lo']);
  const host = await interfaces(`FROM ${base}\nRUN --network=host ${probe}\n`, { network: 'none' });
  assert.ok(host.length > 1, `the host's interfaces: ${host.join(' ')}`);
});

test('RUN --mount: a tmpfs and a read-only bind of the context or a stage, none of them in the layer', async (t) => {
  const { layout } = await buildIn(
    t,
    [
      `FROM ${base} AS build`,
      'RUN mkdir /out && echo built > /out/artifact',
      `FROM ${base}`,
      'RUN --mount=type=tmpfs,target=/scratch echo temp > /scratch/t && cat /scratch/t > /from-tmpfs',
      'RUN --mount=type=bind,source=files,target=/ctx cat /ctx/a.txt > /from-context && ! touch /ctx/new 2>/dev/null',
      'RUN --mount=from=build,source=/out,target=/in cat /in/artifact > /from-stage',
      '',
    ].join('\n'),
    { 'files/a.txt': 'from the context\n' },
  );
  const image = await readImage(layout);
  const layers = image.layers.slice(-3);
  assert.deepEqual(await Promise.all(layers.map((l) => pathsIn(l))), [
    ['from-tmpfs'],
    ['from-context'],
    ['from-stage'],
  ]);
  assert.equal(await fileIn(layers[0] as string, 'from-tmpfs'), 'temp\n');
  assert.equal(await fileIn(layers[1] as string, 'from-context'), 'from the context\n');
  assert.equal(await fileIn(layers[2] as string, 'from-stage'), 'built\n');
});

test('a bind mount of the context is keyed by its content: changing the file runs the step again', async (t) => {
  const dir = await scratch(t);
  const cacheDir = join(dir, 'cache');
  const context = join(dir, 'ctx');
  const dockerfile = `FROM ${base}\nRUN --mount=type=bind,source=v.txt,target=/v.txt cat /v.txt > /copy\n`;
  const build = async (content: string) => {
    const { layout } = await buildIn(t, dockerfile, { 'v.txt': content }, { cacheDir, contextDir: context });
    return fileIn((await readImage(layout)).layers.at(-1) as string, 'copy');
  };
  assert.equal(await build('one\n'), 'one\n');
  assert.equal(await build('two\n'), 'two\n');
});

test('RUN --mount=type=ssh is refused as UNSUPPORTED at its line', async (t) => {
  await assert.rejects(buildIn(t, `FROM ${base}\nRUN --mount=type=ssh true\n`), (err: unknown) => {
    assert.ok(isOciError(err, 'UNSUPPORTED'), String(err));
    assert.match(err.message, /^Dockerfile:2: RUN --mount=type=ssh is not supported yet/);
    return true;
  });
});

test('proxy build args reach RUN without an ARG, outside history and the cache key, as BuildKit passes them', async (t) => {
  const dir = await scratch(t);
  const cacheDir = join(dir, 'cache');
  const dockerfile = `FROM ${base}\nRUN echo "proxy=$http_proxy none=$NO_PROXY" > /proxy\n`;
  const first = await buildIn(
    t,
    dockerfile,
    {},
    { cacheDir, buildArgs: { http_proxy: 'http://proxy.invalid:3128', NO_PROXY: 'local' } },
  );
  const image = await readImage(first.layout);
  assert.equal(
    await fileIn(image.layers.at(-1) as string, 'proxy'),
    'proxy=http://proxy.invalid:3128 none=local\n',
  );
  assert.equal(
    image.config.history.at(-1).created_by,
    'RUN /bin/sh -c echo "proxy=$http_proxy none=$NO_PROXY" > /proxy # buildkit',
  );
  assert.deepEqual(first.result.warnings, []);
  const second = await buildIn(
    t,
    dockerfile,
    {},
    { cacheDir, buildArgs: { http_proxy: 'http://other.invalid:8080' } },
  );
  assert.equal(second.result.cachedSteps, 1, 'another proxy serves the same step from the cache');
});

test('RUN for a platform the host cannot run, without a qemu binfmt handler, is UNSUPPORTED naming what to install', async (t) => {
  const qemuNames: Record<string, string> = {
    riscv64: 'riscv64',
    s390x: 's390x',
    ppc64le: 'ppc64le',
    mips64le: 'mips64el',
  };
  // With qemu-user-static registered (as the project's setup does), every architecture qemu
  // emulates has a handler: WebAssembly has none anywhere.
  const arch =
    Object.keys(qemuNames).find(
      (a) => !existsSync(`/proc/sys/fs/binfmt_misc/qemu-${qemuNames[a]}`) && a !== process.arch,
    ) ?? 'wasm';
  await assert.rejects(
    buildIn(t, 'FROM scratch\nRUN true\n', {}, { platforms: [`linux/${arch}`] }),
    (err: unknown) => {
      assert.ok(isOciError(err, 'UNSUPPORTED'), String(err));
      assert.match(err.message, new RegExp(`^Dockerfile:2: RUN for linux/${arch} .*qemu-user-static`));
      return true;
    },
  );
});

test('a bind mount of the context shows what .dockerignore leaves in the context, nothing it excludes', async (t) => {
  const { layout } = await buildIn(
    t,
    `FROM ${base}\nRUN --mount=type=bind,target=/ctx cd /ctx && find . | sort > /listing\n`,
    {
      '.dockerignore': 'secret.env\nlogs/\n!logs/keep.log\n',
      'app.js': 'code\n',
      'secret.env': 'TOKEN=1\n',
      'logs/debug.log': 'noise\n',
      'logs/keep.log': 'kept\n',
      'lib/util.js': 'util\n',
    },
  );
  const image = await readImage(layout);
  assert.deepEqual((await fileIn(image.layers.at(-1) as string, 'listing')).trim().split('\n'), [
    '.',
    './.dockerignore',
    './Dockerfile',
    './app.js',
    './lib',
    './lib/util.js',
    './logs',
    './logs/keep.log',
  ]);
});
