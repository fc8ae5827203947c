/**
 * The user namespace a rootless step runs in: the building user as root (container id 0), and
 * its subordinate ids (`/etc/subuid`, `/etc/subgid`, shadow-utils' `NAME:START:COUNT` lines,
 * matched by user name or numeric uid) as container ids 1 and up, the mapping podman and buildah
 * use. Installing a multi-range mapping needs the setuid helpers `newuidmap`/`newgidmap`.
 */
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { ErrorCode, OciError } from '../../../errors/index.ts';
import type { IdMapping } from '../types.ts';

/** The uid and gid mappings of a user namespace (runtime-spec `linux.uidMappings`/`gidMappings`). */
export interface IdMappings {
  readonly uid: readonly IdMapping[];
  readonly gid: readonly IdMapping[];
}

/** The first `NAME:START:COUNT` range of `text` for the user `name` or `id` (undefined when none). */
export function subordinateRange(
  text: string,
  name: string,
  id: number,
): { start: number; count: number } | undefined {
  for (const line of text.split('\n')) {
    const fields = line.trim().split(':');
    if (fields.length !== 3 || line.trim().startsWith('#')) continue;
    const [owner, start, count] = fields as [string, string, string];
    if (owner !== name && owner !== String(id)) continue;
    if (!/^[0-9]+$/.test(start) || !/^[0-9]+$/.test(count)) continue;
    const range = { start: Number(start), count: Number(count) };
    if (range.count > 0 && Number.isSafeInteger(range.start + range.count)) return range;
  }
  return undefined;
}

function readOptional(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * The mappings for the current (non-root) user: itself as 0, its first subordinate range as 1…N.
 * Fails with UNSUPPORTED, naming the files, when either file has no range for the user: a
 * single-id namespace cannot hold the other owners a layer may carry.
 */
export function rootlessMappings(files = { subuid: '/etc/subuid', subgid: '/etc/subgid' }): IdMappings {
  const info = userInfo();
  const uid = info.uid;
  const gid = info.gid;
  const subuid = subordinateRange(readOptional(files.subuid), info.username, uid);
  const subgid = subordinateRange(readOptional(files.subgid), info.username, uid);
  if (subuid === undefined || subgid === undefined) {
    throw new OciError(
      ErrorCode.UNSUPPORTED,
      `rootless RUN needs subordinate ids for user ${info.username}: add a range to ${subuid === undefined ? files.subuid : files.subgid} (e.g. ${info.username}:100000:65536), or build as root`,
      { data: { user: info.username, uid } },
    );
  }
  return {
    uid: [
      { containerID: 0, hostID: uid, size: 1 },
      { containerID: 1, hostID: subuid.start, size: subuid.count },
    ],
    gid: [
      { containerID: 0, hostID: gid, size: 1 },
      { containerID: 1, hostID: subgid.start, size: subgid.count },
    ],
  };
}
