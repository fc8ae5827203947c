/**
 * Telling a transport name from a registry name. ocikit takes bare registry names (`ubuntu:22.04`,
 * `localhost:5000/app`) where skopeo always wants a transport, so `word:rest` is ambiguous: `ocii:x`
 * is the Docker Hub image `ocii` with tag `x` to the reference grammar. A name no known prefix
 * matched is read as a transport name, and refused, when:
 * 1. `word` is one of skopeo's transports that ocikit does not implement (`docker-daemon`,
 *    `containers-storage`, `ostree`, `sif`, `tarball`): UNSUPPORTED, naming it;
 * 2. otherwise, when `rest` cannot be a tag (`[\w][\w.-]{0,127}`, optionally `@digest`), as in
 *    `foo:./dir` or `docker:/x`: INVALID_REFERENCE, an unknown transport;
 * 3. otherwise, when `word` is a near miss of one of ocikit's transport names (`ocii`,
 *    `oci_archive`, `docker-archiv`): INVALID_REFERENCE, an unknown transport, with the likely one
 *    and, since such a name (`ocii:x`) is a valid Docker Hub name too, how to mean that image
 *    (`docker://ocii:x`).
 * In every case `word` must look like a transport name (lowercase letters, digits, `-`, `_`) and
 * `rest` must not start with `PORT/` (`myhost:5000/app` is a registry host and port), so
 * `ubuntu:22.04`, `busybox:latest`, `docker:24-dind` and `nix:2.18` stay Docker Hub names.
 */
import { ErrorCode, OciError } from '../errors/index.ts';

/** skopeo's transports that ocikit does not implement (skopeo 1.x `--help`). */
export const UNSUPPORTED_TRANSPORTS: readonly string[] = [
  'containers-storage',
  'docker-daemon',
  'ostree',
  'sif',
  'tarball',
];

const TRANSPORT_WORD = /^[a-z][a-z0-9_-]*$/;
const HOST_PORT_REST = /^[0-9]+\//;
// distribution/reference: tag := [\w][\w.-]{0,127}, then an optional "@" digest.
const TAG_REST =
  /^[\w][\w.-]{0,127}(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$/;

/** Levenshtein distance between two short words. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * The transport `word` is probably a misspelling of, if any: one edit away from a name of up to
 * seven letters, two from a longer one. Two edits from `oci` would catch real image names such as
 * `nix`, two from `scratch` would catch `stretch`.
 */
function nearMiss(word: string, names: readonly string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const name of names) {
    if (word === name) continue;
    const d = distance(word, name);
    if (d <= (name.length <= 7 ? 1 : 2) && (best === undefined || d < best.d)) best = { name, d };
  }
  return best?.name;
}

/**
 * Throws when `name`, which none of ocikit's own prefixes matched, names a transport rather than a
 * registry image (see the rule above). `known` maps ocikit's transport names (`oci`) to how they
 * are written (`oci:`), for the message; `docker` (written `docker://`) is a real image name, so
 * it is never a near miss of itself.
 */
export function refuseTransportName(name: string, known: Readonly<Record<string, string>>): void {
  const colon = name.indexOf(':');
  if (colon <= 0) return;
  const word = name.slice(0, colon);
  const rest = name.slice(colon + 1);
  if (!TRANSPORT_WORD.test(word) || HOST_PORT_REST.test(rest)) return;
  const list = Object.values(known).join(', ');
  if (UNSUPPORTED_TRANSPORTS.includes(word)) {
    throw new OciError(
      ErrorCode.UNSUPPORTED,
      `the ${word}: transport is not supported by ocikit; it knows ${list} and registry names (HOST[:PORT]/REPO[:TAG])`,
      { data: { transport: word, known: Object.values(known) } },
    );
  }
  const misspelt = nearMiss(word, Object.keys(known));
  const couldBeImage = TAG_REST.test(rest);
  if (couldBeImage && misspelt === undefined) return;
  const likely = misspelt ?? (Object.hasOwn(known, word) ? word : undefined);
  const hint = likely === undefined ? '' : ` (did you mean "${known[likely] ?? `${likely}:`}"?)`;
  // A near miss with a tag after it is a valid Docker Hub name too: say how to mean the image.
  const image = couldBeImage ? `; to mean the registry image, write docker://${name}` : '';
  throw new OciError(
    ErrorCode.INVALID_REFERENCE,
    `unknown transport "${word}:" in ${JSON.stringify(name.slice(0, 200))}${hint}; ocikit knows ${list} and registry names (HOST[:PORT]/REPO[:TAG])${image}`,
    { data: { transport: word, known: Object.values(known), ...(likely ? { suggestion: likely } : {}) } },
  );
}
