/**
 * Whether a RUN step for a platform can execute on this host: natively (same architecture, or
 * 386 on amd64 and 32-bit arm on arm64), or through a qemu handler registered with binfmt_misc
 * (Debian's `qemu-user-static` registers them, with the flag that lets them serve containers).
 * Otherwise the step is refused with UNSUPPORTED naming what to install, before anything runs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, OciError } from '../../errors/index.ts';
import { formatPlatform } from '../../platform/index.ts';
import type { Platform } from '../../spec/index.ts';

/** qemu's names of the OCI architectures (`qemu-NAME` in binfmt_misc). */
const QEMU_NAMES: Readonly<Record<string, string>> = {
  amd64: 'x86_64',
  386: 'i386',
  arm64: 'aarch64',
  arm: 'arm',
  ppc64le: 'ppc64le',
  ppc64: 'ppc64',
  s390x: 's390x',
  riscv64: 'riscv64',
  mips64le: 'mips64el',
  mips64: 'mips64',
  mipsle: 'mipsel',
  mips: 'mips',
  loong64: 'loongarch64',
};

/** Architectures a host of the key's architecture runs natively besides its own. */
const NATIVE_ALSO: Readonly<Record<string, readonly string[]>> = { amd64: ['386'], arm64: ['arm'] };

/** True when a binfmt_misc handler for `qemuName` is registered and enabled under `binfmtDir`. */
function handlerEnabled(binfmtDir: string, qemuName: string): boolean {
  try {
    return readFileSync(join(binfmtDir, `qemu-${qemuName}`), 'utf8').split('\n')[0] === 'enabled';
  } catch {
    return false;
  }
}

/**
 * Checks that a step for `target` can run on `host`; throws UNSUPPORTED naming the platform, the
 * host and `qemu-user-static` when it cannot. `binfmtDir` defaults to the kernel's.
 */
export function checkEmulation(
  target: Platform,
  host: Platform,
  binfmtDir = '/proc/sys/fs/binfmt_misc',
): void {
  const arch = target.architecture;
  if (target.os === 'linux' && (arch === host.architecture || NATIVE_ALSO[host.architecture]?.includes(arch)))
    return;
  const qemu = QEMU_NAMES[arch];
  if (target.os === 'linux' && qemu !== undefined && handlerEnabled(binfmtDir, qemu)) return;
  const wanted = formatPlatform(target);
  throw new OciError(
    ErrorCode.UNSUPPORTED,
    `RUN for ${wanted} on a ${formatPlatform(host)} host needs emulation: install qemu-user-static` +
      ` (a binfmt_misc handler${qemu !== undefined ? ` qemu-${qemu}` : ''} must be registered)`,
    { data: { platform: wanted, host: formatPlatform(host) } },
  );
}
