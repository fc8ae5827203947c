/**
 * What a RUN step writes into its layer, for both capture methods (overlay upper directory and
 * snapshot comparison): every kind of change as image-spec layer.md writes it, nothing the
 * container's mounts needed, and a layer that umoci and our own apply read into the same tree.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import type { LowerLayer } from '../../src/build/run/index.ts';
import { applyLayer } from '../../src/tar/index.ts';
import { run as exec } from '../helpers/exec.ts';
import { scratch } from '../helpers/tmp.ts';
import { snapshotTree } from '../helpers/tree-snapshot.ts';
import {
  dataBaseLayer,
  EVERY_CHANGE,
  FIXTURE_TIME,
  type LayerEntry,
  layerEntries,
  layerOfDir,
  layerTar,
  nextLayer,
  sh,
  stepRunner,
  writeRunRootfs,
} from './run-fixtures.ts';

const METHODS = ['overlay', 'snapshot'] as const;

/** One line per entry: type, name, mode, owner, and the link target or device numbers. */
function describe(entry: LayerEntry): string {
  const extra =
    entry.type === 'symlink' || entry.type === 'link'
      ? ` -> ${entry.linkname}`
      : entry.type === 'character-device' || entry.type === 'block-device'
        ? ` ${entry.devmajor}:${entry.devminor}`
        : entry.type === 'file'
          ? ` ${JSON.stringify(entry.content?.toString() ?? '')}`
          : '';
  return `${entry.type} ${entry.path} ${entry.mode.toString(8)} ${entry.uid}:${entry.gid}${extra}`;
}

for (const capture of METHODS) {
  test(`${capture}: every kind of change is written as layer.md says, and nothing else`, async (t) => {
    const base = await dataBaseLayer(t);
    const { run } = await stepRunner(t);
    const result = await run([base], { command: sh(EVERY_CHANGE), capture });
    assert.equal(result.method, capture);
    const entries = await layerEntries(result.layer);
    assert.equal(result.entries, entries.length);
    assert.deepEqual(entries.map(describe), [
      'directory data/ 755 0:0',
      'file data/.wh.delete 644 0:0 ""',
      'file data/change 644 0:0 "change\\nmore\\n"',
      'file data/linked 644 0:0 "hard-linked later\\n"',
      'link data/linkme 644 0:0 -> data/linked',
      'directory data/opaque/ 755 0:0',
      'file data/opaque/.wh..wh..opq 644 0:0 ""',
      'file data/opaque/c 644 0:0 "c\\n"',
      'symlink data/replace-dir 777 0:0 -> /data/keep',
      'directory data/replace-file/ 755 0:0',
      'file data/same 644 0:0 "ABCD"',
      'directory new/ 1777 0:0',
      'fifo new/fifo 644 0:0',
      'file new/file 644 0:0 "n\\n"',
      'link new/hard 644 0:0 -> new/file',
      'block-device new/loop 644 0:0 7:0',
      'character-device new/null 644 0:0 1:3',
      'file new/owned 644 1234:5678 "o\\n"',
      'file new/suid 4755 0:0 "s\\n"',
      'symlink new/sym 777 0:0 -> file',
    ]);
  });

  test(`${capture}: the container's mount points, generated /etc files and their directories' times stay out of the layer`, async (t) => {
    const dir = await scratch(t, 'ocikit-run-stubs-');
    await writeRunRootfs(dir);
    // resolv.conf through a dangling symlink, as systemd images ship it: the runtime mounts on the target.
    symlinkSync('../run/systemd/resolve/stub-resolv.conf', join(dir, 'etc/resolv.conf'));
    const base = await layerOfDir(dir);
    const { run } = await stepRunner(t);
    const cache = await scratch(t);
    const quiet = await run([base], {
      command: sh('cat /etc/resolv.conf > /tmp/resolv; ls /cache/deep >/dev/null; echo x > /home/app/x'),
      resolvConf: 'nameserver 192.0.2.53\n',
      mounts: [{ type: 'bind', source: cache, destination: '/cache/deep', readonly: false }],
      capture,
    });
    assert.deepEqual(
      (await layerEntries(quiet.layer)).map((e) => e.path),
      // home/ comes as the parent of what changed below it (as containerd writes a diff), with its own time.
      ['home/', 'home/app/', 'home/app/x', 'tmp/', 'tmp/resolv'],
    );
    assert.equal(
      (await layerEntries(quiet.layer)).find((e) => e.path === 'tmp/resolv')?.content?.toString(),
      'nameserver 192.0.2.53\n',
    );

    // A step that writes into /etc itself gets /etc and its own file, still none of the stubs.
    const etc = await run([base], { command: sh('echo hello > /etc/motd'), capture });
    assert.deepEqual(
      (await layerEntries(etc.layer)).map((e) => e.path),
      ['etc/', 'etc/motd'],
    );
  });

  test(`${capture}: a copy-up that changed nothing writes no layer, a rewrite that kept size and time is seen`, async (t) => {
    const base = await dataBaseLayer(t);
    const { run } = await stepRunner(t);
    const none = await run([base], {
      command: sh('chown 0:0 /data/keep && chmod 644 /data/keep && cat /data/keep >/dev/null'),
      capture,
    });
    assert.equal(none.layer, undefined);
    assert.equal(none.entries, 0);
    const rewrite = await run([base], {
      command: sh('printf ABCD > /data/same && touch -r /data/reference /data/same'),
      capture,
    });
    assert.deepEqual(
      (await layerEntries(rewrite.layer)).map((e) => `${e.path} ${e.content?.toString()} ${e.mtimeNs}`),
      ['data/ undefined 1700000000000000000', 'data/same ABCD 1700000000000000000'],
    );
  });

  test(`${capture}: capabilities set by setcap are recorded as security.capability`, async (t) => {
    const dir = await scratch(t, 'ocikit-run-setcap-');
    await writeRunRootfs(dir);
    // setcap and the libraries it loads, as the host has them.
    const libs = spawnSync('ldd', ['/usr/sbin/setcap'], { encoding: 'utf8' }).stdout;
    for (const path of [...libs.matchAll(/(\/\S+\.so[.\d]*)/g)].map((m) => m[1] as string)) {
      mkdirSync(join(dir, dirname(path)), { recursive: true });
      copyFileSync(path, join(dir, path));
    }
    mkdirSync(join(dir, 'usr/sbin'), { recursive: true });
    copyFileSync('/usr/sbin/setcap', join(dir, 'usr/sbin/setcap'));
    writeFileSync(join(dir, 'srv/tool'), 'a tool\n', { mode: 0o755 });
    const base = await layerOfDir(dir);
    const { run } = await stepRunner(t);
    const result = await run([base], { command: sh('setcap cap_net_raw+ep /srv/tool'), capture });
    const entries = await layerEntries(result.layer);
    const tool = entries.find((e) => e.path === 'srv/tool');
    assert.ok(tool, entries.map(describe).join('\n'));
    assert.equal(tool.content?.toString(), 'a tool\n');
    assert.ok(tool.xattrs['security.capability'], `no capability on ${JSON.stringify(tool.xattrs)}`);
    assert.deepEqual(Object.keys(tool.xattrs), ['security.capability']);
  });
}

