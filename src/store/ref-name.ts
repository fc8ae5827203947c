/** The `org.opencontainers.image.ref.name` annotation of index.json entries (image-layout.md "index.json file"). */
import { ErrorCode, OciError } from '../errors/index.ts';

/** The annotation key that names an index.json entry. */
export const REF_NAME = 'org.opencontainers.image.ref.name';

// image-layout.md: ref ::= component ("/" component)*; component ::= alphanum (separator alphanum)*;
// separator ::= [-._:@+] | "--".
const COMPONENT = '[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*';
const REF_NAME_GRAMMAR = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const COMPONENT_GRAMMAR = new RegExp(`^${COMPONENT}$`);

/** True when `value` matches the ref.name grammar of image-layout.md. */
export function isRefName(value: string): boolean {
  return REF_NAME_GRAMMAR.test(value);
}

/** True when `value` is a single ref.name component (no `/`), the form a tag takes. */
export function isRefNameComponent(value: string): boolean {
  return COMPONENT_GRAMMAR.test(value);
}

/** Throws INVALID_REFERENCE unless `value` matches the ref.name grammar. */
export function checkRefName(value: string): void {
  if (!isRefName(value)) {
    throw new OciError(
      ErrorCode.INVALID_REFERENCE,
      `invalid ref name ${JSON.stringify(value.slice(0, 200))}: must be components of [A-Za-z0-9] joined by -._:@+ or "--", separated by "/" (image-layout.md)`,
      { data: { refName: value.slice(0, 200) } },
    );
  }
}

/**
 * The tag a ref.name carries: the whole value when it is a plain tag, the part after the last `:`
 * when it is a full reference such as `example.com/app:1.0` (spec-checklist §2.7: readers accept
 * both forms). Undefined when a full reference has no tag.
 */
export function tagOfRefName(value: string): string | undefined {
  const at = value.indexOf('@');
  const name = at === -1 ? value : value.slice(0, at);
  const colon = name.lastIndexOf(':');
  if (colon === -1) return name.includes('/') ? undefined : name;
  const tag = name.slice(colon + 1);
  return tag.includes('/') ? undefined : tag;
}
