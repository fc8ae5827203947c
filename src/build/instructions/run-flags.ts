/**
 * The flags of RUN (Dockerfile reference, "RUN --mount", "RUN --network", "RUN --security"), read
 * as BuildKit's frontend reads them: `--network=default|none|host`; `--mount` as comma-separated
 * `key=value` fields (a CSV record, so a field may be quoted), `type` defaulting to `bind`,
 * `target` (also `dst`, `destination`) made absolute against WORKDIR, `source` (`src`), `from`,
 * `readonly`/`ro` and `rw`/`readwrite` (bare or `=true|false`), `size` for tmpfs, `id`,
 * `sharing`, `mode`, `uid`, `gid` for cache mounts, `id`, `required`, `mode`, `uid`, `gid` for
 * secrets (target default `/run/secrets/ID`). Values are expanded with the stage's variables.
 * `bind`, `tmpfs`, `cache` and `secret` are supported; `ssh`, a writable bind, a cache seeded
 * `from` another stage and `--security=insecure` are refused with UNSUPPORTED.
 */
import { ErrorCode, OciError } from '../../errors/index.ts';
import { components } from '../path-components.ts';

/** One `--mount` as written, fields expanded. */
export type MountFlag =
  | {
      readonly type: 'bind';
      /** Absolute path in the container. */
      readonly target: string;
      /** Path in the context or the `from` stage or image (default its root). */
      readonly source: string;
      readonly from?: string;
      readonly readonly: boolean;
    }
  | { readonly type: 'tmpfs'; readonly target: string; readonly size?: number }
  | {
      readonly type: 'cache';
      readonly target: string;
      /** The cache's name (default: the target). */
      readonly id: string;
      readonly sharing: 'shared' | 'private' | 'locked';
      readonly readonly: boolean;
      /** Mode and owner of the cache directory when it is made (default 0755, 0:0). */
      readonly mode: number;
      readonly uid: number;
      readonly gid: number;
    }
  | {
      readonly type: 'secret';
      readonly target: string;
      readonly id: string;
      /** Fail when the build was given no secret of this id (default: skip the mount). */
      readonly required: boolean;
      /** Mode and owner of the secret file in the container (default 0400, 0:0). */
      readonly mode: number;
      readonly uid: number;
      readonly gid: number;
    };

/** The RUN flags that decide how the step runs. */
export interface RunFlags {
  /** Undefined for `default` or no flag: the build's own setting. */
  readonly network?: 'host' | 'none';
  readonly mounts: readonly MountFlag[];
}

const invalid = (message: string): OciError => new OciError(ErrorCode.INVALID_ARGUMENT, message);

/** The fields of a CSV record (`"a,b",c` → `a,b` and `c`; `""` inside quotes is one quote). */
function csvFields(text: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  if (quoted) throw invalid(`--mount: unterminated quote in ${JSON.stringify(text)}`);
  fields.push(field);
  return fields;
}

function parseBool(key: string, value: string | undefined): boolean {
  if (value === undefined) return true;
  const lower = value.toLowerCase();
  if (['1', 't', 'true'].includes(lower)) return true;
  if (['0', 'f', 'false'].includes(lower)) return false;
  throw invalid(`--mount: invalid value for ${key}: ${JSON.stringify(value)}`);
}

/** A size as BuildKit's tmpfs takes it: bytes, or a number with a k, m or g suffix (powers of 1024). */
function parseSize(value: string): number {
  const m = /^([0-9]+)([kmg]?)b?$/i.exec(value.trim());
  if (m === null) throw invalid(`--mount: invalid size ${JSON.stringify(value)}`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] as string).toLowerCase()] as number;
  return Number(m[1]) * unit;
}

