// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Dockerfile text, not templates.
/**
 * More RUN cases against `buildah bud --layers --format docker --network none` (the first set is
 * peers-buildah-run.test.ts): capabilities set by `setcap`, extended attributes, device nodes,
 * a large file, a directory replaced by a symlink, a lower tree deleted, the umask, environment
 * values with shell characters, ARG without a value, build args over defaults, a RUN stage read
 * by `COPY --from`, several heredocs in one RUN, the exec form, WORKDIR with a relative path and
 * USER by numbers the passwd file lacks; and a failing command in an `&&` chain.
 *
 * What the listing does not show (extended attributes, device numbers) a later step writes into
 * a file with `getcap`, `getfattr` or `stat`, so both tools' results compare it; that later step
 * reads the layer below as the build stored it. The `@TOOLS@` base is the comparison's busybox
 * base with the host's `setcap`, `getcap`, `setfattr` and `getfattr` (and their libraries).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { access, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { build } from '../../src/build/index.ts';
import { isOciError } from '../../src/errors/index.ts';
import { buildahBud, closeBuildahStore } from '../helpers/buildah.ts';
import { workdirCreates } from './peer-departures.ts';
import { assertPeerCase, createPeerSuite, type PeerCase, type PeerSuite, runPeerCase } from './peer-run.ts';
import { makeToolsBase } from './peer-tools-base.ts';

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

/** The cases as written (`@TOOLS@` is the base with the attribute tools). */
const CASES: PeerCase[] = [
  {
    name: 'setcap on a file: the capability is in the layer and a later step reads it back',
    dockerfile: df(
      'FROM @TOOLS@',
      'RUN cp /bin/busybox /bin/ping2 && setcap cap_net_raw,cap_net_bind_service+ep /bin/ping2',
      'RUN getcap /bin/ping2 > /caps',
    ),
    expect: {
      files: {
        caps: { content: '/bin/ping2 cap_net_bind_service,cap_net_raw=ep\n' },
        'bin/ping2': { mode: '0755' },
      },
    },
  },
  {
    name: 'user.* extended attributes set by setfattr on a new file and on a lower one',
    dockerfile: df(
      'FROM @TOOLS@',
      'RUN echo data > /tagged && setfattr -n user.colour -v blue /tagged && setfattr -n user.note -v "two words" /etc/group',
      'RUN getfattr -d --absolute-names /tagged /etc/group > /attrs',
    ),
    expect: {
      files: {
        attrs: {
          content: '# file: /tagged\nuser.colour="blue"\n\n# file: /etc/group\nuser.note="two words"\n\n',
        },
      },
    },
  },
  {
    name: `device nodes made by mknod keep their type and numbers ${BUILDAH_DEPARTS}`,
    dockerfile: df(
      'FROM @BASE@',
      'RUN mkdir /nodes && mknod -m 0660 /nodes/null2 c 1 3 && mknod -m 0600 /nodes/loop9 b 7 9',
      'RUN stat -c "%n %F %t:%T %a" /nodes/null2 /nodes/loop9 > /nodes.txt',
    ),
    departs: {
      why: "buildah 1.28's container may not mknod (its device rules); BuildKit's RUN runs as root with CAP_MKNOD. buildah makes fifos with the same modes, which the listing shows as the same type, and writes the text a later step reads",
      dockerfile: df(
        'FROM @BASE@',
        'RUN mkdir /nodes && mkfifo -m 0660 /nodes/null2 && mkfifo -m 0600 /nodes/loop9',
        "RUN printf '/nodes/null2 character special file 1:3 660\\n/nodes/loop9 block special file 7:9 600\\n' > /nodes.txt",
      ),
    },
    expect: {
      files: {
        'nodes/null2': { type: 'other', mode: '0660' },
        'nodes/loop9': { type: 'other', mode: '0600' },
        'nodes.txt': {
          content: '/nodes/null2 character special file 1:3 660\n/nodes/loop9 block special file 7:9 600\n',
        },
      },
    },
  },
  {
    name: 'a 48 MiB file written by RUN, then appended to by the next',
    dockerfile: df(
      'FROM @BASE@',
      'RUN yes 0123456789abcdef | head -c 50331648 > /large',
      'RUN echo tail >> /large',
    ),
    expect: { files: { large: { size: 50331648 + 5 } } },
  },
  {
    name: 'a directory of a lower layer replaced by a symlink, and a symlink replaced by a directory',
    dockerfile: df(
      'FROM @BASE@',
      'RUN mkdir -p /x/dir/deep && echo in > /x/dir/deep/f && ln -s /srv /x/link',
      'RUN rm -rf /x/dir && ln -s ../etc /x/dir && rm /x/link && mkdir /x/link && echo real > /x/link/file',
    ),
    expect: {
      files: {
        'x/dir': { type: 'symlink', link: '../etc' },
        'x/dir/deep': null,
        'x/link': { type: 'directory' },
        'x/link/file': { content: 'real\n' },
      },
    },
  },
  {
    name: 'deleting a whole tree of the base and of an earlier step leaves nothing of it',
    dockerfile: df(
      'FROM @BASE@',
      'RUN mkdir -p /tree/a/b/c /tree/d && touch /tree/a/b/c/leaf /tree/d/leaf /tree/top',
      'RUN rm -rf /tree /home /srv/work',
    ),
    expect: { files: { tree: null, home: null, 'srv/work': null, srv: { type: 'directory' } } },
  },
  {
    name: 'the umask of the step decides the modes of what it creates',
    dockerfile: df(
      'FROM @BASE@',
      'RUN umask 077 && mkdir /private && touch /private/f',
      'RUN umask 002 && mkdir /shared && touch /shared/f',
      'RUN mkdir /default && touch /default/f',
    ),
    expect: {
      files: {
        private: { mode: '0700' },
        'private/f': { mode: '0600' },
        shared: { mode: '0775' },
        'shared/f': { mode: '0664' },
        default: { mode: '0755' },
        'default/f': { mode: '0644' },
      },
    },
  },
  {
    name: 'environment values with spaces, quotes, dollars, backslashes and = reach RUN unchanged',
    dockerfile: df(
      'FROM @BASE@',
      'ENV SPACED="a  b" QUOTED="it\'s \\"q\\"" DOLLAR=\'$HOME\' BACK=\'c:\\dir\' EQ=k=v EMPTY=',
      'RUN printf "[%s]\\n" "$SPACED" "$QUOTED" "$DOLLAR" "$BACK" "$EQ" "$EMPTY" > /env.txt',
    ),
    expect: {
      files: { 'env.txt': { content: '[a  b]\n[it\'s "q"]\n[$HOME]\n[c:\\dir]\n[k=v]\n[]\n' } },
    },
  },
  {
    name: 'ARG without a value and without a build arg is not set in RUN; with one it is',
    dockerfile: df(
      'FROM @BASE@',
      'ARG NOVALUE',
      'ARG GIVEN',
      'RUN echo "${NOVALUE-unset} ${GIVEN-unset}" > /args',
    ),
    buildArgs: { GIVEN: 'from-cli' },
    expect: { files: { args: { content: 'unset from-cli\n' } } },
  },
  {
    name: 'a --build-arg overrides the default in RUN; an undeclared build arg stays out',
    dockerfile: df(
      'FROM @BASE@',
      'ARG VERSION=1.0',
      'RUN echo "v=$VERSION extra=${UNDECLARED-none}" > /version',
      'ARG VERSION',
      'RUN echo "again=$VERSION" > /again',
    ),
    buildArgs: { VERSION: '2.5', UNDECLARED: 'x' },
    expect: { files: { version: { content: 'v=2.5 extra=none\n' }, again: { content: 'again=2.5\n' } } },
  },
  {
    name: 'RUN in a stage used by COPY --from: the tree, its owners and modes come across',
    dockerfile: df(
      'FROM @BASE@ AS builder',
      'RUN mkdir -p /out/bin /out/share && echo tool > /out/bin/tool && chmod 0755 /out/bin/tool && echo doc > /out/share/doc && chown -R 1000:2000 /out/share',
      'RUN rm /out/share/doc && echo newdoc > /out/share/readme',
      'FROM @BASE@',
      'COPY --from=builder /out /opt/app',
      'RUN cat /opt/app/share/readme > /seen',
    ),
    expect: {
      files: {
        'opt/app/bin/tool': { content: 'tool\n', mode: '0755' },
        'opt/app/share': { owner: '1000:2000' },
        'opt/app/share/doc': null,
        'opt/app/share/readme': { owner: '0:0', content: 'newdoc\n' },
        seen: { content: 'newdoc\n' },
      },
    },
  },
  {
    name: `several heredocs in one RUN feed their commands in order ${BUILDAH_DEPARTS}`,
    dockerfile: df(
      'FROM @BASE@',
      'RUN <<ONE cat > /one && <<TWO cat > /two',
      'first',
      'file',
      'ONE',
      'second',
      'TWO',
    ),
    departs: {
      why: 'BuildKit gives each heredoc of a RUN line to the command it follows (Dockerfile reference, "Here-Documents"); buildah 1.28 has no heredocs',
      dockerfile: df('FROM @BASE@', "RUN printf 'first\\nfile\\n' > /one && printf 'second\\n' > /two"),
    },
    expect: { files: { one: { content: 'first\nfile\n' }, two: { content: 'second\n' } } },
  },
  {
    name: 'exec-form RUN runs the program with its arguments as given, no shell',
    dockerfile: df(
      'FROM @BASE@',
      'RUN ["/bin/busybox", "mkdir", "-p", "/with space/$NOT_EXPANDED"]',
      'RUN ["/bin/busybox", "touch", "/with space/*"]',
    ),
    expect: {
      files: {
        'with space/$NOT_EXPANDED': { type: 'directory' },
        'with space/*': { type: 'file', size: 0 },
      },
    },
  },
  {
    name: `WORKDIR with a relative path resolves against the previous one; RUN runs there ${BUILDAH_DEPARTS}`,
    dockerfile: df('FROM @BASE@', 'WORKDIR /srv', 'WORKDIR sub/dir', 'RUN pwd > here && touch made'),
    departs: {
      why: 'BuildKit creates the WORKDIR directory in a layer of its own (Dockerfile reference, WORKDIR); buildah 1.28 records an empty layer',
      correct: workdirCreates([[], ['srv/sub', 'srv/sub/dir']]),
    },
    expect: {
      config: { WorkingDir: '/srv/sub/dir' },
      files: { 'srv/sub/dir/here': { content: '/srv/sub/dir\n' }, 'srv/sub/dir/made': { owner: '0:0' } },
    },
  },
  {
    name: 'USER by uid:gid numbers that /etc/passwd lacks runs the step with those ids',
    dockerfile: df(
      'FROM @BASE@',
      'RUN mkdir /box && chmod 1777 /box',
      'USER 4321:8765',
      'RUN echo "$(id -u) $(id -g)" > /box/ids && touch /box/owned',
    ),
    expect: {
      config: { User: '4321:8765' },
      files: {
        'box/ids': { content: '4321 8765\n', owner: '4321:8765' },
        'box/owned': { owner: '4321:8765' },
      },
    },
  },
  {
    name: 'chmod and chown of a lower directory change it alone, its children stay as they were',
    dockerfile: df(
      'FROM @BASE@',
      'RUN mkdir -p /p/q && echo x > /p/q/x',
      'RUN chmod 0711 /p && chown 7:8 /p/q',
    ),
    expect: {
      files: {
        p: { mode: '0711', owner: '0:0' },
        'p/q': { owner: '7:8' },
        'p/q/x': { owner: '0:0', content: 'x\n' },
      },
    },
  },
  {
    name: 'a file of a lower layer replaced by a symlink, and a symlink retargeted',
    dockerfile: df(
      'FROM @BASE@',
      'RUN echo f > /was-file && ln -s /a /retarget',
      'RUN rm /was-file && ln -s /etc/passwd /was-file && ln -sfn /b /retarget',
    ),
    expect: {
      files: {
        'was-file': { type: 'symlink', link: '/etc/passwd' },
        retarget: { type: 'symlink', link: '/b' },
      },
    },
  },
];

