/** The image manifest schema (manifest.md; Docker manifest-v2-2.md has the same shape). */
import * as z from 'zod/mini';
import { descriptorSchema } from './descriptor.ts';
import { OCI } from './media-types.ts';
import { annotationsSchema, mediaTypeSchema, schemaVersionSchema } from './rules.ts';

/**
 * manifest.md: schemaVersion 2, config and layers required, unknown fields kept.
 * `layers: []` is accepted on purpose: the JSON schema says minItems 1 and the spec only SHOULD,
 * but registries and the distribution conformance suite push layer-less manifests
 * (spec-checklist §10.11), so a copier must carry them.
 */
export const manifestSchema = z
  .looseObject({
    schemaVersion: schemaVersionSchema,
    mediaType: z.optional(mediaTypeSchema),
    artifactType: z.optional(mediaTypeSchema),
    config: descriptorSchema,
    layers: z.array(descriptorSchema),
    subject: z.optional(descriptorSchema),
    annotations: z.optional(annotationsSchema),
  })
  .check(
    z.superRefine((manifest, ctx) => {
      // manifest.md artifactType: MUST be set when config.mediaType is the empty value.
      if (manifest.config?.mediaType === OCI.empty && manifest.artifactType === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['artifactType'],
          message: `is required when config.mediaType is ${OCI.empty} (manifest.md)`,
        });
      }
    }),
  );