/** One `--mount` value, its fields expanded by `expand` and its target resolved against `workdir`. */
export function parseMount(value: string, workdir: string, expand: (word: string) => string): MountFlag {
  let type = 'bind';
  let target: string | undefined;
  let source = '';
  let from: string | undefined;
  let readonly: boolean | undefined;
  let size: number | undefined;
  let id: string | undefined;
  let sharing = 'shared';
  let mode: number | undefined;
  let uid = 0;
  let gid = 0;
  let required = false;
  for (const field of csvFields(value)) {
    if (field === '') continue;
    const at = field.indexOf('=');
    const key = (at === -1 ? field : field.slice(0, at)).toLowerCase();
    const raw = at === -1 ? undefined : expand(field.slice(at + 1));
    const need = (): string => {
      if (raw === undefined) throw invalid(`--mount: ${key} needs a value`);
      return raw;
    };
    switch (key) {
      case 'type':
        type = need().toLowerCase();
        break;
      case 'target':
      case 'dst':
      case 'destination':
        target = need();
        break;
      case 'source':
      case 'src':
        source = need();
        break;
      case 'from':
        from = need();
        break;
      case 'readonly':
      case 'ro':
        readonly = parseBool(key, raw);
        break;
      case 'readwrite':
      case 'rw':
        readonly = !parseBool(key, raw);
        break;
      case 'size':
        size = parseSize(need());
        break;
      case 'id':
        id = need();
        break;
      case 'sharing':
        sharing = need().toLowerCase();
        if (!['shared', 'private', 'locked'].includes(sharing))
          throw invalid(`--mount: unrecognized sharing mode ${JSON.stringify(sharing)}`);
        break;
      case 'mode':
        if (!/^[0-7]{1,4}$/.test(need())) throw invalid(`--mount: invalid mode ${JSON.stringify(raw)}`);
        mode = Number.parseInt(need(), 8);
        break;
      case 'uid':
      case 'gid': {
        const n = need();
        if (!/^[0-9]{1,10}$/.test(n) || Number(n) > 0xffffffff)
          throw invalid(`--mount: invalid ${key} ${JSON.stringify(n)}`);
        if (key === 'uid') uid = Number(n);
        else gid = Number(n);
        break;
      }
      case 'required':
        required = parseBool(key, raw);
        break;
      case 'env':
        throw new OciError(ErrorCode.UNSUPPORTED, 'RUN --mount=type=secret,env= is not supported yet');
      default:
        throw invalid(`--mount: unexpected key ${JSON.stringify(key)} in ${JSON.stringify(field)}`);
    }
  }
  if (type === 'ssh') throw new OciError(ErrorCode.UNSUPPORTED, 'RUN --mount=type=ssh is not supported yet');
  if (!['bind', 'tmpfs', 'cache', 'secret'].includes(type))
    throw invalid(`--mount: unsupported mount type ${JSON.stringify(type)}`);
  if (type === 'secret') {
    if (id === undefined && target !== undefined) id = target.slice(target.lastIndexOf('/') + 1);
    if (id === undefined || id === '') throw invalid('--mount: a secret needs an id or a target');
    target ??= `/run/secrets/${id}`;
  }
  if (target === undefined || target === '') throw invalid('--mount: target is required');
  const absolute = `/${components(target.startsWith('/') ? target : `${workdir}/${target}`).join('/')}`;
  if (absolute === '/') throw invalid('--mount: cannot mount over the root directory');
  if (type === 'secret') {
    return { type: 'secret', target: absolute, id: id as string, required, mode: mode ?? 0o400, uid, gid };
  }
  if (type === 'cache') {
    if (from !== undefined || source !== '')
      throw new OciError(
        ErrorCode.UNSUPPORTED,
        'RUN --mount=type=cache with from or source is not supported yet',
      );
    return {
      type: 'cache',
      target: absolute,
      id: id ?? absolute,
      sharing: sharing as 'shared' | 'private' | 'locked',
      readonly: readonly === true,
      mode: mode ?? 0o755,
      uid,
      gid,
    };
  }
  if (type === 'tmpfs') {
    if (from !== undefined || source !== '') throw invalid('--mount: a tmpfs mount takes no source or from');
    return { type: 'tmpfs', target: absolute, ...(size !== undefined ? { size } : {}) };
  }
  if (readonly === false) {
    throw new OciError(ErrorCode.UNSUPPORTED, 'RUN --mount=type=bind,rw is not supported yet');
  }
  return { type: 'bind', target: absolute, source, ...(from !== undefined ? { from } : {}), readonly: true };
}

/**
 * The RUN flags of an instruction (as written, `--name=value`), expanded with `expand`; mount
 * targets resolve against `workdir`. INVALID_ARGUMENT for a bad value, UNSUPPORTED for what this
 * build does not do yet.
 */
export function parseRunFlags(
  flags: readonly string[],
  workdir: string,
  expand: (word: string) => string,
): RunFlags {
  let network: 'host' | 'none' | undefined;
  const mounts: MountFlag[] = [];
  for (const flag of flags) {
    const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(flag);
    if (m === null) throw invalid(`invalid RUN flag ${JSON.stringify(flag)}`);
    const [, name, value = ''] = m as unknown as [string, string, string | undefined];
    if (name === 'network') {
      const mode = expand(value);
      if (mode === 'default') network = undefined;
      else if (mode === 'host' || mode === 'none') network = mode;
      else throw invalid(`unsupported network mode ${JSON.stringify(mode)}`);
    } else if (name === 'mount') {
      mounts.push(parseMount(value, workdir, expand));
    } else if (name === 'security') {
      const mode = expand(value);
      if (mode === 'insecure')
        throw new OciError(ErrorCode.UNSUPPORTED, 'RUN --security=insecure is not supported');
      if (mode !== 'sandbox') throw invalid(`unsupported security mode ${JSON.stringify(mode)}`);
    } else {
      throw invalid(`unknown flag: --${name}`);
    }
  }
  return { network, mounts };
}
