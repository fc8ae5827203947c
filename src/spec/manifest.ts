/** The image manifest schema (manifest.md; Docker manifest-v2-2.md has the same shape). */
import * as z from 'zod/mini';
import { descriptorSchema } from './descriptor.ts';
import { OCI } from './media-types.ts';
import { annotationsSchema, mediaTypeSchema, schemaVersionSchema } from './rules.ts';

/** The manifest schema with `layers` entries checked by `layer`. */
function manifestSchemaOf(layer: z.core.$ZodType) {
  return z
    .looseObject({
      schemaVersion: schemaVersionSchema,
      mediaType: z.optional(mediaTypeSchema),
      artifactType: z.optional(mediaTypeSchema),
      config: descriptorSchema,
      layers: z.array(layer),
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
}

/**
 * manifest.md: schemaVersion 2, config and layers required, unknown fields kept.
 * `layers: []` is accepted on purpose: the JSON schema says minItems 1 and the spec only SHOULD,
 * but registries and the distribution conformance suite push layer-less manifests
 * (spec-checklist §10.11), so a copier must carry them.
 */
export const manifestSchema = manifestSchemaOf(descriptorSchema);

/**
 * {@link manifestSchema} without the per-layer descriptor checks: only for a manifest whose every
 * `layers` entry has already passed `isWellFormedDescriptor` (descriptor-fast.ts).
 */
export const manifestShellSchema = manifestSchemaOf(z.unknown());
