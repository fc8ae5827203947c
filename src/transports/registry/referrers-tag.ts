/** The referrers tag schema (distribution-spec "Referrers Tag Schema", main branch rules). */
import { parseDigest } from '../../digest/index.ts';

/**
 * The fallback tag for a subject digest: the algorithm truncated to 32 characters, `-`, the
 * encoded part truncated to 64 characters, with every character a tag may not hold replaced by
 * `-` (e.g. `sha256:abc…` → `sha256-abc…`).
 */
export function referrersTag(subject: string): string {
  const { algorithm, encoded } = parseDigest(subject);
  const tag = `${algorithm.slice(0, 32)}-${encoded.slice(0, 64)}`;
  return tag.replace(/[^a-zA-Z0-9._-]/g, '-');
}
