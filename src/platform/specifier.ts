/**
 * Platform specifiers (containerd/platforms `Parse`, `Format`, `FormatAll`):
 * `<os>[(<osversion>[+<feature>]*)]`, `<arch>`, or `<os>/<arch>[/<variant>]`.
 */
import type { Platform } from '../spec/types.ts';
import { invalidPlatform } from './errors.ts';
import { hostPlatform } from './host.ts';
import { isKnownArch, isKnownOs } from './known.ts';
import { normalizeArch, normalizeOs } from './normalize.ts';

const OS_PART = /^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.%-]*)((?:\+[A-Za-z0-9_.%-]+)*)\))?$/;
const OTHER_PART = /^[A-Za-z0-9_.-]+$/;
const MAX_SPECIFIER_LENGTH = 1024;

function decode(specifier: string, value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw invalidPlatform(specifier, `bad percent-encoding in ${JSON.stringify(value)}`);
  }
}

function withVariant(p: Platform, variant: string): Platform {
  if (variant !== '') p.variant = variant;
  return p;
}

/**
 * Parses a platform specifier such as `linux/amd64`, `linux/arm/v7`, `windows(10.0.17763)/amd64`,
 * `linux` (host architecture) or `arm64` (host OS). The result is normalised as containerd does
 * (`aarch64` → `arm64`, `linux/arm` keeps no variant, which matches as v7). Throws INVALID_PLATFORM
 * for wildcards, bad characters, unknown one-part values and more than three parts.
 */
export function parsePlatform(specifier: string): Platform {
  if (typeof specifier !== 'string') throw invalidPlatform(String(specifier), 'must be a string');
  if (specifier.length > MAX_SPECIFIER_LENGTH) throw invalidPlatform(specifier, 'too long');
  if (specifier.includes('*')) throw invalidPlatform(specifier, 'wildcards are not supported');
  const parts = specifier.split('/');
  if (parts.length > 3) throw invalidPlatform(specifier, 'expected os/arch[/variant]');
  const osMatch = OS_PART.exec(parts[0] ?? '');
  if (osMatch === null) {
    throw invalidPlatform(specifier, 'the OS part must match <os>[(<osversion>[+<feature>]*)]');
  }
  for (const part of parts.slice(1)) {
    if (!OTHER_PART.test(part)) throw invalidPlatform(specifier, `bad component ${JSON.stringify(part)}`);
  }
  const os = normalizeOs(osMatch[1] as string);
  const p: Platform = { architecture: '', os };
  const osVersion = decode(specifier, osMatch[2] ?? '');
  if (osVersion !== '') p['os.version'] = osVersion;
  const features = (osMatch[3] ?? '')
    .split('+')
    .slice(1)
    .map((f) => decode(specifier, f));
  if (features.length > 0) p['os.features'] = features;

  if (parts.length === 1) {
    if (isKnownOs(os)) {
      const host = hostPlatform();
      p.architecture = host.architecture;
      if (host.architecture === 'arm' && host.variant !== undefined && host.variant !== 'v7') {
        p.variant = host.variant;
      }
      return p;
    }
    // Not an OS: perhaps an architecture (then the OS part had no version or features).
    const arch = normalizeArch(osMatch[1] as string, '');
    if (isKnownArch(arch.architecture) && osMatch[2] === undefined) {
      const only: Platform = { architecture: arch.architecture, os: hostPlatform().os };
      return withVariant(only, arch.architecture === 'arm' && arch.variant === 'v7' ? '' : arch.variant);
    }
    throw invalidPlatform(specifier, 'unknown operating system or architecture');
  }
  if (parts.length === 2) {
    const arch = normalizeArch(parts[1] as string, '');
    p.architecture = arch.architecture;
    return withVariant(p, arch.architecture === 'arm' && arch.variant === 'v7' ? '' : arch.variant);
  }
  const arch = normalizeArch(parts[1] as string, parts[2] as string);
  p.architecture = arch.architecture;
  return withVariant(p, arch.architecture === 'arm64' && arch.variant === '' ? 'v8' : arch.variant);
}

/** `os/arch[/variant]` (containerd `Format`); `unknown` when the OS is empty. */
export function formatPlatform(p: { os?: string; architecture?: string; variant?: string }): string {
  if (p.os === undefined || p.os === '') return 'unknown';
  return [p.os, p.architecture, p.variant].filter((s) => s !== undefined && s !== '').join('/');
}

function encode(value: string): string {
  return value.replace(/[%+()/]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/**
 * `os[(osversion+feature…)]/arch[/variant]` (containerd `FormatAll`); `%`, `+`, `(`, `)` and `/`
 * inside the OS options are percent-encoded, so {@link parsePlatform} reads the result back.
 */
export function formatPlatformAll(p: Platform): string {
  const base = formatPlatform(p);
  if (base === 'unknown') return base;
  const version = p['os.version'] ?? '';
  const features = p['os.features'] ?? [];
  if (version === '' && features.length === 0) return base;
  const options = `(${encode(version)}${features.map((f) => `+${encode(f)}`).join('')})`;
  const slash = base.indexOf('/');
  return slash === -1 ? base + options : base.slice(0, slash) + options + base.slice(slash);
}
