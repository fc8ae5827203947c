/**
 * The layers RUN makes, read by another implementation: images built by `ocikit build` with RUN
 * steps that add, change, delete and replace files, empty and refill directories, link, set
 * capabilities and extended attributes and make device nodes, unpacked by `umoci unpack` and by
 * `ocikit unpack`, give the same tree (every path's type, mode, owner, size, content, link
 * target, device number, extended attributes and hard-link groups). And the stub check of the
 * buildah comparison (peer-layer-stubs.ts) is shown to see a stub a step really wrote.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { scratch } from '../helpers/tmp.ts';
import { snapshotTree } from '../helpers/tree-snapshot.ts';
import { umociUnpack } from '../helpers/umoci-image.ts';
import { buildIn } from './engine-helpers.ts';
import { makePeerBase } from './peer-base.ts';
import { assertNoStubLayers, layerBlobs, layerNames, RUNTIME_STUBS, stubOf } from './peer-layer-stubs.ts';
import { makeToolsBase } from './peer-tools-base.ts';

/** RUN steps whose layers umoci must read as ocikit does (`@TOOLS@`: the base with setcap and setfattr). */
const CASES: ReadonlyArray<{ name: string; steps: readonly string[] }> = [
  {
    name: 'files added, changed, deleted and replaced by other types across steps',
    steps: [
      'RUN mkdir -p /w/dir/deep /w/gone && echo a > /w/a && echo f > /w/file && echo d > /w/dir/deep/x && ln -s a /w/link && touch /w/gone/y',
      'RUN echo changed >> /w/a && rm -rf /w/gone && rm /w/file && mkdir /w/file && rm -rf /w/dir && ln -s /etc /w/dir && rm /w/link && echo now > /w/link',
      'RUN rm /etc/group && echo "g:x:5:" > /etc/group && chmod 0600 /etc/passwd && rm /bin/stat',
    ],
  },
  {
    name: 'a directory emptied and refilled (opaque), hard links within and across steps',
    steps: [
      'RUN mkdir -p /o/sub && echo 1 > /o/one && echo s > /o/sub/s && echo h > /h1 && ln /h1 /h2',
      'RUN rm -rf /o && mkdir /o && echo fresh > /o/fresh && ln /h1 /h3 && ln /o/fresh /o/fresh-link',
    ],
  },
  {
    name: 'capabilities, extended attributes, device nodes, fifos, setuid bits and owners',
    steps: [
      'RUN cp /bin/busybox /bin/capped && setcap cap_net_raw+ep /bin/capped && echo x > /attrs && setfattr -n user.one -v 1 /attrs && setfattr -n user.two -v "a b" /attrs',
      'RUN mkdir /n && mknod -m 0640 /n/c c 1 5 && mknod /n/b b 7 3 && mkfifo -m 0604 /n/p && cp /bin/busybox /n/su && chmod 4750 /n/su && chown 1234:5678 /n/su /n/c',
      'RUN setfattr -x user.one /attrs && setfattr -n user.three -v 3 /etc/passwd',
    ],
  },
];

describe('umoci unpack reads the layers RUN makes as ocikit does', () => {
  let dir = '';
  let tools = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ocikit-run-umoci-'));
    const base = (await makePeerBase(join(dir, 'base'))).name;
    tools = await makeToolsBase(dir, base);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  for (const c of CASES) {
    test(c.name, async (t) => {
      const built = await buildIn(t, [`FROM ${tools}`, ...c.steps, ''].join('\n'));
      const work = await scratch(t);
      const theirs = await umociUnpack(built.layout, 'img', join(work, 'umoci'));
      const result = await ocikit(['unpack', `oci:${built.layout}:img`, join(work, 'ocikit')]);
      assert.equal(result.code, 0, result.stderr);
      const ours = join(work, 'ocikit', 'rootfs');
      assert.deepEqual(
        snapshotTree(ours),
        snapshotTree(theirs),
        'ocikit unpack (actual) against umoci unpack',
      );
      await assertNoStubLayers(built.layout, 'img', 0);
    });
  }
});

test('the stub check names a stub path, what is below it and a whiteout of it, and nothing else', () => {
  for (const name of ['dev', 'proc/1', 'run/app/pid', 'etc/hosts', 'etc/.wh.resolv.conf', 'sys/.wh..wh..opq'])
    assert.notEqual(stubOf(name), undefined, name);
  for (const name of ['etc', 'etc/hosts.allow', 'devices', 'usr/run', 'etc/hostname2'])
    assert.equal(stubOf(name), undefined, name);
  assert.deepEqual([...RUNTIME_STUBS].sort(), [
    'dev',
    'etc/hostname',
    'etc/hosts',
    'etc/resolv.conf',
    'proc',
    'run',
    'sys',
  ]);
});

test('what a step itself writes under /run stays in its layer, and the stub check sees it', async (t) => {
  const dir = await scratch(t);
  const { name: base } = await makePeerBase(join(dir, 'base'));
  const built = await buildIn(t, `FROM ${base}\nRUN mkdir -p /run/app && echo 42 > /run/app/pid\n`);
  const last = (await layerBlobs(built.layout, 'img')).at(-1) as string;
  assert.deepEqual((await layerNames(last)).sort(), ['run', 'run/app', 'run/app/pid']);
  await assert.rejects(assertNoStubLayers(built.layout, 'img', 0), /runtime stubs/);
  await assertNoStubLayers(
    built.layout,
    'img',
    0,
    RUNTIME_STUBS.filter((s) => s !== 'run'),
  );
});

test('a step that changes only files of a lower directory writes that directory and its parents before them, as containerd writes a diff', async (t) => {
  const dir = await scratch(t);
  const { name: base } = await makePeerBase(join(dir, 'base'));
  const built = await buildIn(
    t,
    `FROM ${base}\nRUN mkdir -p /srv/work/deep/er && echo x > /srv/work/deep/er/f\nRUN echo y >> /srv/work/deep/er/f && rm /home/app -r\n`,
  );
  const last = (await layerBlobs(built.layout, 'img')).at(-1) as string;
  assert.deepEqual(await layerNames(last), [
    'home',
    'home/.wh.app',
    'srv',
    'srv/work',
    'srv/work/deep',
    'srv/work/deep/er',
    'srv/work/deep/er/f',
  ]);
});
