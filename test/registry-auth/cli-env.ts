/**
 * What the CLI credential tests share: a home of their own (so no file of the machine is read),
 * auth files written where containers and Docker tools keep them, and an image pushed with
 * skopeo so the setup does not depend on the code under test.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { run } from '../helpers/exec.ts';
import { scratch } from '../helpers/tmp.ts';

/** An isolated home and the environment that points every credential lookup into it. */
export interface IsolatedHome {
  home: string;
  env: NodeJS.ProcessEnv;
  /** `$XDG_RUNTIME_DIR/containers/auth.json` */
  runtimeAuth: string;
  /** `~/.config/containers/auth.json` */
  configAuth: string;
  /** `~/.docker/config.json` */
  dockerConfig: string;
}

/** A fresh home with an existing `$XDG_RUNTIME_DIR`; `DOCKER_CONFIG`, `XDG_CONFIG_HOME` and `REGISTRY_AUTH_FILE` unset. */
export async function isolatedHome(t: Pick<TestContext, 'after'>): Promise<IsolatedHome> {
  const home = await scratch(t, 'ocikit-home-');
  const runtime = join(home, 'run');
  await mkdir(runtime, { recursive: true });
  return {
    home,
    env: {
      HOME: home,
      XDG_RUNTIME_DIR: runtime,
      XDG_CONFIG_HOME: '',
      DOCKER_CONFIG: '',
      REGISTRY_AUTH_FILE: '',
    },
    runtimeAuth: join(runtime, 'containers', 'auth.json'),
    configAuth: join(home, '.config', 'containers', 'auth.json'),
    dockerConfig: join(home, '.docker', 'config.json'),
  };
}

/** Writes an auth file (containers or Docker format: the same `auths` map) holding `user:password` for `host`. */
export async function writeAuthFile(
  path: string,
  host: string,
  user: string,
  password: string,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const auth = Buffer.from(`${user}:${password}`).toString('base64');
  await writeFile(path, JSON.stringify({ auths: { [host]: { auth } } }), { mode: 0o600 });
}

/** Builds `oci:DIR/layout:img` (one small layer) with the CLI; returns the image name. */
export async function buildImage(dir: string): Promise<string> {
  const tree = join(dir, 'tree');
  await mkdir(tree, { recursive: true });
  await writeFile(join(tree, 'hello.txt'), `hello ${dir}\n`);
  const name = `oci:${join(dir, 'layout')}:img`;
  const built = await ocikit(['append', 'scratch', tree, '-t', name]);
  if (built.code !== 0) throw new Error(`ocikit append failed: ${built.stderr}`);
  return name;
}

/** Pushes `image` to `docker://target` with skopeo (plain HTTP, `user:password` when given). */
export async function skopeoPush(image: string, target: string, creds?: string): Promise<void> {
  await run('skopeo', [
    'copy',
    '-q',
    '--dest-tls-verify=false',
    ...(creds ? ['--dest-creds', creds] : []),
    image,
    `docker://${target}`,
  ]);
}
