/**
 * The package as its users get it, for the packaging and Node-version tests: `npm pack` of a copy
 * of this checkout (its `prepack` build writes the copy's dist/, never the working tree's, whose
 * command other tests may be running), then `npm install` of the tarball into an empty project.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join, resolve } from 'node:path';

/** The root of this checkout. */
export const REPO = resolve(import.meta.dirname, '../..');

/** What the checkout's `npm pack` needs: what a fresh clone has, less the tests and tools. */
const PACKED_FROM = ['package.json', 'README.md', 'LICENSE', 'tsconfig.json', 'tsconfig.build.json'];
const PACKED_FROM_DIRS = ['bin', 'src', 'scripts'];

/** The fields of the packed package.json the tests read. */
export interface PackedManifest {
  name: string;
  version: string;
  license?: string;
  engines?: { node?: string };
  bin?: Record<string, string>;
  types?: string;
  exports: Record<string, string | Record<string, string>>;
  scripts?: Record<string, string>;
}

/** What {@link packAndInstall} made. */
export interface PackedInstall {
  /** The tarball `npm pack` wrote. */
  tarball: string;
  /** Every file in the tarball, relative to its `package/` folder. */
  files: string[];
  /** The package.json inside the tarball. */
  manifest: PackedManifest;
  /** The empty project the tarball was installed into (`npm install TARBALL`). */
  project: string;
}

/** A finished child process: exit code and output (a non-zero exit does not reject). */
export interface Finished {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `file args` to the end. */
export function finish(
  file: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Finished> {
  return new Promise((resolvePromise, reject) => {
    execFile(file, args, { ...options, maxBuffer: 64 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = (err as { code?: unknown } | null)?.code;
      if (err !== null && typeof code !== 'number') reject(err);
      else resolvePromise({ code: typeof code === 'number' ? code : 0, stdout, stderr });
    });
  });
}

/** Like {@link finish}, but fails unless the exit code is 0. */
export async function succeed(
  file: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  const result = await finish(file, args, options);
  if (result.code !== 0) {
    throw new Error(`${file} ${args.join(' ')} exited with ${result.code}: ${result.stderr}${result.stdout}`);
  }
  return result.stdout;
}

// What npm hands to the scripts it runs (when the tests run from `npm test`) would steer the
// nested npm to this checkout; only where npm keeps its cache and settings carries over.
const NPM_SETTINGS = new Set([
  'npm_config_cache',
  'npm_config_userconfig',
  'npm_config_globalconfig',
  'npm_config_registry',
  'npm_config_cafile',
]);

/**
 * The environment for npm and the installed command: `node` on PATH is the one in `nodeDir`, and
 * nothing of a calling npm's run-time settings is left but its cache and config files.
 */
export function envWithNode(nodeDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) && !NPM_SETTINGS.has(key.toLowerCase())) continue;
    if (key === 'INIT_CWD' || key === 'NODE') continue;
    env[key] = value;
  }
  env.PATH = [nodeDir, process.env.PATH ?? ''].join(delimiter);
  env.npm_config_update_notifier = 'false';
  return env;
}

/** Packs a copy of this checkout into `dir` and installs the tarball into `dir`/project. */
export async function packAndInstall(dir: string): Promise<PackedInstall> {
  const checkout = join(dir, 'checkout');
  await mkdir(checkout);
  for (const name of PACKED_FROM) {
    if (existsSync(join(REPO, name))) await cp(join(REPO, name), join(checkout, name));
  }
  for (const name of PACKED_FROM_DIRS) await cp(join(REPO, name), join(checkout, name), { recursive: true });
  await symlink(join(REPO, 'node_modules'), join(checkout, 'node_modules'));
  // npm itself may run on any Node; the build that `prepack` runs uses the checkout's Node 24.
  const env = envWithNode(dirname(process.execPath));
  await succeed('npm', ['pack', '--pack-destination', dir, '--no-audit', '--no-fund'], {
    cwd: checkout,
    env,
  });
  const tarballs = (await readdir(dir)).filter((name) => name.endsWith('.tgz'));
  if (tarballs.length !== 1) throw new Error(`npm pack wrote ${tarballs.join(', ') || 'no tarball'}`);
  const tarball = join(dir, tarballs[0] as string);
  const files = (await succeed('tar', ['-tzf', tarball]))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.replace(/^package\//, ''));
  const manifest = JSON.parse(
    await succeed('tar', ['-xzOf', tarball, 'package/package.json']),
  ) as PackedManifest;

  const project = join(dir, 'project');
  await mkdir(project);
  await writeFile(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'packed-install-check', private: true, type: 'module' }, null, 2)}\n`,
  );
  // The dependencies come from npm's cache when it has them (a fresh machine's `npm install` of
  // this checkout filled it), from the registry otherwise.
  await succeed('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], {
    cwd: project,
    env,
  });
  return { tarball, files, manifest, project };
}
