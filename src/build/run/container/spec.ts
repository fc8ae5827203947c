/**
 * The runtime-spec `config.json` of a step's container (runtime-spec config.md, config-linux.md),
 * shaped like the containers Docker and BuildKit give a RUN step:
 * - no terminal; the user, environment and working directory of the step;
 * - Docker's default capabilities (bounding, effective, permitted; none ambient, so a non-root
 *   user keeps none after exec unless a file grants them) and `noNewPrivileges` off, so setuid
 *   programs such as `su` work;
 * - namespaces pid, ipc, uts and mount, plus network for `--network=none` (then only loopback);
 * - `/proc`, a small `/dev` tmpfs (the runtime adds the standard devices), `/dev/pts`,
 *   `/dev/shm`, `/dev/mqueue`, `/sys` and its cgroups read-only, and the generated /etc files
 *   bind-mounted read-only; then the step's own mounts;
 * - the device cgroup denies everything but the runtime's default devices.
 */
import { readFileSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { MASKED_PATHS, READONLY_PATHS } from '../../../bundle/runtime-config.ts';
import { ErrorCode, OciError } from '../../../errors/index.ts';
import type { MountPoint } from '../rootfs/stubs.ts';
import type { RunMount } from '../types.ts';
import type { StepUser } from '../user.ts';
import type { EtcFiles } from './etc-files.ts';

/** The runtime-spec version the step bundles declare. */
const SPEC_VERSION = '1.0.2';

/** Docker's (and containerd's) default capability set. */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** The PATH a step gets when its environment sets none. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** One runtime-spec mount. */
export interface SpecMount {
  destination: string;
  type: string;
  source: string;
  options?: string[];
}

/** The parts of a step's container. */
export interface ContainerParts {
  readonly rootfs: string;
  readonly argv: readonly string[];
  readonly env: readonly string[];
  readonly cwd: string;
  readonly user: StepUser;
  readonly hostname: string;
  readonly network: 'host' | 'none';
  readonly etc: EtcFiles;
  /** Files bind-mounted read-only (heredoc scripts): host path and container path. */
  readonly files: ReadonlyArray<{ readonly source: string; readonly destination: string }>;
  readonly mounts: readonly RunMount[];
}

/** A container path, checked and normalised (absolute, not the root). */
export function mountDestination(path: string): string {
  if (!path.startsWith('/') || path.includes('\0')) {
    throw new OciError(
      ErrorCode.INVALID_ARGUMENT,
      `mount destination ${JSON.stringify(path)} is not an absolute path`,
      {
        data: { destination: path },
      },
    );
  }
  const normal = posix.normalize(path).replace(/\/+$/, '');
  if (normal === '') throw new OciError(ErrorCode.INVALID_ARGUMENT, 'cannot mount over the root directory');
  return normal;
}

/**
 * True inside a user namespace that does not map every id (a rootless step's worker): there the
 * kernel refuses a new sysfs while the network namespace is the host's, and a cgroup mount.
 */
export function inUserNamespace(): boolean {
  try {
    return readFileSync('/proc/self/uid_map', 'utf8').trim().split(/\s+/).join(' ') !== '0 0 4294967295';
  } catch {
    return false;
  }
}

/** `/sys` and its cgroups read-only: mounted afresh, or in a user namespace the host's bound (as rootless runtimes do). */
function sysMounts(): SpecMount[] {
  if (inUserNamespace()) {
    return [
      {
        destination: '/sys',
        type: 'bind',
        source: '/sys',
        options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'],
      },
    ];
  }
  return [
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'],
    },
  ];
}

/** The full mount list, in mount order. */
export function containerMounts(parts: Pick<ContainerParts, 'etc' | 'files' | 'mounts'>): SpecMount[] {
  const mounts: SpecMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    {
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
    },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    ...sysMounts(),
    { destination: '/etc/hosts', type: 'bind', source: parts.etc.hosts, options: ['rbind', 'ro'] },
    { destination: '/etc/hostname', type: 'bind', source: parts.etc.hostname, options: ['rbind', 'ro'] },
    { destination: '/etc/resolv.conf', type: 'bind', source: parts.etc.resolvConf, options: ['rbind', 'ro'] },
  ];
  for (const file of parts.files) {
    mounts.push({
      destination: file.destination,
      type: 'bind',
      source: file.source,
      options: ['rbind', 'ro'],
    });
  }
  for (const mount of parts.mounts) {
    const destination = mountDestination(mount.destination);
    if (mount.type === 'bind') {
      const options = ['rbind', mount.readonly === false ? 'rw' : 'ro'];
      mounts.push({ destination, type: 'bind', source: mount.source, options });
    } else {
      const options = ['nosuid', 'nodev', 'mode=1777'];
      if (mount.size !== undefined) options.push(`size=${Math.max(0, Math.floor(mount.size))}`);
      mounts.push({ destination, type: 'tmpfs', source: 'tmpfs', options });
    }
  }
  return mounts;
}

/**
 * The mount points the root filesystem must offer for `mounts`: each destination that is not
 * inside an earlier mount (those are made in that mount's filesystem, never in the rootfs).
 */
export function mountPoints(mounts: readonly SpecMount[]): MountPoint[] {
  const points: MountPoint[] = [];
  const earlier: string[] = [];
  for (const mount of mounts) {
    const inside = earlier.some((d) => mount.destination.startsWith(`${d}/`));
    earlier.push(mount.destination);
    if (inside) continue;
    let kind: MountPoint['kind'] = 'directory';
    if (mount.type === 'bind') {
      try {
        kind = statSync(mount.source).isDirectory() ? 'directory' : 'file';
      } catch (err) {
        throw new OciError(ErrorCode.NOT_FOUND, `mount source ${mount.source} does not exist`, {
          cause: err,
          data: { source: mount.source },
        });
      }
    }
    points.push({ destination: mount.destination, kind });
  }
  return points;
}

/** The environment with a default PATH added when it sets none. */
export function stepEnv(env: readonly string[]): string[] {
  return env.some((e) => e.startsWith('PATH=')) ? [...env] : [`PATH=${DEFAULT_PATH}`, ...env];
}

/** The config.json document of the step's container, with `mounts` from {@link containerMounts}. */
export function containerSpec(parts: ContainerParts, mounts: readonly SpecMount[]): Record<string, unknown> {
  const namespaces = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  if (parts.network === 'none') namespaces.push({ type: 'network' });
  const caps = [...DEFAULT_CAPABILITIES];
  return {
    ociVersion: SPEC_VERSION,
    process: {
      terminal: false,
      user: {
        uid: parts.user.uid,
        gid: parts.user.gid,
        ...(parts.user.additionalGids.length > 0 ? { additionalGids: parts.user.additionalGids } : {}),
      },
      args: [...parts.argv],
      env: [...parts.env],
      cwd: parts.cwd,
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: false,
    },
    root: { path: parts.rootfs, readonly: false },
    hostname: parts.hostname,
    mounts: [...mounts],
    linux: {
      namespaces,
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      maskedPaths: [...MASKED_PATHS],
      readonlyPaths: [...READONLY_PATHS],
    },
  };
}
