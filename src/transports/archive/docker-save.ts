/**
 * The `docker save` format's own documents (spec-checklist §5.4): `manifest.json`, `repositories`,
 * and the Docker v2.2 manifest a reader synthesises for an image in it (§5.6, as containerd does).
 */
import * as z from 'zod/mini';
import type { Digest } from '../../digest/index.ts';
import { ErrorCode, OciError } from '../../errors/index.ts';
import {
  DOCKER,
  firstProblem,
  formatPath,
  type ManifestDocument,
  parseManifest,
  serializeJson,
} from '../../spec/index.ts';

/** One image of `manifest.json`. */
export interface DockerSaveImage {
  /** Path of the config in the archive. */
  Config: string;
  /** Familiar tagged names; null or empty when untagged. */
  RepoTags?: string[] | null;
  /** Paths of the layers in the archive, base first. */
  Layers: string[];
  [extra: string]: unknown;
}

const imageSchema = z.looseObject({
  Config: z.string().check(z.minLength(1)),
  RepoTags: z.optional(z.nullable(z.array(z.string()))),
  Layers: z.array(z.string().check(z.minLength(1))),
});

const manifestJsonSchema = z.array(imageSchema);

/** Largest `manifest.json` accepted. */
export const MAX_DOCKER_MANIFEST_BYTES = 16 << 20;

/** Parses `manifest.json` bytes; throws INVALID_ARCHIVE naming the problem (moby refuses `null`). */
export function parseDockerSaveManifest(bytes: Uint8Array, archive: string): DockerSaveImage[] {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new OciError(ErrorCode.INVALID_ARCHIVE, `${archive}: manifest.json is not valid JSON`, {
      cause: err,
      data: { path: archive },
    });
  }
  const problem = firstProblem(manifestJsonSchema, value);
  if (problem !== undefined) {
    throw new OciError(
      ErrorCode.INVALID_ARCHIVE,
      `${archive}: manifest.json ${formatPath(problem.path)}: ${problem.message}`,
      { data: { path: archive } },
    );
  }
  return value as DockerSaveImage[];
}

/** A layer as the synthesised manifest lists it. */
export interface SynthesisedLayer {
  mediaType: string;
  size: number;
  digest: Digest;
}

/**
 * The Docker v2.2 manifest for a config and its layers (manifest-v2-2.md). Field order and
 * compact JSON are fixed, so the same image always yields the same bytes and digest.
 */
export function synthesiseManifest(
  config: { size: number; digest: Digest },
  layers: readonly SynthesisedLayer[],
): ManifestDocument {
  const value = {
    schemaVersion: 2,
    mediaType: DOCKER.manifest,
    config: { mediaType: DOCKER.config, size: config.size, digest: config.digest },
    layers: layers.map((l) => ({ mediaType: l.mediaType, size: l.size, digest: l.digest })),
  };
  return parseManifest(serializeJson(value), { contentType: DOCKER.manifest });
}
