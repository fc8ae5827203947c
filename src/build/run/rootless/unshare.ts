/**
 * util-linux `unshare` arguments for a user namespace with given mappings, and the one thing the
 * building user cannot do outside it: give a file an owner from its subordinate range (as
 * shadow-utils' newuidmap lets `unshare` install the mapping).
 */
import { spawnSync } from 'node:child_process';
import { ErrorCode, OciError } from '../../../errors/index.ts';
import { type IdMappings, rootlessMappings } from './id-ranges.ts';

/**
 * `unshare` arguments (user and mount namespaces) for `mappings`, which must map the building
 * user (and its group) to 0, then at most one subordinate range each; INVALID_ARGUMENT otherwise.
 */
export function unshareArgs(mappings: IdMappings): string[] {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const [uidRoot, ...uidRest] = mappings.uid;
  const [gidRoot, ...gidRest] = mappings.gid;
  if (
    uidRoot?.containerID !== 0 ||
    uidRoot.hostID !== uid ||
    uidRoot.size !== 1 ||
    gidRoot?.containerID !== 0 ||
    gidRoot.hostID !== gid ||
    gidRoot.size !== 1 ||
    uidRest.length > 1 ||
    gidRest.length > 1
  ) {
    throw new OciError(
      ErrorCode.INVALID_ARGUMENT,
      'rootless id mappings must map the building user to 0, then at most one subordinate range',
    );
  }
  const args = ['--user', '--mount', '--map-root-user'];
  for (const m of uidRest) args.push(`--map-users=${m.hostID},${m.containerID},${m.size}`);
  for (const m of gidRest) args.push(`--map-groups=${m.hostID},${m.containerID},${m.size}`);
  return args;
}

/**
 * Gives `path` the container owner `uid:gid` (ids as seen inside the namespace of the user's
 * subordinate ranges), by running `chown` in such a namespace. UNSUPPORTED when the user has no
 * subordinate ids, IO_ERROR when the chown fails.
 */
export function chownInNamespace(path: string, uid: number, gid: number): void {
  if (uid === 0 && gid === 0) return;
  const args = unshareArgs(rootlessMappings());
  const done = spawnSync('unshare', [...args, '--', 'chown', '-h', `${uid}:${gid}`, '--', path], {
    encoding: 'utf8',
  });
  if (done.status !== 0) {
    throw new OciError(
      ErrorCode.IO_ERROR,
      `cannot give ${path} the owner ${uid}:${gid} in the user namespace: ${(done.stderr ?? done.error?.message ?? '').trim()}`,
      { data: { path, uid, gid } },
    );
  }
}
