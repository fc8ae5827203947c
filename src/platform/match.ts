/** Does an image's platform run where it is wanted? (containerd/platforms matcher, spec-checklist §7) */
import type { Platform } from '../spec/types.ts';
import { normalizePlatform } from './normalize.ts';
import { windowsVersionMatches } from './windows.ts';

/** Windows' win32k feature is ignored when comparing os.features (containerd does the same). */
function requiredFeatures(p: Platform): string[] {
  const features = p['os.features'] ?? [];
  return p.os === 'windows' ? features.filter((f) => f !== 'win32k') : features;
}

/**
 * True when an image for `have` runs on `want`: equal normalised OS, architecture and variant
 * (so `arm64/v8` ≡ `arm64`, `arm` ≡ `arm/v7`); on Windows, compatible `os.version`
 * (see {@link windowsVersionMatches}); every `os.features` entry of `have` present in `want`.
 * The reserved `features` field is ignored. No fallbacks: see `platformPreferences` for those.
 */
export function platformMatches(want: Platform, have: Platform): boolean {
  const w = normalizePlatform(want);
  const h = normalizePlatform(have);
  if (w.os !== h.os || w.architecture !== h.architecture || (w.variant ?? '') !== (h.variant ?? ''))
    return false;
  if (w.os === 'windows' && !windowsVersionMatches(w['os.version'], h['os.version'])) return false;
  const offered = new Set(w['os.features'] ?? []);
  return requiredFeatures(h).every((f) => offered.has(f));
}
