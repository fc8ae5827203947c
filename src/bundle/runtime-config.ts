/**
 * The image config → runtime-spec `config.json` conversion (image-spec conversion.md), on top of
 * the defaults a Linux container needs to run under runc (runtime-spec config.md, config-linux.md).
 */
import { posix } from 'node:path';
import type { ImageConfig } from '../spec/index.ts';
import type { ProcessUser } from './user.ts';

/** The runtime-spec version the generated bundles declare. */
export const RUNTIME_SPEC_VERSION = '1.0.2';

/** The subset of runtime-spec `config.json` ocikit generates. */
export interface RuntimeConfig {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: ProcessUser;
    args: string[];
    env: string[];
    cwd: string;
    capabilities?: Record<'bounding' | 'effective' | 'permitted' | 'ambient', string[]>;
    rlimits?: Array<{ type: string; hard: number; soft: number }>;
    noNewPrivileges?: boolean;
  };
  root: { path: string; readonly?: boolean };
  hostname?: string;
  mounts: Array<{ destination: string; type?: string; source?: string; options?: string[] }>;
  annotations?: Record<string, string>;
  linux?: Record<string, unknown>;
}

/** Options of the conversion. */
export interface ConversionOptions {
  /** Generate a bundle for rootless runc: a user namespace mapping the caller's ids (runc `spec --rootless`). */
  rootless?: { uid: number; gid: number };
  /** The resolved `process.user` (see resolveUser). */
  user: ProcessUser;
  /** The rootfs directory name inside the bundle. */
  rootPath?: string;
}

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Paths a container must not read (runtime-spec config-linux.md "Masked Paths"), as runc's and Docker's defaults mask them. */
export const MASKED_PATHS: readonly string[] = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
];

/** Paths a container sees read-only (runtime-spec config-linux.md "Readonly Paths"), as Docker's defaults. */
export const READONLY_PATHS: readonly string[] = [
  '/proc/bus',
  '/proc/fs',
  '/proc/irq',
  '/proc/sys',
  '/proc/sysrq-trigger',
];

const DEFAULT_CAPS = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];

/**
 * conversion.md "Annotation Fields" and "Optional Fields": the image-derived annotations, where a
 * `Config.Labels` entry of the same key always wins (note 1) and label values are never changed.
 */
export function runtimeAnnotations(image: ImageConfig): Record<string, string> {
  const out: Record<string, string> = {};
  const set = (key: string, value: string | undefined): void => {
    if (value !== undefined && value !== '') out[key] = value;
  };
  set('org.opencontainers.image.os', image.os);
  set('org.opencontainers.image.architecture', image.architecture);
  set('org.opencontainers.image.variant', image.variant);
  set('org.opencontainers.image.os.version', image['os.version']);
  if (image['os.features']?.length)
    set('org.opencontainers.image.os.features', image['os.features'].join(','));
  set('org.opencontainers.image.author', image.author);
  set('org.opencontainers.image.created', image.created);
  const run = image.config ?? {};
  set('org.opencontainers.image.stopSignal', run.StopSignal);
  const ports = Object.keys(run.ExposedPorts ?? {});
  if (ports.length > 0) set('org.opencontainers.image.exposedPorts', ports.join(','));
  for (const [key, value] of Object.entries(run.Labels ?? {})) out[key] = value;
  return out;
}

/** conversion.md "Verbatim Fields": Entrypoint with Cmd appended (note 2), verbatim. */
export function processArgs(image: ImageConfig): string[] {
  const run = image.config ?? {};
  return [...(run.Entrypoint ?? []), ...(run.Cmd ?? [])];
}

/** `Config.Env` verbatim, plus a default PATH only when the image sets none (conversion.md note 1). */
export function processEnv(image: ImageConfig): string[] {
  const env = image.config?.Env ?? [];
  return env.some((e) => e.startsWith('PATH=')) ? [...env] : [DEFAULT_PATH, ...env];
}

const RESERVED_MOUNTS = ['/proc', '/sys', '/dev'];

/**
 * The `Config.Volumes` keys usable as mount destinations: absolute, normalised, not the root and
 * not over the kernel filesystems the runtime mounts itself. Others (hostile or broken) are dropped.
 */
export function volumeDestinations(volumes: Record<string, object>): string[] {
  const out = new Set<string>();
  for (const key of Object.keys(volumes)) {
    if (!key.startsWith('/') || key.includes('\0')) continue;
    const path = posix.normalize(key).replace(/\/+$/, '');
    if (path === '' || RESERVED_MOUNTS.some((r) => path === r || path.startsWith(`${r}/`))) continue;
    out.add(path);
  }
  return [...out].sort();
}

/** Builds the bundle's config.json for an image config. */
export function runtimeConfig(image: ImageConfig, options: ConversionOptions): RuntimeConfig {
  const run = image.config ?? {};
  const rootless = options.rootless;
  const namespaces = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  if (!rootless) namespaces.splice(1, 0, { type: 'network' });
  if (rootless) namespaces.push({ type: 'user' });
  const devOptions = rootless
    ? ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620']
    : ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'];
  const mounts: RuntimeConfig['mounts'] = [
    { destination: '/proc', type: 'proc', source: 'proc' },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: devOptions },
    {
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
    },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    rootless
      ? {
          destination: '/sys',
          type: 'none',
          source: '/sys',
          options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'],
        }
      : { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
  ];
  if (!rootless) {
    mounts.push({
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'],
    });
  }
  // conversion.md "Optional Fields" note 2: Volumes become mounts so data stays out of the rootfs.
  for (const volume of Object.keys(run.Volumes ?? {}).sort()) {
    mounts.push({
      destination: volume,
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'nodev', 'mode=755'],
    });
  }
  const linux: Record<string, unknown> = {
    namespaces,
    maskedPaths: [...MASKED_PATHS],
    readonlyPaths: [...READONLY_PATHS],
  };
  if (rootless) {
    linux.uidMappings = [{ containerID: 0, hostID: rootless.uid, size: 1 }];
    linux.gidMappings = [{ containerID: 0, hostID: rootless.gid, size: 1 }];
  } else {
    linux.resources = { devices: [{ allow: false, access: 'rwm' }] };
  }
  const annotations = runtimeAnnotations(image);
  return {
    ociVersion: RUNTIME_SPEC_VERSION,
    process: {
      terminal: false,
      user: options.user,
      args: processArgs(image),
      env: processEnv(image),
      cwd: posix.resolve('/', run.WorkingDir || '/'),
      capabilities: {
        bounding: DEFAULT_CAPS,
        effective: DEFAULT_CAPS,
        permitted: DEFAULT_CAPS,
        ambient: DEFAULT_CAPS,
      },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: options.rootPath ?? 'rootfs', readonly: false },
    hostname: 'ocikit',
    mounts,
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    linux,
  };
}
