/**
 * What a step needs whichever way its changes are captured: its command and files, the
 * generated /etc files, its mounts and the mount points they need, all under the step's scratch
 * folder; and the run itself, given the root filesystem it runs in.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, OciError } from '../../errors/index.ts';
import { type StepCommand, stepCommand } from './command.ts';
import { writeEtcFiles } from './container/etc-files.ts';
import { runContainer } from './container/run-container.ts';
import {
  type ContainerParts,
  containerMounts,
  mountDestination,
  mountPoints,
  type SpecMount,
  stepEnv,
} from './container/spec.ts';
import type { MountPoint } from './rootfs/stubs.ts';
import { ensureWorkdir } from './rootfs/workdir.ts';
import type { RunStepOptions } from './types.ts';
import { resolveStepUser, type StepUser } from './user.ts';

/** A step ready to run once a root filesystem is there. */
export interface PreparedStep {
  /** The step's scratch folder. */
  readonly dir: string;
  readonly command: StepCommand;
  readonly mounts: readonly SpecMount[];
  /** The mount points the root filesystem must offer (see rootfs/stubs.ts). */
  readonly points: readonly MountPoint[];
  readonly workdir: string;
  /**
   * Resolves the user in `rootfs`, creates the working directory, and returns the function that
   * runs the command there (COMMAND_FAILED on a non-zero exit).
   */
  enter(rootfs: string): Promise<{ user: StepUser; run: () => Promise<void> }>;
}

/** Prepares `options`'s step in the empty folder `dir`. */
export function prepareStep(options: RunStepOptions<unknown>, dir: string): PreparedStep {
  const command = stepCommand(options.command, options.heredocs, options.shell);
  const etcDir = join(dir, 'etc');
  mkdirSync(etcDir);
  const hostname = options.hostname ?? 'ocikit';
  const etc = writeEtcFiles(etcDir, {
    hostname,
    ...(options.extraHosts !== undefined ? { extraHosts: options.extraHosts } : {}),
    ...(options.resolvConf !== undefined ? { resolvConf: options.resolvConf } : {}),
  });
  const files = command.files.map((file, i) => {
    const source = join(dir, `file-${i}`);
    writeFileSync(source, file.content, { mode: file.mode });
    return { source, destination: file.destination };
  });
  const base = { etc, files, mounts: options.mounts ?? [] };
  const mounts = containerMounts(base);
  const points = mountPoints(mounts);
  const workdir = options.workdir === undefined || options.workdir === '' ? '/' : options.workdir;
  if (!workdir.startsWith('/')) {
    throw new OciError(
      ErrorCode.INVALID_ARGUMENT,
      `the working directory ${JSON.stringify(workdir)} is not absolute`,
    );
  }
  const cwd = workdir === '/' ? '/' : mountDestination(workdir);

  return {
    dir,
    command,
    mounts,
    points,
    workdir: cwd,
    async enter(rootfs) {
      const user = await resolveStepUser(options.user, rootfs);
      ensureWorkdir(rootfs, cwd, user);
      const parts: ContainerParts = {
        ...base,
        rootfs,
        argv: command.argv,
        env: stepEnv(options.env ?? []),
        cwd,
        user,
        hostname,
        network: options.network ?? 'host',
      };
      return {
        user,
        run: () =>
          runContainer(join(dir, 'bundle'), parts, mounts, {
            ...(options.place !== undefined ? { place: options.place } : {}),
            ...(options.runc !== undefined ? { runc: options.runc } : {}),
            ...(options.onOutput !== undefined ? { onOutput: options.onOutput } : {}),
            ...(options.signal !== undefined ? { signal: options.signal } : {}),
          }),
      };
    },
  };
}
