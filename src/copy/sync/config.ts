/**
 * The YAML file of `ocikit sync --src yaml`, in skopeo sync's format: one entry per source
 * registry, each with `images` (repository → tags or digests; an empty list means every tag),
 * `images-by-tag-regex` (repository → a pattern the tags must match), `images-by-semver`
 * (repository → a semver range the tags must satisfy), `credentials`, `tls-verify` and `cert-dir`.
 */
import { parse } from 'yaml';
import * as z from 'zod/mini';
import { ErrorCode, OciError } from '../../errors/index.ts';
import { firstProblem } from '../../spec/validate.ts';
import { tagsInRange, tagsMatching } from './select-tags.ts';

/** What to read from one source registry. */
export interface RegistrySelection {
  /** The registry as written in the file (`host[:port]`). */
  registry: string;
  /** Repository → tags or `sha256:…` digests; an empty list selects every tag. */
  images: Record<string, string[]>;
  /** Repository → a pattern (unanchored, as skopeo matches) the selected tags match. */
  tagRegex: Record<string, string>;
  /** Repository → a semver range the selected tags satisfy (tags that are no version are left out). */
  semver: Record<string, string>;
  credentials?: { username: string; password: string };
  tlsVerify?: boolean;
  certDir?: string;
}

const name = z.string().check(z.minLength(1));
const stringMap = <T extends z.ZodMiniType>(value: T) => z.optional(z.record(name, value));

const registryEntry = z.strictObject({
  images: stringMap(z.nullable(z.array(name))),
  'images-by-tag-regex': stringMap(z.string()),
  'images-by-semver': stringMap(z.string()),
  credentials: z.optional(z.object({ username: z.string(), password: z.string() })),
  'tls-verify': z.optional(z.boolean()),
  'cert-dir': z.optional(z.string()),
});

const syncFile = z.record(name, registryEntry);

/**
 * Parses the text of a sync YAML file. INVALID_ARGUMENT, naming the file and the faulty key, for
 * YAML that does not parse, an unknown key, a value of the wrong type, a tag pattern that does not
 * compile or a semver range that does not parse.
 */
export function parseSyncYaml(text: string, file: string): RegistrySelection[] {
  let raw: unknown;
  try {
    raw = parse(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new OciError(ErrorCode.INVALID_ARGUMENT, `${file}: not YAML: ${(err as Error).message}`);
  }
  const value = raw ?? {};
  const problem = firstProblem(syncFile, value);
  if (problem !== undefined) {
    throw new OciError(
      ErrorCode.INVALID_ARGUMENT,
      `${file}: ${problem.path.join('.') || '(top)'}: ${problem.message}`,
    );
  }
  return Object.entries(value as z.infer<typeof syncFile>).map(([registry, entry]) => {
    const images: Record<string, string[]> = {};
    for (const [repo, tags] of Object.entries(entry.images ?? {})) images[repo] = tags ?? [];
    const selection: RegistrySelection = {
      registry,
      images,
      tagRegex: entry['images-by-tag-regex'] ?? {},
      semver: entry['images-by-semver'] ?? {},
    };
    // Patterns and ranges are checked now, before any registry is asked for anything.
    for (const [repo, pattern] of Object.entries(selection.tagRegex))
      tagsMatching([], pattern, `${file}: ${registry}/${repo}`);
    for (const [repo, range] of Object.entries(selection.semver))
      tagsInRange([], range, `${file}: ${registry}/${repo}`);
    if (entry.credentials) {
      const { username, password } = entry.credentials;
      selection.credentials = { username, password };
    }
    if (entry['tls-verify'] !== undefined) selection.tlsVerify = entry['tls-verify'];
    if (entry['cert-dir'] !== undefined) selection.certDir = entry['cert-dir'];
    return selection;
  });
}
