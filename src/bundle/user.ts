/**
 * Resolving `Config.User` into numeric ids in the container's context (conversion.md "Parsed
 * Fields"): numeric values are copied verbatim, names are looked up in the rootfs's /etc/passwd
 * and /etc/group, and an unknown user is an error.
 */
import { ErrorCode, OciError } from '../errors/index.ts';

/** The runtime-spec `process.user` fields. */
export interface ProcessUser {
  uid: number;
  gid: number;
  additionalGids?: number[];
  umask?: number;
}

/** A passwd line; ids stay text until used, so an odd line elsewhere in the file is harmless. */
interface PasswdEntry {
  name: string;
  uid: string;
  gid: string;
}

/** A group line; the gid stays text until used. */
interface GroupEntry {
  name: string;
  gid: string;
  members: string[];
}

const NUMERIC = /^[0-9]+$/;
const MAX_ID = 0xffffffff;

/** A numeric id from the image, refused unless it fits a 32-bit uid_t/gid_t (a runtime truncating 2^32 would give root). */
function parseId(value: string, what: string): number {
  const id = Number(value);
  if (!NUMERIC.test(value) || !Number.isSafeInteger(id) || id > MAX_ID) {
    throw new OciError(ErrorCode.INVALID_DOCUMENT, `config.User: ${what} ${value} is out of range`);
  }
  return id;
}

/** Parses /etc/passwd text (name:password:uid:gid:gecos:home:shell), skipping malformed lines. */
export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields.length < 4 || line.startsWith('#')) continue;
    const [name, , uid, gid] = fields as [string, string, string, string];
    if (NUMERIC.test(uid) && NUMERIC.test(gid)) out.push({ name, uid, gid });
  }
  return out;
}

/** Parses /etc/group text (name:password:gid:member,member), skipping malformed lines. */
export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields.length < 3 || line.startsWith('#')) continue;
    const [name, , gid, members = ''] = fields as [string, string, string, string?];
    if (NUMERIC.test(gid)) out.push({ name, gid, members: members.split(',').filter(Boolean) });
  }
  return out;
}

/**
 * Resolves `user` (`user`, `uid`, `user:group`, `uid:gid`, `uid:group`, `user:gid`; config.md) with
 * the container's passwd and group files. Without a group, the user's primary group and its
 * supplementary groups apply; with a group, supplementary groups are not added (conversion.md).
 */
export function resolveUser(user: string | undefined, passwdText: string, groupText: string): ProcessUser {
  if (user === undefined || user === '') return { uid: 0, gid: 0 };
  const colon = user.indexOf(':');
  const userPart = colon === -1 ? user : user.slice(0, colon);
  const groupPart = colon === -1 ? undefined : user.slice(colon + 1);
  const passwd = parsePasswd(passwdText);
  const groups = parseGroup(groupText);

  let uid: number;
  let primaryGid: number | undefined;
  let userName: string | undefined;
  if (NUMERIC.test(userPart)) {
    uid = parseId(userPart, 'uid');
    const entry = passwd.find((p) => p.uid === userPart || Number(p.uid) === uid);
    primaryGid = entry === undefined ? undefined : parseId(entry.gid, `gid of ${entry.name}`);
    userName = entry?.name;
  } else {
    const entry = passwd.find((p) => p.name === userPart);
    if (!entry) {
      throw new OciError(
        ErrorCode.NOT_FOUND,
        `config.User: user ${JSON.stringify(userPart)} is not in the image's /etc/passwd`,
        {
          data: { user: userPart },
        },
      );
    }
    uid = parseId(entry.uid, `uid of ${entry.name}`);
    primaryGid = parseId(entry.gid, `gid of ${entry.name}`);
    userName = entry.name;
  }

  if (groupPart !== undefined && groupPart !== '') {
    if (NUMERIC.test(groupPart)) return { uid, gid: parseId(groupPart, 'gid') };
    const group = groups.find((g) => g.name === groupPart);
    if (!group) {
      throw new OciError(
        ErrorCode.NOT_FOUND,
        `config.User: group ${JSON.stringify(groupPart)} is not in the image's /etc/group`,
        {
          data: { group: groupPart },
        },
      );
    }
    return { uid, gid: parseId(group.gid, `gid of group ${group.name}`) };
  }

  const gid = primaryGid ?? 0;
  if (NUMERIC.test(userPart) || userName === undefined) return { uid, gid };
  const additional = groups
    .filter((g) => g.members.includes(userName))
    .map((g) => parseId(g.gid, `gid of group ${g.name}`))
    .filter((g) => g !== gid);
  return additional.length > 0 ? { uid, gid, additionalGids: [...new Set(additional)] } : { uid, gid };
}
