/** The image index schema (image-index.md; Docker's manifest list has the same shape). */
import * as z from 'zod/mini';
import { descriptorSchema } from './descriptor.ts';
import { annotationsSchema, mediaTypeSchema, schemaVersionSchema } from './rules.ts';

/** image-index.md: schemaVersion 2 and manifests required (it MAY be empty); unknown fields kept. */
export const indexSchema = z.looseObject({
  schemaVersion: schemaVersionSchema,
  mediaType: z.optional(mediaTypeSchema),
  artifactType: z.optional(mediaTypeSchema),
  manifests: z.array(descriptorSchema),
  subject: z.optional(descriptorSchema),
  annotations: z.optional(annotationsSchema),
});
