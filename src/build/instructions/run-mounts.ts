/**
 * `RUN --mount` resolved to what the step mounts (src/build/run's RunMount) and to an identity
 * for the step's cache key (Dockerfile reference, "RUN --mount"): a tmpfs by its target and size;
 * a bind of the build context by what it binds (COPY's fingerprint, times included, since the
 * step sees them); a bind of a stage by that stage's cache key, of an image by its digest. Sources
 * resolve inside their root (symlinks confined to it, .dockerignore honoured for the path
 * named; a directory of the context with ignore patterns is bound as a copy of what they leave
 * visible); bind mounts are read-only. A cache mount is keyed by its settings, never its content
 * (its directory is taken only when the step runs, run/cache-mounts.ts); a secret by its id and
 * target only: its bytes are copied, with the mount's mode and owner, to a private file of the
 * build for the step's run alone, and reach no key, layer or history.
 */
import { constants, lstatSync } from 'node:fs';
import {
  chmod,
  chown,
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  readlink,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, OciError } from '../../errors/index.ts';
import { absolute, resolveIn, type SourceRoot } from '../context/root.ts';
import { walkContents } from '../context/walk.ts';
import { fingerprintSources } from '../copy/fingerprint.ts';
import type { Instruction } from '../dockerfile/types.ts';
import { cacheMountsAt } from '../run/cache-mounts.ts';
import type { RunMount } from '../run/index.ts';
import { chownInNamespace } from '../run/rootless/unshare.ts';
import type { PlatformRun } from '../session.ts';
import type { StageState } from '../stage/state.ts';
import { fromRoot } from './from-root.ts';
import type { MountFlag } from './run-flags.ts';

/** A mount ready for one run of the step; `release` gives back what it held. */
export interface PreparedMount {
  readonly mount: RunMount;
  release(): Promise<void>;
}

/** A mount of the step: what identifies it in the cache key, and how to set it up when the step runs. */
export interface ResolvedMount {
  readonly identity: unknown;
  /** Undefined for a mount left out (a secret the build was not given and the step does not require). */
  prepare(): Promise<PreparedMount | undefined>;
}

/** A mount that holds nothing. */
function fixed(mount: RunMount): () => Promise<PreparedMount> {
  return async () => ({ mount, release: async () => {} });
}

/** The root a bind mount reads from, and the identity of that root (undefined: fingerprint the content). */
async function bindRoot(
  run: PlatformRun,
  state: StageState,
  ins: Extract<Instruction, { kind: 'RUN' }>,
  from: string | undefined,
): Promise<{ root: SourceRoot; identity?: string }> {
  const { session } = run;
  if (from === undefined) return { root: session.context };
  const found = await fromRoot(run, state, from, ins);
  return { root: await found.root(), identity: found.identity };
}

