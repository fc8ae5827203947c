/**
 * `ocikit inspect IMAGE [--platform P] [--raw] [--config] [--json] [--format TEMPLATE]`: show
 * index, manifest or config.
 */
import { Command } from '@commander-js/extra-typings';
import { ErrorCode, isOciError } from '../../errors/index.ts';
import { openImage, openTop } from '../../image/image.ts';
import type { Image, ImageSource, Index } from '../../image/types.ts';
import { formatPlatform } from '../../platform/index.ts';
import { withSource } from '../context.ts';
import { compileTemplate } from '../go-template.ts';
import { writeBytes, writeJson, writeLine } from '../output.ts';

/** Registers `inspect`. */
export function inspectCommand(): Command<
  [string],
  { platform?: string; raw?: true; config?: true; json?: true; format?: string }
> {
  return new Command('inspect')
    .description('show the index, manifest or config of an image')
    .argument('<image>', 'image name, e.g. oci:./layout:tag or localhost:5000/repo:tag')
    .option('--platform <os/arch[/variant]>', 'select the image for this platform from an index')
    .option('--raw', 'print the exact bytes of the document')
    .option('--config', 'print the image config instead of the manifest')
    .option('--json', 'print a JSON summary')
    .option(
      '--format <template>',
      "render a Go template over skopeo inspect's output (with --config: over the config), e.g. {{.Digest}}",
    )
    .action(async (name, options, command) => {
      const render = options.format === undefined ? undefined : compileTemplate(options.format);
      return withSource(name, command, async (source) => {
        if (render) return writeLine(await formatted(name, source, render, options));
        const wantImage = options.platform !== undefined || options.config === true;
        const target: Image | Index = wantImage
          ? await openImage(source, { platform: options.platform })
          : await openTop(source);
        if (options.config) {
          if (target.kind !== 'image') throw new Error('unreachable');
          const config = await target.config();
          return options.raw
            ? writeBytes(config.bytes)
            : writeJson(JSON.parse(Buffer.from(config.bytes).toString('utf8')));
        }
        if (options.raw) return writeBytes(target.document.bytes);
        const summary = await summarize(source.name, target);
        return options.json ? writeJson(summary) : writeLine(formatSummary(summary));
      });
    });
}

/** `--format`: the template rendered over skopeo's inspect object, or over the config. */
async function formatted(
  name: string,
  source: ImageSource,
  render: (data: unknown) => string,
  options: { platform?: string; config?: true },
): Promise<string> {
  const { goImageConfig, skopeoInspectObject } = await import('./inspect-format.ts');
  const image = await openImage(source, { platform: options.platform });
  if (options.config) return render(goImageConfig((await image.config()).value));
  const top = await source.resolve();
  const { transportOf, listNames } = await import('../../transports/index.ts');
  const { label, reference } = transportOf(name);
  let registry: { name: string; tags: string[] } | undefined;
  if (label === 'registry' || label === 'docker') {
    const { parseRegistryReference } = await import('../../transports/registry/index.ts');
    const { formatName } = await import('../../reference/index.ts');
    const repo = formatName(parseRegistryReference(reference));
    registry = { name: repo, tags: await listNames(name).catch(() => []) };
  }
  return render(await skopeoInspectObject(image, top.digest, registry));
}

interface Summary {
  name: string;
  digest: string;
  mediaType: string;
  size: number;
  manifests?: Array<{ digest: string; mediaType: string; size: number; platform?: string }>;
  artifactType?: string;
  config?: { digest: string; mediaType: string; size: number };
  created?: string;
  platform?: string;
  layers?: Array<{ digest: string; mediaType: string; size: number; diffId?: string }>;
  env?: string[];
  entrypoint?: string[] | null;
  cmd?: string[] | null;
  workingDir?: string;
  user?: string;
  labels?: Record<string, string> | null;
  annotations?: Record<string, string>;
}

async function summarize(name: string, target: Image | Index): Promise<Summary> {
  const base = {
    name,
    digest: target.document.digest,
    mediaType: target.document.mediaType,
    size: target.document.bytes.byteLength,
  };
  if (target.kind === 'index') {
    const index = target.document.value;
    return {
      ...base,
      manifests: index.manifests.map((m) => ({
        digest: m.digest,
        mediaType: m.mediaType,
        size: m.size,
        ...(m.platform ? { platform: formatPlatform(m.platform) } : {}),
      })),
      ...(index.annotations ? { annotations: index.annotations } : {}),
    };
  }
  const manifest = target.document.value;
  const summary: Summary = {
    ...base,
    config: {
      digest: manifest.config.digest,
      mediaType: manifest.config.mediaType,
      size: manifest.config.size,
    },
    layers: manifest.layers.map((l) => ({ digest: l.digest, mediaType: l.mediaType, size: l.size })),
  };
  if (manifest.artifactType) summary.artifactType = manifest.artifactType;
  if (manifest.annotations) summary.annotations = manifest.annotations;
  // An artifact's config is not an image config (UNSUPPORTED_MEDIA_TYPE): summarise without it.
  // Every other failure (a corrupt or missing config) is an error the user must see.
  const config = await target.config().catch((err: unknown) => {
    if (isOciError(err, ErrorCode.UNSUPPORTED_MEDIA_TYPE)) return undefined;
    throw err;
  });
  if (config) {
    const c = config.value;
    summary.platform = formatPlatform(c);
    if (c.created) summary.created = c.created;
    summary.layers?.forEach((layer, i) => {
      const diffId = c.rootfs.diff_ids[i];
      if (diffId) layer.diffId = diffId;
    });
    const run = c.config ?? {};
    if (run.Env) summary.env = run.Env;
    if (run.Entrypoint !== undefined) summary.entrypoint = run.Entrypoint;
    if (run.Cmd !== undefined) summary.cmd = run.Cmd;
    if (run.WorkingDir) summary.workingDir = run.WorkingDir;
    if (run.User) summary.user = run.User;
    if (run.Labels) summary.labels = run.Labels;
  }
  return summary;
}

function formatSummary(s: Summary): string {
  const lines = [`Name:       ${s.name}`, `Digest:     ${s.digest}`, `MediaType:  ${s.mediaType}`];
  if (s.manifests) {
    lines.push('Manifests:');
    for (const m of s.manifests) lines.push(`  ${m.digest}  ${m.platform ?? '-'}  ${m.mediaType}  ${m.size}`);
  }
  if (s.artifactType) lines.push(`Artifact:   ${s.artifactType}`);
  if (s.platform) lines.push(`Platform:   ${s.platform}`);
  if (s.created) lines.push(`Created:    ${s.created}`);
  if (s.config) lines.push(`Config:     ${s.config.digest}  ${s.config.mediaType}`);
  if (s.layers) {
    lines.push('Layers:');
    for (const l of s.layers) lines.push(`  ${l.digest}  ${l.size}  ${l.mediaType}`);
  }
  if (s.entrypoint) lines.push(`Entrypoint: ${JSON.stringify(s.entrypoint)}`);
  if (s.cmd) lines.push(`Cmd:        ${JSON.stringify(s.cmd)}`);
  if (s.workingDir) lines.push(`WorkingDir: ${s.workingDir}`);
  if (s.user) lines.push(`User:       ${s.user}`);
  if (s.env) lines.push('Env:', ...s.env.map((e) => `  ${e}`));
  if (s.labels) lines.push('Labels:', ...Object.entries(s.labels).map(([k, v]) => `  ${k}=${v}`));
  if (s.annotations)
    lines.push('Annotations:', ...Object.entries(s.annotations).map(([k, v]) => `  ${k}=${v}`));
  return lines.join('\n');
}