test('the layer of a step is read into the same tree by umoci unpack and by our apply', async (t) => {
  const base = await dataBaseLayer(t);
  const { run } = await stepRunner(t);
  const step = await run([base], { command: sh(EVERY_CHANGE) });
  assert.ok(step.layer);
  const dir = await scratch(t);
  writeFileSync(`${dir}/base.tar`, base.tar);
  writeFileSync(`${dir}/step.tar`, await layerTar(step.layer));

  const layout = `${dir}/layout`;
  await exec('umoci', ['init', '--layout', layout]);
  await exec('umoci', ['new', '--image', `${layout}:t`]);
  await exec('umoci', ['raw', 'add-layer', '--image', `${layout}:t`, `${dir}/base.tar`]);
  await exec('umoci', ['raw', 'add-layer', '--image', `${layout}:t`, `${dir}/step.tar`]);
  await exec('umoci', ['unpack', '--image', `${layout}:t`, `${dir}/bundle`]);

  const ours = `${dir}/ours`;
  mkdirSync(ours);
  await applyLayer(ours, [base.tar]);
  await applyLayer(ours, [readFileSync(`${dir}/step.tar`)]);
  const tree = snapshotTree(ours);
  assert.deepEqual(snapshotTree(`${dir}/bundle/rootfs`), tree);

  const paths = new Map(tree.map((e) => [e.path, e]));
  assert.deepEqual(
    tree.filter((e) => e.path.startsWith('data/opaque')).map((e) => e.path),
    ['data/opaque', 'data/opaque/c'],
  );
  assert.ok(!paths.has('data/delete'));
  assert.equal(paths.get('data/replace-dir')?.type, 'symlink');
  assert.equal(paths.get('data/linkme')?.linkGroup, 'data/linked');
  for (const stub of ['proc', 'sys', 'dev', 'etc/hosts', 'etc/hostname', 'etc/resolv.conf']) {
    assert.ok(!paths.has(stub), `${stub} leaked into the image`);
  }
});

test('steps stack: a later step sees an earlier step layer, whiteouts and opaque directories included', async (t) => {
  const base = await dataBaseLayer(t);
  const { run } = await stepRunner(t);
  // Its times clamped well before now, so the next step's changes are never in the same second.
  const first = await run([base], { command: sh(EVERY_CHANGE), timestamp: FIXTURE_TIME + 3600 });
  assert.ok(first.layer);
  const layers: LowerLayer[] = [base, await nextLayer(first.layer)];
  for (const capture of METHODS) {
    const second = await run(layers, {
      command: sh('ls /data; ls /data/opaque; cat /data/change; readlink /data/replace-dir; rm /data/linked'),
      capture,
    });
    assert.equal(
      second.stdout,
      'change\nkeep\nlinked\nlinkme\nnested\nopaque\nreference\nreplace-dir\nreplace-file\nsame\nc\nchange\nmore\n/data/keep\n',
    );
    assert.deepEqual(
      (await layerEntries(second.layer)).map((e) => e.path),
      ['data/', 'data/.wh.linked'],
      capture,
    );
  }
});

test('snapshot: a step that swaps a stub directory for a symlink to the host cannot make the clean-up touch the host', async (t) => {
  const dir = await scratch(t, 'ocikit-run-escape-');
  await writeRunRootfs(dir);
  const base = await layerOfDir(dir);
  // A host folder with what a stub clean-up would remove or re-date: an empty file and an empty directory.
  const host = await scratch(t, 'ocikit-run-host-');
  writeFileSync(`${host}/hosts`, '');
  mkdirSync(`${host}/proc`);
  const before = snapshotTree(host, { includeRoot: true });
  const { run } = await stepRunner(t);
  // /etc holds the stub of /etc/hosts and / the stub of /proc; the step moves /etc away and
  // puts a symlink to the host folder in its place (it cannot move / or the mounted stubs).
  const result = await run([base], {
    command: sh(`mv /etc /etc.moved && ln -s ${host} /etc`),
    capture: 'snapshot',
  });
  assert.deepEqual(snapshotTree(host, { includeRoot: true }), before, 'the host folder was touched');
  const paths = (await layerEntries(result.layer)).map((e) => e.path);
  assert.ok(paths.includes('etc'), paths.join(' '));
});