/** Resolves one bind mount; NOT_FOUND when its source does not exist in its root. */
async function resolveBind(
  run: PlatformRun,
  state: StageState,
  ins: Extract<Instruction, { kind: 'RUN' }>,
  flag: Extract<MountFlag, { type: 'bind' }>,
): Promise<ResolvedMount> {
  const { root, identity } = await bindRoot(run, state, ins, flag.from);
  const found = resolveIn(root, flag.source);
  if (found.stats === undefined) {
    throw new OciError(
      ErrorCode.NOT_FOUND,
      `--mount: ${JSON.stringify(flag.source)} not found in the ${root.label}`,
      { data: { source: flag.source, root: root.label } },
    );
  }
  const content =
    identity ??
    fingerprintSources(
      [{ kind: 'path', root, path: found.path, stats: found.stats, name: '', filter: {} }],
      undefined,
    );
  const source = absolute(root, found.path);
  const mount = (dir: string): RunMount => ({
    type: 'bind',
    source: dir,
    destination: flag.target,
    readonly: true,
  });
  if (root.ignore === undefined || !found.stats.isDirectory()) {
    return { identity: ['bind', flag.target, found.path, content], prepare: fixed(mount(source)) };
  }
  return {
    identity: ['bind', flag.target, found.path, content],
    prepare: async () => {
      const dir = await mkdtemp(join(run.session.scratchDir, 'bind-'));
      try {
        await copyVisible(root, found.path, dir);
      } catch (err) {
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
      return { mount: mount(dir), release: () => rm(dir, { recursive: true, force: true }) };
    },
  };
}

/**
 * Copies what .dockerignore leaves visible of directory `path` of `root` into `dir` (files,
 * directories and symlinks with their modes; what the context cannot hold, such as fifos, is
 * left out), so a bind mount of the context shows what BuildKit's filtered context would.
 */
async function copyVisible(root: SourceRoot, path: string, dir: string): Promise<void> {
  const modeOf = (rel: string): number =>
    Number(lstatSync(absolute(root, [path, rel].filter((p) => p !== '').join('/'))).mode) & 0o7777;
  await chmod(dir, modeOf(''));
  const made = new Set<string>(['']);
  const parentOf = (rel: string): string => (rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '');
  const ensureDir = async (rel: string): Promise<void> => {
    if (made.has(rel)) return;
    await ensureDir(parentOf(rel));
    await mkdir(join(dir, rel));
    await chmod(join(dir, rel), modeOf(rel));
    made.add(rel);
  };
  for (const entry of walkContents(root, path)) {
    if (!entry.taken) continue;
    const target = join(dir, entry.rel);
    if (entry.stats.isDirectory()) await ensureDir(entry.rel);
    else if (entry.stats.isFile()) {
      await ensureDir(parentOf(entry.rel));
      await copyFile(entry.abs, target, constants.COPYFILE_FICLONE);
      await chmod(target, Number(entry.stats.mode) & 0o7777);
    } else if (entry.stats.isSymbolicLink()) {
      await ensureDir(parentOf(entry.rel));
      await symlink(await readlink(entry.abs), target);
    }
  }
}

/** The secret's bytes for this build, or undefined when it was given none of that id. */
async function secretBytes(run: PlatformRun, id: string): Promise<Buffer | undefined> {
  const source = run.session.secrets?.get(id);
  if (source === undefined) return undefined;
  if ('env' in source) {
    const value = process.env[source.env];
    if (value === undefined) {
      throw new OciError(ErrorCode.NOT_FOUND, `secret ${id}: the variable ${source.env} is not set`, {
        data: { secret: id },
      });
    }
    return Buffer.from(value, 'utf8');
  }
  try {
    return await readFile(source.file);
  } catch (err) {
    throw new OciError(
      ErrorCode.NOT_FOUND,
      `secret ${id}: cannot read ${source.file}: ${(err as Error).message}`,
      {
        data: { secret: id },
        cause: err,
      },
    );
  }
}

/** Copies a secret to a private file with the mount's mode and owner; removed on release. */
async function prepareSecret(
  run: PlatformRun,
  flag: Extract<MountFlag, { type: 'secret' }>,
): Promise<PreparedMount | undefined> {
  const bytes = await secretBytes(run, flag.id);
  if (bytes === undefined) {
    if (!flag.required) return undefined;
    throw new OciError(
      ErrorCode.NOT_FOUND,
      `secret ${flag.id}: not found (give it with --secret id=${flag.id},src=FILE)`,
      { data: { secret: flag.id } },
    );
  }
  const dir = await mkdtemp(join(run.session.scratchDir, 'secret-'));
  try {
    const file = join(dir, 'secret');
    await writeFile(file, bytes, { mode: 0o600 });
    await chmod(file, flag.mode);
    // Not root: the owner is the container's, given inside the user namespace the step runs in.
    if (typeof process.getuid === 'function' && process.getuid() !== 0)
      chownInNamespace(file, flag.uid, flag.gid);
    else await chown(file, flag.uid, flag.gid);
    return {
      mount: { type: 'bind', source: file, destination: flag.target, readonly: true },
      release: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** The step's mounts, in the order written. */
export async function resolveMounts(
  run: PlatformRun,
  state: StageState,
  ins: Extract<Instruction, { kind: 'RUN' }>,
  flags: readonly MountFlag[],
): Promise<ResolvedMount[]> {
  const out: ResolvedMount[] = [];
  for (const flag of flags) {
    if (flag.type === 'tmpfs') {
      out.push({
        identity: ['tmpfs', flag.target, flag.size ?? null],
        prepare: fixed({
          type: 'tmpfs',
          destination: flag.target,
          ...(flag.size !== undefined ? { size: flag.size } : {}),
        }),
      });
    } else if (flag.type === 'cache') {
      const { target, id, sharing, readonly, mode, uid, gid } = flag;
      out.push({
        identity: ['cache', target, id, sharing, readonly, mode, uid, gid],
        prepare: async () => {
          const held = await cacheMountsAt(join(run.session.cache.dir, 'run', 'mounts')).acquire(flag);
          return {
            mount: { type: 'bind', source: held.dir, destination: target, readonly },
            release: async () => held.release(),
          };
        },
      });
    } else if (flag.type === 'secret') {
      out.push({
        identity: ['secret', flag.target, flag.id, flag.required, flag.mode, flag.uid, flag.gid],
        prepare: () => prepareSecret(run, flag),
      });
    } else out.push(await resolveBind(run, state, ins, flag));
  }
  return out;
}
