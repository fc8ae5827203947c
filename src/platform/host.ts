/** The platform this process runs on, in Go's GOOS/GOARCH terms. */
import { readFileSync } from 'node:fs';
import { endianness, release } from 'node:os';
import type { Platform } from '../spec/types.ts';

const OS_BY_NODE: Record<string, string> = {
  aix: 'aix',
  android: 'android',
  darwin: 'darwin',
  freebsd: 'freebsd',
  linux: 'linux',
  netbsd: 'netbsd',
  openbsd: 'openbsd',
  sunos: 'solaris',
  win32: 'windows',
};

const ARCH_BY_NODE: Record<string, string> = {
  arm: 'arm',
  arm64: 'arm64',
  ia32: '386',
  loong64: 'loong64',
  mips: 'mips',
  mipsel: 'mipsle',
  ppc: 'ppc',
  riscv64: 'riscv64',
  s390: 's390',
  s390x: 's390x',
  x64: 'amd64',
};

/**
 * The 32-bit ARM version of this CPU (containerd `cpuVariant`): `CPU architecture` in
 * /proc/cpuinfo, else the version Node was built for, else 7. Best effort; never throws.
 */
function armVariant(): string {
  try {
    const match = /^CPU architecture\s*:\s*(\d+)/im.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match?.[1] !== undefined) return `v${match[1]}`;
  } catch {
    // not Linux, or /proc not mounted: fall through
  }
  const built = (process.config.variables as Record<string, unknown>).arm_version;
  return typeof built === 'string' || typeof built === 'number' ? `v${built}` : 'v7';
}

let cached: Platform | undefined;

/**
 * The host platform (containerd `DefaultSpec`): GOOS/GOARCH from `process.platform` and
 * `process.arch`, the ARM variant for 32-bit ARM, and `os.version` on Windows. Computed once.
 */
export function hostPlatform(): Platform {
  if (cached !== undefined) return { ...cached };
  const os = OS_BY_NODE[process.platform] ?? process.platform;
  let architecture = ARCH_BY_NODE[process.arch] ?? process.arch;
  if (process.arch === 'ppc64') architecture = endianness() === 'LE' ? 'ppc64le' : 'ppc64';
  const platform: Platform = { architecture, os };
  if (architecture === 'arm') platform.variant = armVariant();
  if (os === 'windows') platform['os.version'] = release();
  cached = platform;
  return { ...platform };
}
