/**
 * Does the identity a signature claims fit the image's name? The `signedIdentity` rules of
 * containers-policy.json(5) ("signedIdentity"), as containers/image `policy_reference_match.go`
 * implements them. References are compared normalised (`busybox` is `docker.io/library/busybox:latest`
 * only when written with its tag: a name alone never matches a rule that needs a tag or digest).
 */
import { formatName, formatReference, parseReference, type Reference } from '../../reference/index.ts';
import type { SignedIdentity } from './types.ts';

function parsed(text: string): Reference | undefined {
  try {
    return parseReference(text);
  } catch {
    return undefined;
  }
}

const nameOnly = (ref: Reference) => ref.tag === undefined && ref.digest === undefined;

/** matchRepoDigestOrExact on two parsed references. */
function repoDigestOrExact(intended: Reference, signed: Reference): boolean {
  if (nameOnly(signed)) return false;
  if (intended.tag !== undefined) return formatReference(signed) === formatReference(intended);
  if (intended.digest !== undefined) return formatName(signed) === formatName(intended);
  return false;
}

/** `name` with `prefix` replaced by `signedPrefix` when it starts with it at a `/` boundary. */
function remap(ref: Reference, prefix: string, signedPrefix: string): Reference | undefined {
  const name = formatName(ref);
  const matches = name === prefix || (name.startsWith(prefix) && name[prefix.length] === '/');
  if (!matches) return ref;
  const text = formatReference(ref);
  return parsed(signedPrefix + text.slice(prefix.length));
}

/**
 * True when a signature claiming `signed` is accepted for an image named `intended` (undefined
 * when the image has no Docker reference, e.g. an `oci:` layout: then only `exactReference` and
 * `exactRepository` can match, since they do not look at the image's name).
 */
export function identityMatches(
  rule: SignedIdentity,
  intended: Reference | undefined,
  signed: string,
): boolean {
  const signature = parsed(signed);
  if (signature === undefined) return false;
  switch (rule.type) {
    case 'exactReference': {
      const wanted = parsed(rule.dockerReference);
      if (wanted === undefined || nameOnly(wanted) || nameOnly(signature)) return false;
      return formatReference(signature) === formatReference(wanted);
    }
    case 'exactRepository': {
      const wanted = parsed(rule.dockerRepository);
      return wanted !== undefined && formatName(signature) === formatName(wanted);
    }
    default:
      break;
  }
  if (intended === undefined) return false;
  switch (rule.type) {
    case 'matchExact':
      if (nameOnly(intended) || nameOnly(signature)) return false;
      return formatReference(signature) === formatReference(intended);
    case 'matchRepoDigestOrExact':
      return repoDigestOrExact(intended, signature);
    case 'matchRepository':
      return formatName(signature) === formatName(intended);
    case 'remapIdentity': {
      const mapped = remap(intended, rule.prefix, rule.signedPrefix);
      return mapped !== undefined && repoDigestOrExact(mapped, signature);
    }
  }
}
