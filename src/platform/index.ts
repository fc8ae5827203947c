/** Platforms: parse, normalise, match, and pick the best manifest of an index (containerd/platforms). */
export { isAttestation, REFERENCE_TYPE_ANNOTATION } from './attestation.ts';
export { hostPlatform } from './host.ts';
export { isKnownArch, isKnownOs } from './known.ts';
export { platformMatches } from './match.ts';
export { normalizeArch, normalizeOs, normalizePlatform } from './normalize.ts';
export { isBetterScore, type PlatformScore, platformPreferences, scorePlatform } from './preference.ts';
export { MAX_INDEX_DEPTH, selectManifest } from './select.ts';
export { formatPlatform, formatPlatformAll, parsePlatform } from './specifier.ts';
export { parseWindowsVersion, windowsVersionMatches } from './windows.ts';
