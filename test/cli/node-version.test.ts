/**
 * On a Node.js older than package.json `engines` asks for, every entry point says so and stops,
 * instead of failing inside with a SyntaxError or a TypeError: the packed command (exit 1, one
 * line on stderr) and every export of the packed library (it throws), run by the system's Node.
 */
import assert from 'node:assert/strict';
import { access, constants } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { suiteScratch } from '../helpers/tmp.ts';
import { envWithNode, finish, type PackedInstall, packAndInstall, REPO } from './packed-install.ts';

/** [major, minor] of a `vX.Y.Z` version. */
const majorMinor = (version: string): [number, number] => {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  return [major, minor];
};

/**
 * A `node` on PATH (outside any node_modules, where this project's own Node 24 lives) older than
 * `minimum`: the machine's system Node (scripts/install-peers.sh installs one where none is).
 */
async function olderNode(minimum: [number, number]): Promise<{ path: string; version: string }> {
  const dirs = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir && !dir.includes('node_modules'));
  for (const dir of [...dirs, '/usr/bin']) {
    const path = join(dir, 'node');
    if (
      !(await access(path, constants.X_OK).then(
        () => true,
        () => false,
      ))
    )
      continue;
    const { stdout } = await finish(path, ['--version']);
    const version = stdout.trim();
    const [major, minor] = majorMinor(version);
    if (major < minimum[0] || (major === minimum[0] && minor < minimum[1])) return { path, version };
  }
  throw new Error(`no Node.js older than ${minimum.join('.')} on PATH: this test runs the package with one`);
}

describe('on a Node.js older than the package needs', () => {
  const makeDir = suiteScratch(after, 'ocikit-node-version-');
  let packed: PackedInstall;
  let old: { path: string; version: string };
  let expected: string;
  /** The environment of a user whose `node` is the old one. */
  let env: NodeJS.ProcessEnv;

  before(async () => {
    packed = await packAndInstall(await makeDir());
    const engines = packed.manifest.engines?.node ?? '';
    const minimum = /^>=(\d+)\.(\d+)$/.exec(engines);
    assert.ok(minimum, `engines.node is ">=MAJOR.MINOR": ${engines}`);
    old = await olderNode([Number(minimum[1]), Number(minimum[2])]);
    expected = `ocikit: needs Node >= ${minimum[1]}.${minimum[2]} (this is ${old.version})\n`;
    env = envWithNode(dirname(old.path));
  });

  test('the installed command says which Node it needs and exits 1, whatever the command', async () => {
    for (const args of [
      ['--version'],
      ['inspect', 'oci:./nowhere:app'],
      ['copy', 'a', 'b', '--compression', 'zstd'],
    ]) {
      const result = await finish('npx', ['--no', '--', 'ocikit', ...args], { cwd: packed.project, env });
      assert.deepEqual(result, { code: 1, stdout: '', stderr: expected }, `ocikit ${args.join(' ')}`);
    }
  });

  test('the command of a development checkout says the same', async () => {
    const result = await finish(old.path, [join(REPO, 'bin/ocikit.js'), '--version'], { env });
    assert.deepEqual(result, { code: 1, stdout: '', stderr: expected });
  });

  test('importing any export of the library throws that message (code UNSUPPORTED_NODE)', async () => {
    const specifiers = Object.keys(packed.manifest.exports)
      .filter((key) => key !== './package.json')
      .map((key) => (key === '.' ? 'ocikit' : `ocikit/${key.slice(2)}`));
    assert.ok(specifiers.includes('ocikit') && specifiers.includes('ocikit/transports'));
    const program = `
const outcomes = {};
for (const specifier of ${JSON.stringify(specifiers)}) {
  outcomes[specifier] = await import(specifier).then(
    () => 'loaded',
    (err) => ({ code: err.code, message: err.message }),
  );
}
console.log(JSON.stringify(outcomes));
`;
    const result = await finish(old.path, ['--input-type=module', '-e', program], {
      cwd: packed.project,
      env,
    });
    assert.equal(result.code, 0, result.stderr);
    const message = expected.trimEnd();
    assert.deepEqual(
      JSON.parse(result.stdout),
      Object.fromEntries(specifiers.map((specifier) => [specifier, { code: 'UNSUPPORTED_NODE', message }])),
    );
  });
});
