/**
 * The base image of the buildah comparison: busybox with users and groups for `--chown` names,
 * a CMD and an Env to inherit, written as an OCI layout that both tools take as `FROM oci:DIR:TAG`.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeBusyboxRootfs } from '../helpers/busybox.ts';
import { ocikit } from '../helpers/cli.ts';

/** Users of the base's /etc/passwd (name → uid:gid). */
export const BASE_USERS = { root: '0:0', app: '1000:1000', svc: '1500:1600' } as const;
/** Groups of the base's /etc/group (name → gid). */
export const BASE_GROUPS = { root: 0, app: 1000, svcgroup: 1600, extra: 2000 } as const;
/** What the base's config sets, which builds inherit. */
export const BASE_CMD = ['/bin/sh'];
export const BASE_ENV = [
  'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  'BASE_VAR=from-base',
];

async function ok(args: string[]): Promise<string> {
  const result = await ocikit(args);
  assert.equal(result.code, 0, `ocikit ${args.join(' ')} failed: ${result.stderr}`);
  return result.out;
}

/** Writes the base under `dir`; returns its `oci:` name and how many history entries it has. */
export async function makePeerBase(dir: string): Promise<{ name: string; history: number }> {
  const rootfs = join(dir, 'rootfs');
  await writeBusyboxRootfs(rootfs);
  await writeFile(
    join(rootfs, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nsvc:x:1500:1600:svc:/srv:/bin/sh\n',
  );
  await writeFile(join(rootfs, 'etc/group'), 'root:x:0:\napp:x:1000:\nsvcgroup:x:1600:\nextra:x:2000:app\n');
  const layout = join(dir, 'layout');
  await ok(['append', 'scratch', rootfs, '-t', `oci:${layout}:rootfs`, '--timestamp', '0']);
  const name = `oci:${layout}:busybox`;
  const mutate = ['mutate', `oci:${layout}:rootfs`, '-t', name, '--cmd', JSON.stringify(BASE_CMD)];
  for (const env of BASE_ENV) mutate.push('--env', env);
  await ok(mutate);
  const config = JSON.parse(await ok(['inspect', '--config', name])) as { history?: unknown[] };
  return { name, history: config.history?.length ?? 0 };
}
