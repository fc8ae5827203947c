/**
 * Descriptor and platform validation (descriptor.md, image-index.md "platform"). A descriptor's
 * embedded `data` is decoded and checked against its size and (when we can hash it) its digest.
 */
import * as z from 'zod/mini';
import { digestBytes, isDigest, parseDigest } from '../digest/index.ts';
import {
  annotationsSchema,
  base64Schema,
  digestSchema,
  mediaTypeSchema,
  sizeSchema,
  uriSchema,
} from './rules.ts';
import type { Descriptor, Platform } from './types.ts';
import { validate } from './validate.ts';

/** image-index.md "platform": architecture and os are required; unknown fields are kept. */
export const platformSchema = z.looseObject({
  architecture: z.string(),
  os: z.string(),
  'os.version': z.optional(z.string()),
  'os.features': z.optional(z.array(z.string())),
  variant: z.optional(z.string()),
  features: z.optional(z.array(z.string())),
});

/** descriptor.md: mediaType, digest and size are required; unknown fields are kept. */
export const descriptorSchema = z
  .looseObject({
    mediaType: mediaTypeSchema,
    digest: digestSchema,
    size: sizeSchema,
    urls: z.optional(z.array(uriSchema)),
    annotations: z.optional(annotationsSchema),
    data: z.optional(base64Schema),
    artifactType: z.optional(mediaTypeSchema),
    platform: z.optional(platformSchema),
  })
  .check(
    z.superRefine((desc, ctx) => {
      // Zod may run this even after a field failed: check only well-formed descriptors.
      if (typeof desc.data !== 'string' || typeof desc.size !== 'number' || !isDigest(desc.digest)) return;
      const problem = embeddedDataProblem(desc.data, desc.digest, desc.size);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['data'], message: problem });
    }),
  );

/**
 * descriptor.md "data": the decoded bytes MUST be the referenced content. Checks the size always
 * and the digest when its algorithm is one we implement (others cannot be verified here).
 */
function embeddedDataProblem(data: string, digest: string, size: number): string | undefined {
  const bytes = Buffer.from(data, 'base64');
  // RFC 4648 §3.5: unused bits must be zero, so one content has one encoding.
  if (bytes.toString('base64') !== data) return 'must be canonical base64 (RFC 4648 §3.5: padding bits zero)';
  if (bytes.byteLength !== size) return `decodes to ${bytes.byteLength} bytes but size is ${size}`;
  const parsed = parseDigest(digest);
  if (!parsed.supported) return undefined;
  const actual = digestBytes(bytes, parsed.algorithm as 'sha256' | 'sha512');
  return actual === digest ? undefined : `decodes to content with digest ${actual}, not ${digest}`;
}

/** Validates a descriptor found at JSON path `path`; throws INVALID_DOCUMENT naming the field. */
export function parseDescriptor(value: unknown, path = ''): Descriptor {
  return validate<Descriptor>(descriptorSchema, value, path);
}

/** Validates a platform object found at JSON path `path`; throws INVALID_DOCUMENT naming the field. */
export function parsePlatformObject(value: unknown, path = ''): Platform {
  return validate<Platform>(platformSchema, value, path);
}