/** The cases, each also checking that no stub reached the image. */
const RUN2_CASES: readonly PeerCase[] = CASES.map((c) => ({
  ...c,
  expect: { ...c.expect, files: { ...NO_STUBS, ...c.expect?.files } },
}));

/** A scratch folder with a lower-case path (buildah names images after `oci:` paths). */
async function lowerCaseScratch(): Promise<string> {
  const dir = join('/dev/shm', `ocikit-peer2-${randomBytes(6).toString('hex')}`);
  await mkdir(dir);
  return dir;
}

test('this second set of RUN cases has at least 14 cases, each named once', () => {
  const names = RUN2_CASES.map((c) => c.name);
  assert.ok(names.length >= 14, `${names.length} cases`);
  assert.equal(new Set(names).size, names.length, 'duplicate case names');
});

describe('more RUN steps, built by ocikit and by buildah', () => {
  let dir = '';
  let suite: PeerSuite | undefined;
  let tools = '';
  before(async () => {
    dir = await lowerCaseScratch();
    suite = await createPeerSuite(dir);
    tools = await makeToolsBase(dir, suite.base);
  });
  after(async () => {
    if (suite !== undefined) await closeBuildahStore(suite.store);
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });
  for (const c of RUN2_CASES) {
    test(c.name, async () => {
      assert.ok(suite, 'the suite was not set up');
      const fill = (text: string): string => text.replaceAll('@TOOLS@', tools);
      const filled: PeerCase = {
        ...c,
        dockerfile: fill(c.dockerfile),
        ...(c.departs !== undefined
          ? {
              departs: {
                ...c.departs,
                ...(c.departs.dockerfile ? { dockerfile: fill(c.departs.dockerfile) } : {}),
              },
            }
          : {}),
      };
      assertPeerCase(filled, await runPeerCase(suite, filled));
    });
  }

  test('a failing command inside an && chain fails both builds; ocikit names the line and exit code 3', async () => {
    assert.ok(suite);
    const context = join(dir, 'chain-ctx');
    await mkdir(context);
    await writeFile(
      join(context, 'Dockerfile'),
      df(`FROM ${suite.base}`, 'RUN touch /first && sh -c "exit 3" && touch /never'),
    );
    await assert.rejects(
      buildahBud(suite.store, {
        context,
        dockerfile: join(context, 'Dockerfile'),
        archive: join(dir, 'chain.tar'),
      }),
      /exit status 3/,
    );
    const out = join(dir, 'chain-out');
    await assert.rejects(
      build({ context, cacheDir: join(dir, 'chain-cache'), tags: [`oci:${out}:img`] }),
      (err: unknown) => {
        assert.ok(isOciError(err, 'COMMAND_FAILED'), String(err));
        assert.equal(
          err.message,
          'Dockerfile:2: process "/bin/sh -c touch /first && sh -c \\"exit 3\\" && touch /never" did not complete successfully: exit code: 3',
        );
        return true;
      },
    );
    await assert.rejects(access(join(out, 'index.json')), 'nothing is written to the destination');
  });
});
