/**
 * The published package (README "Install and run"): `npm pack`, `npm install` of the tarball into
 * an empty project, then the command through `npx` and the README's library example, on a Node the
 * package accepts. Also what the tarball carries: the license it declares, source maps with their
 * sources, every file package.json names, and no script npm would run on users' machines.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import { envWithNode, finish, type PackedInstall, packAndInstall, REPO, succeed } from './packed-install.ts';

const sha256 = (bytes: Buffer | string): string =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** The code of the README's library example (section "The library"). */
async function readmeExample(): Promise<string> {
  const readme = await readFile(join(REPO, 'README.md'), 'utf8');
  const block = /## The library\s+```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block !== undefined, 'README.md has a ts block under "## The library"');
  return block;
}

/** The lifecycle scripts npm runs in a package it installs (for a git or folder dependency, `prepare` too). */
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];

describe('the packed package, installed into an empty project', () => {
  const makeDir = suiteScratch(after, 'ocikit-packaging-');
  let packed: PackedInstall;
  let registry: RunningRegistry;
  /** The environment of a user whose `node` is the Node 24 this checkout runs on. */
  let env: NodeJS.ProcessEnv;
  /** `npx ocikit ...` in the project; `--no`: the installed command or nothing, never a download. */
  const npxOcikit = (...args: string[]) =>
    succeed('npx', ['--no', '--', 'ocikit', ...args], { cwd: packed.project, env });

  before(async () => {
    packed = await packAndInstall(await makeDir());
    env = envWithNode(dirname(process.execPath));
    registry = await startRegistry();
    // An image for the README's example: `oci:./layout:app`, for linux/arm64, with an Env.
    await mkdir(join(packed.project, 'tree/etc'), { recursive: true });
    await writeFile(join(packed.project, 'tree/etc/hello'), 'hello from the packed package\n');
    await npxOcikit('append', 'scratch', './tree', '-t', 'oci:./layout:base');
    await npxOcikit(
      'mutate',
      'oci:./layout:base',
      '--set-platform',
      'linux/arm64',
      '--env',
      'GREETING=hello',
      '-t',
      'oci:./layout:app',
    );
  });
  after(() => registry?.stop());

  test('it carries the Apache-2.0 license it declares, the README, bin/ and dist/, and no sources or tests', async () => {
    assert.equal(packed.manifest.license, 'Apache-2.0');
    for (const file of ['LICENSE', 'README.md', 'package.json', 'bin/ocikit.js', 'dist/index.js']) {
      assert.ok(packed.files.includes(file), `${file} is in the tarball`);
    }
    const license = (await readFile(join(packed.project, 'node_modules/ocikit/LICENSE'), 'utf8'))
      .replace(/\s+/g, ' ')
      .trim();
    assert.ok(license.startsWith('Apache License Version 2.0, January 2004'), license.slice(0, 80));
    assert.ok(license.includes('TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION'));
    assert.ok(license.includes('END OF TERMS AND CONDITIONS'));
    assert.deepEqual(
      packed.files.filter((file) => /^(src|test|bench|scripts|examples)\//.test(file)),
      [],
    );
  });

  test('every file package.json names (bin, types, every export) is in the tarball', () => {
    const named = [
      ...Object.values(packed.manifest.bin ?? {}),
      ...(packed.manifest.types !== undefined ? [packed.manifest.types] : []),
      ...Object.values(packed.manifest.exports).flatMap((target) =>
        typeof target === 'string' ? [target] : Object.values(target),
      ),
    ].map((path) => path.replace(/^\.\//, ''));
    assert.ok(named.length > 20, `package.json names ${named.length} files`);
    assert.deepEqual(
      named.filter((path) => !packed.files.includes(path)),
      [],
    );
  });

  test('every source map carries the sources it maps (sourcesContent)', async () => {
    const maps = packed.files.filter((file) => file.endsWith('.map'));
    assert.ok(maps.length > 0);
    for (const map of maps) {
      const parsed = JSON.parse(await readFile(join(packed.project, 'node_modules/ocikit', map), 'utf8')) as {
        sources: string[];
        sourcesContent?: (string | null)[];
      };
      assert.equal(parsed.sourcesContent?.length, parsed.sources.length, `${map}: sourcesContent`);
      assert.ok(
        parsed.sourcesContent.every((content) => typeof content === 'string'),
        `${map}: every source's content`,
      );
    }
  });

  test('the published package.json has no script npm would run where the package is installed', () => {
    const scripts = Object.keys(packed.manifest.scripts ?? {});
    assert.deepEqual(
      scripts.filter((name) => INSTALL_SCRIPTS.includes(name)),
      [],
    );
  });

  test('npx ocikit runs the installed command: its version, and a layout it built, read as skopeo reads it', async () => {
    assert.equal((await npxOcikit('--version')).trim(), packed.manifest.version);
    const digest = (await npxOcikit('digest', 'oci:./layout:app')).trim();
    const raw = await succeed('skopeo', ['inspect', '--raw', `oci:${join(packed.project, 'layout')}:app`]);
    assert.equal(digest, sha256(raw));
    const summary = JSON.parse(await npxOcikit('inspect', '--json', 'oci:./layout:app'));
    assert.ok(summary.env.includes('GREETING=hello'), JSON.stringify(summary.env));
    assert.match(await npxOcikit('fsck', './layout'), /^ok/);
  });

  test("the README's library example runs against the installed package", async () => {
    const block = await readmeExample();
    assert.ok(block.includes("'localhost:5000/app:1'"), 'the README example pushes to localhost:5000/app:1');
    // The same program, pushing to this test's registry, and saying what it pushed.
    const program = `${block.replace("'localhost:5000/app:1'", `'${registry.host}/app:1'`)}
console.log(JSON.stringify({ reference }));
`;
    await writeFile(join(packed.project, 'example.mjs'), program);
    const out = await succeed(process.execPath, ['example.mjs'], { cwd: packed.project, env });
    const [envLine = '', referenceLine = ''] = out.trim().split('\n');
    assert.match(envLine, /GREETING=hello/);
    const digest = (await npxOcikit('digest', 'oci:./layout:app')).trim();
    assert.deepEqual(JSON.parse(referenceLine), { reference: `${registry.host}/app@${digest}` });
    assert.equal(
      await readFile(join(packed.project, 'bundle/rootfs/etc/hello'), 'utf8'),
      'hello from the packed package\n',
    );
    const bundleConfig = JSON.parse(await readFile(join(packed.project, 'bundle/config.json'), 'utf8'));
    assert.ok(bundleConfig.process.env.includes('GREETING=hello'));
    const pushed = await succeed('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${registry.host}/app:1`,
    ]);
    assert.equal(sha256(pushed), digest);
  });

  test("the README's library example type-checks against the package's declarations, strictly", async () => {
    const block = await readmeExample();
    const checked = join(packed.project, 'typed');
    await mkdir(checked);
    // A wrong use must fail, or the check proves nothing (an untyped import would be `any`).
    await writeFile(join(checked, 'example.ts'), block);
    await writeFile(join(checked, 'misuse.ts'), `${block}\nconst wrong: number = reference;\n`);
    const tsconfig = (file: string) => ({
      compilerOptions: {
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2024',
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: ['node'],
        typeRoots: [join(REPO, 'node_modules/@types')],
      },
      files: [file],
    });
    await writeFile(join(checked, 'tsconfig.json'), JSON.stringify(tsconfig('example.ts')));
    await writeFile(join(checked, 'tsconfig.misuse.json'), JSON.stringify(tsconfig('misuse.ts')));
    const tsc = join(REPO, 'node_modules/.bin/tsc');
    await succeed(tsc, ['-p', 'tsconfig.json'], { cwd: checked, env });
    const misuse = await finish(tsc, ['-p', 'tsconfig.misuse.json'], { cwd: checked, env });
    assert.match(misuse.stdout, /misuse\.ts.*error TS2322: Type 'string' is not assignable to type 'number'/);
  });
});
