/**
 * The ordered list of platforms an image may have to run on a wanted platform (containerd/platforms
 * `Only`), and the ranking of candidates by it.
 */
import type { Platform } from '../spec/types.ts';
import { platformMatches } from './match.ts';
import { normalizePlatform } from './normalize.ts';
import { parseWindowsVersion } from './windows.ts';

function sameOs(p: Platform, architecture: string, variant: string): Platform {
  const out: Platform = { architecture, os: p.os };
  if (p['os.version'] !== undefined) out['os.version'] = p['os.version'];
  if (p['os.features'] !== undefined) out['os.features'] = p['os.features'];
  if (variant !== '') out.variant = variant;
  return out;
}

function arm64Variant(major: number, minor: number): string {
  return minor === 0 ? `v${major}` : `v${major}.${minor}`;
}

function vector(p: Platform): Platform[] {
  const variant = p.variant ?? '';
  switch (p.architecture) {
    case 'amd64': {
      const out = [p];
      const n = /^v([0-9]+)$/.exec(variant);
      if (n !== null) for (let v = Number(n[1]) - 1; v >= 1; v--) out.push(sameOs(p, 'amd64', `v${v}`));
      out.push(sameOs(p, '386', ''));
      return out;
    }
    case 'arm': {
      const out = [p];
      const n = /^v([0-9]+)$/.exec(variant);
      if (n !== null) for (let v = Number(n[1]) - 1; v >= 5; v--) out.push(sameOs(p, 'arm', `v${v}`));
      return out;
    }
    case 'arm64': {
      const parsed = /^v([89])(?:\.([0-9]+))?$/.exec(variant === '' ? 'v8' : variant);
      if (parsed === null) return [p];
      let major = Number(parsed[1]);
      let minor = Number(parsed[2] ?? 0);
      const out: Platform[] = [];
      if (major === 9) {
        for (let m = minor; m >= 0; m--) out.push(sameOs(p, 'arm64', arm64Variant(9, m)));
        major = 8;
        minor = Math.min(minor + 5, 9);
      }
      for (let m = minor; m >= 0; m--) out.push(sameOs(p, 'arm64', arm64Variant(major, m)));
      // Every arm64 v8.x/v9.x CPU runs 32-bit arm v8 and below.
      return [...out, ...vector(sameOs(p, 'arm', 'v8'))];
    }
    default:
      return [p];
  }
}

/**
 * The platforms, best first, whose images run on `want` (containerd `Only`): amd64/vN → vN…v1,
 * then 386; arm/vN → vN…v5; arm64/v8.x → v8.x…v8, arm64/v9.x → v9.x…v9 then v8.min(x+5,9)…v8,
 * then arm/v8…v5. Each entry is normalised and keeps `want`'s OS, os.version and os.features.
 */
export function platformPreferences(want: Platform): Platform[] {
  return vector(normalizePlatform(want)).map(normalizePlatform);
}

/** How good a candidate is; lower sorts first. */
export interface PlatformScore {
  /** Position in {@link platformPreferences}. */
  readonly rank: number;
  /** Number of `os.features` the candidate uses (more is better). */
  readonly features: number;
  /** Windows build of the candidate (higher is better), 0 elsewhere. */
  readonly build: number;
}

/** Scores `have` against the preferences of `want`; undefined when it does not run there. */
export function scorePlatform(preferences: readonly Platform[], have: Platform): PlatformScore | undefined {
  const rank = preferences.findIndex((p) => platformMatches(p, have));
  if (rank === -1) return undefined;
  const normal = normalizePlatform(have);
  const build = normal.os === 'windows' ? (parseWindowsVersion(normal['os.version'])?.build ?? 0) : 0;
  return { rank, features: normal['os.features']?.length ?? 0, build };
}

/** True when score `a` is strictly better than `b` (equal scores keep the earlier entry). */
export function isBetterScore(a: PlatformScore, b: PlatformScore): boolean {
  if (a.rank !== b.rank) return a.rank < b.rank;
  if (a.features !== b.features) return a.features > b.features;
  return a.build > b.build;
}
