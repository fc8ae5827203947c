/**
 * Opening the image a FROM or `COPY --from` names, through any source transport (`oci:`, archives,
 * a registry, a bare name), once per name and platform for the whole build. An index yields the
 * manifest for the platform; a single manifest must be for it, unless the platform was only the
 * default (then the image's own platform is taken, as BuildKit does for an implicit target).
 */
import type { Digest } from '../../digest/index.ts';
import { ErrorCode, OciError } from '../../errors/index.ts';
import { openTop } from '../../image/image.ts';
import type { Image } from '../../image/types.ts';
import { formatPlatform, platformMatches } from '../../platform/index.ts';
import { formatReference, normalizeReference, withDefaultTag } from '../../reference/index.ts';
import type { Platform } from '../../spec/index.ts';
import { openSource, transportOf } from '../../transports/index.ts';
import type { LayerRef } from '../layers.ts';
import type { BuildSession, OpenedImage } from '../session.ts';

/** The name recorded as `org.opencontainers.image.base.name`: registry names in full form. */
export function baseName(name: string): string {
  const { label, reference } = transportOf(name);
  if (label !== 'registry' && label !== 'docker') return name;
  try {
    return formatReference(withDefaultTag(normalizeReference(reference)));
  } catch {
    return name;
  }
}

async function open(
  session: BuildSession,
  name: string,
  platform: Platform,
  strict: boolean,
): Promise<OpenedImage> {
  const source = await openSource(name, session.transport);
  const top = await openTop(source, { signal: session.signal });
  let image: Image;
  if (top.kind === 'index') image = await top.image(platform, { signal: session.signal });
  else {
    image = top;
    const config = (await image.config({ signal: session.signal })).value;
    if (strict && !platformMatches(platform, config)) {
      throw new OciError(
        ErrorCode.NO_MATCHING_PLATFORM,
        `${name} is for ${formatPlatform(config)}, not ${formatPlatform(platform)}`,
        { data: { image: name, platform: formatPlatform(platform), available: [formatPlatform(config)] } },
      );
    }
  }
  return { name: baseName(name), image, digest: image.descriptor.digest as Digest };
}

/** Opens (or joins the opening of) image `name` for `platform`. */
export function openBaseImage(
  session: BuildSession,
  name: string,
  platform: Platform,
  strict: boolean,
): Promise<OpenedImage> {
  const key = `${name}\u0000${formatPlatform(platform)}\u0000${strict}`;
  let opened = session.images.get(key);
  if (opened === undefined) {
    opened = open(session, name, platform, strict);
    session.images.set(key, opened);
  }
  return opened;
}

/** The layers of an opened image, read from its source on demand. */
export async function imageLayers(opened: OpenedImage, session: BuildSession): Promise<LayerRef[]> {
  const config = (await opened.image.config({ signal: session.signal })).value;
  return opened.image.layers().map((layer, i) => {
    const diffId = config.rootfs.diff_ids[i];
    if (diffId === undefined) {
      throw new OciError(
        ErrorCode.INVALID_DOCUMENT,
        `${opened.name}: layer ${i} has no DiffID in the config`,
      );
    }
    return { descriptor: layer.descriptor, diffId, open: (options) => layer.compressed(options) };
  });
}
