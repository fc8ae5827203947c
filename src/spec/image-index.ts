/** The image index schema (image-index.md; Docker's manifest list has the same shape). */
import { z } from 'zod';
import { descriptorSchema } from './descriptor.ts';
import { annotationsSchema, mediaTypeSchema, schemaVersionSchema } from './rules.ts';

/** image-index.md: schemaVersion 2 and manifests required (it MAY be empty); unknown fields kept. */
export const indexSchema = z
  .object({
    schemaVersion: schemaVersionSchema,
    mediaType: mediaTypeSchema.optional(),
    artifactType: mediaTypeSchema.optional(),
    manifests: z.array(descriptorSchema),
    subject: descriptorSchema.optional(),
    annotations: annotationsSchema.optional(),
  })
  .loose();
