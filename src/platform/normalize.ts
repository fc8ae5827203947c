/**
 * Platform normalisation (containerd/platforms `Normalize`), so that equal platforms compare equal:
 * `aarch64` is `arm64`, `x86_64` is `amd64`, a bare `arm` is `arm/v7`, `macos` is `darwin`.
 */
import type { Platform } from '../spec/types.ts';
import { hostPlatform } from './host.ts';

/** Lowercases an OS name; `macos` becomes `darwin` and an empty OS becomes the host's. */
export function normalizeOs(os: string): string {
  const lower = os.toLowerCase();
  if (lower === '') return hostPlatform().os;
  if (lower === 'macos') return 'darwin';
  return lower;
}

/**
 * Normalises an architecture and its variant (spec-checklist §7 table): `i386` → `386`;
 * `x86_64`/`x86-64` → `amd64` (`v1` dropped); `aarch64` → `arm64` (`8`/`v8`/`v8.0` dropped,
 * `9`/`9.0`/`v9.0` → `v9`); `armhf` → `arm/v7`; `armel` → `arm/v6`; `arm` without a variant → `v7`
 * and digits get a `v`. Beyond containerd, the kernel names `armv5l`…`armv8l` map to `arm/v5`…`arm/v8`
 * (older Docker lists used them; image-spec PR #817).
 */
export function normalizeArch(arch: string, variant: string): { architecture: string; variant: string } {
  let a = arch.toLowerCase();
  let v = variant.toLowerCase();
  const kernelArm = /^armv([5-8])l$/.exec(a);
  if (kernelArm !== null) {
    a = 'arm';
    v = `v${kernelArm[1]}`;
  }
  switch (a) {
    case 'i386':
      return { architecture: '386', variant: '' };
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      return { architecture: 'amd64', variant: v === 'v1' ? '' : v };
    case 'aarch64':
    case 'arm64':
      if (v === '8' || v === 'v8' || v === 'v8.0') v = '';
      else if (v === '9' || v === '9.0' || v === 'v9.0') v = 'v9';
      return { architecture: 'arm64', variant: v };
    case 'armhf':
      return { architecture: 'arm', variant: 'v7' };
    case 'armel':
      return { architecture: 'arm', variant: 'v6' };
    case 'arm':
      if (v === '' || v === '7') v = 'v7';
      else if (v === '5' || v === '6' || v === '8') v = `v${v}`;
      return { architecture: 'arm', variant: v };
    default:
      return { architecture: a, variant: v };
  }
}

/** Sorts and deduplicates a features list. */
function normalizeFeatures(features: readonly string[]): string[] {
  return [...new Set(features)].sort();
}

/**
 * Returns the normal form of `p` (a new object): OS and architecture normalised as above, an empty
 * variant omitted, `os.features` sorted and deduplicated; `os.version` and `features` are kept.
 */
export function normalizePlatform(p: Platform): Platform {
  const { architecture, variant } = normalizeArch(p.architecture ?? '', p.variant ?? '');
  const out: Platform = { architecture, os: normalizeOs(p.os ?? '') };
  if (p['os.version'] !== undefined && p['os.version'] !== '') out['os.version'] = p['os.version'];
  if (p['os.features'] !== undefined && p['os.features'].length > 0) {
    out['os.features'] = normalizeFeatures(p['os.features']);
  }
  if (variant !== '') out.variant = variant;
  if (p.features !== undefined) out.features = [...p.features];
  return out;
}
