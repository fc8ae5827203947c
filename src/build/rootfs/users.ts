/**
 * Owners for `COPY --chown` and for the directories WORKDIR creates, resolved as BuildKit's file
 * operations do: a numeric user is that uid with the same gid, a name is looked up in the stage's
 * own /etc/passwd (uid and primary gid), a group given after `:` overrides the gid (a name looked
 * up in /etc/group). The files are read from the stage's layers.
 */
import { parseGroup, parsePasswd } from '../../bundle/user.ts';
import { ErrorCode, OciError } from '../../errors/index.ts';
import type { OperationOptions } from '../../image/types.ts';
import type { StageFs } from './stage-fs.ts';

/** Numeric owner of new files. */
export interface Owner {
  readonly uid: number;
  readonly gid: number;
}

const NUMERIC = /^[0-9]+$/;
const MAX_ID = 0xffffffff;

function numericId(value: string, what: string): number {
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id > MAX_ID) {
    throw new OciError(ErrorCode.INVALID_ARGUMENT, `${what} ${value} is out of range`, {
      data: { [what]: value },
    });
  }
  return id;
}

/** True when the spec needs the stage's passwd or group file (a name rather than numbers). */
export function needsLookup(spec: string): boolean {
  return spec.split(':').some((part) => part !== '' && !NUMERIC.test(part));
}

/**
 * Resolves `user[:group]` against the stage's files. An unknown name fails with INVALID_ARGUMENT
 * (`unable to find user NAME`), unless `lenient`, where it counts as 0 as BuildKit's WORKDIR does.
 */
export async function resolveOwner(
  spec: string,
  fs: StageFs,
  options: OperationOptions & { lenient?: boolean } = {},
): Promise<Owner> {
  const colon = spec.indexOf(':');
  const userPart = colon === -1 ? spec : spec.slice(0, colon);
  const groupPart = colon === -1 ? undefined : spec.slice(colon + 1);
  if (userPart === '') throw new OciError(ErrorCode.INVALID_ARGUMENT, `invalid user ${JSON.stringify(spec)}`);
  let uid = 0;
  let gid = 0;
  if (NUMERIC.test(userPart)) {
    uid = numericId(userPart, 'uid');
    gid = uid;
  } else {
    const text = (await fs.readFile('/etc/passwd', options))?.toString('utf8') ?? '';
    const entry = parsePasswd(text).find((p) => p.name === userPart);
    if (entry === undefined) {
      if (!options.lenient) {
        throw new OciError(
          ErrorCode.INVALID_ARGUMENT,
          `unable to find user ${userPart}: no matching entries in passwd file`,
          { data: { user: userPart } },
        );
      }
    } else {
      uid = numericId(entry.uid, 'uid');
      gid = numericId(entry.gid, 'gid');
    }
  }
  if (groupPart !== undefined && groupPart !== '') {
    if (NUMERIC.test(groupPart)) gid = numericId(groupPart, 'gid');
    else {
      const text = (await fs.readFile('/etc/group', options))?.toString('utf8') ?? '';
      const group = parseGroup(text).find((g) => g.name === groupPart);
      if (group === undefined) {
        if (!options.lenient) {
          throw new OciError(
            ErrorCode.INVALID_ARGUMENT,
            `unable to find group ${groupPart}: no matching entries in group file`,
            { data: { group: groupPart } },
          );
        }
      } else gid = numericId(group.gid, 'gid');
    }
  }
  return { uid, gid };
}
