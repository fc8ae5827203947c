/**
 * The identity a RUN step runs as, from USER and the stage's own /etc/passwd and /etc/group, the
 * way BuildKit's executor resolves it (through libcontainer's rules):
 * - `uid:gid` with both numeric (or `root`): taken as they are, no file read, no supplementary groups;
 * - otherwise the user part is a name or a uid looked up in /etc/passwd (first match wins); a
 *   name that is not there fails, a uid that is not there runs with gid 0;
 * - a group part (name or gid) sets the gid, a name looked up in /etc/group (a missing name
 *   fails); without one, the groups listing the user's name are its supplementary groups.
 * A missing passwd or group file counts as empty.
 */
import { parseGroup, parsePasswd } from '../../bundle/user.ts';
import { ErrorCode, isOciError, OciError } from '../../errors/index.ts';
import { readFileInRoot } from '../../tar/index.ts';

/** The runtime-spec `process.user` of a step. */
export interface StepUser {
  uid: number;
  gid: number;
  additionalGids: number[];
}

/** BuildKit's limit on passwd and group files. */
const MAX_FILE = 10 << 20;
const MAX_ID = 0xffffffff;

/** A numeric id (or `root`), or undefined when `text` is not one. Out-of-range numbers fail. */
function numericId(text: string): number | undefined {
  if (text === 'root') return 0;
  if (!/^[0-9]+$/.test(text)) return undefined;
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id > MAX_ID) {
    throw new OciError(ErrorCode.INVALID_ARGUMENT, `user id ${text} is out of range`, { data: { id: text } });
  }
  return id;
}

async function readOptional(root: string, path: string): Promise<string> {
  try {
    return (await readFileInRoot(root, path, MAX_FILE)).toString('utf8');
  } catch (err) {
    if (isOciError(err, ErrorCode.NOT_FOUND)) return '';
    throw err;
  }
}

/** Resolves `spec` (USER's value) against the files of the root filesystem at `root`. */
export async function resolveStepUser(spec: string | undefined, root: string): Promise<StepUser> {
  const value = spec ?? '';
  if (value === '') return { uid: 0, gid: 0, additionalGids: [] };
  const colon = value.indexOf(':');
  const userPart = colon === -1 ? value : value.slice(0, colon);
  const groupPart = colon === -1 ? '' : value.slice(colon + 1);
  if (colon !== -1) {
    // Strict numbers only here: 'root' counts, a name sends it to the files.
    const uid = /^[0-9]+$/.test(userPart) || userPart === 'root' ? numericId(userPart) : undefined;
    const gid = /^[0-9]+$/.test(groupPart) || groupPart === 'root' ? numericId(groupPart) : undefined;
    if (uid !== undefined && gid !== undefined) return { uid, gid, additionalGids: [] };
  }

  const passwd = parsePasswd(await readOptional(root, 'etc/passwd'));
  const uidArg = /^[0-9]+$/.test(userPart) ? numericId(userPart) : undefined;
  const entry = passwd.find((p) =>
    userPart === ''
      ? Number(p.uid) === 0
      : uidArg !== undefined
        ? Number(p.uid) === uidArg
        : p.name === userPart,
  );
  let uid = 0;
  let gid = 0;
  let name: string | undefined;
  if (entry !== undefined) {
    uid = Number(entry.uid);
    gid = Number(entry.gid);
    name = entry.name;
    if (uid > MAX_ID || gid > MAX_ID) {
      throw new OciError(
        ErrorCode.INVALID_ARGUMENT,
        `user ${entry.name} has an id out of range in /etc/passwd`,
      );
    }
  } else if (uidArg !== undefined) {
    uid = uidArg;
  } else if (userPart !== '') {
    throw new OciError(
      ErrorCode.INVALID_ARGUMENT,
      `unable to find user ${userPart}: no matching entries in passwd file`,
      { data: { user: userPart } },
    );
  }

  if (groupPart === '' && name === undefined) return { uid, gid, additionalGids: [] };
  const groups = parseGroup(await readOptional(root, 'etc/group'));
  if (groupPart !== '') {
    const gidArg = /^[0-9]+$/.test(groupPart) ? numericId(groupPart) : undefined;
    const group = groups.find((g) =>
      gidArg !== undefined ? Number(g.gid) === gidArg : g.name === groupPart,
    );
    if (group !== undefined) return { uid, gid: Number(group.gid), additionalGids: [] };
    if (gidArg !== undefined) return { uid, gid: gidArg, additionalGids: [] };
    throw new OciError(
      ErrorCode.INVALID_ARGUMENT,
      `unable to find group ${groupPart}: no matching entries in group file`,
      { data: { group: groupPart } },
    );
  }
  const member = name as string;
  const additionalGids = groups
    .filter((g) => g.members.includes(member))
    .map((g) => Number(g.gid))
    .filter((g) => g <= MAX_ID);
  return { uid, gid, additionalGids };
}
