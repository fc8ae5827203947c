/** The image index schema (image-index.md; Docker's manifest list has the same shape). */
import * as z from 'zod/mini';
import { descriptorSchema } from './descriptor.ts';
import { annotationsSchema, mediaTypeSchema, schemaVersionSchema } from './rules.ts';

/** The index schema with `manifests` entries checked by `entry`. */
function indexSchemaOf(entry: z.core.$ZodType) {
  return z.looseObject({
    schemaVersion: schemaVersionSchema,
    mediaType: z.optional(mediaTypeSchema),
    artifactType: z.optional(mediaTypeSchema),
    manifests: z.array(entry),
    subject: z.optional(descriptorSchema),
    annotations: z.optional(annotationsSchema),
  });
}

/** image-index.md: schemaVersion 2 and manifests required (it MAY be empty); unknown fields kept. */
export const indexSchema = indexSchemaOf(descriptorSchema);

/**
 * {@link indexSchema} without the per-entry descriptor checks: only for an index whose every
 * `manifests` entry has already passed `isWellFormedDescriptor` (descriptor-fast.ts).
 */
export const indexShellSchema = indexSchemaOf(z.unknown());
