// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Dockerfile text, not templates.
/**
 * RUN in `ocikit build` against `buildah bud --layers --format docker --network none`, on the
 * busybox base of the comparison (its shell runs busybox applets by name): files created,
 * changed, deleted and replaced in lower layers, a directory emptied and refilled, hard links,
 * symlinks, fifos, setuid bits, owners, USER with WORKDIR, SHELL, the environment and build
 * args, exit codes, heredocs, mounts and the network. Every case also checks that no mount stub
 * (`dev/`, `proc/`, `sys/`, `run/`, the generated /etc files) reached ocikit's image; a failing
 * step fails both builds.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { build } from '../../src/build/index.ts';
import { isOciError } from '../../src/errors/index.ts';
import { buildahBud, closeBuildahStore } from '../helpers/buildah.ts';
import type { Normalised } from './peer-normalise.ts';
import type { PeerCase, PeerSuite } from './peer-run.ts';
import { createPeerSuite } from './peer-run.ts';
import { describePeerCases } from './peer-suite.ts';

/** A Dockerfile from its lines. */
function df(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

const BUILDAH_DEPARTS = '(buildah 1.28 departs; expected from BuildKit docs)';

/** Paths the runtime mounts or generates, which no case's step writes: none may be in the image. */
const NO_STUBS = {
  dev: null,
  proc: null,
  sys: null,
  run: null,
  'etc/hosts': null,
  'etc/hostname': null,
  'etc/resolv.conf': null,
} as const;

/** Drops paths from buildah's listing (leaks BuildKit does not have); each must be there. */
function withoutPaths(...paths: string[]) {
  return (buildah: Normalised): Normalised => {
    for (const path of paths) {
      if (!buildah.files.some((e) => e.path === path))
        throw new Error(`the correction names ${path}, which buildah's image lacks`);
    }
    return { ...buildah, files: buildah.files.filter((e) => !paths.includes(e.path)) };
  };
}

/** A case whose expectation also says that no stub reached the image. */
function runCase(c: PeerCase): PeerCase {
  return { ...c, expect: { ...c.expect, files: { ...NO_STUBS, ...c.expect?.files } } };
}

/** The RUN cases as written. */
const CASES: PeerCase[] = [
  {
    name: 'RUN creates directories and files',
    dockerfile: df(
      'FROM @BASE@',
      'RUN mkdir -p /app/sub && echo one > /app/sub/one && printf two > /app/two',
    ),
    expect: {
      files: {
        app: { type: 'directory', mode: '0755', owner: '0:0' },
        'app/sub/one': { content: 'one\n', mode: '0644' },
        'app/two': { content: 'two' },
      },
      history: ['RUN'],
    },
  },
  {
    name: 'RUN appends to a file of a lower layer',
    dockerfile: df('FROM @BASE@', "RUN echo 'extra:x:3000:3000::/:/bin/sh' >> /etc/passwd"),
    expect: { files: { 'etc/passwd': { type: 'file' } } },
  },
  {
    name: 'RUN changes only the mode of a lower file',
    dockerfile: df('FROM @BASE@', 'RUN chmod 0600 /etc/group'),
    expect: { files: { 'etc/group': { mode: '0600' } } },
  },
  {
    name: 'RUN deletes a file and a directory of the base',
    dockerfile: df('FROM @BASE@', 'RUN rm /bin/stat && rm -rf /srv/work'),
    expect: { files: { 'bin/stat': null, 'srv/work': null, srv: { type: 'directory' } } },
  },
  {
    name: "a later RUN changes and deletes an earlier RUN's files",
    dockerfile: df(
      'FROM @BASE@',
      'RUN mkdir /d && echo a > /d/a && echo b > /d/b && echo c > /d/c',
      'RUN echo changed > /d/a && rm /d/b',
    ),
    expect: { files: { 'd/a': { content: 'changed\n' }, 'd/b': null, 'd/c': { content: 'c\n' } } },
  },
  {
    name: 'a directory emptied and refilled keeps only its new contents',
    dockerfile: df(
      'FROM @BASE@',
      'RUN mkdir -p /d/deep && echo a > /d/a && echo deep > /d/deep/x',
      'RUN rm -rf /d && mkdir /d && echo new > /d/new',
    ),
    expect: { files: { 'd/a': null, 'd/deep': null, 'd/new': { content: 'new\n' } } },
  },
  {
    name: 'RUN replaces a file by a directory and a directory by a file',
    dockerfile: df(
      'FROM @BASE@',
      'RUN mkdir -p /x/dir/in && echo f > /x/file',
      'RUN rm /x/file && mkdir /x/file && rm -rf /x/dir && echo now-a-file > /x/dir',
    ),
    expect: {
      files: {
        'x/file': { type: 'directory' },
        'x/dir': { type: 'file', content: 'now-a-file\n' },
        'x/dir/in': null,
      },
    },
  },
  {
    name: 'hard links within one RUN and to a file of an earlier RUN; a write through a lower link copies that name alone up',
    dockerfile: df(
      'FROM @BASE@',
      'RUN mkdir /h && echo data > /h/a && ln /h/a /h/b',
      'RUN ln /h/a /h/c && echo more >> /h/b',
    ),
    expect: {
      files: {
        'h/a': { content: 'data\n' },
        'h/b': { content: 'data\nmore\n' },
        'h/c': { content: 'data\n' },
      },
    },
  },
  {
    name: 'symlinks: relative, absolute and dangling',
    dockerfile: df(
      'FROM @BASE@',
      'RUN mkdir /l && ln -s ../bin/busybox /l/rel && ln -s /etc/passwd /l/abs && ln -s /nowhere /l/dangling',
    ),
    expect: {
      files: {
        'l/rel': { type: 'symlink', link: '../bin/busybox' },
        'l/abs': { type: 'symlink', link: '/etc/passwd' },
        'l/dangling': { type: 'symlink', link: '/nowhere' },
      },
    },
  },
  {
    name: 'fifos with their modes',
    dockerfile: df('FROM @BASE@', 'RUN mkdir /f && mkfifo /f/pipe && mkfifo -m 600 /f/private'),
    expect: {
      files: { 'f/pipe': { type: 'other', mode: '0644' }, 'f/private': { type: 'other', mode: '0600' } },
    },
  },
  {
    name: 'setuid, setgid and sticky bits',
    dockerfile: df(
      'FROM @BASE@',
      'RUN mkdir /s /s/sticky && cp /bin/busybox /s/suid && chmod 4755 /s/suid && chmod 1777 /s/sticky && chmod 2755 /s',
    ),
    expect: { files: { s: { mode: '2755' }, 's/suid': { mode: '4755' }, 's/sticky': { mode: '1777' } } },
  },
  {
    name: 'chown to other ids, by number and by name',
    dockerfile: df(
      'FROM @BASE@',
      'RUN mkdir /o && touch /o/a /o/b && chown 1234:5678 /o/a && chown app:extra /o/b && chown 1500:1600 /o',
    ),
    expect: {
      files: { o: { owner: '1500:1600' }, 'o/a': { owner: '1234:5678' }, 'o/b': { owner: '1000:2000' } },
    },
  },
  {
    name: 'USER switches with WORKDIR: each RUN runs as the user of the moment, in the working directory',
    dockerfile: df(
      'FROM @BASE@',
      'RUN mkdir /shared && chmod 1777 /shared',
      'WORKDIR /shared',
      'USER app',
      'RUN touch mine && id -u > uid-app && pwd > pwd-app',
      'USER svc:extra',
      'RUN touch theirs && echo "$(id -u):$(id -g)" > ids-svc',
      'USER root',
      'RUN touch by-root',
    ),
    expect: {
      files: {
        'shared/mine': { owner: '1000:1000' },
        'shared/uid-app': { content: '1000\n' },
        'shared/pwd-app': { content: '/shared\n' },
        'shared/theirs': { owner: '1500:2000' },
        'shared/ids-svc': { content: '1500:2000\n' },
        'shared/by-root': { owner: '0:0' },
      },
    },
  },
  {
    name: 'SHELL replaces /bin/sh -c for shell-form RUN; the exec form ignores it',
    dockerfile: df(
      'FROM @BASE@',
      'SHELL ["/bin/env", "VIA_SHELL=yes", "/bin/sh", "-c"]',
      'RUN echo "shell=$VIA_SHELL" > /via-shell',
      'RUN ["/bin/sh", "-c", "echo \\"exec=${VIA_SHELL:-none}\\" > /via-exec"]',
    ),
    expect: {
      files: { 'via-shell': { content: 'shell=yes\n' }, 'via-exec': { content: 'exec=none\n' } },
      config: { Shell: ['/bin/env', 'VIA_SHELL=yes', '/bin/sh', '-c'] },
    },
  },
  {
    name: "RUN sees ENV, the base's Env, and the stage's ARGs with build args over defaults; global ARGs only when declared",
    dockerfile: df(
      'ARG GLOBAL=g',
      'ARG REDECLARED=r',
      'FROM @BASE@',
      'ARG REDECLARED',
      'ARG FLAVOUR=plain',
      'ARG LEVEL=1',
      'ENV MODE=prod LEVEL_ENV=${LEVEL}',
      'RUN echo "$FLAVOUR $LEVEL $MODE $LEVEL_ENV $BASE_VAR ${GLOBAL:-unset} $REDECLARED" > /env.txt',
    ),
    buildArgs: { FLAVOUR: 'spicy' },
    expect: { files: { 'env.txt': { content: 'spicy 1 prod 1 from-base unset r\n' } } },
  },
  {
    name: 'ENV set after an ARG of the same name wins in RUN; a later ENV changes what the next RUN sees',
    dockerfile: df(
      'FROM @BASE@',
      'ARG NAME=from-arg',
      'ENV NAME=from-env',
      'RUN echo "$NAME" > /first',
      'ENV NAME=changed',
      'RUN echo "$NAME" > /second',
    ),
    expect: { files: { first: { content: 'from-env\n' }, second: { content: 'changed\n' } } },
  },
  {
    name: "exit codes: a command's failure handled inside the step does not fail the build",
    dockerfile: df(
      'FROM @BASE@',
      'RUN false || echo handled > /handled',
      'RUN sh -c "exit 0" && touch /zero',
    ),
    expect: { files: { handled: { content: 'handled\n' }, zero: { type: 'file' } } },
  },
  {
    name: `a heredoc script runs in the shell ${BUILDAH_DEPARTS}`,
    dockerfile: df('FROM @BASE@', 'RUN <<EOF', 'mkdir /hd', 'echo "from a heredoc" > /hd/file', 'EOF'),
    departs: {
      why: 'BuildKit runs a lone heredoc body as the shell command (Dockerfile reference, "Here-Documents"); buildah 1.28 has no heredocs',
      dockerfile: df('FROM @BASE@', 'RUN mkdir /hd && echo "from a heredoc" > /hd/file'),
    },
    expect: { files: { 'hd/file': { content: 'from a heredoc\n' } } },
  },
  {
    name: `a heredoc with #! runs as a script file, and heredocs feed commands ${BUILDAH_DEPARTS}`,
    dockerfile: df(
      'FROM @BASE@',
      'RUN <<EOT',
      '#!/bin/sh',
      'echo "script=$0" > /script',
      'EOT',
      'RUN cat <<A > /fed',
      'first line',
      'A',
    ),
    departs: {
      why: 'BuildKit mounts a #! heredoc at /dev/pipes/NAME and runs it, and passes other heredocs to the shell (Dockerfile reference, "Here-Documents"); buildah 1.28 has no heredocs',
      dockerfile: df(
        'FROM @BASE@',
        'RUN echo "script=/dev/pipes/EOT" > /script',
        'RUN echo "first line" > /fed',
      ),
    },
    expect: { files: { script: { content: 'script=/dev/pipes/EOT\n' }, fed: { content: 'first line\n' } } },
  },
  {
    name: `RUN --network=none leaves only the loopback interface ${BUILDAH_DEPARTS}`,
    dockerfile: df('FROM @BASE@', 'RUN --network=none tail -n +3 /proc/net/dev | wc -l > /interfaces'),
    departs: {
      why: 'buildah 1.28 takes only --mount on RUN; the comparison runs it with --network none for every step',
      dockerfile: df('FROM @BASE@', 'RUN tail -n +3 /proc/net/dev | wc -l > /interfaces'),
    },
    expect: { files: { interfaces: { content: '1\n' } } },
  },
  {
    name: 'a large file written by RUN',
    dockerfile: df('FROM @BASE@', 'RUN dd if=/dev/zero of=/big bs=1048576 count=12 2>/dev/null'),
    expect: { files: { big: { size: 12 * 1048576 } } },
  },
  {
    name: 'RUN --mount=type=tmpfs: what is written there stays out of the image',
    dockerfile: df(
      'FROM @BASE@',
      'RUN --mount=type=tmpfs,target=/scratch echo temp > /scratch/t && cat /scratch/t > /kept',
    ),
    expect: { files: { kept: { content: 'temp\n' }, scratch: null } },
  },
  {
    name: 'RUN --mount=type=bind reads the context without copying it into the image',
    dockerfile: df(
      'FROM @BASE@',
      'RUN --mount=type=bind,source=files,target=/ctx cat /ctx/a.txt > /from-context',
    ),
    files: { 'files/a.txt': 'from the context\n' },
    expect: { files: { 'from-context': { content: 'from the context\n' }, ctx: null } },
  },
  {
    name: `RUN --mount=type=cache: the cache directory and its mount point stay out of the image ${BUILDAH_DEPARTS}`,
    dockerfile: df(
      'FROM @BASE@',
      'RUN --mount=type=cache,target=/var/cache/tool echo cached > /var/cache/tool/f && cat /var/cache/tool/f > /used',
    ),
    departs: {
      why: "BuildKit removes the mount points it had to create for a step's mounts (moby/buildkit executor stubs); buildah 1.28 leaves the parents of the target (var/, var/cache/) in the layer",
      correct: withoutPaths('var', 'var/cache'),
    },
    expect: { files: { used: { content: 'cached\n' }, 'var/cache/tool': null, var: null } },
  },
  {
    name: 'COPY after RUN sees what RUN made and removed; a later RUN sees what COPY wrote',
    dockerfile: df(
      'FROM @BASE@',
      'RUN mkdir -p /app/conf && rm /etc/group && echo "g:x:1:" > /etc/group',
      'COPY --chown=app a.txt /app/conf/',
      'RUN stat -c "%u:%g %s" /app/conf/a.txt > /app/stat',
    ),
    files: { 'a.txt': 'alpha\n' },
    expect: {
      files: {
        'app/conf/a.txt': { owner: '1000:1000', content: 'alpha\n' },
        'app/stat': { content: '1000:1000 6\n' },
        'etc/group': { content: 'g:x:1:\n' },
      },
    },
  },
  {
    name: 'a file made by RUN in one stage is copied into the next',
    dockerfile: df(
      'FROM @BASE@ AS build',
      'RUN mkdir /out && echo artefact > /out/made && chmod 0750 /out/made',
      'FROM @BASE@',
      'COPY --from=build /out/made /made',
    ),
    expect: { files: { made: { content: 'artefact\n', mode: '0750' } } },
  },
];

/** The RUN cases, each also checking that no stub reached the image. */
export const RUN_CASES: readonly PeerCase[] = CASES.map(runCase);

test('the RUN comparison has at least 15 cases, each named once', () => {
  const names = RUN_CASES.map((c) => c.name);
  assert.ok(names.length >= 15, `${names.length} cases`);
  assert.equal(new Set(names).size, names.length, 'duplicate case names');
});

describePeerCases('RUN steps, built by ocikit and by buildah', RUN_CASES);

failingStepTest();

/** A failing step fails both builds; ocikit names the line, the command and the exit code. */
function failingStepTest(): void {
  let suite: PeerSuite | undefined;
  let dir = '';
  before(async () => {
    dir = join(
      existsSync('/dev/shm') ? '/dev/shm' : tmpdir(),
      `ocikit-peer-fail-${randomBytes(6).toString('hex')}`,
    );
    await mkdir(dir);
    suite = await createPeerSuite(dir);
  });
  after(async () => {
    if (suite !== undefined) await closeBuildahStore(suite.store);
    await rm(dir, { recursive: true, force: true });
  });
  test('a step exiting 7 fails both builds; ocikit says Dockerfile:3, the command and exit code 7', async () => {
    assert.ok(suite);
    const context = join(dir, 'ctx');
    await mkdir(context);
    await writeFile(
      join(context, 'Dockerfile'),
      df(`FROM ${suite.base}`, 'RUN touch /before', 'RUN echo failing; exit 7', 'RUN touch /after'),
    );
    await assert.rejects(
      buildahBud(suite.store, {
        context,
        dockerfile: join(context, 'Dockerfile'),
        archive: join(dir, 'buildah.tar'),
      }),
      /exit status 7/,
    );
    await assert.rejects(
      build({ context, cacheDir: join(dir, 'cache'), tags: [`oci:${join(dir, 'out')}:img`] }),
      (err: unknown) => {
        assert.ok(isOciError(err, 'COMMAND_FAILED'), String(err));
        assert.equal(
          err.message,
          'Dockerfile:3: process "/bin/sh -c echo failing; exit 7" did not complete successfully: exit code: 7',
        );
        assert.equal(err.data.exitCode, 7);
        return true;
      },
    );
  });
}
